//! The helper table (ngen_abi::helpers layout) the runtime gives every image and the JIT.

use ngen_abi::helpers::{HELPER_COUNT, HelperId};
use ngen_abi::image::ImportCell;

extern "C" fn fmod_f64(a: f64, b: f64) -> f64 {
    a % b
}

extern "C" fn fmod_f32(a: f32, b: f32) -> f32 {
    a % b
}

crate::eh::trace::managed_entry! {
    /// CIL `newarr`: a negative length is an `OverflowException` under mono, made pending (the
    /// caller checks after the call).
    fn new_array(length: i64, element_size: u64) -> u64 => new_array_from, fp = "rdx", ra = "rcx"
}

extern "C" fn new_array_from(length: i64, element_size: u64, fp: u64, ra: u64) -> u64 {
    let Some((length, element_size)) = array_request(length, element_size, (fp, ra)) else {
        return 0;
    };
    crate::alloc::alloc_zeroed_array(length, element_size) as u64
}

crate::eh::trace::managed_entry! {
    /// CIL `newarr` of a value type holding references: as [`new_array`], scanned by the
    /// collector.
    fn new_scanned_array(length: i64, element_size: u64) -> u64 => new_scanned_array_from,
        fp = "rdx", ra = "rcx"
}

extern "C" fn new_scanned_array_from(length: i64, element_size: u64, fp: u64, ra: u64) -> u64 {
    let Some((length, element_size)) = array_request(length, element_size, (fp, ra)) else {
        return 0;
    };
    crate::alloc::alloc_zeroed_scanned_array(length, element_size) as u64
}

/// `unbox` of an enum or primitive whose method table differs from the box's.
extern "C" fn unbox_check(object: u64, method_table: u64) -> u32 {
    crate::state::arrays::unbox_check(object, method_table)
}

/// `stelem.ref`'s covariance check.
extern "C" fn array_store_check(array: u64, value: u64) -> u32 {
    let allowed = crate::state::arrays::array_store_check(array, value);
    if allowed == 0 {
        // The ArrayTypeMismatchException raised next names mono's wrapper from the array.
        crate::eh::stelemref::remember_failed_store(array);
    }
    allowed
}

/// CIL `localloc`: zeroed, scanned heap memory (see `ngen_abi::helpers`).
extern "C" fn local_alloc(size: u64) -> u64 {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    match ngen_gc::alloc(size) {
        Some(block) => block.as_ptr() as u64,
        None => {
            crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
        }
    }
}

/// The length and element size of a `newarr`, or `None` with `OverflowException` made
/// pending for a negative length, as mono raises it (the caller returns 0 and compiled code
/// checks the pending word); `(fp, return_address)` name the managed caller for the trace,
/// which starts in mono's allocation wrapper.
fn array_request(
    length: i64,
    element_size: u64,
    (fp, return_address): (u64, u64),
) -> Option<(usize, usize)> {
    /// Mono's `MONO_ARRAY_MAX_INDEX`: no array has more elements.
    const MAX_INDEX: i64 = i32::MAX as i64;
    if length == i64::MIN {
        // A multi-dimensional array's negative length (`translate/array_md.rs`): Mono's
        // `mono_array_new_full_checked` raises it with an empty message.
        crate::eh::raise::raise("OverflowException", "");
        return None;
    }
    // A negative length, or more elements than Mono allows (`new byte[5000000000L]`).
    let Some(length) = usize::try_from(length).ok().filter(|_| length <= MAX_INDEX) else {
        crate::eh::raise::throw_in_wrapper(
            ngen_abi::exceptions::ExceptionKind::Overflow,
            crate::eh::trace::Wrapper::AllocVector,
            return_address,
            fp,
        );
        return None;
    };
    Some((length, usize::try_from(element_size).unwrap_or(usize::MAX)))
}

/// CIL `newobj` of a class: a zeroed instance with its method-table word set, atomic (never
/// scanned) unless bit 0 of `flags` says it holds references, registered for finalization
/// when bit 1 says its class overrides `Finalize`. A safe point: finalizers the last
/// collection queued run first (`crate::finalization`).
extern "C" fn new_object(method_table: u64, size: u64, flags: u32) -> u64 {
    if ngen_gc::finalization::finalizers_pending() {
        crate::finalization::run_pending();
    }
    // Never below the header, whatever the caller says: the header word is written below.
    let size = usize::try_from(size).unwrap_or(usize::MAX).max(16);
    let Some(object) = alloc_new_object(size, flags) else {
        // Compiled code checks the pending word after `newobj`: the exception is catchable.
        crate::eh::throw(ngen_abi::exceptions::ExceptionKind::OutOfMemory as u32);
        return 0;
    };
    // SAFETY: the block holds `size` zeroed, 8-aligned bytes, at least the two-word header.
    unsafe { object.cast::<u64>().write(method_table) };
    if flags & 2 != 0 {
        ngen_gc::finalization::register_for_finalization(object as usize);
    }
    object as u64
}

/// `castclass`/`isinst` to an interface, array or generic instance.
extern "C" fn is_instance(object: u64, method_table: u64) -> u64 {
    crate::state::objects::is_instance(object, method_table)
}

/// `callvirt` of an interface method.
extern "C" fn interface_target(object: u64, cell: *mut ImportCell) -> u64 {
    crate::state::objects::interface_target(object, cell)
}

/// A zeroed block of `size` bytes for an instance, scanned by the collector only when it
/// holds references; out of memory raises `OutOfMemoryException`
/// (reported at once: the runtime's callers cannot return a pending exception).
pub(crate) fn alloc_instance(size: usize, has_references: bool) -> *mut u8 {
    try_alloc_instance(size, has_references).unwrap_or_else(|| {
        crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    })
}

/// The block of a `newobj`: a small scanned object that is not finalizable comes from the
/// thread's free list of its size class (the one compiled code pops inline, refilled here when
/// empty); any other from the collector directly.
fn alloc_new_object(size: usize, flags: u32) -> Option<*mut u8> {
    use ngen_abi::thread_block::{GRANULE_BYTES, free_list_class};
    let listed = flags == 1 && free_lists_enabled();
    if let Some(class) = u32::try_from(size).ok().and_then(free_list_class)
        && listed
        && let Some(list) = crate::threads::stack::free_list(class)
    {
        // SAFETY: `list` is this thread's head of blocks of `class` granules, in its block
        // page, which the collector scans.
        let bytes = (class * GRANULE_BYTES) as usize;
        return unsafe { ngen_gc::free_lists::alloc_from_list(list, bytes) }.map(|b| b.as_ptr());
    }
    try_alloc_instance(size, flags & 1 != 0)
}

/// Whether `newobj` uses the thread block's free lists (`NGEN_GC_FREE_LISTS=0` turns them
/// off: the lists then stay empty and compiled code always calls `NewObject`).
fn free_lists_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("NGEN_GC_FREE_LISTS").map_or(true, |v| v != "0"))
}

/// A zeroed block of `size` bytes for an instance, or `None` when the heap is exhausted.
fn try_alloc_instance(size: usize, has_references: bool) -> Option<*mut u8> {
    let block = if has_references {
        ngen_gc::alloc(size)
    } else {
        ngen_gc::alloc_atomic(size)
    };
    block.map(|b| b.as_ptr())
}

crate::eh::trace::managed_entry! {
    /// Helper `ResolveCell`, entered from managed code: the calling frame is kept as the
    /// runtime entry while the cell resolves (a failing type initializer raises from it).
    fn resolve_cell(cell: *mut ImportCell) -> u64 => resolve_cell_from, fp = "rsi", ra = "rdx"
}

extern "C" fn resolve_cell_from(cell: *mut ImportCell, fp: u64, return_address: u64) -> u64 {
    crate::eh::trace::with_runtime_entry(fp, return_address, || crate::state::resolve_cell(cell))
}

use crate::eh::{capture_trace, first_pass, pending_exception, throw};
use crate::icalls::buffer::memmove_bytes;
use crate::pinvoke::pinvoke_marshal;
use crate::threads::statics::thread_static_address;
use crate::x87::{cos_x87, sin_x87};

/// The value of one helper slot: the address of the function the list names, bound to the
/// signature the list gives, or for a `data` slot the address `rust_name()` returns.
macro_rules! slot_value {
    ($rust:ident () -> data) => {
        $rust()
    };
    ($rust:ident ($($ty:ident),*) -> $ret:ident) => {{
        let f: extern "C" fn($(ngen_abi::helper_rust_type!($ty)),*)
            -> ngen_abi::helper_rust_type!($ret) = $rust;
        f as *const () as u64
    }};
}

/// `ProfileEnter` and `ProfileLeave`: the profile scenario's hooks.
use crate::profile::{profile_enter, profile_leave};

/// Generates [`helper_address`] from `ngen_abi::foreach_helper!`: one arm per helper, each
/// binding the function named in the list to the signature the list gives, so a missing
/// helper or a signature that differs from the compiler's is a compile error here.
macro_rules! helper_addresses {
    ($( $(#[$doc:meta])* $name:ident = $id:literal $rust:ident
        ($($param:ident : $ty:ident),*) -> $ret:ident; )*) => {
        /// The address of helper `id`.
        pub(crate) fn helper_address(id: HelperId) -> u64 {
            match id {
                $( HelperId::$name => slot_value!($rust ($($ty),*) -> $ret), )*
            }
        }
    };
}

ngen_abi::foreach_helper!(helper_addresses);

/// Fills a helper table of [`HELPER_COUNT`] slots.
///
/// # Safety
/// `table` must point to `HELPER_COUNT` writable `u64`s.
pub(crate) unsafe fn fill(table: *mut u64) {
    for id in HelperId::ALL {
        // SAFETY: the caller guarantees HELPER_COUNT slots.
        unsafe { table.add(id as usize).write(helper_address(id)) };
    }
}

/// The runtime's own table (used by JIT code), allocated once and never freed.
pub(crate) fn jit_table() -> *const u64 {
    static TABLE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *TABLE.get_or_init(|| {
        let table: &'static mut [u64; HELPER_COUNT] = Box::leak(Box::new([0; HELPER_COUNT]));
        // SAFETY: the array has HELPER_COUNT slots.
        unsafe { fill(table.as_mut_ptr()) };
        table.as_ptr() as usize
    }) as *const u64
}
