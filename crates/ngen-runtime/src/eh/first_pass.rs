//! The first pass of two-pass exception handling (ECMA-335 I.12.4.2.5; mono's
//! `handle_exception_first_pass`, mini-exceptions.c): before a `finally` or `fault` handler
//! runs for an exception, the filters of the frames further out must have run, up to the
//! first handler that takes it.
//!
//! ## Model
//! Compiled code dispatches an exception frame by frame (EH v1, "check after call"), which is
//! the second pass; within a method it probes its own later clauses before a `finally` runs
//! (`translate/eh_filters.rs`). When none takes the exception, it calls helper `FirstPass`
//! before the handler. The first call for an exception walks the frame-pointer chain from
//! the caller outwards ([`super::trace`]'s walk, stopping at the first frame that is not
//! managed code) and asks each frame that has a record on the thread's chain
//! (`ngen_abi::eh_frames`: the methods with filter clauses, and shared code with `catch`
//! clauses) in probe mode: the runtime stores the exception in the record, puts the
//! record in the thread block's probe word and calls the method's code, which tests its
//! clauses of the suspended call's site, runs its filters (their verdicts stay in the record
//! for the second pass) and returns. A frame without a record is judged from its method's
//! metadata ([`super::catch_frames`]: its `catch` clauses covering the call site), except the
//! calling frame, whose `finally` dispatch tested its later `catch` clauses before calling
//! (`translate/eh_frames.rs`). The walk stops at a frame that takes the exception.
//! Later calls for the same exception (outer `finally` handlers) do nothing: the verdicts are
//! in the records. A `throw` or `rethrow` starts a new first pass ([`forget`]).
//!
//! A filter that throws: mono 6.8 lets the new exception leave the filter's frame, and the
//! frames between the throw and that frame are abandoned without running their handlers.
//! The probe stores the verdict "escapes", the runtime keeps the new exception in the record
//! (the filter's dispatch raises it there), and `FirstPass` answers 1 to the frames below, so
//! they skip their `finally` and `fault` handlers.
//!
//! A stack walk from code a probe runs goes on past the probe's trampoline at the frame's
//! caller ([`crate::dynamic_call::Resume`] with [`super::trace::FILTER_PROBE`]): mono runs a
//! filter on its method's frame, so its traces show the method once, then its callers.
//!
//! Depends on: `ngen_abi::{eh_frames, thread_block}`, [`crate::code_map`],
//! [`crate::dynamic_call`], [`crate::threads::stack`], [`super::pending`],
//! [`super::catch_frames`].

use std::cell::RefCell;

use ngen_abi::eh_frames as record;
use ngen_abi::thread_block::{FRAME_CHAIN, PROBE_RECORD};

use crate::threads::stack;

/// How many exceptions a thread remembers (those in flight at once, nested in handlers).
const REMEMBERED: usize = 64;

/// This thread's first passes: the exceptions whose first pass has run since they were last
/// thrown, and those a filter's exception replaced (with the filter's frame pointer: the
/// frames below it are abandoned).
#[derive(Default)]
struct State {
    done: Vec<u64>,
    abandoned: Vec<(u64, u64)>,
}

std::thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Forgets `exception`'s first pass: it is thrown again, or caught.
pub(crate) fn forget(exception: u64) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.done.retain(|&e| e != exception);
        s.abandoned.retain(|&(e, _)| e != exception);
    });
}

crate::eh::trace::managed_entry! {
    /// Helper `FirstPass`: the first pass for `exception`, from the calling frame outwards.
    pub(crate) fn first_pass(exception: u64) -> u32 => first_pass_from, fp = "rsi", ra = "rdx"
}

extern "C" fn first_pass_from(exception: u64, fp: u64, return_address: u64) -> u32 {
    if exception == 0 {
        return 0;
    }
    let abandoned_by = STATE.with(|s| {
        let s = s.borrow();
        s.abandoned
            .iter()
            .find(|&&(e, _)| e == exception)
            .map(|&(_, filter_fp)| filter_fp)
    });
    if let Some(filter_fp) = abandoned_by {
        return u32::from(fp <= filter_fp);
    }
    let first = STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.done.contains(&exception) {
            return false;
        }
        if s.done.len() >= REMEMBERED {
            s.done.remove(0);
        }
        s.done.push(exception);
        true
    });
    if !first {
        return 0;
    }
    match search(exception, fp, return_address) {
        Some(filter_fp) => {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                if s.abandoned.len() >= REMEMBERED {
                    s.abandoned.remove(0);
                }
                s.abandoned.push((exception, filter_fp));
            });
            u32::from(fp <= filter_fp)
        }
        None => 0,
    }
}

/// Offers `exception` to the registered frames from the calling one (frame pointer `fp`,
/// returning to `return_address`) outwards, until one takes it; the frame pointer of the
/// frame whose filter threw, if one did.
fn search(exception: u64, fp: u64, return_address: u64) -> Option<u64> {
    let (Some(chain), Some(request)) = (
        stack::block_word(FRAME_CHAIN),
        stack::block_word(PROBE_RECORD),
    ) else {
        return None;
    };
    // The calling frame first: its record's site is the clause after the running one.
    let mut frames = vec![super::trace::Frame {
        ip: return_address.wrapping_sub(1),
        fp,
    }];
    frames.extend(super::trace::walk_plain(fp));
    // SAFETY: the chain head is a word of this thread's block.
    let mut next_record = unsafe { chain.read() };
    for (index, frame) in frames.into_iter().enumerate() {
        // Records are pushed on entry and popped on return: from the head, by frame pointer.
        // SAFETY: each record is a live frame's slot on this thread's stack (pushed by its
        // method's entry, popped on its return), its words as `ngen_abi::eh_frames` lays out.
        let recorded = unsafe {
            while next_record != 0 && read(next_record, record::FRAME_POINTER) < frame.fp {
                next_record = read(next_record, record::PREV);
            }
            next_record != 0 && read(next_record, record::FRAME_POINTER) == frame.fp
        };
        if recorded {
            // SAFETY: as above; `request` is this thread's probe word.
            match unsafe { probe(next_record, frame, exception, request) } {
                record::PROBE_TAKEN => return None,
                record::PROBE_ESCAPED => return Some(frame.fp),
                _ => {}
            }
        } else if index > 0 && super::catch_frames::ends_walk(frame, exception) {
            // The calling frame without a record tested its later clauses before the call.
            return None;
        }
    }
    None
}

/// Asks the frame `frame`, whose record is `rec`, whether a clause of its site takes
/// `exception`, by calling its method in probe mode; the probe's outcome.
///
/// # Safety
/// `rec` must be `frame`'s live record and `request` this thread's probe word.
unsafe fn probe(rec: u64, frame: super::trace::Frame, exception: u64, request: *mut u64) -> u32 {
    let Some(entry) = crate::code_map::lookup(frame.ip, |range| range.start) else {
        return record::PROBE_DECLINED;
    };
    // The filters run as ordinary code: no exception is pending while they do.
    let pending = super::pending::take();
    // SAFETY: the caller's guarantee; the frame's words are on this thread's stack.
    let returned = unsafe {
        // The filters' calls store their sites into the record: the frame's is put back.
        let site = read(rec, record::SITE);
        write(rec, record::PROBE_EXCEPTION, exception);
        write(rec, record::PROBE_RESULT, u64::from(record::PROBE_DECLINED));
        request.write(rec);
        let resume = crate::dynamic_call::Resume {
            wrapper: super::trace::FILTER_PROBE,
            caller_fp: (frame.fp as *const u64).read(),
            caller_return: ((frame.fp + 8) as *const u64).read(),
        };
        crate::dynamic_call::call_resuming(entry, &[], resume);
        request.write(0);
        write(rec, record::SITE, site);
        read(rec, record::PROBE_RESULT) as u32
    };
    let escaped = super::pending::take();
    if let Some(p) = pending {
        super::pending::put_back(p);
    }
    match (returned, escaped) {
        (record::PROBE_ESCAPED, Some(thrown)) => {
            // SAFETY: as above.
            unsafe { write(rec, record::ESCAPED, thrown) };
            record::PROBE_ESCAPED
        }
        // Not thrown from a filter's code (the probe itself cannot throw otherwise).
        (record::PROBE_ESCAPED, None) => record::PROBE_DECLINED,
        (result, _) => result,
    }
}

/// # Safety
/// `rec + offset` must be a readable word.
unsafe fn read(rec: u64, offset: i32) -> u64 {
    // SAFETY: the caller's guarantee.
    unsafe { ((rec as i64 + offset as i64) as *const u64).read() }
}

/// # Safety
/// `rec + offset` must be a writable word.
unsafe fn write(rec: u64, offset: i32, value: u64) {
    // SAFETY: the caller's guarantee.
    unsafe { ((rec as i64 + offset as i64) as *mut u64).write(value) }
}
