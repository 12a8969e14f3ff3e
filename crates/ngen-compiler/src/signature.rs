//! From metadata signatures to [`MethodShape`]s and local kinds.
//!
//! This is the one mapping from CIL types to the managed calling convention, used by the
//! AOT compiler, the JIT and the runtime (which calls `Main` and resolves BCL methods).
//! Types outside the numeric core (value types, generics, typed references...) map to an
//! error string that becomes an exclusion reason.

use ngen_metadata::signature::{CallConv, MethodSig, TypeSig};

use crate::types::{MethodShape, ValKind};

/// The kind of a parameter/local/return type, or why it is not supported.
pub fn val_kind(ty: &TypeSig) -> Result<ValKind, String> {
    Ok(match ty.unmodified() {
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
        TypeSig::ValueType(_) => return Err("value-type parameter or local".into()),
        TypeSig::GenericInst { .. } | TypeSig::Var(_) | TypeSig::MVar(_) => {
            return Err("generic type in signature".into());
        }
        TypeSig::TypedByRef => return Err("typedref in signature".into()),
        TypeSig::FnPtr(_) => ValKind::I,
        other => return Err(format!("unsupported type {other:?} in signature")),
    })
}

/// The calling-convention shape of a method signature.
pub fn method_shape(sig: &MethodSig) -> Result<MethodShape, String> {
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
        ty => Some(val_kind(ty)?),
    };
    let params = sig
        .params
        .iter()
        .map(val_kind)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MethodShape {
        has_this: sig.has_this,
        params,
        ret,
    })
}
