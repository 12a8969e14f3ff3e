//! The slice of Boehm's C API (`/usr/include/gc/gc.h`, bdwgc 8.2 in Debian 12) that
//! [`crate`] uses. Nothing outside this crate calls libgc directly.
//!
//! Declarations follow `gc.h` exactly; `GC_word` is `usize` on x86-64 Linux.

use std::ffi::{c_char, c_int, c_uint, c_void};

/// `struct GC_stack_base` on x86-64: only the cold end of the stack.
#[repr(C)]
pub(crate) struct StackBase {
    pub(crate) mem_base: *mut c_void,
}

/// `GC_I_NORMAL` (`gc_inline.h`): the scanned object kind.
pub(crate) const GC_I_NORMAL: c_int = 1;

/// `GC_SUCCESS`.
pub(crate) const GC_SUCCESS: c_int = 0;

/// `GC_warn_proc`: receives a printf-style message with one word argument.
pub(crate) type WarnProc = unsafe extern "C" fn(msg: *mut c_char, arg: usize);

/// `GC_finalization_proc`: called with the object and the client data it was registered with.
pub(crate) type FinalizationProc = unsafe extern "C" fn(obj: *mut c_void, client_data: *mut c_void);

/// `GC_finalizer_notifier_proc`: called when objects become ready for finalization.
pub(crate) type FinalizerNotifier = unsafe extern "C" fn();

/// `GC_on_collection_event_proc`: told each phase of a collection (`GC_EventType`), with the
/// allocation lock held.
pub(crate) type CollectionEventProc = unsafe extern "C" fn(event: c_int);

/// `GC_EVENT_RECLAIM_END`: the collection has freed every block without a live object.
pub(crate) const GC_EVENT_RECLAIM_END: c_int = 4;

/// `struct GC_prof_stats_s` (gc.h), every field a `GC_word`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct ProfStats {
    pub(crate) heapsize_full: usize,
    pub(crate) free_bytes_full: usize,
    pub(crate) unmapped_bytes: usize,
    pub(crate) bytes_allocd_since_gc: usize,
    pub(crate) allocd_bytes_before_gc: usize,
    pub(crate) non_gc_bytes: usize,
    pub(crate) gc_no: usize,
    pub(crate) markers_m1: usize,
    pub(crate) bytes_reclaimed_since_gc: usize,
    pub(crate) reclaimed_bytes_before_gc: usize,
    pub(crate) expl_freed_bytes_since_gc: usize,
    pub(crate) obtained_from_os_bytes: usize,
}

/// `GC_fn_type`: a function run with the allocation lock held.
pub(crate) type LockedFn = unsafe extern "C" fn(client_data: *mut c_void) -> *mut c_void;

unsafe extern "C" {
    pub(crate) fn GC_init();
    pub(crate) fn GC_set_all_interior_pointers(on: c_int);
    #[cfg(test)]
    pub(crate) fn GC_get_all_interior_pointers() -> c_int;
    pub(crate) fn GC_allow_register_threads();
    pub(crate) fn GC_register_my_thread(sb: *const StackBase) -> c_int;
    pub(crate) fn GC_unregister_my_thread() -> c_int;
    pub(crate) fn GC_thread_is_registered() -> c_int;
    pub(crate) fn GC_get_stack_base(sb: *mut StackBase) -> c_int;
    pub(crate) fn GC_set_stackbottom(thread: *mut c_void, sb: *const StackBase);

    pub(crate) fn GC_malloc(size: usize) -> *mut c_void;
    pub(crate) fn GC_malloc_atomic(size: usize) -> *mut c_void;
    pub(crate) fn GC_malloc_uncollectable(size: usize) -> *mut c_void;
    /// `gc_inline.h`: a chain of `lb`-byte blocks of kind `k`, linked through their first
    /// word, stored to `*result` (0 when out of memory).
    pub(crate) fn GC_generic_malloc_many(lb: usize, k: c_int, result: *mut *mut c_void);

    pub(crate) fn GC_expand_hp(bytes: usize) -> c_int;
    pub(crate) fn GC_set_markers_count(count: c_uint);
    pub(crate) fn GC_set_free_space_divisor(divisor: usize);
    pub(crate) fn GC_set_max_heap_size(bytes: usize);
    pub(crate) fn GC_set_min_bytes_allocd(bytes: usize);
    #[cfg(test)]
    pub(crate) fn GC_get_min_bytes_allocd() -> usize;
    pub(crate) fn GC_set_on_collection_event(proc_: CollectionEventProc);
    /// The unsynchronised `GC_get_prof_stats`: only with the allocation lock held.
    pub(crate) fn GC_get_prof_stats_unsafe(stats: *mut ProfStats, size: usize) -> usize;
    pub(crate) fn GC_gcollect();
    pub(crate) fn GC_get_gc_no() -> usize;
    pub(crate) fn GC_get_heap_size() -> usize;
    pub(crate) fn GC_get_total_bytes() -> usize;

    pub(crate) fn GC_set_warn_proc(proc_: WarnProc);

    pub(crate) fn GC_set_finalize_on_demand(on: c_int);
    pub(crate) fn GC_set_finalizer_notifier(notifier: FinalizerNotifier);
    pub(crate) fn GC_register_finalizer_no_order(
        obj: *mut c_void,
        fn_: Option<FinalizationProc>,
        client_data: *mut c_void,
        old_fn: *mut Option<FinalizationProc>,
        old_client_data: *mut *mut c_void,
    );
    pub(crate) fn GC_invoke_finalizers() -> c_int;
    pub(crate) fn GC_finalize_all();

    pub(crate) fn GC_general_register_disappearing_link(
        link: *mut *mut c_void,
        obj: *const c_void,
    ) -> c_int;
    pub(crate) fn GC_register_long_link(link: *mut *mut c_void, obj: *const c_void) -> c_int;
    pub(crate) fn GC_unregister_disappearing_link(link: *mut *mut c_void) -> c_int;
    pub(crate) fn GC_unregister_long_link(link: *mut *mut c_void) -> c_int;
    pub(crate) fn GC_call_with_alloc_lock(f: LockedFn, client_data: *mut c_void) -> *mut c_void;
    pub(crate) fn GC_base(p: *mut c_void) -> *mut c_void;
    pub(crate) fn GC_get_free_bytes() -> usize;
}
