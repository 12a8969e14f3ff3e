//! The compiler's type system: one [`TypeSystem`] per compilation, the "what" of the object
//! model (field offsets, instance sizes, GC maps, vtable slots) that AOT and JIT bake in.
//!
//! ## Model
//! A [`TypeContext`] wraps the `&mut self` API of `ngen-typesystem` in a `Mutex`, so rayon
//! workers of the AOT compiler can share it (queries are short; nothing long runs under the
//! lock). Assemblies come from a [`PathResolver`] over an explicit list of files (the binder's
//! closure of an image request) or from any other [`ModuleResolver`] (the runtime's JIT uses
//! a [`ngen_typesystem::DirectoryResolver`] over the AppBase and the framework directory).
//! When the context cannot start (no `mscorlib` among the inputs) it keeps the reason, and
//! every query answers with it: the methods that need types are excluded, nothing else is.
//!
//! ## Invariants
//! Answers are numbers from `ngen-typesystem` only, so images and the runtime agree by
//! construction. Query order does not change answers (handles may differ; numbers do not).
//!
//! Depends on: ngen-typesystem, ngen-metadata. Citations: ECMA-335 II.10.7 (field layout),
//! Mono 6.8 `mono/metadata/class-init.c`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use ngen_metadata::{Assembly, MetadataError, Token};
use ngen_typesystem::{
    DirectoryResolver, FieldDesc, FieldHandle, GenericContext, MethodDesc, MethodHandle, ModuleId,
    ModuleResolver, TypeHandle, TypeKind, TypeSystem, WellKnownType,
};

use crate::types::{IlType, ValKind};

mod delegates;
mod devirtualize;
mod generics;
mod interop;
mod intrinsic_methods;
mod reachable;
mod value_types;
mod virtual_reach;
pub use delegates::DelegateFields;
pub use devirtualize::SealedTarget;
pub use generics::MethodInstance;
pub use interop::InteropClass;
pub use intrinsic_methods::Intrinsic;
pub(crate) use value_types::il_type;
pub use value_types::{BoxedValue, FieldAccess, NullableLayout};

/// The core library every context starts from.
const CORLIB: &str = "mscorlib";

/// Resolves simple names to an explicit list of assembly files (by file stem, ASCII
/// case-insensitively, as the CLR compares simple names); the first file of a name wins.
#[derive(Clone, Debug, Default)]
pub struct PathResolver {
    by_name: BTreeMap<String, PathBuf>,
}

impl PathResolver {
    /// A resolver over `paths`.
    pub fn new<'p>(paths: impl IntoIterator<Item = &'p Path>) -> PathResolver {
        let mut by_name = BTreeMap::new();
        for path in paths {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                by_name
                    .entry(stem.to_ascii_lowercase())
                    .or_insert_with(|| path.to_path_buf());
            }
        }
        PathResolver { by_name }
    }
}

impl ModuleResolver for PathResolver {
    fn resolve(&self, name: &str) -> Option<Result<Assembly, MetadataError>> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(Assembly::open)
    }
}

/// Assembly paths the runtime's binder has bound, by simple name (ASCII-lowercased), shared
/// with the resolvers of the runtime's contexts: the type system then reads the file the
/// binder chose (a GAC or `privatePath` assembly included) rather than guessing by directory.
#[derive(Clone, Debug, Default)]
pub struct BoundPaths(Arc<Mutex<BTreeMap<String, PathBuf>>>);

impl BoundPaths {
    /// Records that `name` binds to `path` (the first binding of a name wins, as the loader's).
    pub fn register(&self, name: &str, path: &Path) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(name.to_ascii_lowercase())
            .or_insert_with(|| path.to_path_buf());
    }

    fn get(&self, name: &str) -> Option<PathBuf> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&name.to_ascii_lowercase()).cloned()
    }
}

/// Bound paths first, then directories.
struct BoundResolver {
    bound: BoundPaths,
    dirs: DirectoryResolver,
}

impl ModuleResolver for BoundResolver {
    fn resolve(&self, name: &str) -> Option<Result<Assembly, MetadataError>> {
        match self.bound.get(name) {
            Some(path) => Some(Assembly::open(&path)),
            None => self.dirs.resolve(name),
        }
    }
}

/// Where an instance field lives and what it holds, as the translator needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceField {
    /// The kind of value stored.
    pub kind: ValKind,
    /// Byte offset from the start of the object (header included, Mono's convention) for a
    /// field of a class, from the start of the unboxed value for a field of a value type.
    pub offset: u32,
}

/// What `newobj` allocates for a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewObject {
    /// Bytes of an instance, header included (Mono's `instance_size`).
    pub size: u32,
    /// Whether the collector must scan the instance (else it is allocated atomic).
    pub has_references: bool,
    /// Whether the instance is registered for finalization (its class overrides
    /// `Finalize`, `crate::finalizers`).
    pub finalizable: bool,
    /// A constructor of `System.String`: nothing is allocated; the call returns the string
    /// (Mono rewrites `newobj String::.ctor(args)` into `String::Ctor(args)`, a static method
    /// of the same parameters, `mono/metadata/marshal.c`; the runtime resolves the
    /// constructor's cell to it).
    pub string_ctor: bool,
    /// A delegate's constructor (runtime-implemented): nothing is called; the translator
    /// stores the target and the code pointer at these offsets of the new instance.
    pub delegate: Option<DelegateFields>,
}

/// Where a static field of the program lives: its type's storage areas (allocated by the
/// runtime, once per type) and the field's place in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticFieldStorage {
    /// The type of the value stored (an enum's primitive, or a struct).
    pub kind: IlType,
    /// The simple name of the assembly defining the field's type.
    pub owner_assembly: String,
    /// The TypeDef rid of the field's type in that assembly.
    pub owner_type_rid: u32,
    /// The MethodDef rid of that type's `.cctor`, if it has one.
    pub cctor_rid: Option<u32>,
    /// The type owning the storage: one per instantiation of a generic type (statics are
    /// per instance, ECMA-335 II.9.5), in this context's type system.
    pub owner: TypeHandle,
    /// That type's `.cctor` as a method of the owner, when the owner is a generic instance
    /// (its `.cctor` is compiled for its arguments).
    pub cctor: Option<MethodHandle>,
    /// Whether the field lives in the GC-scanned area (else the reference-free one).
    pub in_gc_area: bool,
    /// Whether the field is `[ThreadStatic]`: it lives in one of the type's per-thread areas
    /// (`in_gc_area` then says which), reached through the `ThreadStaticAddress` helper.
    pub thread_static: bool,
    /// The field's offset in its area.
    pub offset: u32,
    /// Bytes of the type's GC-scanned area.
    pub gc_size: u32,
    /// Bytes of the type's reference-free area.
    pub non_gc_size: u32,
    /// Bytes of the type's per-thread GC-scanned area.
    pub thread_gc_size: u32,
    /// Bytes of the type's per-thread reference-free area.
    pub thread_non_gc_size: u32,
}

/// How a `castclass`/`isinst` decides (see [`TypeContext::cast_target`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastTarget {
    /// Compare the target's method table with the receiver's and its parents' (inline).
    ParentChain,
    /// Ask the runtime's `IsInstance` helper (interfaces, arrays, generic instances).
    Helper,
}

pub(crate) struct Inner {
    pub(crate) ts: TypeSystem,
    /// The generic arguments `!n`/`!!n` of tokens stand for in the current query: set from
    /// the [`TypeContext`] handle that took the lock (a method instance's context, or none).
    pub(crate) generics: GenericContext,
}

impl Inner {
    /// The module of `asm`, found by its simple name (the compiled assembly was added up
    /// front; others come from the resolver).
    pub(crate) fn module_of(&mut self, asm: &Assembly) -> Result<ModuleId, String> {
        let name = asm.assembly_row().map_err(|e| e.to_string())?.name;
        self.ts.load_module(name).map_err(|e| e.to_string())
    }

    /// The type a TypeDef, TypeRef or TypeSpec token of `asm` names.
    pub(crate) fn type_of(&mut self, asm: &Assembly, token: Token) -> Result<TypeHandle, String> {
        let module = self.module_of(asm)?;
        self.ts
            .resolve_type(module, token, &self.generics)
            .map_err(|e| e.to_string())
    }

    /// The field a Field or MemberRef token of `asm` names, with its description.
    fn field(&mut self, asm: &Assembly, token: Token) -> Result<(FieldHandle, FieldDesc), String> {
        let module = self.module_of(asm)?;
        let field = self
            .ts
            .resolve_field(module, token, &self.generics)
            .map_err(|e| e.to_string())?;
        Ok((field, self.ts.field(field).clone()))
    }

    /// The method a MethodDef or MemberRef token of `asm` names, with its description.
    pub(crate) fn method(
        &mut self,
        asm: &Assembly,
        token: Token,
    ) -> Result<(MethodHandle, MethodDesc), String> {
        let module = self.module_of(asm)?;
        let method = self
            .ts
            .resolve_method(module, token, &self.generics)
            .map_err(|e| e.to_string())?;
        Ok((method, self.ts.method(method).clone()))
    }
}

/// One compilation's type system (see the module documentation). Cloning is cheap and shares
/// the type system (handles stay valid across clones); [`TypeContext::in_context`] gives a
/// handle whose token queries resolve `!n`/`!!n` in a method instance's generic context.
#[derive(Clone)]
pub struct TypeContext {
    inner: Result<Arc<Mutex<Inner>>, String>,
    generics: GenericContext,
}

impl TypeContext {
    /// A context for compiling `assembly` (when given: it binds its own simple name, whatever
    /// the resolver says), whose references come from `resolver`.
    pub fn new(assembly: Option<&Path>, resolver: Box<dyn ModuleResolver>) -> TypeContext {
        let start = || -> Result<Inner, String> {
            // Compiling mscorlib itself: the core library is the compiled file, which the
            // resolver over its references does not know (names by file stem, as
            // [`PathResolver`] matches them).
            let compiling_corlib = assembly
                .and_then(|p| p.file_stem())
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.eq_ignore_ascii_case(CORLIB));
            let resolver: Box<dyn ModuleResolver> = match assembly {
                Some(path) if compiling_corlib => Box::new(PathResolver::new([path])),
                _ => resolver,
            };
            let mut ts =
                TypeSystem::new(resolver, CORLIB).map_err(|e| format!("no type system: {e}"))?;
            if let Some(path) = assembly {
                let asm = Assembly::open(path).map_err(|e| format!("no type system: {e}"))?;
                ts.add_assembly(asm)
                    .map_err(|e| format!("no type system: {e}"))?;
            }
            Ok(Inner {
                ts,
                generics: GenericContext::none(),
            })
        };
        TypeContext {
            inner: start().map(|inner| Arc::new(Mutex::new(inner))),
            generics: GenericContext::none(),
        }
    }

    /// A context over the assemblies found in `dirs` (probed in order for `<name>.dll`, then
    /// `<name>.exe`), as the runtime's JIT uses: the AppBase, then the framework directory.
    pub fn over_directories(dirs: &[PathBuf]) -> TypeContext {
        TypeContext::new(None, Box::new(DirectoryResolver::new(dirs.iter().cloned())))
    }

    /// A context over the assemblies the runtime's binder has bound (`bound`, filled as it
    /// loads them), else found in `dirs` as [`TypeContext::over_directories`] finds them.
    pub fn over_bound_paths(bound: BoundPaths, dirs: &[PathBuf]) -> TypeContext {
        TypeContext::new(
            None,
            Box::new(BoundResolver {
                bound,
                dirs: DirectoryResolver::new(dirs.iter().cloned()),
            }),
        )
    }

    /// A context that answers every query with `reason` (callers that have no inputs).
    pub fn unavailable(reason: impl Into<String>) -> TypeContext {
        TypeContext {
            inner: Err(reason.into()),
            generics: GenericContext::none(),
        }
    }

    /// Why the context could not start, if it could not.
    pub fn unavailable_reason(&self) -> Option<&str> {
        self.inner.as_ref().err().map(String::as_str)
    }

    /// The same type system, with tokens resolved in `generics` (a method instance's type
    /// and method arguments): `!0` of a token stands for `generics.type_args[0]`.
    pub fn in_context(&self, generics: GenericContext) -> TypeContext {
        TypeContext {
            inner: self.inner.clone(),
            generics,
        }
    }

    /// The generic context this handle resolves tokens in.
    pub fn generics(&self) -> &GenericContext {
        &self.generics
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Inner>, String> {
        match &self.inner {
            // A panic under the lock (caught per method by the AOT driver) leaves the caches
            // consistent: every facet is stored whole or not at all.
            Ok(m) => {
                let mut inner = m.lock().unwrap_or_else(|p| p.into_inner());
                if inner.generics != self.generics {
                    inner.generics = self.generics.clone();
                }
                Ok(inner)
            }
            Err(reason) => Err(reason.clone()),
        }
    }

    /// The instance field a `ldfld`/`stfld`/`ldflda` operand of `asm` names, when it holds a
    /// primitive or a reference ([`TypeContext::field_access`] covers struct fields too).
    pub fn instance_field(&self, asm: &Assembly, token: Token) -> Result<InstanceField, String> {
        let access = self.field_access(asm, token)?;
        match access.ty {
            IlType::Val(kind) => Ok(InstanceField {
                kind,
                offset: access.offset,
            }),
            IlType::Struct(_) => Err("a struct field".into()),
        }
    }

    /// What `newobj ctor` allocates, for a constructor of any class (the program's or the
    /// core library's, whose constructors run from mscorlib's IL): not a value type, interface,
    /// array, string or delegate (those are allocated by their own rules).
    pub fn new_object(&self, asm: &Assembly, ctor: Token) -> Result<NewObject, String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, ctor)?;
        let ts = &mut inner.ts;
        if desc.name != ".ctor" || desc.is_static() {
            return Err(format!("newobj of {}", ts.method_name(method)));
        }
        let owner = desc.owner;
        let name = ts.type_name(owner);
        if !ts.is_closed(owner) {
            return Err(format!("newobj of the open generic type {name}"));
        }
        let info = ts.class_info(owner).map_err(|e| e.to_string())?;
        if info.is_value_type() || info.is_interface() {
            return Err(format!("newobj of the value type {name}"));
        }
        if ts.well_known(WellKnownType::String).ok() == Some(owner) {
            return Ok(NewObject {
                size: 0,
                has_references: false,
                finalizable: false,
                string_ctor: true,
                delegate: None,
            });
        }
        // A delegate's `.ctor(object, native int)` is runtime-implemented (ECMA-335 II.14.6):
        // the translator fills the fields itself.
        let delegate = if delegates::is_delegate_type(ts, owner) {
            Some(delegates::delegate_fields(ts)?)
        } else {
            None
        };
        let layout = ts.instance_layout(owner).map_err(|e| e.to_string())?;
        let finalizable = crate::finalizers::has_finalizer(ts, owner)?;
        Ok(NewObject {
            size: layout.instance_size,
            has_references: layout.has_references,
            finalizable,
            string_ctor: false,
            delegate,
        })
    }

    /// Where the static field a `ldsfld`/`stsfld`/`ldsflda` operand of `asm` names lives
    /// (mscorlib's, such as `String.Empty`, included).
    /// `None` is kept for callers that expect it; every type's statics have storage now.
    pub fn static_field(
        &self,
        asm: &Assembly,
        token: Token,
    ) -> Result<Option<StaticFieldStorage>, String> {
        let mut inner = self.lock()?;
        let (field, desc) = inner.field(asm, token)?;
        let ts = &mut inner.ts;
        if !desc.is_static() || desc.is_literal() {
            return Err(format!("field {} is not a static with storage", desc.name));
        }
        if !ts.is_closed(desc.owner) {
            return Err(format!(
                "static field {} of the open generic type {}",
                desc.name,
                ts.type_name(desc.owner)
            ));
        }
        let (owner_module, owner_type_rid) = match ts.kind(desc.owner).clone() {
            TypeKind::Def(m, rid) => (m, rid),
            TypeKind::Inst(def, _) => match ts.kind(def).clone() {
                TypeKind::Def(m, rid) => (m, rid),
                _ => return Err(format!("static field {} of a strange owner", desc.name)),
            },
            _ => return Err(format!("static field {} of a strange owner", desc.name)),
        };
        let ty = ts.field_type(field).map_err(|e| e.to_string())?;
        let kind = value_types::il_type(ts, ty).map_err(|e| format!("field {}: {e}", desc.name))?;
        let layout = ts.statics_layout(desc.owner).map_err(|e| e.to_string())?;
        let Some(place) = layout.get(field) else {
            return Err(format!("static field {} has no storage", desc.name));
        };
        let (in_gc_area, thread_static) = match place.area {
            ngen_typesystem::StaticArea::Gc => (true, false),
            ngen_typesystem::StaticArea::NonGc => (false, false),
            ngen_typesystem::StaticArea::ThreadGc => (true, true),
            ngen_typesystem::StaticArea::ThreadNonGc => (false, true),
        };
        let (cctor_rid, cctor) = find_cctor(ts, desc.owner)?;
        Ok(Some(StaticFieldStorage {
            kind,
            owner_assembly: ts.module_name(owner_module).to_string(),
            owner_type_rid,
            cctor_rid,
            owner: desc.owner,
            cctor,
            in_gc_area,
            thread_static,
            offset: place.offset,
            gc_size: layout.gc_size,
            non_gc_size: layout.non_gc_size,
            thread_gc_size: layout.thread_gc_size,
            thread_non_gc_size: layout.thread_non_gc_size,
        }))
    }

    /// The static areas of the class TypeDef `token` of `asm` names, for a class-init cell:
    /// the areas' sizes and the `.cctor`'s MethodDef rid, as [`StaticFieldStorage`] gives
    /// them for a field (`kind`, `in_gc_area` and `offset` are meaningless here).
    pub fn type_statics(&self, asm: &Assembly, token: Token) -> Result<StaticFieldStorage, String> {
        let mut inner = self.lock()?;
        let mut ty = inner.type_of(asm, token)?;
        let type_args = inner.generics.type_args.clone();
        let ts = &mut inner.ts;
        // A generic class's own TypeDef, checked by a method instance: that instantiation
        // (unless the context already made the token that instantiation).
        if let Some(args) = type_args
            && matches!(ts.kind(ty), TypeKind::Def(..))
            && ts
                .class_info(ty)
                .is_ok_and(|i| i.generic_param_count as usize == args.len())
        {
            ty = ts.instantiate(ty, &args).map_err(|e| e.to_string())?;
        }
        let def = match ts.kind(ty).clone() {
            TypeKind::Inst(def, _) => def,
            _ => ty,
        };
        let TypeKind::Def(owner_module, owner_type_rid) = ts.kind(def).clone() else {
            return Err(format!("class init of {}", ts.type_name(ty)));
        };
        let layout = ts.statics_layout(ty).map_err(|e| e.to_string())?;
        let (cctor_rid, cctor) = find_cctor(ts, ty)?;
        Ok(StaticFieldStorage {
            kind: crate::types::IlType::Val(ValKind::I),
            owner_assembly: ts.module_name(owner_module).to_string(),
            owner_type_rid,
            cctor_rid,
            owner: ty,
            cctor,
            in_gc_area: false,
            thread_static: false,
            offset: 0,
            gc_size: layout.gc_size,
            non_gc_size: layout.non_gc_size,
            thread_gc_size: layout.thread_gc_size,
            thread_non_gc_size: layout.thread_non_gc_size,
        })
    }

    /// The vtable slot `callvirt token` of `asm` dispatches through: a virtual method declared
    /// by a class, the program's or the core library's (not an interface method, not generic).
    pub fn virtual_slot(&self, asm: &Assembly, token: Token) -> Result<u32, String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, token)?;
        let ts = &mut inner.ts;
        let name = ts.method_name(method);
        if !desc.is_virtual() {
            return Err(format!("{name} is not virtual"));
        }
        if !desc.method_args.is_empty() {
            return Err(format!("virtual call to the generic method {name}"));
        }
        if ts
            .class_info(desc.owner)
            .map_err(|e| e.to_string())?
            .is_interface()
        {
            return Err(format!("interface call to {name}"));
        }
        ts.slot_of(method)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{name} has no vtable slot"))
    }

    /// How `castclass`/`isinst token` of `asm` decides: a class or value type (not generic)
    /// by a walk up the receiver's method-table chain, which ends at `System.Object`; an
    /// interface, array or generic instance by the runtime's `IsInstance` helper, which asks
    /// the type system (variance, array covariance, `T[]` interfaces).
    pub fn cast_target(&self, asm: &Assembly, token: Token) -> Result<CastTarget, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let ts = &mut inner.ts;
        let name = ts.type_name(ty);
        match ts.kind(ty) {
            TypeKind::Def(..) => {}
            TypeKind::Inst(..) | TypeKind::SzArray(_) | TypeKind::Array(..) => {
                return Ok(CastTarget::Helper);
            }
            _ => return Err(format!("cast to {name}")),
        }
        let info = ts.class_info(ty).map_err(|e| e.to_string())?;
        if info.is_interface() {
            return Ok(CastTarget::Helper);
        }
        if info.generic_param_count != 0 {
            return Err(format!("cast to the generic definition {name}"));
        }
        Ok(CastTarget::ParentChain)
    }

    /// Whether `token` of `asm` names `System.Object::.ctor`, which does nothing.
    pub fn is_object_ctor(&self, asm: &Assembly, token: Token) -> bool {
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        let Ok((_, desc)) = inner.method(asm, token) else {
            return false;
        };
        desc.name == ".ctor"
            && !desc.is_static()
            && inner.ts.well_known(WellKnownType::Object).ok() == Some(desc.owner)
    }

    /// Whether `callvirt token` always reaches the method `token` names, so it can be compiled
    /// as a null-checked direct call (ECMA-335 III.4.2): the method is not virtual, is `final`,
    /// or belongs to a sealed class. Virtual dispatch proper comes with method tables.
    pub fn check_exact_callvirt(&self, asm: &Assembly, token: Token) -> Result<(), String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, token)?;
        let ts = &mut inner.ts;
        if !desc.is_virtual() || desc.is_final() {
            return Ok(());
        }
        let owner = ts.class_info(desc.owner).map_err(|e| e.to_string())?;
        if owner.flags & ngen_metadata::flags::type_attributes::SEALED != 0 {
            return Ok(());
        }
        Err(format!("virtual call to {}", ts.method_name(method)))
    }

    /// The instance size (header included) of the class a type token of `asm` names.
    pub fn instance_size(&self, asm: &Assembly, token: Token) -> Result<u32, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let ts = &mut inner.ts;
        let layout = ts.instance_layout(ty).map_err(|e| e.to_string())?;
        Ok(layout.instance_size)
    }
}

/// The `.cctor` of `ty` (a definition or an instance): its MethodDef rid and its handle as a
/// member of `ty`.
fn find_cctor(
    ts: &mut TypeSystem,
    ty: TypeHandle,
) -> Result<(Option<u32>, Option<MethodHandle>), String> {
    for &m in ts.methods(ty).map_err(|e| e.to_string())?.iter() {
        let desc = ts.method(m);
        if desc.name == ".cctor" && desc.is_static() {
            let instance = matches!(ts.kind(ty), TypeKind::Inst(..)).then_some(m);
            return Ok((Some(desc.rid), instance));
        }
    }
    Ok((None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_without_mscorlib_says_why_and_answers_every_query_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("App.exe");
        let cx = TypeContext::new(
            Some(&missing),
            Box::new(PathResolver::new([missing.as_path()])),
        );
        let reason = cx.unavailable_reason().unwrap().to_string();
        assert!(reason.contains("mscorlib"), "{reason}");
        assert!(cx.lock().is_err());
    }

    /// `class C { int a; object b; long c; }` and `struct S { byte x; int y; }` from mcs:
    /// Mono's auto layout puts references first after the 16-byte header (b at 16), then the
    /// rest in declaration order, each aligned (a at 24, c at 32; size 40); the struct is sequential (x at 0,
    /// y at 4 of the value; boxed size 16 + 8).
    #[test]
    fn field_offsets_and_sizes_of_a_program_come_from_the_type_system() {
        let corlib = Path::new("/usr/lib/mono/4.5/mscorlib.dll");
        if !corlib.is_file()
            || std::process::Command::new("mcs")
                .arg("--version")
                .output()
                .is_err()
        {
            eprintln!("SKIPPED: needs mono's mcs and mscorlib (tests/setup.sh installs them)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("Layout.cs");
        std::fs::write(
            &src,
            "class C { int a; object b; long c; static int s; \
             static void Main() { var o = new C(); o.a = 1; o.b = null; o.c = 2; s = 3; \
             var v = new S(); v.x = 1; v.y = 2; } }\n\
             struct S { public byte x; public int y; }\n",
        )
        .unwrap();
        let exe = dir.path().join("Layout.exe");
        let out = std::process::Command::new("mcs")
            .arg(format!("-out:{}", exe.display()))
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The resolver does not know Layout: the context binds it because it was given.
        let cx = TypeContext::new(Some(&exe), Box::new(PathResolver::new([corlib])));
        assert_eq!(cx.unavailable_reason(), None);
        let asm = Assembly::open(&exe).unwrap();
        let field = |rid| cx.instance_field(&asm, Token::new(ngen_metadata::TableId::Field, rid));
        // Field rids in declaration order: C.a, C.b, C.c, C.s, S.x, S.y.
        assert_eq!(
            field(1),
            Ok(InstanceField {
                kind: ValKind::I4,
                offset: 24
            })
        );
        assert_eq!(
            field(2),
            Ok(InstanceField {
                kind: ValKind::Ref,
                offset: 16
            })
        );
        assert_eq!(
            field(3),
            Ok(InstanceField {
                kind: ValKind::I8,
                offset: 32
            })
        );
        assert!(field(4).unwrap_err().contains("static"));
        // Fields of value types are at their offset in the unboxed value.
        assert_eq!(
            field(6),
            Ok(InstanceField {
                kind: ValKind::I4,
                offset: 4
            })
        );
        // TypeDef rids: <Module>, C, S.
        let size = |rid| cx.instance_size(&asm, Token::new(ngen_metadata::TableId::TypeDef, rid));
        assert_eq!(size(2), Ok(40));
        let ctor = (1..=3)
            .map(|rid| Token::new(ngen_metadata::TableId::MethodDef, rid))
            .find(|&t| cx.new_object(&asm, t).is_ok())
            .expect("C's constructor");
        assert_eq!(
            cx.new_object(&asm, ctor),
            Ok(NewObject {
                size: 40,
                has_references: true,
                finalizable: false,
                string_ctor: false,
                delegate: None,
            })
        );
        assert!(!cx.is_object_ctor(&asm, ctor));
        assert_eq!(size(3), Ok(24));
        // Main is static and not virtual; Object.ToString is virtual in an unsealed class.
        assert_eq!(
            cx.check_exact_callvirt(&asm, Token::new(ngen_metadata::TableId::MethodDef, 1)),
            Ok(())
        );
    }

    #[test]
    fn the_path_resolver_matches_simple_names_by_file_stem_ignoring_case() {
        let r = PathResolver::new([Path::new("/x/MsCorLib.dll"), Path::new("/y/mscorlib.dll")]);
        assert_eq!(
            r.by_name.get("mscorlib").map(PathBuf::as_path),
            Some(Path::new("/x/MsCorLib.dll"))
        );
        assert!(r.resolve("System").is_none());
    }
}
