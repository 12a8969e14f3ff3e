//! Running finalizers: the runtime half of `ngen_gc::finalization`.
//!
//! ## Model
//! `newobj` of a class overriding `Finalize` registers the instance with the collector
//! (bit 1 of the `NewObject` helper's flags). A collection queues the unreachable ones; their
//! finalizers run on the managed thread at the next safe point: the next `NewObject` (compiled
//! code is between instructions there and holds no runtime lock) or
//! `GC.WaitForPendingFinalizers`. When `Main` returns, every object still registered is
//! finalized, reachable or not, as Mono's `mono_domain_finalize` does before exit; the exit
//! code is read after that (a finalizer may set `Environment.ExitCode`, as under mono).
//!
//! A finalizer is the object's method-table slot of `Object::Finalize`, called with the
//! object as `this`. An exception leaving a finalizer ends the process as Mono's finalizer
//! thread does: the unhandled-exception report and exit code 255.
//!
//! Mono runs finalizers on a thread of their own, so under mono their output interleaves
//! with the program's at no fixed point and, at exit, may race with the console's own
//! `FileStream` finalizer (a finalizer writing to the console then fails); here they run at
//! the points above, and at exit every `FileStream`'s finalizer runs after the others: mono's
//! clean outcome, whatever order the collector lists the objects in.
//!
//! Depends on: `ngen_gc::finalization`, [`crate::state`] (the `Finalize` slot, cells),
//! [`crate::eh`] (the pending word and the unhandled report).

use ngen_abi::image::{CELL_SIZE, ImportCell};
use ngen_abi::object::METHOD_TABLE_SLOTS_OFFSET;

/// Mono's exit code when a finalizer throws (its finalizer thread's unhandled exception).
const FINALIZER_UNHANDLED_EXIT_CODE: i32 = 255;

/// Makes the collector call [`run_finalizer`] for objects whose finalizers are due.
pub(crate) fn install() {
    ngen_gc::finalization::set_finalizer_hook(finalize_or_defer);
}

/// Runs the finalizers the last collections queued (a safe point).
pub(crate) fn run_pending() {
    ngen_gc::finalization::run_pending_finalizers();
}

/// How many `FileStream`s the exit pass can hold back (more run in the collector's order).
const DEFERRED_CAPACITY: usize = 256;

/// The `FileStream`s the exit pass holds back: an uncollectable block of object words (they
/// are no longer registered, so nothing else keeps them), and how many it holds. Null but
/// during the exit pass.
static DEFERRED: std::sync::Mutex<(usize, usize)> = std::sync::Mutex::new((0, 0));

/// Finalizes every object still registered (after `Main`): the program's and the class
/// library's, then the `FileStream`s (the console's among them) held back meanwhile.
pub(crate) fn finalize_all_at_exit() {
    if let Some(block) = ngen_gc::alloc_uncollectable(DEFERRED_CAPACITY * size_of::<usize>()) {
        *DEFERRED.lock().unwrap_or_else(|e| e.into_inner()) = (block.as_ptr() as usize, 0);
    }
    ngen_gc::finalization::finalize_all();
    let (block, count) = std::mem::take(&mut *DEFERRED.lock().unwrap_or_else(|e| e.into_inner()));
    for i in 0..count {
        // SAFETY: the first `count` words of the block hold the objects stored below.
        let object = unsafe { (block as *const usize).add(i).read() };
        run_finalizer(object);
    }
}

/// During the exit pass, keeps a `FileStream` for the end instead of finalizing it now.
fn deferred_at_exit(object: usize) -> bool {
    let mut deferred = DEFERRED.lock().unwrap_or_else(|e| e.into_inner());
    let (block, count) = *deferred;
    if block == 0
        || count == DEFERRED_CAPACITY
        || !crate::state::finalizers::is_file_stream(object as u64)
    {
        return false;
    }
    // SAFETY: `count` < the block's capacity in words.
    unsafe { (block as *mut usize).add(count).write(object) };
    deferred.1 = count + 1;
    true
}

/// The collector's hook: finalizes `object`, unless the exit pass holds it back.
fn finalize_or_defer(object: usize) {
    if !deferred_at_exit(object) {
        run_finalizer(object);
    }
}

/// Calls `object.Finalize()` through its method table.
fn run_finalizer(object: usize) {
    let object = object as u64;
    let slot = crate::state::finalizers::finalize_slot();
    // SAFETY: `object` is a managed object the collector kept for its finalizer: its first
    // word is its method table, whose slot cells follow the two header words.
    let cell = unsafe {
        let method_table = (object as *const u64).read();
        (method_table as i64
            + METHOD_TABLE_SLOTS_OFFSET as i64
            + i64::from(slot) * CELL_SIZE as i64) as *mut ImportCell
    };
    // SAFETY: `cell` is a method-table slot cell (resolved on first use like any cell).
    let mut code = unsafe { (*cell).target };
    if code == 0 {
        code = crate::state::resolve_cell(cell);
    }
    // Nothing is in flight at a safe point; keep whatever is, in case.
    let in_flight = crate::eh::pending::take();
    // SAFETY: `code` is compiled code of `Finalize`, an instance method with no parameters
    // and no result (SystemV, `this` first).
    let finalize: extern "C" fn(u64) = unsafe { std::mem::transmute(code as usize) };
    finalize(object);
    if let Some(exception) = crate::eh::pending::take() {
        crate::eh::unhandled::report_and_exit(exception, FINALIZER_UNHANDLED_EXIT_CODE);
    }
    if let Some(exception) = in_flight {
        crate::eh::pending::put_back(exception);
    }
}
