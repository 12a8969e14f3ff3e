//! `SetLastError = true`: the `errno` a P/Invoke left, saved per thread right after the
//! native call (mono's `mono_marshal_set_last_error`), which `Marshal.GetLastWin32Error`
//! returns and `Marshal.SetLastWin32Error` sets.
//!
//! Depends on: libc (`__errno_location`).

use std::cell::Cell;

thread_local! {
    static LAST_ERROR: Cell<i32> = const { Cell::new(0) };
}

/// Saves the calling thread's `errno`.
pub(super) fn save() {
    // SAFETY: `__errno_location` returns this thread's errno slot.
    let errno = unsafe { *libc::__errno_location() };
    LAST_ERROR.with(|e| e.set(errno));
}

/// `Marshal::GetLastWin32Error()`.
extern "C" fn get_last_win32_error() -> i32 {
    LAST_ERROR.with(Cell::get)
}

/// `Marshal::SetLastWin32Error(int)`.
extern "C" fn set_last_win32_error(error: i32) {
    LAST_ERROR.with(|e| e.set(error));
}

/// The `Marshal` icalls of this module, for [`crate::icalls`]' table.
pub(crate) fn marshal_methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetLastWin32Error", get_last_win32_error as *const ()),
        ("SetLastWin32Error", set_last_win32_error as *const ()),
    ]
}
