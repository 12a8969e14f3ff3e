//! `System.String`'s icalls (`icall-def.h` `STRING_*`): `FastAllocateString`, the one
//! allocator of mscorlib's own string code.

/// `FastAllocateString(int length)`: a string of `length` NUL chars (Mono's
/// `ves_icall_System_String_InternalAllocateStr`); a negative length is refused as Mono's
/// `mono_string_new_size_checked` does, with OutOfMemoryException.
extern "C" fn fast_allocate_string(length: i32) -> u64 {
    let Ok(length) = usize::try_from(length) else {
        crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    crate::alloc::alloc_zeroed_string(length) as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("FastAllocateString", fast_allocate_string as *const ())]
}
