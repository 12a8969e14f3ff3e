//! `System.Threading.NativeEventCalls`' icalls (`icall-def.h` `NATIVEC_*`) and
//! `System.Threading.WaitHandle::Wait_internal`: the events of `ManualResetEvent` and
//! `AutoResetEvent` ([`crate::threads::wait_handles`]).
//!
//! Depends on: [`crate::threads::wait_handles`].

use crate::threads::wait_handles;

/// `IntPtr CreateEvent_icall (bool manual, bool initial, char* name, int name_length, out int
/// errorCode)`: a new event (a name is not shared between processes); error 0.
extern "C" fn create_event(
    manual: i32,
    initial: i32,
    _name: *const u16,
    _name_length: i32,
    error: *mut i32,
) -> u64 {
    if !error.is_null() {
        // SAFETY: an `out int` argument: the address of a live int.
        unsafe { error.write(0) };
    }
    wait_handles::create(manual != 0, initial != 0)
}

/// `bool SetEvent_internal (IntPtr handle)`.
extern "C" fn set_event(handle: u64) -> i32 {
    i32::from(wait_handles::set(handle, true))
}

/// `bool ResetEvent_internal (IntPtr handle)`.
extern "C" fn reset_event(handle: u64) -> i32 {
    i32::from(wait_handles::set(handle, false))
}

/// `void CloseEvent_internal (IntPtr handle)`.
extern "C" fn close_event(handle: u64) {
    let _ = wait_handles::close(handle);
}

/// `int Wait_internal (IntPtr* handles, int numHandles, bool waitAll, int ms)`.
extern "C" fn wait_internal(
    handles: *const u64,
    count: i32,
    wait_all: i32,
    timeout_ms: i32,
) -> i32 {
    let count = usize::try_from(count).unwrap_or(0);
    if handles.is_null() || count == 0 || count > 64 {
        return wait_handles::WAIT_FAILED;
    }
    // SAFETY: the caller passes `count` handles (a stack buffer of its own).
    let handles = unsafe { std::slice::from_raw_parts(handles, count) };
    wait_handles::wait(handles, wait_all != 0, timeout_ms)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("CloseEvent_internal", close_event as *const ()),
        ("CreateEvent_icall", create_event as *const ()),
        ("ResetEvent_internal", reset_event as *const ()),
        ("SetEvent_internal", set_event as *const ()),
    ]
}

pub(super) fn wait_handle_methods() -> Vec<(&'static str, *const ())> {
    vec![("Wait_internal", wait_internal as *const ())]
}
