//! The type questions the runtime asks of its [`TypeContext`] while the program runs: the
//! layout of any type's method table (classes of the program and of the core library, value
//! types for boxing, arrays, interfaces), which method an interface call runs on an object of
//! a given type, assignability for casts the inline parent-chain walk cannot decide, and
//! Mono's names for types (`Type.ToString`).
//!
//! ## Model
//! The runtime keys its method tables by [`TypeHandle`] in its own context: handles are
//! interned, so one handle is one type for the life of the process, and a method table maps
//! back to its handle. Every answer is a number or a (module, MethodDef rid) pair computed by
//! `ngen-typesystem`, as the compiler's answers are, so images and the runtime agree.
//!
//! Depends on: [`crate::type_context`], ngen-typesystem. Citations: ECMA-335 II.12.2
//! (interface implementation), Mono 6.8 `mono/metadata/class-init.c`, `reflection.c`
//! (`mono_type_get_name_full`).

use ngen_metadata::{Assembly, TableId, Token};
use ngen_typesystem::TypeKind;
pub use ngen_typesystem::{
    GenericContext, GenericParamInfo, MethodHandle, ParamOwner, Primitive, TypeHandle,
    WellKnownType,
};

use crate::type_context::TypeContext;

mod full_names;
mod members;
mod reflection;
mod type_names;
pub use full_names::NameFormat;
pub use members::{
    FieldData, MethodInfoData, NameFilter, PropertyData, PropertyKey, binding_flags,
};
pub use ngen_typesystem::FieldHandle;
pub use reflection::{AbiClass, AttributeData, AttributeTarget, MethodAbi, NamedMember, TypeShape};
pub use type_names::{ParsedTypeName, Suffix, parse_type_name};

/// What the runtime needs to build a type's method table: its parent and, per vtable slot,
/// the method a virtual call through it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodTableLayout {
    /// The type.
    pub ty: TypeHandle,
    /// Its parent (`None` for `System.Object` and interfaces), which casts walk.
    pub parent: Option<TypeHandle>,
    /// Per slot: the implementing method (a generic instance's own for an instantiated type).
    pub slots: Vec<MethodRef>,
}

/// A method of some assembly, by simple name and MethodDef rid, and the method instance when
/// it is a member of a generic instance or a generic method instance (its code is compiled
/// for those arguments).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MethodRef {
    pub assembly: String,
    pub rid: u32,
    pub instance: Option<MethodHandle>,
}

/// The [`MethodRef`] of method `m`.
fn method_ref(ts: &ngen_typesystem::TypeSystem, m: MethodHandle) -> MethodRef {
    let desc = ts.method(m);
    let generic = matches!(ts.kind(desc.owner), TypeKind::Inst(..)) || !desc.method_args.is_empty();
    MethodRef {
        assembly: ts.module_name(desc.module).to_string(),
        rid: desc.rid,
        instance: generic.then_some(m),
    }
}

impl TypeContext {
    /// The type whose method table an import cell of kind `MethodTable` names: the owner of a
    /// constructor (`newobj`), or the type of a TypeDef, TypeRef or TypeSpec (casts, `box`).
    pub fn type_of_operand(&self, asm: &Assembly, token: Token) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        if matches!(
            token.table(),
            Some(TableId::TypeDef | TableId::TypeRef | TableId::TypeSpec)
        ) {
            inner.type_of(asm, token)
        } else if let Some(array) = inner.array_type_of_member(asm, token)? {
            // `newobj T[,]::.ctor(..)`: a runtime-provided method of an array type.
            Ok(array)
        } else {
            Ok(inner.method(asm, token)?.1.owner)
        }
    }

    /// The method definition a MethodDef or MemberRef `token` of `asm` names (resolved by the
    /// type system: nested parents, forwarded types and exact signatures included).
    pub fn method_def_of(&self, asm: &Assembly, token: Token) -> Result<MethodRef, String> {
        let mut inner = self.lock()?;
        let (method, _) = inner.method(asm, token)?;
        Ok(method_ref(&inner.ts, method))
    }

    /// The type named `namespace.name` in the assembly named `assembly` (top-level types).
    pub fn type_named(
        &self,
        assembly: &str,
        namespace: &str,
        name: &str,
    ) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let module = ts.load_module(assembly).map_err(|e| e.to_string())?;
        ts.find_type(module, namespace, name)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("type {namespace}.{name} not found in {assembly}"))
    }

    /// The array type `element[]`.
    pub fn sz_array_of(&self, element: TypeHandle) -> Result<TypeHandle, String> {
        Ok(self.lock()?.ts.sz_array_of(element))
    }

    /// The well-known core-library type `which`.
    pub fn well_known_type(&self, which: WellKnownType) -> Result<TypeHandle, String> {
        self.lock()?.ts.well_known(which).map_err(|e| e.to_string())
    }

    /// The method table layout of `ty`.
    pub fn method_table_layout(&self, ty: TypeHandle) -> Result<MethodTableLayout, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let parent = match ts.kind(ty) {
            TypeKind::Def(..) | TypeKind::Inst(..) => ts.parent(ty).map_err(|e| e.to_string())?,
            TypeKind::SzArray(_) | TypeKind::Array(..) => Some(
                ts.well_known(WellKnownType::Array)
                    .map_err(|e| e.to_string())?,
            ),
            _ => return Err(format!("no method table for {}", ts.type_name(ty))),
        };
        let vtable = ts.vtable(ty).map_err(|e| e.to_string())?;
        let is_interface = matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..))
            && ts.class_info(ty).map_err(|e| e.to_string())?.is_interface();
        // An interface's "slots" are its own methods, which only interface dispatch uses: its
        // method table exists for casts and has none.
        let slots = if is_interface {
            Vec::new()
        } else {
            vtable
                .slots
                .iter()
                .map(|slot| method_ref(ts, slot.implementation))
                .collect()
        };
        Ok(MethodTableLayout { ty, parent, slots })
    }

    /// The method an interface call of `token` (of `asm`, a method of an interface) runs on
    /// an object whose exact type is `ty`, or why there is none.
    pub fn interface_implementation(
        &self,
        ty: TypeHandle,
        asm: &Assembly,
        token: Token,
    ) -> Result<MethodRef, String> {
        let mut inner = self.lock()?;
        let (method, _) = inner.method(asm, token)?;
        if matches!(inner.ts.kind(ty), TypeKind::SzArray(_)) {
            // A vector's generic interfaces run `System.Array`'s `InternalArray__` helpers.
            drop(inner);
            if let Some(helper) = self.array_interface_helper(method) {
                let inner = self.lock()?;
                return Ok(method_ref(&inner.ts, helper));
            }
            inner = self.lock()?;
        }
        implementation_ref(&mut inner.ts, ty, method)
    }

    /// The method `constrained. constraint callvirt method` (tokens of `asm`, in this handle's
    /// generic context) runs: the constraint type's implementation (ECMA-335 III.2.1), for
    /// the runtime's constrained-method cells.
    pub fn constrained_implementation(
        &self,
        asm: &Assembly,
        method: Token,
        constraint: Token,
    ) -> Result<MethodRef, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, constraint)?;
        let (method, _) = inner.method(asm, method)?;
        implementation_ref(&mut inner.ts, ty, method)
    }

    /// Whether `callvirt token` of `asm` is dispatched by the `InterfaceTarget` helper (from
    /// the call site's method cell and the receiver's type): a call of an interface method,
    /// or of a generic virtual method instance (`M<int>`: one target per instantiation and
    /// type, which no vtable slot can hold; resolved at call time and cached per call site).
    pub fn is_interface_method(&self, asm: &Assembly, token: Token) -> Result<bool, String> {
        let mut inner = self.lock()?;
        let (_, desc) = inner.method(asm, token)?;
        let ts = &mut inner.ts;
        Ok(desc.is_virtual()
            && matches!(ts.kind(desc.owner), TypeKind::Def(..) | TypeKind::Inst(..))
            && (!desc.method_args.is_empty()
                || ts
                    .class_info(desc.owner)
                    .map_err(|e| e.to_string())?
                    .is_interface()))
    }

    /// Whether a value of type `from` may be stored where `to` is expected (casts).
    pub fn is_assignable(&self, from: TypeHandle, to: TypeHandle) -> Result<bool, String> {
        self.lock()?
            .ts
            .is_assignable_to(from, to)
            .map_err(|e| e.to_string())
    }

    /// The instance size (header included) and whether the collector must scan an instance
    /// of `ty`; an error for arrays and strings, whose size depends on the instance.
    pub fn instance_shape(&self, ty: TypeHandle) -> Result<(u32, bool), String> {
        let mut inner = self.lock()?;
        let string = inner.ts.well_known(WellKnownType::String).ok();
        if string == Some(ty)
            || matches!(
                inner.ts.kind(ty),
                TypeKind::SzArray(_) | TypeKind::Array(..)
            )
        {
            return Err(format!(
                "{} has no fixed instance size",
                inner.ts.type_name(ty)
            ));
        }
        let layout = inner.ts.instance_layout(ty).map_err(|e| e.to_string())?;
        Ok((layout.instance_size, layout.has_references))
    }

    /// Whether `ty` is a vector whose elements are references (classes, interfaces, arrays,
    /// strings): `Array.FastCopy` may then move its elements as words.
    pub fn is_vector_of_references(&self, ty: TypeHandle) -> Result<bool, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let TypeKind::SzArray(element) = ts.kind(ty).clone() else {
            return Ok(false);
        };
        match ts.kind(element) {
            TypeKind::SzArray(_) | TypeKind::Array(..) => Ok(true),
            TypeKind::Def(..) | TypeKind::Inst(..) => {
                let info = ts.class_info(element).map_err(|e| e.to_string())?;
                Ok(!info.is_value_type())
            }
            _ => Ok(false),
        }
    }

    /// The offset of the instance field `field` declared by `ty` (or an ancestor).
    pub fn field_offset_named(&self, ty: TypeHandle, field: &str) -> Result<u32, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        for owner in ts.ancestors(ty).map_err(|e| e.to_string())? {
            for &f in ts.fields(owner).map_err(|e| e.to_string())?.iter() {
                if ts.field(f).name == field && !ts.field(f).is_static() {
                    return ts.field_offset(f).map_err(|e| e.to_string());
                }
            }
        }
        Err(format!("{} has no field {field}", ts.type_name(ty)))
    }

    /// Mono's name of `ty` as `Type.ToString()` and `Type.FullName` print it
    /// (`mono_type_get_name_full`, `MONO_TYPE_NAME_FORMAT_REFLECTION`): `Namespace.Outer+Inner`,
    /// arrays as `Element[]`, instances as ``List`1[System.Int32]``.
    pub fn reflection_name(&self, ty: TypeHandle) -> Result<String, String> {
        let inner = self.lock()?;
        Ok(reflection_name(&inner.ts, ty))
    }

    /// Mono's `Type.Name` of `ty` (`ves_icall_RuntimeType_get_Name`: the class's own name,
    /// ``List`1`` for an instance, `Int32[]` for an array) and its `Type.Namespace`.
    pub fn simple_name(&self, ty: TypeHandle) -> Result<(String, String), String> {
        let mut inner = self.lock()?;
        simple_name(&mut inner.ts, ty)
    }

    /// Whether `ty` is a generic instance (`instance`) or a generic type definition
    /// (`definition`): Mono's `HasInstantiation` is either, `IsGenericTypeDefinition` the second.
    pub fn generic_shape(&self, ty: TypeHandle) -> Result<(bool, bool), String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        Ok(match ts.kind(ty) {
            TypeKind::Inst(..) => (true, false),
            TypeKind::Def(..) => {
                let generic = ts
                    .class_info(ty)
                    .map_err(|e| e.to_string())?
                    .generic_param_count;
                (false, generic != 0)
            }
            _ => (false, false),
        })
    }

    /// The base type of `ty` as `Type.BaseType` answers it (Mono's
    /// `ves_icall_RuntimeTypeHandle_GetBaseType`): the parent class, `System.Array` for
    /// arrays, `None` for `System.Object`, interfaces, pointers and by-refs.
    pub fn base_type(&self, ty: TypeHandle) -> Result<Option<TypeHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        match ts.kind(ty) {
            TypeKind::Def(..) | TypeKind::Inst(..) => {
                if ts.class_info(ty).map_err(|e| e.to_string())?.is_interface() {
                    return Ok(None);
                }
                ts.parent(ty).map_err(|e| e.to_string())
            }
            TypeKind::SzArray(_) | TypeKind::Array(..) => Ok(Some(
                ts.well_known(WellKnownType::Array)
                    .map_err(|e| e.to_string())?,
            )),
            _ => Ok(None),
        }
    }

    /// Whether `child` derives from `base` (its parent chain, not itself, not interfaces):
    /// `Type.IsSubclassOf` (Mono's `ves_icall_RuntimeTypeHandle_is_subclass_of`).
    pub fn is_subclass_of(&self, child: TypeHandle, base: TypeHandle) -> Result<bool, String> {
        if child == base {
            return Ok(false);
        }
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        if !matches!(ts.kind(child), TypeKind::Def(..) | TypeKind::Inst(..)) {
            // Arrays derive from System.Array, and so on up (interfaces are not bases).
            let yes = ts
                .is_assignable_to(child, base)
                .map_err(|e| e.to_string())?;
            let base_is_interface = matches!(ts.kind(base), TypeKind::Def(..) | TypeKind::Inst(..))
                && ts.class_info(base).is_ok_and(|i| i.is_interface());
            return Ok(yes && !base_is_interface);
        }
        if ts
            .class_info(child)
            .map_err(|e| e.to_string())?
            .is_interface()
        {
            return Ok(false);
        }
        Ok(ts
            .ancestors(child)
            .map_err(|e| e.to_string())?
            .contains(&base))
    }

    /// The display name of `ty` (ILAsm style), for messages.
    pub fn type_display_name(&self, ty: TypeHandle) -> String {
        match self.lock() {
            Ok(inner) => inner.ts.type_name(ty),
            Err(_) => "<type>".to_string(),
        }
    }
}

fn simple_name(
    ts: &mut ngen_typesystem::TypeSystem,
    ty: TypeHandle,
) -> Result<(String, String), String> {
    let (suffix, element) = match ts.kind(ty).clone() {
        TypeKind::Def(..) => ("", ty),
        TypeKind::Inst(def, _) => ("", def),
        TypeKind::SzArray(e) => ("[]", e),
        TypeKind::ByRef(e) => ("&", e),
        TypeKind::Ptr(e) => ("*", e),
        TypeKind::Array(e, rank) => {
            let (name, namespace) = simple_name(ts, e)?;
            let commas = ",".repeat(rank.saturating_sub(1) as usize);
            return Ok((format!("{name}[{commas}]"), namespace));
        }
        _ => return Ok((ts.type_name(ty), String::new())),
    };
    if element != ty {
        let (name, namespace) = simple_name(ts, element)?;
        return Ok((format!("{name}{suffix}"), namespace));
    }
    let info = ts.class_info(ty).map_err(|e| e.to_string())?;
    // A nested type's namespace is its outermost enclosing type's (Mono's `get_Namespace`).
    let mut outer = info.rid;
    let asm = ts.assembly_shared(info.module);
    while let Ok(Some(enclosing)) = asm.enclosing_type(outer) {
        outer = enclosing;
    }
    let namespace = match asm.type_def(outer) {
        Ok(row) if outer != info.rid => row.namespace.to_string(),
        _ => info.namespace.clone(),
    };
    Ok((info.name.clone(), namespace))
}

fn reflection_name(ts: &ngen_typesystem::TypeSystem, ty: TypeHandle) -> String {
    match ts.kind(ty) {
        TypeKind::Def(..) => ts.type_name(ty).replace('/', "+"),
        TypeKind::Inst(def, args) => {
            let args: Vec<String> = args.iter().map(|&a| reflection_name(ts, a)).collect();
            format!("{}[{}]", reflection_name(ts, *def), args.join(","))
        }
        TypeKind::SzArray(e) => format!("{}[]", reflection_name(ts, *e)),
        TypeKind::Array(e, rank) => format!(
            "{}[{}]",
            reflection_name(ts, *e),
            ",".repeat(rank.saturating_sub(1) as usize)
        ),
        TypeKind::ByRef(e) => format!("{}&", reflection_name(ts, *e)),
        TypeKind::Ptr(e) => format!("{}*", reflection_name(ts, *e)),
        _ => ts.type_name(ty),
    }
}

/// The method `ty` runs for `method` (a generic virtual or constrained call), as a
/// [`MethodRef`], or why there is none.
fn implementation_ref(
    ts: &mut ngen_typesystem::TypeSystem,
    ty: TypeHandle,
    method: ngen_typesystem::MethodHandle,
) -> Result<MethodRef, String> {
    let found = ts
        .resolve_generic_virtual(ty, method)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "{} does not implement {}",
                ts.type_name(ty),
                ts.method_name(method)
            )
        })?;
    Ok(method_ref(ts, found))
}
