//! The four functions of mono's runtime that Debian's `libmono-native.so` imports from its
//! host process (it is linked with `-z now`, so `dlopen` fails unless the process defines
//! them): exported from the `ngen-build` executable's dynamic symbol table
//! (`ngen-build/build.rs`, `--export-dynamic-symbol`).
//!
//! - `mono_marshal_set_last_error`: saves `errno` as `SetLastError` does
//!   ([`super::last_error`]);
//! - `mono_add_internal_call_with_flags`: `mono_pal_init` registers `Interop/Sys::Read` with
//!   it; this runtime's icalls are its own table, so the registration is ignored;
//! - `mono_threads_enter_gc_safe_region_internal`/`..._exit_...`: mono's cooperative-GC
//!   transitions; Boehm's collector suspends threads with signals, so they do nothing.
//!
//! Depends on: [`super::last_error`]. Citations: mono 6.8 `mono/native/pal-icalls.c`.

use std::ffi::{c_char, c_int, c_void};

/// `void mono_marshal_set_last_error (void)`.
#[unsafe(no_mangle)]
pub extern "C" fn mono_marshal_set_last_error() {
    super::last_error::save();
}

/// `void mono_add_internal_call_with_flags (const char *name, const void* method,
/// gboolean cooperative)`.
#[unsafe(no_mangle)]
pub extern "C" fn mono_add_internal_call_with_flags(
    _name: *const c_char,
    _method: *const c_void,
    _cooperative: c_int,
) {
}

/// `gpointer mono_threads_enter_gc_safe_region_internal (MonoStackData *stackdata)`.
#[unsafe(no_mangle)]
pub extern "C" fn mono_threads_enter_gc_safe_region_internal(
    _stackdata: *mut c_void,
) -> *mut c_void {
    std::ptr::null_mut()
}

/// `void mono_threads_exit_gc_safe_region_internal (gpointer cookie, MonoStackData
/// *stackdata)`.
#[unsafe(no_mangle)]
pub extern "C" fn mono_threads_exit_gc_safe_region_internal(
    _cookie: *mut c_void,
    _stackdata: *mut c_void,
) {
}
