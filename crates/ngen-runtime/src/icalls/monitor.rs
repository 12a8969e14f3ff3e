//! `System.Threading.Monitor`'s icalls (`icall-def.h` `MONIT_*`): `lock` statements,
//! `Monitor.Wait`/`Pulse`/`PulseAll`.
//!
//! ## Model
//! A thin lock in the object header's synchronisation word (`ngen_abi::object::ObjectHeader::
//! sync`, at offset 8), as Mono's `monitor.c` keeps a thin lock there before it inflates one:
//! 0 when free; otherwise the owner's kernel thread id in the high 32 bits, [`PARKED`] (bit 31)
//! when threads may be asleep waiting for it, and the recursion count in bits 0..31.
//!
//! - **Enter** is one compare-and-swap when the lock is free (the fast path) and one atomic
//!   add when the caller already owns it. A contended lock is spun on for a short, bounded,
//!   exponential time (`pause`, then yields: `parking_lot_core::SpinWait`), as Mono's
//!   `mono_monitor_try_enter_inflated` spins before it sleeps; then the thread sets
//!   [`PARKED`] and parks on the object's address (`parking_lot_core::park`: a queue per
//!   address in a process-wide hash table, the thread asleep on a futex). The object needs no
//!   separate inflated monitor: the parking lot is the inflated state, so the header stays
//!   one word and nothing is freed when the object dies (a parked thread's frame references
//!   the object, so the collector cannot reclaim it and reuse the address meanwhile).
//! - **Exit** by the last recursion level is one compare-and-swap to 0 when [`PARKED`] is
//!   clear; when set, it wakes exactly one parked thread and leaves [`PARKED`] set only if
//!   more are parked (decided under the parking lot's queue lock, so no wake-up is lost).
//!   The woken thread competes for the lock again (no hand-off: not fair, as Mono's is not).
//!   While a lock is held, other threads change its word only to set [`PARKED`], so the
//!   owner's changes are atomic read-modify-writes.
//! - **Wait** parks on a second key of the object (its address + 9: odd, so never another
//!   object's lock key) and releases the lock (whatever its recursion count) only once it is
//!   queued there, so a `Pulse` after the release cannot be missed; pulsed or timed out, it
//!   takes the lock back and restores the count, as Mono's `mono_monitor_wait`. **Pulse**
//!   wakes the longest waiter (FIFO), **PulseAll** every waiter of that object and no other.
//!
//! The collector (Boehm) stops threads with signals; a thread asleep in the parking lot is
//! interrupted, stopped and resumed like any other, and goes back to sleep. The hash code
//! does not live here (it is the address hash, `System.Object::InternalGetHashCode`), so the
//! two never collide.
//!
//! Failures raise Mono's exceptions through the pending word: `ArgumentNullException` for a
//! null object, `SynchronizationLockException` for `Exit`, `Wait` or `Pulse` by a thread that
//! does not own the lock.
//!
//! Depends on: `ngen_abi::object` (header layout), `parking_lot_core` (parking by address),
//! libc (`gettid`), the runtime's `eh`.
//! Citations: Mono 6.8 `mono/metadata/monitor.c`; WebKit's "Locking in WebKit" (2016), the
//! parking-lot design `parking_lot_core` implements.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot_core::{DEFAULT_PARK_TOKEN, DEFAULT_UNPARK_TOKEN, ParkResult, SpinWait};

/// Offset of the synchronisation word in every object.
const SYNC_OFFSET: u64 = 8;

/// Set while threads may be parked waiting for the lock.
const PARKED: u64 = 1 << 31;

/// The recursion count's bits.
const COUNT: u64 = PARKED - 1;

/// `Timeout.Infinite` as the icall receives it (`guint32`).
const INFINITE: u32 = u32::MAX;

fn sync_word<'a>(obj: u64) -> &'a AtomicU64 {
    // SAFETY: `obj` is a live, non-null object; its header's second word is 8-aligned and is
    // only accessed atomically by this module.
    unsafe { &*((obj + SYNC_OFFSET) as *const AtomicU64) }
}

/// The parking-lot key of threads waiting to enter `obj`'s lock.
fn lock_key(obj: u64) -> usize {
    (obj + SYNC_OFFSET) as usize
}

/// The parking-lot key of threads in `Monitor.Wait` on `obj`.
fn wait_key(obj: u64) -> usize {
    (obj + SYNC_OFFSET + 1) as usize
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

fn deadline_after(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms != INFINITE).then(|| Instant::now() + Duration::from_millis(timeout_ms.into()))
}

/// Takes the lock on `obj` for this thread, waiting at most `timeout_ms` (or forever).
fn acquire(obj: u64, timeout_ms: u32) -> bool {
    let word = sync_word(obj);
    let me = current_thread();
    match word.compare_exchange(0, (me << 32) | 1, Ordering::Acquire, Ordering::Relaxed) {
        Ok(_) => true,
        Err(current) if owner(current) == me => {
            // Atomic: a contender may be setting PARKED meanwhile.
            word.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(_) => acquire_contended(obj, me, timeout_ms),
    }
}

/// [`acquire`] when another thread holds the lock: spin a little, then park until an `Exit`
/// wakes this thread, or the deadline passes.
#[cold]
fn acquire_contended(obj: u64, me: u64, timeout_ms: u32) -> bool {
    let word = sync_word(obj);
    let deadline = deadline_after(timeout_ms);
    let mut spin = SpinWait::new();
    loop {
        let current = word.load(Ordering::Relaxed);
        if owner(current) == 0 {
            // Keep PARKED: the threads still asleep need the next Exit to wake one.
            if word
                .compare_exchange_weak(
                    current,
                    current | (me << 32) | 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return true;
            }
            continue;
        }
        if timeout_ms == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        if current & PARKED == 0 {
            if spin.spin() {
                continue;
            }
            if word
                .compare_exchange_weak(
                    current,
                    current | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
            {
                continue;
            }
        }
        let validate = || {
            let now = word.load(Ordering::Relaxed);
            owner(now) != 0 && now & PARKED != 0
        };
        let timed_out = |_key, was_last_thread| {
            if was_last_thread {
                word.fetch_and(!PARKED, Ordering::Relaxed);
            }
        };
        // SAFETY: the closures neither panic nor park; the key is this object's own.
        let parked = unsafe {
            parking_lot_core::park(
                lock_key(obj),
                validate,
                || {},
                timed_out,
                DEFAULT_PARK_TOKEN,
                deadline,
            )
        };
        if matches!(parked, ParkResult::TimedOut) {
            return false;
        }
        spin.reset();
    }
}

/// Releases the lock this thread owns on `obj`, whatever its recursion count (returned),
/// waking one parked contender when there is one.
fn release(obj: u64) -> u64 {
    let word = sync_word(obj);
    loop {
        let current = word.load(Ordering::Relaxed);
        if current & PARKED == 0 {
            if word
                .compare_exchange_weak(current, 0, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return current & COUNT;
            }
            continue;
        }
        // Parked contenders: nobody else changes the word now (it is owned and PARKED is
        // set), and the callback runs under the queue's lock, so a thread that parks after it
        // sees the lock free or PARKED set again.
        let wake = |result: parking_lot_core::UnparkResult| {
            let next = if result.have_more_threads { PARKED } else { 0 };
            word.store(next, Ordering::Release);
            DEFAULT_UNPARK_TOKEN
        };
        // SAFETY: the callback neither panics nor parks.
        unsafe { parking_lot_core::unpark_one(lock_key(obj), wake) };
        return current & COUNT;
    }
}

fn null_argument() {
    crate::eh::raise::raise(
        "ArgumentNullException",
        "Value cannot be null.\nParameter name: obj",
    );
}

fn not_owned() {
    crate::eh::raise::raise(
        "Threading.SynchronizationLockException",
        "Object synchronization method was called from an unsynchronized block of code.",
    );
}

/// Runs `f` holding `obj`'s lock (`obj` not null), for the runtime's own critical sections
/// on managed objects (Mono's `mono_monitor_enter_internal`/`exit` pairs), which managed
/// code's `lock (obj)` excludes.
pub(crate) fn with_lock<R>(obj: u64, f: impl FnOnce() -> R) -> R {
    acquire(obj, INFINITE);
    let result = f();
    exit(obj);
    result
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
    let current = word.load(Ordering::Relaxed);
    if owner(current) != current_thread() {
        return not_owned();
    }
    if current & COUNT > 1 {
        // Atomic: a contender may be setting PARKED meanwhile.
        word.fetch_sub(1, Ordering::Release);
    } else {
        release(obj);
    }
}

/// Whether the calling thread owns `obj`'s lock; raises `SynchronizationLockException` (as
/// Mono's `mono_monitor_wait` and `mono_monitor_pulse`) when it does not.
fn owned_or_raise(obj: u64) -> bool {
    if obj != 0 && owner(sync_word(obj).load(Ordering::Relaxed)) == current_thread() {
        return true;
    }
    not_owned();
    false
}

/// `Monitor_wait(object obj, int millisecondsTimeout)`: whether it was pulsed (else it
/// timed out); the lock is held again either way, with the recursion count it had.
extern "C" fn wait(obj: u64, timeout_ms: u32) -> i32 {
    if !owned_or_raise(obj) {
        return 0;
    }
    let mut count = 0;
    // The lock is released only once this thread is queued on the wait key.
    let release_lock = || count = release(obj);
    // SAFETY: the closures neither panic nor park (releasing may unpark a contender, which
    // `parking_lot_core` allows, as its own condition variable does); the key is the object's.
    let woken = unsafe {
        parking_lot_core::park(
            wait_key(obj),
            || true,
            release_lock,
            |_, _| {},
            DEFAULT_PARK_TOKEN,
            deadline_after(timeout_ms),
        )
    };
    acquire(obj, INFINITE);
    if count > 1 {
        sync_word(obj).fetch_add(count - 1, Ordering::Relaxed);
    }
    i32::from(matches!(woken, ParkResult::Unparked(_)))
}

/// `Monitor_pulse(object obj)`: wakes the longest waiter on `obj`.
extern "C" fn pulse(obj: u64) {
    if owned_or_raise(obj) {
        // SAFETY: the callback neither panics nor parks.
        unsafe { parking_lot_core::unpark_one(wait_key(obj), |_| DEFAULT_UNPARK_TOKEN) };
    }
}

/// `Monitor_pulse_all(object obj)`: wakes every waiter on `obj`.
extern "C" fn pulse_all(obj: u64) {
    if owned_or_raise(obj) {
        // SAFETY: no callback; the key is the object's.
        unsafe { parking_lot_core::unpark_all(wait_key(obj), DEFAULT_UNPARK_TOKEN) };
    }
}

/// `Monitor_test_owner(object obj)`: `Monitor.IsEntered`.
extern "C" fn test_owner(obj: u64) -> i32 {
    i32::from(obj != 0 && owner(sync_word(obj).load(Ordering::Relaxed)) == current_thread())
}

/// `Monitor_test_synchronised(object obj)`: held by any thread.
extern "C" fn test_synchronised(obj: u64) -> i32 {
    i32::from(obj != 0 && owner(sync_word(obj).load(Ordering::Relaxed)) != 0)
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
    use std::sync::atomic::AtomicBool;

    /// A stand-in object: a header of two words, never freed (threads share it).
    fn object() -> u64 {
        Box::leak(Box::new([0u64; 2])).as_ptr() as u64
    }

    #[test]
    fn the_lock_is_recursive_and_released_by_its_owner() {
        let obj = object();
        assert!(acquire(obj, INFINITE));
        assert!(acquire(obj, 0));
        assert_eq!(test_owner(obj), 1);
        exit(obj);
        assert_eq!(test_synchronised(obj), 1);
        exit(obj);
        assert_eq!(test_synchronised(obj), 0);
        assert_eq!(sync_word(obj).load(Ordering::Relaxed), 0);
    }

    #[test]
    fn another_thread_times_out_on_a_held_lock() {
        let obj = object();
        assert!(acquire(obj, INFINITE));
        assert!(!std::thread::spawn(move || acquire(obj, 0)).join().unwrap());
        let started = Instant::now();
        assert!(!std::thread::spawn(move || acquire(obj, 30)).join().unwrap());
        assert!(started.elapsed() >= Duration::from_millis(30));
        exit(obj);
        // The timed-out contender left no PARKED bit behind: the word is free again.
        assert_eq!(sync_word(obj).load(Ordering::Relaxed), 0);
        assert!(std::thread::spawn(move || acquire(obj, 10)).join().unwrap());
    }

    /// Eight threads increment one unsynchronised counter under the lock, with a nested
    /// (recursive) enter: every increment survives, and parked contenders were all woken
    /// (the threads finish) and leave the word free.
    #[test]
    fn contended_increments_are_all_kept_and_every_parked_thread_is_woken() {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let obj = object();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        acquire(obj, INFINITE);
                        acquire(obj, INFINITE);
                        // A racy read-modify-write: only the lock makes it exact.
                        let seen = COUNTER.load(Ordering::Relaxed);
                        std::hint::spin_loop();
                        COUNTER.store(seen + 1, Ordering::Relaxed);
                        exit(obj);
                        exit(obj);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(COUNTER.load(Ordering::Relaxed), 160_000);
        assert_eq!(sync_word(obj).load(Ordering::Relaxed), 0);
    }

    /// Two threads hand a turn back and forth with Wait/Pulse while a third hammers the same
    /// lock: no pulse is lost (it would hang), and each Wait returns holding the lock at the
    /// recursion count it had.
    #[test]
    fn wait_and_pulse_ping_pong_under_contention_loses_no_pulse() {
        static TURN: AtomicU64 = AtomicU64::new(0);
        static DONE: AtomicBool = AtomicBool::new(false);
        let obj = object();
        let player = |me: u64| {
            std::thread::spawn(move || {
                for _ in 0..2_000 {
                    acquire(obj, INFINITE);
                    acquire(obj, INFINITE);
                    while TURN.load(Ordering::Relaxed) % 2 != me {
                        assert_eq!(wait(obj, INFINITE), 1);
                        assert_eq!(sync_word(obj).load(Ordering::Relaxed) & COUNT, 2);
                    }
                    TURN.fetch_add(1, Ordering::Relaxed);
                    pulse(obj);
                    exit(obj);
                    exit(obj);
                }
            })
        };
        let hammer = std::thread::spawn(move || {
            while !DONE.load(Ordering::Relaxed) {
                acquire(obj, INFINITE);
                exit(obj);
            }
        });
        let (a, b) = (player(0), player(1));
        a.join().unwrap();
        b.join().unwrap();
        DONE.store(true, Ordering::Relaxed);
        hammer.join().unwrap();
        assert_eq!(TURN.load(Ordering::Relaxed), 4_000);
    }

    #[test]
    fn a_wait_that_is_never_pulsed_times_out_holding_the_lock() {
        let obj = object();
        acquire(obj, INFINITE);
        assert_eq!(wait(obj, 20), 0);
        assert_eq!(test_owner(obj), 1);
        exit(obj);
        assert_eq!(sync_word(obj).load(Ordering::Relaxed), 0);
    }
}
