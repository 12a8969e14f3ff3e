//! Reflection over generic parameters (`Type.IsGenericParameter` types: a definition's
//! `GetGenericArguments()`, an open method's parameter types): their position, declaring
//! method, attributes and constraints, as mono's icalls answer them.
//!
//! ## Model
//! The type system names each such parameter with its owner
//! (`ngen_typesystem::TypeKind::Param`); its type object describes a slot-less method
//! table, like every type without instances. Mono's managed side reads a parameter's
//! attributes and constraints from a `MonoGenericParamInfo` (`Mono.RuntimeStructs.
//! GenericParamInfo`: `pklass` 0, `name` 8, `flags` 16, `token` 20, `constraints` 24, a
//! null-terminated array of `MonoClass*`); here each is a leaked block made once per
//! parameter, a "class" being the method table a type object describes, which
//! `Mono.RuntimeClassHandle.GetTypeFromClass` hands back as the `RuntimeTypeHandle` value
//! and `Type.internal_from_handle` turns into the type object.
//!
//! Depends on: the parent module's state (type objects, method tables),
//! [`super::reflection`]. Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_RuntimeType_GetGenericParameterPosition`,
//! `ves_icall_RuntimeType_get_DeclaringMethod`,
//! `ves_icall_RuntimeTypeHandle_GetGenericParameterInfo`), `class-internals.h`
//! (`MonoGenericParamInfo`).

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_compiler::runtime_types::{ParamOwner, TypeHandle};

use super::Runtime;
use super::reflection::with_runtime;

/// The `MonoGenericParamInfo` block made for each parameter asked about (leaked addresses).
static INFOS: Mutex<Option<HashMap<TypeHandle, u64>>> = Mutex::new(None);

impl Runtime {
    /// The method table a type object of `ty` describes (slot-less for generic parameters).
    fn described_table(&mut self, ty: TypeHandle) -> Result<u64, String> {
        self.type_object(ty)?;
        self.method_table_of(ty)
    }
}

/// `RuntimeType.GetGenericParameterPosition()`: the parameter's position; -1 for a type that
/// is not a generic parameter (mono's managed caller checks first).
pub(crate) fn position(type_object: u64) -> i32 {
    with_runtime("Type.GenericParameterPosition", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        Ok(rt
            .types
            .generic_param_info(ty)?
            .map_or(-1, |info| info.position as i32))
    })
}

/// `RuntimeType.get_DeclaringMethod()`: the generic method whose parameter the type is, else
/// null.
pub(crate) fn declaring_method(type_object: u64) -> u64 {
    with_runtime("Type.DeclaringMethod", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        match rt.types.generic_param_info(ty)?.map(|info| info.owner) {
            Some(ParamOwner::Method(method)) => rt.member_object(method, 0),
            _ => Ok(0),
        }
    })
}

/// `RuntimeTypeHandle.GetGenericParameterInfo(RuntimeType)`: the parameter's
/// `MonoGenericParamInfo`, made once; 0 for a type that is not a generic parameter.
pub(crate) fn info(type_object: u64) -> u64 {
    with_runtime("Type.GetGenericParameterConstraints", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let mut infos = INFOS.lock().unwrap_or_else(|p| p.into_inner());
        let infos = infos.get_or_insert_with(HashMap::new);
        if let Some(&block) = infos.get(&ty) {
            return Ok(block);
        }
        let Some(info) = rt.types.generic_param_info(ty)? else {
            return Ok(0);
        };
        let mut constraints = Vec::with_capacity(info.constraints.len() + 1);
        for &constraint in &info.constraints {
            constraints.push(rt.described_table(constraint)?);
        }
        constraints.push(0);
        let constraints = Box::leak(constraints.into_boxed_slice()).as_ptr() as u64;
        let name = std::ffi::CString::new(info.name).unwrap_or_default();
        let name = name.into_raw() as u64;
        let flags_and_token = u64::from(info.flags) | u64::from(info.token) << 32;
        let class = rt.described_table(ty)?;
        let block =
            Box::leak(Box::new([class, name, flags_and_token, constraints])).as_ptr() as u64;
        infos.insert(ty, block);
        Ok(block)
    })
}

/// `Type.internal_from_handle(IntPtr)`: the type object of the type whose method table is
/// `handle` (a `RuntimeTypeHandle`'s value, as `RuntimeType._impl` holds it).
pub(crate) fn type_from_handle(handle: u64) -> u64 {
    with_runtime("Type.GetTypeFromHandle", |rt| {
        let ty = rt
            .type_of_table(handle)
            .ok_or_else(|| format!("an unknown type handle 0x{handle:x}"))?;
        rt.type_object(ty)
    })
}
