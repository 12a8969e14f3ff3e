//! `System.Runtime.CompilerServices.RuntimeHelpers`' icalls (`icall-def.h` `RUNH_*`):
//! `get_OffsetToStringData`, which every C# `fixed (char* p = str)` adds to the pinned
//! string's address (`StringBuilder.ToString`, `String.Concat`, encodings), and
//! `RunClassConstructor`.
//!
//! Depends on: `ngen_abi::object` (the string layout), [`crate::state::statics`].

/// `get_OffsetToStringData()`: where a string's characters start, Mono's
/// `MONO_STRUCT_OFFSET (MonoString, chars)` (20 on x86-64).
extern "C" fn get_offset_to_string_data() -> i32 {
    ngen_abi::object::STRING_CHARS_OFFSET
}

crate::eh::trace::managed_entry! {
    /// `RunClassConstructor(IntPtr type)`: runs the type's `.cctor` unless it ran. The calling
    /// managed frame is kept as the runtime entry: a `TypeInitializationException` raised
    /// here shows the icall's wrapper above it, as mono's trace does.
    fn run_class_constructor(type_handle: u64) => run_class_constructor_from,
        fp = "rsi", ra = "rdx"
}

extern "C" fn run_class_constructor_from(type_handle: u64, fp: u64, return_address: u64) {
    use crate::eh::trace::{Wrapper, with_icall_entry};
    with_icall_entry(fp, return_address, Wrapper::RunClassConstructor, || {
        crate::state::statics::run_class_constructor(type_handle)
    });
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("RunClassConstructor", run_class_constructor as *const ()),
        (
            "get_OffsetToStringData",
            get_offset_to_string_data as *const (),
        ),
    ]
}
