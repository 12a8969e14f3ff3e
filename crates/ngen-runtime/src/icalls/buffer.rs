//! `System.Buffer`'s icalls (`icall-def.h` `BUFFER_*`): `InternalMemcpy`, which
//! `Buffer.Memmove` and `Buffer.Memcpy` call for larger copies, and `InternalBlockCopy`, which
//! `Buffer.BlockCopy` calls (System.dll's `Uri` and many encoders use it); and the `Memmove`
//! helper compiled code calls in place of `Buffer.Memmove(byte*, byte*, uint)` itself
//! (`ngen-compiler`'s `translate/buffer_intrinsics.rs`).
//!
//! Depends on: `crate::state::arrays` (element sizes), `ngen_abi::object` (the array layout).

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

/// `InternalMemcpy(byte* dest, byte* src, int count)`: Mono's `ves_icall_System_Buffer_
/// MemcpyInternal` (`memcpy`). The managed callers pass non-overlapping ranges (overlap goes
/// through their own backwards loop); a non-positive count copies nothing.
extern "C" fn internal_memcpy(dest: u64, src: u64, count: i32) {
    let Ok(count) = usize::try_from(count) else {
        return;
    };
    if count == 0 {
        return;
    }
    // SAFETY: mscorlib's callers pass valid, non-overlapping ranges of `count` bytes (the
    // managed contract of this icall, as in Mono).
    unsafe { std::ptr::copy_nonoverlapping(src as *const u8, dest as *mut u8, count) };
}

/// Helper `Memmove`: `len` bytes from `src` to `dest`, the ranges possibly overlapping (libc's
/// `memmove`, which `ptr::copy` is), as `Buffer.Memmove` copies them.
pub(crate) extern "C" fn memmove_bytes(dest: u64, src: u64, len: u64) {
    if len == 0 {
        return;
    }
    let Ok(len) = usize::try_from(len) else {
        return;
    };
    // SAFETY: compiled code passes the pointers and length of a `Buffer.Memmove` call,
    // whose managed contract is `len` readable bytes at `src` and writable at `dest`.
    unsafe { std::ptr::copy(src as *const u8, dest as *mut u8, len) };
}

/// The length in bytes of the elements of the live array `array`.
fn byte_length(array: u64) -> u64 {
    // SAFETY: managed code passes live, non-null arrays, whose header is four words.
    let count = unsafe { ((array + ARRAY_LENGTH_OFFSET as u64) as *const u64).read() };
    count * u64::from(crate::state::arrays::array_info(array).element_size)
}

/// `bool InternalBlockCopy(Array src, int srcOffset, Array dst, int dstOffset, int count)`:
/// Mono's `ves_icall_System_Buffer_BlockCopyInternal`. Copies `count` bytes between the
/// arrays' element storage (`memmove`, so copying within one array is safe); false, copying
/// nothing, when an array is null, an offset or the count is negative, or a range does not
/// fit (`Buffer.BlockCopy` then throws its `ArgumentException`).
extern "C" fn internal_block_copy(
    src: u64,
    src_offset: i32,
    dest: u64,
    dest_offset: i32,
    count: i32,
) -> i32 {
    let (Ok(src_offset), Ok(dest_offset), Ok(count)) = (
        u64::try_from(src_offset),
        u64::try_from(dest_offset),
        u64::try_from(count),
    ) else {
        return 0;
    };
    if src == 0 || dest == 0 {
        return 0;
    }
    let fits = |array: u64, offset: u64| {
        offset
            .checked_add(count)
            .is_some_and(|end| end <= byte_length(array))
    };
    if !fits(src, src_offset) || !fits(dest, dest_offset) {
        return 0;
    }
    let data = |array: u64, offset: u64| array + ARRAY_DATA_OFFSET as u64 + offset;
    // SAFETY: both ranges lie within the live arrays' element storage (checked above);
    // `copy` allows them to overlap.
    unsafe {
        std::ptr::copy(
            data(src, src_offset) as *const u8,
            data(dest, dest_offset) as *mut u8,
            count as usize,
        )
    };
    1
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("InternalBlockCopy", internal_block_copy as *const ()),
        ("InternalMemcpy", internal_memcpy as *const ()),
    ]
}
