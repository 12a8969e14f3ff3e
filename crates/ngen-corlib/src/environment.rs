//! `System.Environment`.
//!
//! Depends on: [`crate::console`] (stdout is flushed before exiting).

/// `Environment.Exit(int)`: flush stdout and end the process with `code`, as mono does.
pub extern "C" fn exit(code: i32) {
    crate::console::flush_stdout();
    std::process::exit(code)
}
