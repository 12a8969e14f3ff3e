//! `System.Threading.Monitor`'s icalls (`icall-def.h` `MONIT_*`): `lock` statements.
//!
//! ## Model
//! A thin lock in the object header's synchronisation word (`ngen_abi::object::ObjectHeader::
//! sync`, at offset 8), as Mono's `monitor.c` keeps a thin lock there before it inflates one:
//! 0 when free, otherwise the owner's kernel thread id in the high 32 bits and the recursion
//! count in the low 32. Acquisition is a compare-and-swap; a contended lock yields and retries
//! until it is free or the timeout passes. `Wait`/`Pulse`/`PulseAll` ([`wait`], [`pulse`]):
//! the waiter takes a ticket in the object's wait queue (one process-wide table under one
//! mutex, with one condition variable) while it still owns the lock, so a `Pulse` after
//! it releases the lock cannot be missed; it then releases the lock whatever its recursion
//! count, sleeps until its ticket is pulsed or the timeout passes, and takes the lock back
//! with the same count, as Mono's `mono_monitor_wait`. Not yet: fairness. The hash code does
//! not live here (it is the address hash, `System.Object::InternalGetHashCode`), so the two
//! never collide.
//!
//! Failures raise Mono's exceptions through the pending word: `ArgumentNullException` for a
//! null object, `SynchronizationLockException` for `Exit` by a thread that does not own it.
//!
//! Depends on: `ngen_abi::object` (header layout), libc (`gettid`), the runtime's `eh`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Offset of the synchronisation word in every object.
const SYNC_OFFSET: u64 = 8;

/// `Timeout.Infinite` as the icall receives it (`guint32`).
const INFINITE: u32 = u32::MAX;

fn sync_word<'a>(obj: u64) -> &'a AtomicU64 {
    // SAFETY: `obj` is a live, non-null object; its header's second word is 8-aligned and is
    // only accessed atomically by this module.
    unsafe { &*((obj + SYNC_OFFSET) as *const AtomicU64) }
}

/// The calling thread's kernel id, asked of the kernel once per thread (every `lock` statement
/// enters and exits, and a `gettid` system call each time was most of a contended producer/
/// consumer's system time).
fn current_thread() -> u64 {
    thread_local! {
        // SAFETY: gettid has no preconditions.
        static TID: u64 = u64::from(unsafe { libc::gettid() } as u32);
    }
    TID.with(|tid| *tid)
}

fn owner(word: u64) -> u64 {
    word >> 32
}

/// Takes the lock on `obj` for this thread, waiting at most `timeout_ms` (or forever).
fn acquire(obj: u64, timeout_ms: u32) -> bool {
    let word = sync_word(obj);
    let me = current_thread();
    let deadline =
        (timeout_ms != INFINITE).then(|| Instant::now() + Duration::from_millis(timeout_ms.into()));
    loop {
        let current = word.load(Ordering::Acquire);
        if current == 0 {
            if word
                .compare_exchange(0, (me << 32) | 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return true;
            }
            continue;
        }
        if owner(current) == me {
            // Only the owner writes a held word: a plain increment is safe.
            word.store(current + 1, Ordering::Release);
            return true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::yield_now();
    }
}

fn null_argument() {
    crate::eh::raise::raise(
        "ArgumentNullException",
        "Value cannot be null.\nParameter name: obj",
    );
}

/// `Enter(object obj)`.
extern "C" fn enter(obj: u64) {
    if obj == 0 {
        return null_argument();
    }
    acquire(obj, INFINITE);
}

/// `try_enter_with_atomic_var(object obj, int millisecondsTimeout, ref bool lockTaken)`.
extern "C" fn try_enter_with_atomic_var(obj: u64, timeout_ms: u32, lock_taken: *mut u8) {
    if obj == 0 {
        return null_argument();
    }
    let taken = acquire(obj, timeout_ms);
    if !lock_taken.is_null() {
        // SAFETY: a `ref bool` argument: the address of a live byte.
        unsafe { lock_taken.write(u8::from(taken)) };
    }
}

/// `Exit(object obj)`.
extern "C" fn exit(obj: u64) {
    if obj == 0 {
        return null_argument();
    }
    let word = sync_word(obj);
    let current = word.load(Ordering::Acquire);
    if current == 0 || owner(current) != current_thread() {
        crate::eh::raise::raise(
            "Threading.SynchronizationLockException",
            "Object synchronization method was called from an unsynchronized block of code.",
        );
        return;
    }
    let next = if current & 0xFFFF_FFFF == 1 {
        0
    } else {
        current - 1
    };
    word.store(next, Ordering::Release);
}

/// The tickets waiting on each object (`Monitor.Wait`), in arrival order, and those pulsed.
struct WaitQueues {
    next_ticket: u64,
    waiting: std::collections::BTreeMap<u64, std::collections::VecDeque<u64>>,
    pulsed: std::collections::BTreeSet<u64>,
}

static QUEUES: std::sync::Mutex<WaitQueues> = std::sync::Mutex::new(WaitQueues {
    next_ticket: 0,
    waiting: std::collections::BTreeMap::new(),
    pulsed: std::collections::BTreeSet::new(),
});
static PULSED: std::sync::Condvar = std::sync::Condvar::new();

fn queues() -> std::sync::MutexGuard<'static, WaitQueues> {
    QUEUES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether the calling thread owns `obj`'s lock; raises `SynchronizationLockException` (as
/// Mono's `mono_monitor_wait` and `mono_monitor_pulse`) when it does not.
fn owned_or_raise(obj: u64) -> bool {
    if obj != 0 && owner(sync_word(obj).load(Ordering::Acquire)) == current_thread() {
        return true;
    }
    crate::eh::raise::raise(
        "Threading.SynchronizationLockException",
        "Object synchronization method was called from an unsynchronized block of code.",
    );
    false
}

/// `Monitor_wait(object obj, int millisecondsTimeout)`: whether it was pulsed (else it
/// timed out); the lock is held again either way.
extern "C" fn wait(obj: u64, timeout_ms: u32) -> i32 {
    if !owned_or_raise(obj) {
        return 0;
    }
    let mut guard = queues();
    let ticket = guard.next_ticket;
    guard.next_ticket += 1;
    guard.waiting.entry(obj).or_default().push_back(ticket);
    // Release the lock whatever its recursion count, keeping the count to restore.
    let word = sync_word(obj);
    let held = word.swap(0, Ordering::AcqRel);
    let deadline =
        (timeout_ms != INFINITE).then(|| Instant::now() + Duration::from_millis(timeout_ms.into()));
    let pulsed = loop {
        if guard.pulsed.remove(&ticket) {
            break true;
        }
        match crate::threads::wait_until(&PULSED, guard, deadline) {
            Some(next) => guard = next,
            None => {
                guard = queues();
                if let Some(queue) = guard.waiting.get_mut(&obj) {
                    queue.retain(|t| *t != ticket);
                }
                // A pulse may have come with the deadline.
                break guard.pulsed.remove(&ticket);
            }
        }
    };
    if guard.waiting.get(&obj).is_some_and(|q| q.is_empty()) {
        guard.waiting.remove(&obj);
    }
    drop(guard);
    acquire(obj, INFINITE);
    // Back to the recursion count the thread held before waiting.
    word.store(held, Ordering::Release);
    i32::from(pulsed)
}

/// Wakes the first waiter on `obj` (`all`: every waiter).
fn pulse_waiters(obj: u64, all: bool) {
    if !owned_or_raise(obj) {
        return;
    }
    let mut guard = queues();
    let WaitQueues {
        waiting, pulsed, ..
    } = &mut *guard;
    if let Some(queue) = waiting.get_mut(&obj) {
        let count = if all { queue.len() } else { 1.min(queue.len()) };
        for ticket in queue.drain(..count) {
            pulsed.insert(ticket);
        }
    }
    drop(guard);
    PULSED.notify_all();
}

/// `Monitor_pulse(object obj)`.
extern "C" fn pulse(obj: u64) {
    pulse_waiters(obj, false);
}

/// `Monitor_pulse_all(object obj)`.
extern "C" fn pulse_all(obj: u64) {
    pulse_waiters(obj, true);
}

/// `Monitor_test_owner(object obj)`: `Monitor.IsEntered`.
extern "C" fn test_owner(obj: u64) -> i32 {
    i32::from(obj != 0 && owner(sync_word(obj).load(Ordering::Acquire)) == current_thread())
}

/// `Monitor_test_synchronised(object obj)`: held by any thread.
extern "C" fn test_synchronised(obj: u64) -> i32 {
    i32::from(obj != 0 && sync_word(obj).load(Ordering::Acquire) != 0)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Enter", enter as *const ()),
        ("Exit", exit as *const ()),
        ("Monitor_pulse", pulse as *const ()),
        ("Monitor_pulse_all", pulse_all as *const ()),
        ("Monitor_test_owner", test_owner as *const ()),
        ("Monitor_test_synchronised", test_synchronised as *const ()),
        ("Monitor_wait", wait as *const ()),
        (
            "try_enter_with_atomic_var",
            try_enter_with_atomic_var as *const (),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_recursive_and_released_by_its_owner() {
        let object = [0u64; 2];
        let obj = object.as_ptr() as u64;
        assert!(acquire(obj, INFINITE));
        assert!(acquire(obj, 0));
        assert_eq!(test_owner(obj), 1);
        exit(obj);
        assert_eq!(test_synchronised(obj), 1);
        exit(obj);
        assert_eq!(test_synchronised(obj), 0);
    }

    #[test]
    fn another_thread_times_out_on_a_held_lock() {
        let object = Box::leak(Box::new([0u64; 2]));
        let obj = object.as_ptr() as u64;
        assert!(acquire(obj, INFINITE));
        let other = std::thread::spawn(move || acquire(obj, 10)).join().unwrap();
        assert!(!other);
        exit(obj);
        assert!(std::thread::spawn(move || acquire(obj, 10)).join().unwrap());
    }
}
