//! Exceptions raised by compiled code, as far as they exist today: checks branch to one cold
//! block per exception kind, which calls the `Throw` helper (it never returns). Later: EH
//! regions, `leave` (III.3.46), `endfinally` (III.3.35), `throw`/`rethrow` (III.4.31, 4.24),
//! the check after calls that may throw.
//!
//! Depends on: cranelift-frontend, `ngen_abi::exceptions`, `ngen_abi::helpers`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I32;
use cranelift_codegen::ir::{Block, InstBuilder, TrapCode, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;

use super::Translator;

impl<'a, 'f> Translator<'a, 'f> {
    pub(super) fn throw_block(&mut self, kind: ExceptionKind) -> Block {
        if let Some((_, b)) = self.throw_blocks.iter().find(|(k, _)| *k == kind) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.throw_blocks.push((kind, block));
        block
    }

    pub(super) fn emit_throw_blocks(&mut self) {
        for (kind, block) in std::mem::take(&mut self.throw_blocks) {
            self.b.switch_to_block(block);
            let helper = self.helper(HelperId::Throw);
            let sig = self.helper_sig(HelperId::Throw);
            let id = self.b.ins().iconst(I32, kind as u32 as i64);
            self.b.ins().call_indirect(sig, helper, &[id]);
            self.b.ins().trap(TrapCode::unwrap_user(1));
        }
    }

    /// Branches to the throw block of `kind` when `cond` is non-zero.
    pub(super) fn throw_if(&mut self, cond: Value, kind: ExceptionKind) {
        let throw = self.throw_block(kind);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, throw, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    pub(super) fn null_check(&mut self, obj: Value) {
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, obj, 0);
        self.throw_if(is_null, ExceptionKind::NullReference);
    }
}
