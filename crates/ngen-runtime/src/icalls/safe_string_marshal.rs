//! `Mono.SafeStringMarshal`'s icalls (`icall-def.h` `SAFESTRMARSHAL_*`): a string as a
//! NUL-terminated UTF-8 C string in native memory, freed with `GFree`, as mscorlib's `MonoIO`
//! and friends pass paths and names to the runtime.

/// `IntPtr StringToUtf8(string str)`: a `malloc`ed UTF-8 copy (unpaired surrogates become
/// U+FFFD, as eglib's converter replaces them), or null for a null string.
extern "C" fn string_to_utf8(string: u64) -> u64 {
    let Some(text) = crate::alloc::string_to_rust(string as *const _) else {
        return 0;
    };
    let bytes = text.as_bytes();
    // SAFETY: malloc of len + 1 bytes, checked; the copy and the terminator fit.
    unsafe {
        let p = libc::malloc(bytes.len() + 1).cast::<u8>();
        if p.is_null() {
            return 0;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        p.add(bytes.len()).write(0);
        p as u64
    }
}

/// `void GFree(IntPtr ptr)`.
extern "C" fn g_free(ptr: u64) {
    // SAFETY: `ptr` came from `StringToUtf8` (malloc) or is null.
    unsafe { libc::free(ptr as *mut libc::c_void) };
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GFree", g_free as *const ()),
        ("StringToUtf8", string_to_utf8 as *const ()),
    ]
}
