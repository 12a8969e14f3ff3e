//! `System.Buffer`'s icalls (`icall-def.h` `BUFFER_*`): `InternalMemcpy`, which
//! `Buffer.Memmove` and `Buffer.Memcpy` call for larger copies.

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

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("InternalMemcpy", internal_memcpy as *const ())]
}
