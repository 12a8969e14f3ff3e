//! `System.Environment`.
//!
//! Depends on: [`crate::objects`].

use crate::objects::string_from_str;
use ngen_abi::object::StringObject;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

/// `Environment.ExitCode`: the process exit code when `Main` returns `void`.
static EXIT_CODE: AtomicI32 = AtomicI32::new(0);

/// The exit code of a program whose `Main` returned `void` (mono exits with
/// `Environment.ExitCode`, 0 unless the program set it). An `int Main`'s return value wins.
pub fn exit_code() -> i32 {
    EXIT_CODE.load(Ordering::Relaxed)
}

/// `Environment.get_ExitCode()`.
pub extern "C" fn get_exit_code() -> i32 {
    exit_code()
}

/// `Environment.set_ExitCode(int)`.
pub extern "C" fn set_exit_code(code: i32) {
    EXIT_CODE.store(code, Ordering::Relaxed);
}

/// `Environment.Exit(int)`: run the finalizers of every object still registered and end the
/// process with `code`, as mono does (`mono_runtime_quit` finalizes first;
/// `code` wins over any exit code a finalizer sets).
pub extern "C" fn exit(code: i32) {
    ngen_gc::finalization::finalize_all();
    std::process::exit(code)
}

/// `Environment.NewLine`: `"\n"` on Unix. One shared string.
pub extern "C" fn get_new_line() -> *mut StringObject {
    static NEW_LINE: OnceLock<usize> = OnceLock::new();
    *NEW_LINE.get_or_init(|| string_from_str("\n") as usize) as *mut StringObject
}

/// `Environment.TickCount`: milliseconds of the monotonic clock (time since boot on Linux),
/// truncated to 32 bits like mono's.
pub extern "C" fn get_tick_count() -> i32 {
    monotonic_millis() as i32
}

/// The monotonic clock in milliseconds, as mono's `mono_msec_boottime`.
fn monotonic_millis() -> i64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, now: *mut Timespec) -> i32;
    }
    /// `CLOCK_MONOTONIC` on Linux.
    const CLOCK_MONOTONIC: i32 = 1;
    let mut now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the call has no other effects.
    let status = unsafe { clock_gettime(CLOCK_MONOTONIC, &mut now) };
    if status != 0 {
        return 0;
    }
    now.tv_sec * 1000 + now.tv_nsec / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_stored() {
        set_exit_code(5);
        assert_eq!(get_exit_code(), 5);
        assert_eq!(exit_code(), 5);
        set_exit_code(0);
    }

    #[test]
    fn tick_count_advances_and_new_line_is_shared() {
        let first = monotonic_millis();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(monotonic_millis() >= first + 5);
        assert_eq!(get_new_line(), get_new_line());
        assert_eq!(
            crate::objects::string_to_rust(get_new_line()).as_deref(),
            Some("\n")
        );
    }
}
