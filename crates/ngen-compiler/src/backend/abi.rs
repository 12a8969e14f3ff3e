//! The managed calling convention in Cranelift terms: one SystemV function per method,
//! parameters and returns by [`MachineType`] (see [`crate::types`]); value types by reference
//! to a caller-owned copy, struct returns through a hidden buffer after `this`
//! ([`MethodShape::abi_params`]).

use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;

use crate::types::{MachineType, MethodShape};

/// The CLIF type of a machine type.
pub(crate) fn clif_type(m: MachineType) -> Type {
    match m {
        MachineType::I32 => I32,
        MachineType::I64 => I64,
        MachineType::F32 => F32,
        MachineType::F64 => F64,
    }
}

/// The CLIF signature of a method with this shape.
pub(crate) fn clif_signature(shape: &MethodShape, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for kind in shape.abi_params() {
        sig.params.push(AbiParam::new(clif_type(kind.machine())));
    }
    if let Some(ret) = shape.abi_ret() {
        sig.returns.push(AbiParam::new(clif_type(ret.machine())));
    }
    sig
}
