//! The frame record of two-pass exception handling (ECMA-335 I.12.4.2.5): what a method with
//! filter clauses keeps in its frame so that the runtime's first pass can ask it, from a
//! callee's `finally`, whether one of its handlers takes an exception, running its filters
//! before any `finally` between runs.
//!
//! A *registered* method (one with a filter clause, or shared generic code with a `catch`
//! clause, whose catch types may need its dictionary) has one explicit stack slot, its
//! record, laid out as below (8-byte words). Other methods with `catch` clauses have none: the
//! runtime judges their frames from the metadata (the call site's IL offset from the code's
//! IL-offset table, the clauses covering it, the catch types in the code's generic context). On entry it pushes the record on the
//! thread's chain (thread block word [`crate::thread_block::FRAME_CHAIN`]) and pops it on
//! every return. Before each call it stores the call's *site*: the index + 1 of the first
//! clause whose try block covers the call (0: none). A method with a filter clause keeps its
//! arguments and locals in the record too, from [`VARIABLES`], so that its filters can run
//! from another activation of the method.
//!
//! *Probe mode.* To ask a suspended frame, the runtime stores the exception at
//! [`PROBE_EXCEPTION`], the record's address in the thread block word
//! [`crate::thread_block::PROBE_RECORD`], and calls the method's code (any arguments): its
//! entry sees the word, clears it, and instead of running the method offers the exception to
//! the clauses of the record's site in order (a `catch` by its class test, a filter by
//! running its code on the record's variables), stores the outcome at [`PROBE_RESULT`] and
//! returns a zero value. Each filter's verdict is kept per clause ([`clause_offset`]) for the
//! second pass, which uses it instead of running the filter again.

/// The previous record of the thread's chain (the record of a caller), or 0.
pub const PREV: i32 = 0;
/// The frame pointer of the record's frame.
pub const FRAME_POINTER: i32 = 8;
/// The site of the call the frame is in (`u32`): first covering clause + 1, 0 for none.
pub const SITE: i32 = 16;
/// The exception a probe offers to the frame's clauses.
pub const PROBE_EXCEPTION: i32 = 24;
/// A probe's outcome (`u32`): one of [`PROBE_DECLINED`], [`PROBE_TAKEN`], [`PROBE_ESCAPED`].
pub const PROBE_RESULT: i32 = 32;
/// The exception that escaped a filter during a probe (the runtime stores it here; the
/// second pass raises it from the filter).
pub const ESCAPED: i32 = 40;
/// Shared generic code: the dictionary of the exact instance (probe mode has no arguments).
pub const DICTIONARY: i32 = 48;
/// The per-clause words start here.
pub const CLAUSES: i32 = 56;
/// Bytes per clause: the exception judged (8) and the filter's verdict (`u32`, 0 for none).
pub const CLAUSE_BYTES: i32 = 16;
/// Within a clause's words: the exception a filter's verdict is about.
pub const JUDGED: i32 = 0;
/// Within a clause's words: the verdict, one of [`ACCEPTED`], [`DECLINED`], [`ESCAPES`].
pub const VERDICT: i32 = 8;

/// No clause of the site takes the exception.
pub const PROBE_DECLINED: u32 = 0;
/// A `catch` or filter clause of the site takes the exception.
pub const PROBE_TAKEN: u32 = 1;
/// A filter of the site threw: mono 6.8 lets that exception leave the filter (it becomes
/// the exception in flight from the filter's frame on; the frames below are abandoned).
pub const PROBE_ESCAPED: u32 = 2;

/// A filter's verdict: it accepts the exception.
pub const ACCEPTED: u32 = 1;
/// A filter's verdict: it declines.
pub const DECLINED: u32 = 2;
/// A filter's verdict: it threw; the record's [`ESCAPED`] is the exception.
pub const ESCAPES: u32 = 3;

/// The offset of clause `index`'s words in the record.
pub const fn clause_offset(index: u32) -> i32 {
    CLAUSES + CLAUSE_BYTES * index as i32
}

/// Where a method's variables start in its record (after its `clauses` clauses' words).
pub const fn variables_offset(clauses: u32) -> i32 {
    clause_offset(clauses)
}
