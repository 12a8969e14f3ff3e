//! `newobj`'s allocation (ECMA-335 III.4.21): a zeroed instance with its method-table word.
//!
//! ## Model
//! A small instance the collector scans and that is not finalizable is popped inline from the
//! thread's free list of its size class, in the thread block compiled code finds from its stack
//! pointer (`ngen_abi::thread_block`, Boehm's `gc_inline.h` `GC_FAST_MALLOC_GRANS`): load the
//! head, load its link, store the link as the new head, store the method table over the link.
//! The listed blocks are zeroed but for the link, so the header's second word and the fields
//! are already 0. An empty list (and every other instance: finalizable, pointer-free, over
//! [`ngen_abi::thread_block::FREE_LIST_CLASSES`] granules) calls helper `NewObject`, which
//! refills the list, runs pending finalizers and raises `OutOfMemoryException`; the pending
//! exception is checked right after that call (a constructor never runs on a failed
//! allocation), so the fast path has no check.
//!
//! Depends on: [`super::cells`] (the method-table cell), [`super::eh`] (the pending check),
//! `ngen_abi::thread_block`.

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value};
use ngen_abi::helpers::HelperId;
use ngen_abi::thread_block::{free_list_class, free_list_offset};
use ngen_metadata::il::Instruction;

use super::{Reject, Res, Translator, cells, trusted};
use crate::type_context::NewObject;

/// `NewObject`'s flag bits: the instance is scanned; it is registered for finalization.
const SCANNED: u32 = 1;
const FINALIZABLE: u32 = 2;

impl<'a, 'f> Translator<'a, 'f> {
    /// A zeroed instance of the class `newobj ins` names (the method table from the
    /// instruction's extra cell). The pending exception is checked after the helper call, so
    /// a constructor never runs on a failed allocation.
    pub(super) fn allocate_object(&mut self, ins: &Instruction<'_>, new: &NewObject) -> Res<Value> {
        let mt_key =
            cells::extra_key_of(ins).ok_or_else(|| Reject::new("missing token operand"))?;
        let mt_cell = self.env.cell(mt_key, &mut self.b)?;
        let method_table = self.cell_target(mt_cell);
        let flags =
            (u32::from(new.has_references) * SCANNED) | (u32::from(new.finalizable) * FINALIZABLE);
        let class = free_list_class(new.size)
            .filter(|_| flags == SCANNED && self.env.thread_block_allocation());
        let Some(class) = class else {
            let object = self.call_new_object(method_table, new.size, flags);
            self.check_pending();
            return Ok(object);
        };
        let word = self.pending_word();
        let list = free_list_offset(class);
        let head = self.b.ins().load(I64, trusted(), word, list);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        self.b.set_cold_block(slow);
        self.b.ins().brif(head, fast, &[], slow, &[]);

        self.b.switch_to_block(fast);
        let next = self.b.ins().load(I64, trusted(), head, 0);
        self.b.ins().store(trusted(), next, word, list);
        self.b.ins().store(trusted(), method_table, head, 0);
        self.b.ins().jump(join, &[BlockArg::Value(head)]);

        self.b.switch_to_block(slow);
        let object = self.call_new_object(method_table, new.size, flags);
        self.check_pending();
        self.b.ins().jump(join, &[BlockArg::Value(object)]);

        self.b.switch_to_block(join);
        Ok(self.b.block_params(join)[0])
    }

    /// A call of helper `NewObject`.
    fn call_new_object(&mut self, method_table: Value, size: u32, flags: u32) -> Value {
        let helper = self.helper(HelperId::NewObject);
        let sig = self.helper_sig(HelperId::NewObject);
        let size = self.b.ins().iconst(I64, i64::from(size));
        let flags = self.b.ins().iconst(I32, i64::from(flags));
        let call = self
            .b
            .ins()
            .call_indirect(sig, helper, &[method_table, size, flags]);
        self.b.inst_results(call)[0]
    }
}
