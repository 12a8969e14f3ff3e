//! The pending-exception word: the exception object in flight, or 0.
//!
//! Each managed thread has its own, the last word of its stack region's block
//! ([`crate::threads::stack`]), which the collector scans as part of the thread's stack, so
//! the object it holds stays alive while it propagates. Compiled code finds it from its stack
//! pointer (helper slot `PendingException` holds the mask); Rust code goes through [`set`]
//! and [`take`].
//!
//! Depends on: [`crate::threads::stack`].

use std::sync::atomic::Ordering;

use crate::threads::stack;

/// Helper slot `PendingException`: the mask compiled code ORs into its stack pointer to find
/// its thread's word (`(sp | mask) - 7`).
pub(crate) fn pending_exception() -> u64 {
    stack::block_mask()
}

/// Makes `exception` (an object reference, not 0) the exception in flight on this thread: a
/// new throw, so its first pass is still to run (`first_pass.rs`, which remembers exceptions
/// by address: a new object may reuse a collected one's). Relaxed ordering suffices: only
/// this thread reads and writes its word.
pub(crate) fn set(exception: u64) {
    super::first_pass::forget(exception);
    put_back(exception);
}

/// Makes `exception` pending again after the runtime took it aside (it goes on where it
/// was, not thrown anew).
pub(crate) fn put_back(exception: u64) {
    stack::pending_word().store(exception, Ordering::Relaxed);
}

/// This thread's exception in flight, if any, clearing the word.
pub(crate) fn take() -> Option<u64> {
    match stack::pending_word().swap(0, Ordering::Relaxed) {
        0 => None,
        exception => Some(exception),
    }
}

/// Whether an exception is in flight on this thread (the word is left as it is).
pub(crate) fn is_set() -> bool {
    stack::pending_word().load(Ordering::Relaxed) != 0
}
