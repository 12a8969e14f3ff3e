//! Runtime helpers as seen from IR: each helper's Cranelift signature, generated from the one
//! list in `ngen_abi::foreach_helper!`, and a per-function cache of imported signatures.
//!
//! Depends on: cranelift-codegen, `ngen_abi::helpers`.

use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{AbiParam, Function, SigRef, Signature};
use cranelift_codegen::isa::CallConv;
use ngen_abi::helpers::{HELPER_COUNT, HelperId};

/// The Cranelift type of a helper parameter or return type named in the ABI list.
macro_rules! clif_type {
    (cell) => {
        I64
    };
    (i32) => {
        I32
    };
    (u32) => {
        I32
    };
    (i64) => {
        I64
    };
    (u64) => {
        I64
    };
    (f32) => {
        F32
    };
    (f64) => {
        F64
    };
}

/// Pushes the return of a helper onto `sig` (`never`, `void`: none).
macro_rules! push_return {
    ($sig:ident, never) => {};
    ($sig:ident, void) => {};
    ($sig:ident, data) => {};
    ($sig:ident, $ret:ident) => {
        $sig.returns.push(AbiParam::new(clif_type!($ret)))
    };
}

macro_rules! helper_signatures {
    ($( $(#[$doc:meta])* $name:ident = $id:literal $rust:ident
        ($($param:ident : $ty:ident),*) -> $ret:ident; )*) => {
        /// The signature of helper `id` under `call_conv`.
        pub(crate) fn helper_signature(id: HelperId, call_conv: CallConv) -> Signature {
            let mut sig = Signature::new(call_conv);
            match id {
                $( HelperId::$name => {
                    $( sig.params.push(AbiParam::new(clif_type!($ty))); )*
                    push_return!(sig, $ret);
                } )*
            }
            sig
        }
    };
}

ngen_abi::foreach_helper!(helper_signatures);

/// The helper signatures imported into one function, each imported on first use.
#[derive(Default)]
pub(crate) struct HelperSigs([Option<SigRef>; HELPER_COUNT]);

impl HelperSigs {
    /// The signature of `id` in `func`.
    pub(crate) fn get(&mut self, id: HelperId, func: &mut Function, call_conv: CallConv) -> SigRef {
        *self.0[id as usize]
            .get_or_insert_with(|| func.import_signature(helper_signature(id, call_conv)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_abi_list() {
        let cc = CallConv::SystemV;
        let resolve = helper_signature(HelperId::ResolveCell, cc);
        assert_eq!(resolve.params, [AbiParam::new(I64)]);
        assert_eq!(resolve.returns, [AbiParam::new(I64)]);
        let throw = helper_signature(HelperId::Throw, cc);
        assert_eq!(throw.params, [AbiParam::new(I32)]);
        assert!(throw.returns.is_empty());
        let pending = helper_signature(HelperId::PendingException, cc);
        assert!(pending.params.is_empty() && pending.returns.is_empty());
        let fmodf = helper_signature(HelperId::FmodF32, cc);
        assert_eq!(fmodf.params, [AbiParam::new(F32), AbiParam::new(F32)]);
        assert_eq!(fmodf.returns, [AbiParam::new(F32)]);
    }
}
