//! `System.Runtime.RuntimeImports`' icalls (`icall-def.h` `RUNIMPORT_*`): the block moves
//! under `Buffer.Memmove` and `Span<T>`'s `CopyTo`/`Clear` (`SpanHelpers`), which mscorlib
//! calls for larger blocks: `Memmove`, `Memmove_wbarrier` (a block of elements that hold
//! references: Boehm's collector needs no write barrier, so a move of the elements' bytes)
//! and `ZeroMemory`. Not `_ecvt_s` (no caller in mscorlib's IL).
//!
//! Depends on: the runtime's state ([`crate::state::arrays`]: an element size from a type
//! handle). Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_System_Runtime_RuntimeImports_*`).

/// `Memmove(byte* dest, byte* src, uint len)`: `len` bytes, the ranges may overlap (Mono's
/// `mono_gc_memmove_atomic`).
extern "C" fn memmove(dest: u64, src: u64, len: u32) {
    if len == 0 {
        return;
    }
    // SAFETY: mscorlib's callers pass valid ranges of `len` bytes (the icall's contract).
    unsafe { std::ptr::copy(src as *const u8, dest as *mut u8, len as usize) };
}

/// `Memmove_wbarrier(byte* dest, byte* src, uint len, IntPtr type_handle)`: `len` elements of
/// the type whose `RuntimeTypeHandle.Value` is `type_handle` (its method table here), the
/// ranges may overlap (`Buffer.Memmove<T>` of a `T` holding references).
extern "C" fn memmove_wbarrier(dest: u64, src: u64, len: u32, type_handle: u64) {
    if len == 0 {
        return;
    }
    let size = crate::state::arrays::element_size_of_type_handle(type_handle)
        .unwrap_or_else(|e| crate::state::fatal(&format!("RuntimeImports.Memmove_wbarrier: {e}")));
    let bytes = len as usize * size as usize;
    // SAFETY: as `memmove`, for `len` elements of `size` bytes.
    unsafe { std::ptr::copy(src as *const u8, dest as *mut u8, bytes) };
}

/// `ZeroMemory(void* p, uint byte_length)`.
extern "C" fn zero_memory(p: u64, byte_length: u32) {
    if byte_length == 0 {
        return;
    }
    // SAFETY: mscorlib's callers pass a valid range of `byte_length` bytes.
    unsafe { std::ptr::write_bytes(p as *mut u8, 0, byte_length as usize) };
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Memmove", memmove as *const ()),
        ("Memmove_wbarrier", memmove_wbarrier as *const ()),
        ("ZeroMemory", zero_memory as *const ()),
    ]
}
