//! `Buffer.Memmove(byte*, byte*, uint)` of the core library as a call of the runtime's
//! `Memmove` helper (libc's `memmove`) instead of its IL, which tests for overlap and calls
//! `Buffer.Memcpy`, which aligns and copies in 1-, 2- and 4-byte moves (calling the
//! `InternalMemcpy` icall above 32 bytes). String building and splitting copy a few characters
//! at a time through it (`String.wstrcpy` under `StringBuilder.Append` and `Substring`), so
//! those loops were about 6 % of a word count's time.
//!
//! ## Model
//! The bytes written are the same: `Memmove` sends overlapping ranges to
//! `RuntimeImports.Memmove` (a `memmove`) and disjoint ones to `Memcpy`; a length of 0 copies
//! nothing. Nothing in it can throw (the pointers come from `fixed` statements over live
//! objects), so mono's traces cannot tell the difference. `Buffer.Memcpy` itself stays a
//! call: `Buffer.MemoryCopy` passes it overlapping ranges, which its forward loops copy
//! differently from `memmove`. Which calls these are is the type system's answer
//! ([`crate::type_context::Intrinsic::Memmove`]).
//!
//! Depends on: [`super::memory`] (`pop_address`), `ngen_abi::helpers` (`Memmove`).

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::I64;
use ngen_abi::helpers::HelperId;

use super::stack::Stack;
use super::{Reject, Res, Translator};
use crate::types::StackType;

impl<'a, 'f> Translator<'a, 'f> {
    /// `call Buffer::Memmove(dest, src, uint len)`, its arguments on `stack`: the `Memmove`
    /// helper with the length zero-extended to a byte count.
    pub(super) fn memmove(&mut self, stack: &mut Stack) -> Res<()> {
        let (length, lt) = stack.pop1()?;
        if lt != StackType::I4 {
            return Err(Reject::new(format!(
                "Buffer.Memmove of {} bytes",
                lt.name()
            )));
        }
        let src = self.pop_address(stack, "Buffer.Memmove from")?;
        let dest = self.pop_address(stack, "Buffer.Memmove to")?;
        let bytes = self.b.ins().uextend(I64, length);
        let helper = self.helper(HelperId::Memmove);
        let sig = self.helper_sig(HelperId::Memmove);
        self.b.ins().call_indirect(sig, helper, &[dest, src, bytes]);
        Ok(())
    }
}
