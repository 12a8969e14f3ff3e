//! `System.ConsoleDriver`'s icalls (`icall-def.h` `CONSOLE_*`, Mono's `console-unix.c`).

/// `bool Isatty(IntPtr handle)`: whether the descriptor is a terminal (mono picks its console
/// driver by it).
extern "C" fn isatty(handle: u64) -> i32 {
    // SAFETY: isatty accepts any descriptor number.
    i32::from(unsafe { libc::isatty(handle as i32) } == 1)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("Isatty", isatty as *const ())]
}
