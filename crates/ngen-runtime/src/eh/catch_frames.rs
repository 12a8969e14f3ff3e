//! The first pass's judgement of a frame that keeps no record: a method whose clauses are
//! only `catch`, `finally` and `fault` ([`super::first_pass`] probes the frames with records,
//! those with filters). Such a frame is judged without entering the method, as mono's
//! `handle_exception_first_pass` judges every frame: from its instruction address.
//!
//! ## Model
//! The code map gives the frame's method, the generic context of its code and the IL offset
//! of the call it is suspended in (the IL-offset table traces read: mono's last sequence point
//! before the call, which lies in the same IL block and so in the same try blocks, a try
//! block's start being one; an inlined callee's code carries its call's offset, so the outer
//! method's clauses judge it). The exception meets the clauses whose try blocks cover that
//! offset, innermost first ([`ngen_compiler::eh_order`], the compiled dispatch's order, which
//! also covers a call inside a handler: only the clauses around the handler). A `catch` whose
//! type the exception is assignable to takes it and ends the walk.
//!
//! An address with no IL offset is the stub an image has for an excluded method (it calls
//! the JIT's code through a cell), not a frame mono has: it is passed over. A frame this
//! cannot judge (a filter clause without a record, metadata or a type that fails to resolve)
//! ends the walk, as a frame that is not managed code does.
//!
//! Depends on: [`crate::code_map`], [`crate::state::exception_clauses`],
//! `ngen_compiler::eh_order`.

use ngen_metadata::body::ClauseKind;

/// Whether a `catch` clause of the recordless frame `frame` takes `exception`, or the frame
/// cannot be judged (either ends the first pass's walk).
pub(super) fn ends_walk(frame: super::trace::Frame, exception: u64) -> bool {
    let Some((asm, rid, context, il_offset)) = crate::code_map::lookup(frame.ip, |range| {
        let il = crate::code_map::il_offset_at(range, frame.ip);
        (range.asm, range.rid, range.context, il)
    }) else {
        return false;
    };
    let Some(il_offset) = il_offset else {
        return false;
    };
    let clauses = match crate::state::exception_clauses::method_clauses(asm, rid) {
        Ok(clauses) => clauses,
        Err(_) => return true,
    };
    let try_of = |i: usize| {
        let c = &clauses[i];
        (c.try_offset, c.try_offset.saturating_add(c.try_length))
    };
    for k in ngen_compiler::eh_order::offered(clauses.len(), try_of, il_offset) {
        match clauses[k].kind {
            ClauseKind::Catch(token) => {
                match crate::state::exception_clauses::catch_takes(asm, token, context, exception) {
                    Ok(false) => {}
                    Ok(true) | Err(_) => return true,
                }
            }
            ClauseKind::Filter(_) => return true,
            ClauseKind::Finally | ClauseKind::Fault => {}
        }
    }
    false
}
