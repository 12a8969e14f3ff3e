//! `System.RuntimeType` questions beyond names (`RuntimeType`/`RuntimeTypeHandle` icalls):
//! `Type.GetType` by name, the declaring type of a nested type, a generic instance's
//! definition, array/by-ref/pointer types made from a type, the array rank, `TypeCode`,
//! `IsInstanceOfType` and the interfaces a type implements.
//!
//! Depends on: the parent module's state (type objects), [`super::reflection`].
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_System_RuntimeTypeHandle_internal_from_name`,
//! `ves_icall_type_GetTypeCodeInternal`, `ves_icall_RuntimeType_get_DeclaringType`).

use ngen_compiler::runtime_types::TypeShape;

use super::lock;
use super::reflection::with_runtime;

/// `RuntimeTypeHandle.internal_from_name`: the type object of `name` (looked up in the
/// caller's assembly, found from the `StackCrawlMark` at `stack_mark`, else the program's, then
/// mscorlib, unless assembly-qualified), else 0, or `Err(message)` for `TypeLoadException`
/// when `throw_on_error`.
pub(crate) fn type_from_name(
    name: &str,
    stack_mark: u64,
    throw_on_error: bool,
    ignore_case: bool,
) -> Result<u64, String> {
    let core = lock().assembly_named(0, "mscorlib").ok();
    let caller =
        crate::stack_mark::caller_assembly(stack_mark, |asm| Some(asm) == core).unwrap_or(0);
    let mut rt = lock();
    let defaults = vec![rt.assemblies[caller].name.clone(), "mscorlib".to_string()];
    match rt.types.resolve_type_name(name, &defaults, ignore_case) {
        Ok(Some(ty)) => rt.type_object(ty).map_err(|e| {
            drop(rt);
            super::fatal(&format!("Type.GetType: {e}"))
        }),
        Ok(None) | Err(_) if !throw_on_error => Ok(0),
        _ => {
            let assembly = rt.assemblies[caller]
                .metadata
                .identity()
                .map(|i| i.display_name())
                .unwrap_or_default();
            let simple = name.split(',').next().unwrap_or(name).trim();
            Err(format!(
                "Could not load type '{simple}' from assembly '{assembly}'."
            ))
        }
    }
}

/// Applies `f` to the type `type_object` describes and returns the type object of its
/// answer (0 for none).
fn map_type(
    what: &str,
    type_object: u64,
    f: impl FnOnce(
        &ngen_compiler::type_context::TypeContext,
        ngen_compiler::runtime_types::TypeHandle,
    ) -> Result<Option<ngen_compiler::runtime_types::TypeHandle>, String>,
) -> u64 {
    with_runtime(what, |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        match f(&rt.types, ty)? {
            Some(t) => rt.type_object(t),
            None => Ok(0),
        }
    })
}

/// `RuntimeType.get_DeclaringType`: the enclosing type of a nested type, else 0.
pub(crate) fn declaring_type(type_object: u64) -> u64 {
    map_type("Type.DeclaringType", type_object, |ts, ty| {
        ts.declaring_type(ty)
    })
}

/// `RuntimeTypeHandle.GetGenericTypeDefinition_impl`: an instance's definition, a
/// definition itself, else 0.
pub(crate) fn generic_definition(type_object: u64) -> u64 {
    map_type("Type.GetGenericTypeDefinition", type_object, |ts, ty| {
        ts.generic_definition(ty)
    })
}

/// `make_array_type(rank)` (0: a vector), `make_byref_type`, `MakePointerType`.
pub(crate) fn derived_type(type_object: u64, shape: TypeShape) -> u64 {
    map_type("Type.MakeArrayType", type_object, |ts, ty| {
        ts.derived_type(ty, shape).map(Some)
    })
}

/// `RuntimeTypeHandle.GetArrayRank`.
pub(crate) fn array_rank(type_object: u64) -> i32 {
    with_runtime("Type.GetArrayRank", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        Ok(if rt.types.is_array(ty) {
            rt.types.array_info(ty)?.rank as i32
        } else {
            0
        })
    })
}

/// `RuntimeType.GetTypeCodeImplInternal`: Mono's `TypeCode` of the type.
pub(crate) fn type_code(type_object: u64) -> i32 {
    with_runtime("Type.GetTypeCode", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.types.type_code(ty)
    })
}

/// `RuntimeTypeHandle.IsInstanceOfType(type, obj)`.
pub(crate) fn is_instance_of_type(type_object: u64, obj: u64) -> bool {
    if obj == 0 {
        return false;
    }
    with_runtime("Type.IsInstanceOfType", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let of = rt.type_of_object(obj);
        rt.types.is_assignable(of, ty)
    })
}

/// `RuntimeType.GetInterfaces`: a `Type[]` of every interface the type implements.
pub(crate) fn interfaces(type_object: u64) -> u64 {
    with_runtime("Type.GetInterfaces", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let list = rt.types.implemented_interfaces(ty)?;
        rt.type_array("Type", list)
    })
}

/// `RuntimeTypeHandle.HasReferences`: whether an instance of the type (the value, for a
/// value type) holds references; false for arrays, pointers and generic parameters.
pub(crate) fn has_references(type_object: u64) -> bool {
    with_runtime("RuntimeTypeHandle.HasReferences", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        if !rt.types.has_instances(ty) || rt.types.is_array(ty) {
            return Ok(false);
        }
        Ok(rt
            .types
            .instance_shape(ty)
            .map(|(_, refs)| refs)
            .unwrap_or(false))
    })
}
