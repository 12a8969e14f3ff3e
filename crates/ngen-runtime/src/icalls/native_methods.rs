//! `Microsoft.Win32.NativeMethods`' icalls (`icall-def.h` `NATIVEMETHODS_*`) over process
//! handles ([`crate::threads::wait_handles`]): this process's handle and pid, a child's exit
//! code (`STILL_ACTIVE`, 259, until it exited), closing a handle, and `TerminateProcess`
//! (`kill`: `SIGKILL` for exit code -1, else `SIGTERM`, as mono's Unix layer does).
//! `WaitForInputIdle` answers `WAIT_TIMEOUT`, as mono does off Windows.
//!
//! Depends on: [`crate::threads::wait_handles`], libc.

use crate::threads::wait_handles;

/// `STILL_ACTIVE`: the exit code of a process that has not exited.
const STILL_ACTIVE: i32 = 259;

/// `IntPtr GetCurrentProcess ()`.
extern "C" fn get_current_process() -> u64 {
    wait_handles::current_process()
}

/// `int GetCurrentProcessId ()`.
extern "C" fn get_current_process_id() -> i32 {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

/// `bool GetExitCodeProcess (IntPtr processHandle, out int exitCode)`: `false` for a handle
/// that is not a process.
extern "C" fn get_exit_code_process(handle: u64, exit_code: *mut i32) -> i32 {
    let Some(state) = wait_handles::process_state(handle) else {
        return 0;
    };
    if exit_code.is_null() {
        return 0;
    }
    // SAFETY: an `out int` argument: the address of a live int.
    unsafe { exit_code.write(state.exit_status.unwrap_or(STILL_ACTIVE)) };
    1
}

/// `bool CloseProcess (IntPtr handle)`.
extern "C" fn close_process(handle: u64) -> i32 {
    i32::from(wait_handles::close(handle))
}

/// `bool TerminateProcess (IntPtr processHandle, int exitCode)`.
extern "C" fn terminate_process(handle: u64, exit_code: i32) -> i32 {
    let Some(state) = wait_handles::process_state(handle) else {
        return 0;
    };
    let signal = if exit_code == -1 {
        libc::SIGKILL
    } else {
        libc::SIGTERM
    };
    // SAFETY: kill only sends a signal to the named process.
    i32::from(unsafe { libc::kill(state.pid, signal) } == 0)
}

/// `int WaitForInputIdle (IntPtr handle, int milliseconds)`.
extern "C" fn wait_for_input_idle(_handle: u64, _milliseconds: i32) -> i32 {
    wait_handles::WAIT_TIMEOUT
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("CloseProcess", close_process as *const ()),
        ("GetCurrentProcess", get_current_process as *const ()),
        ("GetCurrentProcessId", get_current_process_id as *const ()),
        ("GetExitCodeProcess", get_exit_code_process as *const ()),
        ("TerminateProcess", terminate_process as *const ()),
        ("WaitForInputIdle", wait_for_input_idle as *const ()),
    ]
}
