//! The type system: the one source of truth for types, read by the compiler and the runtime.
//!
//! ## Model
//! crossgen2's `ILCompiler.TypeSystem`: a [`TypeSystem`] context owns arenas of types, fields
//! and methods, addressed by typed `u32` handles ([`TypeHandle`], [`FieldHandle`],
//! [`MethodHandle`], [`ModuleId`]). Types are interned by their [`TypeKind`], so handle
//! equality is type identity. Assemblies come from a [`ModuleResolver`]. Every facet (class
//! info, fields, methods, instance layout, GC map, statics, vtable, interfaces) is computed on
//! first use and cached, success or failure, so loading mscorlib's 3,000 types stays cheap.
//! The crate outputs numbers only (offsets, sizes, slots, word maps): the AOT compiler bakes
//! them in and the runtime builds MethodTables from them, so both agree by construction.
//!
//! | module | owns (ILCompiler counterpart) |
//! |---|---|
//! | [`handle`] | typed handles |
//! | [`desc`] | [`TypeKind`], [`ClassInfo`], [`FieldDesc`], [`MethodDesc`] (`TypeDesc` family) |
//! | `load` | modules, TypeDef/TypeRef/TypeSpec/MemberRef/MethodSpec resolution, signatures |
//! | `members` | class info, fields and methods of a type (`EcmaType`, `InstantiatedType`) |
//! | `generics` | substitution of generic arguments |
//! | `generic_params` | generic parameters as reflection sees them (owner, name, constraints) |
//! | [`well_known`] | Object, String, Array, ValueType, Enum, Delegate, Nullable\`1, ... |
//! | [`layout`] | instance layout (as Mono 6.8), GC maps, statics |
//! | [`virtuals`] | vtable slots, overrides, MethodImpls |
//! | [`interfaces`] | flattened interface lists, interface maps, variance |
//! | `casting` | assignability (`CastingHelper.cs`) |
//! | `display` | ILAsm-style names for messages |
//! | `type_names` | serialized names of closed types (`mscorlib#9<App#3>[]`), for images |
//!
//! ## Invariants
//! - Handles are assigned in load order, and every output is ordered by declaration (token)
//!   order or by handle, never by hash order: the same queries in the same order give the
//!   same handles and the same numbers.
//! - Layouts are Mono 6.8's on x86-64 (see [`layout`]), checked field by field against Mono
//!   itself by `tests/mono_layout_oracle.rs`.
//!
//! ## Deliberately not done
//! - Shared (`__Canon`) generics: the runtime decides what to share; this crate answers for
//!   exact instantiations.
//! - Thread safety by locks: the context takes `&mut self` for anything that may load or
//!   compute. A multi-threaded user wraps it in a `Mutex` or computes what it needs first.
//! - Mono's own vtable slot numbers: ours are deterministic and documented, not Mono's.
//!
//! ## Debugging
//! [`TypeSystem::type_name`] gives ILAsm-style names for any handle; errors carry them too.
//!
//! Depends on: ngen-metadata. Citations: ECMA-335 II.10, II.22, II.23; Mono 6.8
//! `mono/metadata/class-init.c`.

#![deny(missing_docs)]

mod casting;
pub mod desc;
mod display;
pub mod error;
mod generic_params;
mod generics;
pub mod handle;
pub mod interfaces;
pub mod layout;
mod load;
mod members;
mod name_index;
pub mod resolver;
mod type_names;
pub mod virtuals;
pub mod well_known;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ngen_metadata::Assembly;

pub use desc::{
    Category, ClassInfo, FieldDesc, GenericContext, MethodDesc, MethodSignature, ParamOwner,
    Primitive, TypeKind,
};
pub use error::{Result, TypeSystemError};
pub use generic_params::GenericParamInfo;
pub use handle::{FieldHandle, MethodHandle, ModuleId, TypeHandle};
pub use interfaces::{InterfaceMap, InterfaceMethodImpl};
pub use layout::{GcMap, InstanceLayout, StaticArea, StaticField, StaticsLayout};
pub use resolver::{DirectoryResolver, ModuleResolver};
pub use virtuals::{VTable, VTableSlot};
pub use well_known::WellKnownType;

/// One loaded assembly and the lookups built over it on demand.
pub(crate) struct ModuleData {
    pub(crate) assembly: Arc<Assembly>,
    pub(crate) name: String,
    /// Top-level TypeDefs by (namespace, name); built on first lookup.
    pub(crate) type_index: Option<name_index::NameIndex>,
    /// ExportedType rows by (namespace, name), for forwarders; built on first lookup.
    pub(crate) exported_index: Option<name_index::NameIndex>,
    /// AssemblyRef rid -> module, once resolved.
    pub(crate) assembly_refs: BTreeMap<u32, ModuleId>,
}

/// Per-type cached facets.
#[derive(Default)]
pub(crate) struct TypeFacets {
    pub(crate) class_info: Option<Result<Arc<ClassInfo>>>,
    pub(crate) fields: Option<Result<desc::FieldList>>,
    pub(crate) methods: Option<Result<desc::MethodList>>,
    pub(crate) layout: Option<Result<Arc<InstanceLayout>>>,
    pub(crate) gc_map: Option<Result<Arc<GcMap>>>,
    pub(crate) statics: Option<Result<Arc<StaticsLayout>>>,
    pub(crate) vtable: Option<Result<Arc<VTable>>>,
    pub(crate) interfaces: Option<Result<Arc<[TypeHandle]>>>,
    pub(crate) interface_map: Option<Result<Arc<InterfaceMap>>>,
}

pub(crate) struct TypeEntry {
    pub(crate) kind: TypeKind,
    pub(crate) facets: TypeFacets,
}

/// The type system context. See the crate documentation.
pub struct TypeSystem {
    pub(crate) resolver: Box<dyn ModuleResolver>,
    pub(crate) modules: Vec<ModuleData>,
    /// Simple name (ASCII-lowercased, as the CLR compares them) -> module.
    pub(crate) module_names: BTreeMap<String, ModuleId>,
    pub(crate) corlib: ModuleId,
    pub(crate) types: Vec<TypeEntry>,
    pub(crate) type_ids: BTreeMap<TypeKind, TypeHandle>,
    pub(crate) fields: Vec<FieldDesc>,
    pub(crate) field_ids: BTreeMap<(TypeHandle, u32), FieldHandle>,
    pub(crate) methods: Vec<MethodDesc>,
    pub(crate) method_ids: BTreeMap<(TypeHandle, u32, Box<[TypeHandle]>), MethodHandle>,
    pub(crate) well_known: BTreeMap<WellKnownType, Result<TypeHandle>>,
    /// Types whose instance layout is being computed (to detect recursive structs).
    pub(crate) layout_in_progress: BTreeSet<TypeHandle>,
    /// Types whose vtable or interfaces are being computed (to detect inheritance cycles).
    pub(crate) hierarchy_in_progress: BTreeSet<TypeHandle>,
}

impl TypeSystem {
    /// A context whose core library is the assembly `corlib_name` (normally `mscorlib`),
    /// found through `resolver`.
    pub fn new(resolver: Box<dyn ModuleResolver>, corlib_name: &str) -> Result<TypeSystem> {
        let mut ts = TypeSystem {
            resolver,
            modules: Vec::new(),
            module_names: BTreeMap::new(),
            corlib: ModuleId(0),
            types: Vec::new(),
            type_ids: BTreeMap::new(),
            fields: Vec::new(),
            field_ids: BTreeMap::new(),
            methods: Vec::new(),
            method_ids: BTreeMap::new(),
            well_known: BTreeMap::new(),
            layout_in_progress: BTreeSet::new(),
            hierarchy_in_progress: BTreeSet::new(),
        };
        ts.corlib = ts.load_module(corlib_name)?;
        Ok(ts)
    }

    /// The core library's module.
    pub fn corlib(&self) -> ModuleId {
        self.corlib
    }

    /// The kind (identity) of a type.
    pub fn kind(&self, ty: TypeHandle) -> &TypeKind {
        &self.types[ty.at()].kind
    }

    /// A field's description. Its type is [`TypeSystem::field_type`].
    pub fn field(&self, field: FieldHandle) -> &FieldDesc {
        &self.fields[field.at()]
    }

    /// A method's description. Its signature is [`TypeSystem::method_signature`].
    pub fn method(&self, method: MethodHandle) -> &MethodDesc {
        &self.methods[method.at()]
    }

    /// The number of types interned so far.
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    pub(crate) fn facets(&mut self, ty: TypeHandle) -> &mut TypeFacets {
        &mut self.types[ty.at()].facets
    }

    /// The handle of `kind`, interning it on first use.
    pub(crate) fn intern(&mut self, kind: TypeKind) -> TypeHandle {
        if let Some(&h) = self.type_ids.get(&kind) {
            return h;
        }
        let h = TypeHandle(self.types.len() as u32);
        self.types.push(TypeEntry {
            kind: kind.clone(),
            facets: TypeFacets::default(),
        });
        self.type_ids.insert(kind, h);
        h
    }

    /// `T[]`.
    pub fn sz_array_of(&mut self, element: TypeHandle) -> TypeHandle {
        self.intern(TypeKind::SzArray(element))
    }

    /// `T[,...]` of `rank` dimensions.
    pub fn array_of(&mut self, element: TypeHandle, rank: u32) -> TypeHandle {
        self.intern(TypeKind::Array(element, rank))
    }

    /// `T&`.
    pub fn byref_of(&mut self, ty: TypeHandle) -> TypeHandle {
        self.intern(TypeKind::ByRef(ty))
    }

    /// `T*`.
    pub fn pointer_of(&mut self, ty: TypeHandle) -> TypeHandle {
        self.intern(TypeKind::Ptr(ty))
    }

    /// `!n` (uninstantiated type generic parameter).
    pub fn type_var(&mut self, index: u32) -> TypeHandle {
        self.intern(TypeKind::Var(index))
    }

    /// `!!n` (uninstantiated method generic parameter).
    pub fn method_var(&mut self, index: u32) -> TypeHandle {
        self.intern(TypeKind::MVar(index))
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send<T: Send>() {}
    #[test]
    fn the_context_can_move_between_threads() {
        assert_send::<super::TypeSystem>();
    }
}
