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

/// `GC_SUCCESS`.
pub(crate) const GC_SUCCESS: c_int = 0;

/// `GC_warn_proc`: receives a printf-style message with one word argument.
pub(crate) type WarnProc = unsafe extern "C" fn(msg: *mut c_char, arg: usize);

unsafe extern "C" {
    pub(crate) fn GC_init();
    pub(crate) fn GC_allow_register_threads();
    pub(crate) fn GC_register_my_thread(sb: *const StackBase) -> c_int;
    pub(crate) fn GC_unregister_my_thread() -> c_int;
    pub(crate) fn GC_thread_is_registered() -> c_int;
    pub(crate) fn GC_get_stack_base(sb: *mut StackBase) -> c_int;
    pub(crate) fn GC_set_stackbottom(thread: *mut c_void, sb: *const StackBase);

    pub(crate) fn GC_malloc(size: usize) -> *mut c_void;
    pub(crate) fn GC_malloc_atomic(size: usize) -> *mut c_void;
    pub(crate) fn GC_malloc_uncollectable(size: usize) -> *mut c_void;

    pub(crate) fn GC_expand_hp(bytes: usize) -> c_int;
    pub(crate) fn GC_set_markers_count(count: c_uint);
    pub(crate) fn GC_set_max_heap_size(bytes: usize);
    pub(crate) fn GC_gcollect();
    pub(crate) fn GC_get_gc_no() -> usize;
    pub(crate) fn GC_get_heap_size() -> usize;
    pub(crate) fn GC_get_total_bytes() -> usize;

    pub(crate) fn GC_set_warn_proc(proc_: WarnProc);
}
