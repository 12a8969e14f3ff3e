//! Method reflection beyond invoking: `GetMethodsByName_native` (`Type.GetMethods`,
//! `GetMethod`), `MonoMethodInfo.get_method_info` (return and declaring types, attributes),
//! names, generic methods (`IsGenericMethod`, `GetGenericArguments`,
//! `MakeGenericMethod`, `GetGenericMethodDefinition`) and `Activator`'s
//! `CreateInstanceInternal`.
//!
//! Depends on: [`super::members`] (handles, member objects), [`super::reflection`].
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_get_method_info`,
//! `ves_icall_RuntimeMethodInfo_MakeGenericMethod_impl`,
//! `ves_icall_System_Activator_CreateInstanceInternal`).

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};
use ngen_compiler::runtime_types::{AbiClass, NameFilter};

use super::members::{handle_value, method_of_member, new_gptr_array};
use super::reflection::{load, store, with_runtime};

/// The UTF-8 C string at `ptr` (null: none).
pub(crate) fn c_string(ptr: u64) -> Option<String> {
    if ptr == 0 {
        return None;
    }
    // SAFETY: managed code passes a NUL-terminated string from `SafeStringMarshal`.
    let text = unsafe { std::ffi::CStr::from_ptr(ptr as *const std::ffi::c_char) };
    Some(text.to_string_lossy().into_owned())
}

/// `RuntimeType.GetMethodsByName_native(namePtr, bindingAttr, listType)`: a handle array.
pub(crate) fn methods_by_name(type_object: u64, name: u64, binding: u32, list_type: u32) -> u64 {
    let filter = NameFilter::new(c_string(name), binding, list_type);
    let methods = with_runtime("Type.GetMethods", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.types.methods_by_name(ty, &filter, binding, false)
    });
    new_gptr_array(methods.into_iter().map(handle_value).collect())
}

/// `MonoMethodInfo.get_method_info(handle, out info)`: `parent` 0, `ret` 8, `attrs` 16,
/// `iattrs` 20, `callconv` 24 (the managed struct's layout).
pub(crate) fn method_info(handle: u64, info: u64) {
    let Some(method) = super::members::method_of_handle(handle) else {
        super::fatal("MonoMethodInfo.get_method_info: not a method handle")
    };
    with_runtime("MethodInfo", |rt| {
        let data = rt.types.method_info_data(method)?;
        let parent = rt.type_object(data.declaring)?;
        let ret = rt.type_object(data.ret)?;
        let int = AbiClass::Int {
            size: 4,
            signed: true,
        };
        store(info, AbiClass::Reference, parent);
        store(info + 8, AbiClass::Reference, ret);
        store(info + 16, int, u64::from(data.attributes));
        store(info + 20, int, u64::from(data.impl_attributes));
        store(info + 24, int, u64::from(data.calling_convention));
        Ok(())
    })
}

/// `MonoMethodInfo.get_method_attributes(handle)`.
pub(crate) fn method_attributes(handle: u64) -> i32 {
    let Some(method) = super::members::method_of_handle(handle) else {
        return 0;
    };
    with_runtime("MethodInfo.Attributes", |rt| {
        Ok(i32::from(rt.types.method_info_data(method)?.attributes))
    })
}

/// `RuntimeMethodInfo.get_name(method)`.
pub(crate) fn method_name(member: u64) -> u64 {
    let method = method_of_member(member);
    let (name, _) = with_runtime("MethodInfo.Name", |rt| {
        rt.types.method_name_and_owner(method)
    });
    crate::alloc::string_from_str(&name) as u64
}

/// `(IsGenericMethod, IsGenericMethodDefinition)` of a method object.
pub(crate) fn generic_method_shape(member: u64) -> (bool, bool) {
    let method = method_of_member(member);
    with_runtime("MethodInfo.IsGenericMethod", |rt| {
        let (generic, definition, _) = rt.types.method_generic_shape(method)?;
        Ok((generic, definition))
    })
}

/// `RuntimeMethodInfo.GetGenericArguments()`: a `Type[]`.
pub(crate) fn generic_method_arguments(member: u64) -> u64 {
    let method = method_of_member(member);
    with_runtime("MethodInfo.GetGenericArguments", |rt| {
        let (_, _, args) = rt.types.method_generic_shape(method)?;
        rt.type_array("Type", args)
    })
}

/// `MakeGenericMethod_impl(Type[] types)`: the method object of the instance.
pub(crate) fn make_generic_method(member: u64, types: u64) -> u64 {
    let method = method_of_member(member);
    with_runtime("MethodInfo.MakeGenericMethod", |rt| {
        // SAFETY: `types` is a live `Type[]`.
        let count = unsafe { ((types + ARRAY_LENGTH_OFFSET as u64) as *const u64).read() };
        let mut args = Vec::new();
        for i in 0..count {
            let at = types + ARRAY_DATA_OFFSET as u64 + 8 * i;
            args.push(rt.type_of_type_object(load(at, AbiClass::Reference))?);
        }
        let instance = rt.types.instantiate_method(method, &args)?;
        rt.member_object(instance, 0)
    })
}

/// `GetGenericMethodDefinition_impl()`: the open method of an instance (itself for a
/// definition), null for a non-generic method.
pub(crate) fn generic_method_definition(member: u64) -> u64 {
    let method = method_of_member(member);
    with_runtime("MethodInfo.GetGenericMethodDefinition", |rt| {
        match rt.types.generic_method_definition(method)? {
            Some(def) => rt.member_object(def, 0),
            None => Ok(0),
        }
    })
}

/// `RuntimeType.CreateInstanceInternal(type)`: a zeroed instance without running a
/// constructor (a value type's default value, boxed).
pub(crate) fn create_instance_internal(type_object: u64) -> u64 {
    with_runtime("Activator.CreateInstance", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.new_instance(ty)
    })
}

/// `RuntimeMethodInfo.get_base_method(method, definition)`: the method object of the
/// overridden method (reflected from its own declaring type), the same object when the
/// method overrides nothing.
pub(crate) fn base_method(member: u64, definition: bool) -> u64 {
    let method = method_of_member(member);
    with_runtime("MethodInfo.GetBaseDefinition", |rt| {
        let base = rt.types.base_method(method, definition)?;
        if base == method {
            Ok(member)
        } else {
            rt.member_object(base, 0)
        }
    })
}

/// `RuntimeMethodInfo.get_metadata_token(method)` (and `RuntimeConstructorInfo`'s): the
/// MethodDef token of the method's definition, an instance's too (mono's
/// `mono_reflection_get_token_checked`); `StackTrace.GetFullNameForStackTrace` matches a
/// generic instance's method to its definition's by it. 0 when the type system cannot say.
pub(crate) fn method_token(member: u64) -> i32 {
    let method = method_of_member(member);
    with_runtime("MethodBase.MetadataToken", |rt| {
        let method = rt
            .types
            .generic_method_definition(method)?
            .unwrap_or(method);
        let (_, owner) = rt.types.method_name_and_owner(method)?;
        // The type system lists a type's methods in MethodDef order.
        let index = rt
            .types
            .declared_methods(owner)?
            .iter()
            .position(|(m, _, _)| *m == method);
        let (Some(index), Some((assembly, type_rid))) = (index, rt.types.type_def_of(owner)?)
        else {
            return Ok(0);
        };
        let Some(asm) = rt.assemblies.iter().find(|a| a.name == assembly) else {
            return Ok(0);
        };
        let rids = asm
            .metadata
            .methods_of(type_rid)
            .map_err(|e| e.to_string())?;
        Ok(rids
            .get(index)
            .map_or(0, |&rid| i32::try_from(0x0600_0000 | rid).unwrap_or(0)))
    })
}
