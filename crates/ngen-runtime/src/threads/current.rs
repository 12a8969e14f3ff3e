//! The `System.Threading.Thread` object of each OS thread that runs managed code.
//!
//! ## Model
//! Mono's `mono_thread_attach` gives a thread that enters managed code a `MonoInternalThread`
//! (the runtime's half, `System.Threading.InternalThread` in mscorlib, fields in
//! `object-internals.h` order) and a `MonoThread` (`System.Threading.Thread`, pointing at it),
//! both made natively without running constructors (`create_internal_thread_object`,
//! `create_thread_object` in `threads.c`). The same here: [`current_thread`] makes the pair on
//! a thread's first request, [`attach_main_thread`] at startup for the managed-main thread,
//! and [`set_current`] installs the object a `new Thread(...)` made for the thread that
//! `Start` creates. Each thread's object sits in a one-word scanned block (the collector does
//! not scan Rust's thread-locals), cleared when the thread exits.
//!
//! Managed thread ids are Mono's: the main thread is 1, the finalizer thread Mono starts in
//! `mono_gc_init` takes 2, and every `InternalThread` made later takes the next
//! (`get_next_managed_thread_id`), so a program's first `new Thread()` is 3 as under mono.
//!
//! Depends on: [`crate::state::objects`] (core-library instances and field offsets),
//! `ngen_gc` (the scanned block).

use std::cell::Cell;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::state::fatal;
use crate::state::objects::{core_field_offset, new_core_instance};

/// The next managed thread id (`get_next_managed_thread_id`); 2 is the finalizer thread's.
static NEXT_MANAGED_ID: AtomicI32 = AtomicI32::new(3);

/// `MONO_THREAD_PRIORITY_NORMAL`.
const PRIORITY_NORMAL: i32 = 2;
/// `ThreadApartmentState_Unknown`.
const APARTMENT_UNKNOWN: u8 = 2;

/// This thread's `Thread` object, in a scanned block (0: none yet).
struct Current(Cell<*mut u64>);

impl Drop for Current {
    fn drop(&mut self) {
        let slot = self.0.get();
        if !slot.is_null() {
            // SAFETY: the block is this thread's, one word; clearing it unroots the object.
            unsafe { slot.write(0) };
        }
    }
}

thread_local! {
    static CURRENT: Current = const { Current(Cell::new(std::ptr::null_mut())) };
}

/// The next managed thread id, for an `InternalThread` made by `new Thread(...)`.
pub(crate) fn next_managed_id() -> i32 {
    NEXT_MANAGED_ID.fetch_add(1, Ordering::Relaxed)
}

/// Makes the managed-main thread's `Thread` object (managed id 1), as Mono attaches the main
/// thread before `Main`.
/// Without the core library's thread classes it logs why and leaves the thread to
/// [`current_thread`] (which then fails only if the program asks for it).
pub(crate) fn attach_main_thread() {
    match new_thread_object(1, true) {
        Ok(thread) => set_current(thread),
        Err(e) => crate::log::binding(|| format!("no Thread object for the main thread: {e}")),
    }
}

/// The calling thread's `Thread` object, made (with the next managed id) on first request.
pub(crate) fn current_thread() -> u64 {
    let existing = CURRENT.with(|c| {
        let slot = c.0.get();
        // SAFETY: a non-null slot is this thread's live one-word block.
        if slot.is_null() {
            0
        } else {
            unsafe { slot.read() }
        }
    });
    if existing != 0 {
        return existing;
    }
    let thread = new_thread_object(next_managed_id(), true)
        .unwrap_or_else(|e| fatal(&format!("Thread.CurrentThread: {e}")));
    set_current(thread);
    thread
}

/// Makes `thread` (a `System.Threading.Thread`) the calling thread's object.
pub(crate) fn set_current(thread: u64) {
    CURRENT.with(|c| {
        let mut slot = c.0.get();
        if slot.is_null() {
            slot = ngen_gc::alloc_uncollectable(size_of::<u64>())
                .unwrap_or_else(|| fatal("out of memory for a thread object"))
                .as_ptr()
                .cast();
            c.0.set(slot);
        }
        // SAFETY: `slot` is this thread's one-word scanned block.
        unsafe { slot.write(thread) };
    });
}

/// A new `Thread` with a new `InternalThread` of managed id `managed_id`, for an OS thread
/// that is already running (`attached`: the calling one, state `Running`), or for
/// `new Thread(...)` (state `Unstarted`, no OS thread yet), as `init_internal_thread_object`
/// fills it.
pub(crate) fn new_thread_object(managed_id: i32, attached: bool) -> Result<u64, String> {
    let internal = new_internal_thread(managed_id, attached)?;
    let thread = new_core_instance("Threading.Thread")?;
    write(
        thread,
        core_field_offset("Threading.Thread", "internal_thread")?,
        internal,
    );
    Ok(thread)
}

/// A new `InternalThread` as `init_internal_thread_object` makes it (see [`new_thread_object`]).
pub(crate) fn new_internal_thread(managed_id: i32, attached: bool) -> Result<u64, String> {
    /// `ThreadState.Unstarted`.
    const UNSTARTED: i32 = 8;
    let internal = new_core_instance("Threading.InternalThread")?;
    let field = |name: &str| core_field_offset("Threading.InternalThread", name);
    write(internal, field("managed_id")?, managed_id);
    write(internal, field("priority")?, PRIORITY_NORMAL);
    write(internal, field("apartment_state")?, APARTMENT_UNKNOWN);
    if attached {
        // SAFETY: pthread_self has no preconditions.
        let id = unsafe { libc::pthread_self() } as i64;
        write(internal, field("thread_id")?, id);
    } else {
        write(internal, field("state")?, UNSTARTED);
    }
    Ok(internal)
}

/// Stores `value` at `offset` of the object `obj`.
pub(crate) fn write<T: Copy>(obj: u64, offset: u32, value: T) {
    // SAFETY: `offset` is the offset of a field of `obj`'s class of type `T` (the type
    // system's layout), inside the live instance.
    unsafe { ((obj + u64::from(offset)) as *mut T).write_unaligned(value) };
}

/// Reads the `T` at `offset` of the object `obj`.
pub(crate) fn read<T: Copy>(obj: u64, offset: u32) -> T {
    // SAFETY: as [`write`].
    unsafe { ((obj + u64::from(offset)) as *const T).read_unaligned() }
}
