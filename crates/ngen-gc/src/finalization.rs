//! Finalization: objects registered here have a hook called once the collector finds them
//! unreachable (`Object.Finalize` overrides), at safe points the runtime chooses, and all of
//! them once more at exit.
//!
//! ## Model
//! Mono on Boehm (`mono/metadata/boehm-gc.c`) registers each instance of a class with a
//! finalizer through `GC_REGISTER_FINALIZER_NO_ORDER` when it is allocated, and runs the
//! finalizers on its finalizer thread after a collection; at exit `mono_domain_finalize` runs
//! those of every object still registered, reachable or not. Here the collector runs in
//! finalize-on-demand mode: a collection only queues finalizable objects and raises a flag
//! ([`finalizers_pending`]); the runtime then runs them on its managed thread at points where
//! managed code may run (an allocation of compiled code, `GC.WaitForPendingFinalizers`),
//! and [`finalize_all`] runs every remaining one at exit. So finalizers never run inside
//! the collector, inside a runtime lock, or concurrently with the program's thread (the
//! runtime has one managed thread; this is where a finalizer thread would go).
//! "No order" finalization, as Mono's: an object reachable from another finalizable object
//! is finalized in the same pass, in no particular order.
//!
//! Depends on: [`crate::boehm`]. Citations: bdwgc `gc.h` (`GC_register_finalizer_no_order`,
//! `GC_set_finalize_on_demand`, `GC_finalize_all`); Mono 6.8 `metadata/gc.c`
//! (`mono_domain_finalize`, `ves_icall_System_GC_WaitForPendingFinalizers`).

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::boehm;

/// What the runtime does with an object whose time has come: call its `Finalize`.
pub type FinalizerHook = fn(object: usize);

static HOOK: OnceLock<FinalizerHook> = OnceLock::new();

/// Set by the collector's notifier when a collection queued objects for finalization.
static PENDING: AtomicBool = AtomicBool::new(false);

/// Set once [`finalize_all`] starts: no object is registered any more (Mono refuses
/// registrations in a dying domain, `object_register_finalizer`), so a finalizer that
/// re-registers its object cannot keep the exit pass going forever.
static EXITING: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Whether this thread is running finalizers (a finalizer that allocates must not start
    /// the queue again from inside itself).
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook finalizers run through (once; later calls are ignored), and puts the
/// collector in finalize-on-demand mode.
pub fn set_finalizer_hook(hook: FinalizerHook) {
    crate::init();
    if HOOK.set(hook).is_ok() {
        // SAFETY: plain setters of an initialised collector.
        unsafe {
            boehm::GC_set_finalize_on_demand(1);
            boehm::GC_set_finalizer_notifier(notify);
        }
    }
}

/// Boehm's notifier: objects are ready (called by the allocating or collecting thread).
unsafe extern "C" fn notify() {
    PENDING.store(true, Ordering::Release);
}

/// The collector's finalization proc: hands the object to the runtime's hook.
unsafe extern "C" fn finalize_proc(object: *mut c_void, _client_data: *mut c_void) {
    if let Some(hook) = HOOK.get() {
        hook(object as usize);
    }
}

/// Registers `object` (the start of a block from [`crate::alloc`] or [`crate::alloc_atomic`])
/// for finalization; registering it again is harmless (`GC.ReRegisterForFinalize`).
pub fn register_for_finalization(object: usize) {
    if object == 0 || EXITING.load(Ordering::Relaxed) {
        return;
    }
    // SAFETY: `object` is the base of a collected block (the caller's contract); the old
    // registration, if any, is replaced.
    unsafe {
        boehm::GC_register_finalizer_no_order(
            object as *mut c_void,
            Some(finalize_proc),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
    }
}

/// Removes `object`'s registration, if any (`GC.SuppressFinalize`).
pub fn unregister_for_finalization(object: usize) {
    if object == 0 {
        return;
    }
    // SAFETY: as above; a null proc removes the registration (gc.h).
    unsafe {
        boehm::GC_register_finalizer_no_order(
            object as *mut c_void,
            None,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
    }
}

/// Whether a collection left objects waiting for their finalizers (a relaxed read: cheap
/// enough for every allocation).
#[inline]
pub fn finalizers_pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// Runs the finalizers of every object the collector queued, on this thread; returns how many
/// ran. Does nothing when called from inside a finalizer.
pub fn run_pending_finalizers() -> usize {
    if RUNNING.with(Cell::get) {
        return 0;
    }
    RUNNING.with(|r| r.set(true));
    let mut ran = 0;
    loop {
        PENDING.store(false, Ordering::Relaxed);
        // SAFETY: the collector is initialised (the hook was set); finalizers run here, on a
        // registered thread, outside the allocation lock.
        let n = unsafe { boehm::GC_invoke_finalizers() };
        if n <= 0 {
            break;
        }
        ran += n as usize;
    }
    RUNNING.with(|r| r.set(false));
    ran
}

/// Runs the finalizers of every registered object, reachable or not, as mono does at exit
/// (`mono_domain_finalize`); registrations made meanwhile are ignored, as Mono ignores them.
pub fn finalize_all() {
    if HOOK.get().is_none() || RUNNING.with(Cell::get) {
        return;
    }
    RUNNING.with(|r| r.set(true));
    EXITING.store(true, Ordering::Relaxed);
    // SAFETY: the collector is initialised; GC_finalize_all runs the finalizers here.
    unsafe { boehm::GC_finalize_all() };
    RUNNING.with(|r| r.set(false));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static FINALIZED: AtomicUsize = AtomicUsize::new(0);

    fn count(_object: usize) {
        FINALIZED.fetch_add(1, Ordering::Relaxed);
    }

    /// Allocates `n` registered objects and forgets them (a frame of its own, so no stale
    /// reference stays in this test's frame).
    #[inline(never)]
    fn garbage(n: usize, suppressed: usize) {
        for i in 0..n {
            let block = crate::alloc(32).unwrap().as_ptr() as usize;
            register_for_finalization(block);
            if i < suppressed {
                unregister_for_finalization(block);
            }
        }
    }

    #[test]
    fn unreachable_objects_are_finalized_on_demand_and_the_rest_at_exit() {
        set_finalizer_hook(count);
        garbage(200, 50);
        let kept = crate::alloc(32).unwrap().as_ptr() as usize;
        register_for_finalization(kept);
        // A little work on the stack, so the conservative scan sees few stale words.
        std::hint::black_box([0u64; 64]);
        crate::collect();
        assert!(finalizers_pending());
        let ran = run_pending_finalizers();
        // Conservative stack scanning may keep a few alive; the suppressed 50 never run.
        assert!((100..=150).contains(&ran), "{ran} finalizers ran");
        assert!(!finalizers_pending());
        let before = FINALIZED.load(Ordering::Relaxed);
        finalize_all();
        let at_exit = FINALIZED.load(Ordering::Relaxed) - before;
        // The live one, and any garbage the scan kept.
        assert!((1..=51).contains(&at_exit), "{at_exit} at exit");
        std::hint::black_box(kept);
    }
}
