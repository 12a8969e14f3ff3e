//! Source locations and mono's sequence points: which IL offset a stack trace shows for each
//! instruction.
//!
//! ## Model
//! Every instruction's code carries its own IL offset as the Cranelift source location
//! (`set_srcloc`), read back after compilation (`il_offsets`). A stack trace, though, shows
//! what mono shows without debug symbols: the IL offset of the last *sequence point* at or
//! before the frame's address (`mono_find_prev_seq_point_for_native_offset`,
//! `mini/mini-exceptions.c` `ves_icall_get_trace`). Mono's JIT places one (method-to-ir.c):
//! - before each IL instruction where the evaluation stack is empty;
//! - after each `call`, `callvirt` and `newobj` (at the next instruction's offset), except
//!   after a `newobj` of a core-library exception in a block that throws, which it turns into
//!   a helper call without one.
//!
//! A call frame's address lies inside its call instruction, before the sequence point that
//! follows the call, so a call reports the last sequence point before it. This file tracks the
//! last sequence point while a block is translated (mono lays code out in IL order within a
//! block) and records, per IL offset, the offset a trace shows ([`SeqPoints::reported`]).
//!
//! Debug code shows what `mono --debug` shows instead ([`SeqPoints::exact`]): there a frame's
//! IL offset comes from the JIT's native → IL map of every instruction
//! (`mono_debug_lookup_source_location`, `mono_debug_il_offset_from_address`), so each
//! instruction shows its own offset (the `call` or `throw` itself, not its statement's start;
//! the runtime then shows the symbol file's last sequence point at or before it, as
//! `mono_debug_symfile_lookup_location` does). One exception: mono's JIT moves a block that
//! ends in `throw` and is the false target of an integer conditional branch (its
//! fall-through, or where a fall-through block of a lone `br` jumps: mono threads such
//! branches) after the method's epilogue (`optimize_branches`, "cbranch to throw block";
//! `MONO_IS_COND_BRANCH_NOFP`: not after a floating-point comparison), where its native → IL
//! map has no entries of its own; the last entry before it is the epilogue's, whose IL offset
//! is the code size (`mono_debug_close_method`). Such a `throw` shows the code size.
//!
//! Depends on: `ngen_metadata::il`.

use ngen_metadata::il::{Instruction, Opcode, Operand};

/// The sequence-point state of one method's translation.
#[derive(Default)]
pub(crate) struct SeqPoints {
    /// Every instruction is its own sequence point (debug code, `mono --debug`).
    exact: bool,
    /// Exact mode: the IL code size, what a `throw` mono moves out of line shows.
    code_size: u32,
    /// Exact mode: the first instruction of the block being translated.
    block_start: u32,
    /// Exact mode: the false target of each conditional branch, by the branch's IL offset.
    false_targets: std::collections::BTreeMap<u32, u32>,
    /// Exact mode: the false targets of the integer conditional branches translated so far.
    moved_blocks: std::collections::BTreeSet<u32>,
    /// The IL offset of the last sequence point in the current block, or
    /// [`INHERITS`]` | block start` in a block that starts without one.
    last: u32,
    /// (instruction IL offset, the IL offset a trace shows for it), in translation order.
    reported: Vec<(u32, u32)>,
    /// (instruction IL offset, `last` after it), in translation order: what an inheriting
    /// block after it in IL order starts from.
    after: Vec<(u32, u32)>,
}

/// Marks a `last` that is not known yet: the block (whose IL offset the low bits hold)
/// started with values on the stack and inherits the last point before it in IL order. IL
/// offsets fit in 31 bits (a method body's code size is a u32, but the loader rejects bodies
/// of 2 GB), and the marker is unique per block, so throw blocks keyed by it are shared only
/// within the block.
const INHERITS: u32 = 1 << 31;

impl SeqPoints {
    /// The state of a method compiled as debug code: each instruction shows its own offset.
    pub(crate) fn exact(instrs: &[Instruction<'_>]) -> SeqPoints {
        let mut false_targets = std::collections::BTreeMap::new();
        for (i, ins) in instrs.iter().enumerate() {
            let Some(next) = instrs
                .get(i + 1)
                .filter(|_| is_conditional_branch(ins.opcode))
            else {
                continue;
            };
            let target = match (next.opcode, &next.operand) {
                (Opcode::Br | Opcode::BrS, Operand::BranchTarget(target)) => *target,
                _ => next.offset,
            };
            false_targets.insert(ins.offset, target);
        }
        SeqPoints {
            exact: true,
            code_size: instrs.last().map_or(0, Instruction::next_offset),
            false_targets,
            ..SeqPoints::default()
        }
    }

    /// Exact mode: `ins`, a conditional branch about to be translated, compares
    /// floating-point values when `float` (mono keeps its false target in place then).
    pub(crate) fn branch(&mut self, ins: &Instruction<'_>, float: bool) {
        if let Some(target) = self.false_targets.get(&ins.offset).filter(|_| !float) {
            self.moved_blocks.insert(*target);
        }
    }

    /// Before translating `ins`: `block_start` when it begins a block, `point` when mono
    /// places a sequence point before it (the evaluation stack is empty, a handler or filter
    /// starts, a `nop`).
    pub(crate) fn before(&mut self, ins: &Instruction<'_>, block_start: bool, point: bool) {
        if block_start {
            self.block_start = ins.offset;
        }
        if self.exact {
            let moved_throw =
                ins.opcode == Opcode::Throw && self.moved_blocks.contains(&self.block_start);
            self.last = if moved_throw {
                self.code_size
            } else {
                ins.offset
            };
        } else if point {
            self.last = ins.offset;
        } else if block_start {
            self.last = INHERITS | ins.offset;
        }
        self.reported.push((ins.offset, self.last));
    }

    /// The IL offset a trace shows for the instruction being translated.
    pub(crate) fn current(&self) -> u32 {
        self.last
    }

    /// After translating `ins`; `no_point_after` tells whether it is a `newobj` mono compiles
    /// without a point after it ([`corlib_exception_newobj`], [`delegate_newobj`]).
    pub(crate) fn after(&mut self, ins: &Instruction<'_>, no_point_after: bool) {
        let call = matches!(ins.opcode, Opcode::Call | Opcode::Callvirt);
        let newobj = ins.opcode == Opcode::Newobj && !no_point_after;
        if (call || newobj) && !self.exact {
            self.last = ins.next_offset();
        }
        self.after.push((ins.offset, self.last));
    }

    /// The IL offset a trace shows for the instruction at `il`, and every instruction's: an
    /// inheriting block's instructions take the last point before them in IL order.
    pub(crate) fn into_reported(mut self) -> Vec<(u32, u32)> {
        self.reported.sort_unstable();
        self.reported.dedup_by_key(|(il, _)| *il);
        self.after.sort_unstable();
        self.after.dedup_by_key(|(il, _)| *il);
        let mut carried = 0;
        let mut after = self.after.iter().peekable();
        for (il, shown) in &mut self.reported {
            if *shown & INHERITS != 0 {
                *shown = carried;
            }
            while after.next_if(|(a, _)| a < il).is_some() {}
            carried = match after.next_if(|(a, _)| a == il) {
                Some(&(_, last)) if last & INHERITS == 0 => last,
                _ => *shown,
            };
        }
        self.reported
    }
}

/// Whether `opcode` branches on a condition (mono's `MONO_IS_COND_BRANCH_OP`; `switch` is not
/// one).
fn is_conditional_branch(opcode: Opcode) -> bool {
    use Opcode as O;
    matches!(
        opcode,
        O::BrfalseS
            | O::BrtrueS
            | O::BeqS
            | O::BgeS
            | O::BgtS
            | O::BleS
            | O::BltS
            | O::BneUnS
            | O::BgeUnS
            | O::BgtUnS
            | O::BleUnS
            | O::BltUnS
            | O::Brfalse
            | O::Brtrue
            | O::Beq
            | O::Bge
            | O::Bgt
            | O::Ble
            | O::Blt
            | O::BneUn
            | O::BgeUn
            | O::BgtUn
            | O::BleUn
            | O::BltUn
    )
}

/// The IL offset a trace shows for the instruction at `il`, from [`SeqPoints::into_reported`]
/// (`il` itself when it was not translated).
pub(crate) fn reported_for(reported: &[(u32, u32)], il: u32) -> u32 {
    match reported.binary_search_by_key(&il, |(i, _)| *i) {
        Ok(at) => reported[at].1,
        Err(_) => il,
    }
}

/// Whether `instrs[index]` is a `newobj` right after `ldftn`/`ldvirtftn` in the same block
/// (`first` is the block's first instruction): the delegate construction mono fuses into one
/// without a sequence point after it (method-to-ir.c, "Optimize the common case of
/// ldftn+delegate creation"). Only a delegate's constructor takes a function pointer.
pub(crate) fn delegate_newobj(instrs: &[Instruction<'_>], index: usize, first: usize) -> bool {
    let previous = index
        .checked_sub(1)
        .filter(|&p| p >= first)
        .and_then(|p| instrs.get(p));
    instrs
        .get(index)
        .is_some_and(|i| i.opcode == Opcode::Newobj)
        && previous.is_some_and(|p| matches!(p.opcode, Opcode::Ldftn | Opcode::Ldvirtftn))
}

/// Whether mono compiles `instrs[index]`, a `newobj` with `params` parameters, without a
/// sequence point after it: a core-library exception of at most two string arguments in a
/// block that throws (method-to-ir.c, "the common newobj <exception> instruction"). Without
/// the callee's types this approximates: the constructor is a MemberRef (another assembly's,
/// as the core library's are), the next instruction is `throw`, and a second argument comes
/// straight from `ldstr` (`(message, paramName)`, not `(message, inner)`).
pub(crate) fn corlib_exception_newobj(
    instrs: &[Instruction<'_>],
    index: usize,
    ctor_is_member_ref: bool,
    params: usize,
) -> bool {
    let Some(ins) = instrs.get(index) else {
        return false;
    };
    let next_throws = instrs
        .get(index + 1)
        .is_some_and(|n| n.opcode == Opcode::Throw);
    let previous = index.checked_sub(1).and_then(|i| instrs.get(i));
    let strings = match params {
        0 | 1 => true,
        2 => previous.is_some_and(|p| p.opcode == Opcode::Ldstr),
        _ => false,
    };
    ins.opcode == Opcode::Newobj && ctor_is_member_ref && next_throws && strings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(code: &[u8]) -> Vec<Instruction<'_>> {
        ngen_metadata::il::decode(code)
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// ldc.i4.3; stloc.0; ldarg.0; ldloc.0; conv.i8; call 0x06000001; ret
    const CALL_CODE: [u8; 11] = [
        0x19, 0x0a, 0x02, 0x06, 0x6a, 0x28, 0x01, 0x00, 0x00, 0x06, 0x2a,
    ];
    /// The evaluation stack's depth before each instruction of [`CALL_CODE`].
    const CALL_DEPTHS: [usize; 7] = [0, 1, 0, 1, 2, 2, 0];

    #[test]
    fn a_call_shows_the_last_empty_stack_point_and_the_next_statement_the_call_end() {
        let instrs = decode(&CALL_CODE);
        let depth_before = CALL_DEPTHS;
        let mut seq = SeqPoints::default();
        for (i, ins) in instrs.iter().enumerate() {
            seq.before(ins, i == 0, depth_before[i] == 0);
            seq.after(ins, false);
        }
        let reported = seq.into_reported();
        assert_eq!(
            reported_for(&reported, 5),
            2,
            "the call shows ldarg.0's point"
        );
        assert_eq!(reported_for(&reported, 1), 0);
        assert_eq!(reported_for(&reported, 0x0a), 0x0a);
        assert_eq!(
            reported_for(&reported, 0x30),
            0x30,
            "an offset never translated"
        );
    }

    #[test]
    fn a_block_starting_with_values_on_the_stack_shows_the_last_point_before_it_in_il_order() {
        // IL_00 ldc.i4.0; ldarg.0; brtrue.s IL_07; IL_04 ldc.i4.1; br.s IL_08;
        // IL_07 ldc.i4.2; IL_08 call 0x06000001; IL_0d ret  (`f(0, a ? 2 : 1)`)
        let code = [
            0x16, 0x02, 0x2d, 0x03, 0x17, 0x2b, 0x01, 0x18, 0x28, 0x01, 0x00, 0x00, 0x06, 0x2a,
        ];
        let instrs = decode(&code);
        let depth = [0, 1, 2, 1, 2, 1, 2, 0];
        let starts = [0, 4, 7, 8];
        let mut seq = SeqPoints::default();
        // The translator's worklist order, not IL order: IL_00, IL_07, IL_08, IL_04.
        for block in [0..3, 5..6, 6..8, 3..5] {
            for i in block {
                let ins = &instrs[i];
                seq.before(ins, starts.contains(&ins.offset), depth[i] == 0);
                seq.after(ins, false);
            }
        }
        let reported = seq.into_reported();
        assert_eq!(
            reported_for(&reported, 8),
            0,
            "the call shows the statement's start"
        );
        assert_eq!(reported_for(&reported, 7), 0);
        assert_eq!(
            reported_for(&reported, 0x0d),
            0x0d,
            "after the call, its point"
        );
    }

    #[test]
    fn a_delegate_newobj_after_ldftn_has_no_point_after_it() {
        // IL_00 ldnull; IL_01 ldftn 0x06000001; IL_07 newobj 0x0a000001; IL_0c ret
        let code = [
            0x14, 0xfe, 0x06, 0x01, 0x00, 0x00, 0x06, 0x73, 0x01, 0x00, 0x00, 0x0a, 0x2a,
        ];
        let instrs = decode(&code);
        assert!(delegate_newobj(&instrs, 2, 0));
        assert!(!delegate_newobj(&instrs, 2, 2), "ldftn in another block");
        assert!(!delegate_newobj(&instrs, 1, 0), "not a newobj");
    }

    #[test]
    fn exact_points_show_each_instruction_its_own_offset_as_mono_debug() {
        let instrs = decode(&CALL_CODE);
        let depth_before = CALL_DEPTHS;
        let mut seq = SeqPoints::exact(&instrs);
        for (i, ins) in instrs.iter().enumerate() {
            seq.before(ins, i == 0, depth_before[i] == 0);
            assert_eq!(seq.current(), ins.offset);
            seq.after(ins, false);
        }
        let reported = seq.into_reported();
        assert_eq!(reported_for(&reported, 5), 5, "the call shows itself");
        assert_eq!(reported_for(&reported, 4), 4);
    }

    #[test]
    fn an_exact_throw_mono_moves_out_of_line_shows_the_code_size() {
        // ldarg.0; brfalse.s IL_0005; ldnull; throw; IL_0005: ldnull; throw
        let code = [0x02, 0x2c, 0x02, 0x14, 0x7a, 0x14, 0x7a];
        let instrs = decode(&code);
        let block_starts = [0, 3, 5];
        let mut seq = SeqPoints::exact(&instrs);
        for ins in &instrs {
            seq.branch(ins, false);
            seq.before(ins, block_starts.contains(&ins.offset), false);
            seq.after(ins, false);
        }
        let reported = seq.into_reported();
        assert_eq!(reported_for(&reported, 4), 7, "the fall-through's throw");
        assert_eq!(reported_for(&reported, 6), 6, "the branch target's throw");
        assert_eq!(reported_for(&reported, 3), 3);
    }

    #[test]
    fn newobj_of_a_core_exception_before_throw_has_no_point_after_it() {
        // ldstr 0x70000001; newobj 0x0a000001 (a MemberRef); throw
        let code = [
            0x72, 0x01, 0x00, 0x00, 0x70, 0x73, 0x01, 0x00, 0x00, 0x0a, 0x7a,
        ];
        let instrs = decode(&code);
        assert!(corlib_exception_newobj(&instrs, 1, true, 1));
        assert!(
            !corlib_exception_newobj(&instrs, 1, false, 1),
            "a MethodDef ctor"
        );
        assert!(
            !corlib_exception_newobj(&instrs, 1, true, 3),
            "three arguments"
        );
        assert!(
            !corlib_exception_newobj(&instrs, 0, true, 1),
            "not a newobj"
        );
        let mut seq = SeqPoints::default();
        seq.before(&instrs[0], true, true);
        seq.after(&instrs[0], false);
        seq.before(&instrs[1], false, false);
        seq.after(&instrs[1], true);
        seq.before(&instrs[2], false, false);
        assert_eq!(
            reported_for(&seq.into_reported(), 0x0a),
            0,
            "throw shows ldstr's point"
        );
    }
}
