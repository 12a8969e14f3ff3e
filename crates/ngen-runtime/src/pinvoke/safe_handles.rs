//! `SafeHandle`s across the P/Invoke boundary, as mono's wrapper treats them: an argument is
//! add-ref'd (`DangerousAddRef`) for the call and released (`DangerousRelease`) after it, by
//! mscorlib's own methods, so a handle closed meanwhile is released by its `ReleaseHandle`
//! then; a returned or `out` one is a new instance of the declared class (its
//! parameterless constructor run) holding the native handle.
//!
//! Depends on: [`crate::state::objects`] (mscorlib's methods and field offsets),
//! [`crate::state::interop`], [`crate::eh`] (pending exceptions).

use std::sync::OnceLock;

use crate::state::objects::{core_field_offset, core_method_code};

const NAMESPACE: &str = "System.Runtime.InteropServices";

/// The code of `SafeHandle::<method>`, found once.
fn method(cache: &'static OnceLock<Option<u64>>, name: &str) -> Option<u64> {
    *cache.get_or_init(|| core_method_code(NAMESPACE, "SafeHandle", name).ok())
}

/// The offset of `SafeHandle.handle`.
fn handle_offset() -> Option<u64> {
    static OFFSET: OnceLock<Option<u64>> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        core_field_offset("Runtime.InteropServices.SafeHandle", "handle")
            .ok()
            .map(u64::from)
    })
}

fn pending() -> bool {
    crate::threads::stack::pending_word().load(std::sync::atomic::Ordering::Relaxed) != 0
}

/// `DangerousAddRef`, then the handle; a null `SafeHandle` raises `ArgumentNullException`.
pub(super) fn add_ref(safe_handle: u64) -> u64 {
    static ADD_REF: OnceLock<Option<u64>> = OnceLock::new();
    if safe_handle == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    let (Some(code), Some(offset)) = (method(&ADD_REF, "DangerousAddRef"), handle_offset()) else {
        crate::eh::raise::raise("MissingMethodException", "SafeHandle.DangerousAddRef");
        return 0;
    };
    // SAFETY: `code` is mscorlib's `void SafeHandle::DangerousAddRef(ref bool)`, managed
    // (SystemV) convention: `this`, then the address of the bool.
    let f: extern "C" fn(u64, *mut u8) = unsafe { std::mem::transmute(code as usize) };
    let mut success = 0u8;
    f(safe_handle, &mut success);
    if pending() {
        return 0;
    }
    // SAFETY: a live SafeHandle; `handle` is a word at `offset`.
    unsafe { ((safe_handle + offset) as *const u64).read() }
}

/// `DangerousRelease`.
pub(super) fn release(safe_handle: u64) {
    static RELEASE: OnceLock<Option<u64>> = OnceLock::new();
    if safe_handle == 0 {
        return;
    }
    if let Some(code) = method(&RELEASE, "DangerousRelease") {
        // SAFETY: mscorlib's `void SafeHandle::DangerousRelease()`.
        let f: extern "C" fn(u64) = unsafe { std::mem::transmute(code as usize) };
        f(safe_handle);
    }
}

/// A new instance of the `SafeHandle` class of `method_table` holding `handle`.
pub(super) fn wrap(method_table: u64, handle: u64) -> u64 {
    let (object, constructor) =
        match crate::state::interop::new_with_default_constructor(method_table) {
            Ok(made) => made,
            Err(message) => {
                crate::eh::raise::raise("MissingMethodException", &message);
                return 0;
            }
        };
    // SAFETY: the class's parameterless instance constructor: `this` only.
    let f: extern "C" fn(u64) = unsafe { std::mem::transmute(constructor as usize) };
    f(object);
    if pending() {
        return 0;
    }
    if let Some(offset) = handle_offset() {
        // SAFETY: a live SafeHandle; `handle` is a word at `offset`.
        unsafe { ((object + offset) as *mut u64).write(handle) };
    }
    object
}
