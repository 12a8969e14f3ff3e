//! The pending-exception word: the exception object in flight, or 0.
//!
//! It lives in the executable's data segment, which the collector scans, so the object it
//! holds stays alive while it propagates. Compiled code reads and writes it directly (its
//! address is helper slot `PendingException`); Rust code goes through [`set`] and [`take`].
//!
//! Depends on: nothing.

use std::sync::atomic::{AtomicU64, Ordering};

/// The word. Relaxed ordering suffices: one managed thread reads and writes it (see the
/// module doc of [`super`] for threads).
static PENDING: AtomicU64 = AtomicU64::new(0);

/// Helper slot `PendingException`: the word's address.
pub(crate) fn pending_exception() -> u64 {
    PENDING.as_ptr() as u64
}

/// Makes `exception` (an object reference, not 0) the exception in flight.
pub(crate) fn set(exception: u64) {
    PENDING.store(exception, Ordering::Relaxed);
}

/// The exception in flight, if any, clearing the word.
pub(crate) fn take() -> Option<u64> {
    match PENDING.swap(0, Ordering::Relaxed) {
        0 => None,
        exception => Some(exception),
    }
}
