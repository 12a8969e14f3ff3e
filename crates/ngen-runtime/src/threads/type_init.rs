//! Thread-safe type initialisation (ECMA-335 II.10.5.3.2-3): one thread runs a type's
//! `.cctor`; other threads that need the type wait until it has finished, unless waiting
//! would deadlock, in which case they go on and see the type as it is (II.10.5.3.3).
//!
//! ## Model
//! The runtime starts a `.cctor` when it first allocates the type's static areas, under its
//! lock ([`begin`]: the type is then *running* on that thread). A cell of a type whose `.cctor`
//! is running is not filled ([`settle`] says whether it may be): the initialising thread's own
//! accesses resolve again each time (they see the storage, as II.10.5.3.3 allows for it), and
//! every other thread that reaches the type comes through the `ResolveCell` helper and waits
//! ([`settle`]) until [`finish`], when the cell is filled. A waiter first follows the chain
//! "type → the thread initialising it → the type that thread waits for" and does not wait
//! when the chain comes back to itself: the deadlock rule, as NativeAOT's
//! `DeadlockAwareAcquire` and Mono's `mono_runtime_class_init_full` (which detects the cycle
//! through its `TypeInitializationLock` table).
//!
//! A `.cctor` that threw leaves its type *failed* ([`fail`]): the `TypeInitializationException`
//! it raised is kept, and every later access of the type, from any thread, raises that same
//! object again (ECMA-335 II.10.5.3.3; mono's `vtable->init_failed` and
//! `type_init_exception_hash`), so a failed type's cells are never filled.
//!
//! Depends on: nothing but `std` (types are keyed by `TypeHandle::index`).

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

/// A thread, by its kernel id.
type ThreadId = u32;

struct Table {
    /// The thread running each type's `.cctor` (absent: none, or finished).
    running: BTreeMap<u32, ThreadId>,
    /// The type each waiting thread waits for.
    waiting: BTreeMap<ThreadId, u32>,
    /// The `TypeInitializationException` of each type whose `.cctor` threw (the caller keeps
    /// the object alive: the collector does not scan this table), and the type's name as
    /// the exception gives it.
    failed: BTreeMap<u32, (u64, String)>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    running: BTreeMap::new(),
    waiting: BTreeMap::new(),
    failed: BTreeMap::new(),
});
static FINISHED: Condvar = Condvar::new();

fn table() -> std::sync::MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

fn me() -> ThreadId {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as ThreadId }
}

/// The calling thread starts the `.cctor` of type `ty` (called under the runtime lock, when
/// the type's statics are made).
pub(crate) fn begin(ty: u32) {
    table().running.insert(ty, me());
}

/// The `.cctor` of `ty` threw: `exception` (a `TypeInitializationException` the caller has
/// rooted for the process's life) is what every later access of the type raises. Called
/// before [`finish`], so that waiters see it.
pub(crate) fn fail(ty: u32, exception: u64, type_name: &str) {
    table()
        .failed
        .insert(ty, (exception, type_name.to_string()));
}

/// The exception a failed type's accesses raise and the type's name ([`fail`]); `None` while
/// it has not failed.
pub(crate) fn failure(ty: u32) -> Option<(u64, String)> {
    table().failed.get(&ty).cloned()
}

/// The `.cctor` of `ty` has returned (or thrown): waiters go on.
pub(crate) fn finish(ty: u32) {
    table().running.remove(&ty);
    FINISHED.notify_all();
}

/// Whether a cell of type `ty` may be filled now, after waiting for another thread's
/// `.cctor` of it to finish (unless that would deadlock: then `false`, as for the
/// initialising thread itself, whose accesses resolve again until the `.cctor` is done).
pub(crate) fn settle(ty: u32) -> bool {
    let me = me();
    let mut table = table();
    loop {
        let Some(&owner) = table.running.get(&ty) else {
            return true;
        };
        if owner == me || waits_for_me(&table, ty, me) {
            return false;
        }
        table.waiting.insert(me, ty);
        table = FINISHED.wait(table).unwrap_or_else(|p| p.into_inner());
        table.waiting.remove(&me);
    }
}

/// Whether the chain "type → its initialising thread → the type that thread waits for"
/// starting at `ty` reaches `me`.
fn waits_for_me(table: &Table, mut ty: u32, me: ThreadId) -> bool {
    // Each step visits a different thread; more steps than threads means a cycle without us.
    for _ in 0..=table.waiting.len() {
        let Some(&owner) = table.running.get(&ty) else {
            return false;
        };
        if owner == me {
            return true;
        }
        match table.waiting.get(&owner) {
            Some(&next) => ty = next,
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_through_the_waiting_threads_is_a_deadlock() {
        let mut table = Table {
            running: BTreeMap::new(),
            waiting: BTreeMap::new(),
            failed: BTreeMap::new(),
        };
        // Thread 1 initialises A (1) and waits for B (2); thread 2 initialises B.
        table.running.insert(1, 1);
        table.running.insert(2, 2);
        table.waiting.insert(1, 2);
        assert!(waits_for_me(&table, 1, 2), "2 waiting for A would deadlock");
        assert!(!waits_for_me(&table, 2, 3), "3 may wait for B");
        assert!(!waits_for_me(&table, 9, 2), "nobody initialises 9");
    }
}
