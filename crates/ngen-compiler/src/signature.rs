//! From metadata signatures to [`MethodShape`]s and local types.
//!
//! This is the one mapping from CIL types to the managed calling convention, used by the
//! AOT compiler, the JIT and the runtime (which calls `Main` and resolves BCL methods).
//! A `valuetype`, a generic instance or a generic parameter needs the type system (an enum is
//! its underlying primitive, a struct has a layout, `!0` is what the method instance being
//! compiled says): callers pass a [`ValueTypes`] resolver, or [`no_value_types`] when they
//! have no type system. Types outside the supported core (an uninstantiated
//! generic parameter...) map to an error string that becomes an exclusion reason.

use ngen_metadata::signature::{CallConv, MethodSig, TypeSig};

use crate::types::{IlType, MethodShape, ValKind};

/// What a `valuetype T`, `G<args>`, `!n` or `!!n` of the signature's assembly is (in the
/// generic context of the method being compiled): a primitive kind, a reference, an enum's
/// primitive or a struct's layout, or why it is not supported.
pub type ValueTypes<'r> = &'r mut dyn FnMut(&TypeSig) -> Result<IlType, String>;

/// The resolver of callers without a type system: every value type and generic is refused.
pub fn no_value_types(sig: &TypeSig) -> Result<IlType, String> {
    Err(match sig {
        TypeSig::ValueType(_) => "value-type parameter or local".into(),
        _ => "generic type in signature".into(),
    })
}

/// The kind of a parameter/local/return type, or why it is not supported.
pub fn val_kind(ty: &TypeSig) -> Result<ValKind, String> {
    match il_type(ty, &mut no_value_types)? {
        IlType::Val(kind) => Ok(kind),
        IlType::Struct(_) => Err("value-type parameter or local".into()),
    }
}

/// The translator's type of a parameter/local/return type, or why it is not supported.
pub fn il_type(ty: &TypeSig, value_types: ValueTypes<'_>) -> Result<IlType, String> {
    Ok(IlType::Val(match ty.unmodified() {
        TypeSig::Boolean => ValKind::Bool,
        TypeSig::Char => ValKind::Char,
        TypeSig::I1 => ValKind::I1,
        TypeSig::U1 => ValKind::U1,
        TypeSig::I2 => ValKind::I2,
        TypeSig::U2 => ValKind::U2,
        TypeSig::I4 => ValKind::I4,
        TypeSig::U4 => ValKind::U4,
        TypeSig::I8 => ValKind::I8,
        TypeSig::U8 => ValKind::U8,
        TypeSig::I => ValKind::I,
        TypeSig::U => ValKind::U,
        TypeSig::R4 => ValKind::R4,
        TypeSig::R8 => ValKind::R8,
        TypeSig::String | TypeSig::Object | TypeSig::Class(_) | TypeSig::SzArray(_) => ValKind::Ref,
        TypeSig::Array { .. } => ValKind::Ref,
        TypeSig::ByRef(_) | TypeSig::Ptr(_) => ValKind::Ptr,
        TypeSig::ValueType(_)
        | TypeSig::GenericInst { .. }
        | TypeSig::Var(_)
        | TypeSig::MVar(_)
        // `System.TypedReference`, a struct of the core library.
        | TypeSig::TypedByRef => return value_types(ty.unmodified()),
        TypeSig::FnPtr(_) => ValKind::I,
        other => return Err(format!("unsupported type {other:?} in signature")),
    }))
}

/// The calling-convention shape of a method signature.
pub fn method_shape(sig: &MethodSig, value_types: ValueTypes<'_>) -> Result<MethodShape, String> {
    match sig.call_conv {
        CallConv::Default => {}
        CallConv::Generic(_) => return Err("generic method".into()),
        CallConv::VarArg => return Err("vararg method".into()),
        other => return Err(format!("unmanaged calling convention {other:?}")),
    }
    if sig.explicit_this {
        return Err("explicit this".into());
    }
    let ret = match sig.ret.unmodified() {
        TypeSig::Void => None,
        ty => Some(il_type(ty, value_types)?),
    };
    let params = sig
        .params
        .iter()
        .map(|p| il_type(p, value_types))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MethodShape {
        has_this: sig.has_this,
        params,
        ret,
    })
}
