//! Child processes for `System.Diagnostics.Process` (`icalls/process.rs`), as Mono 6.8's
//! `w32process-unix.c` starts them: which program a start request names and the argument
//! vector it gets ([`command_line`]), and starting it with its standard handles and reaping its
//! exit status ([`spawn`]); what `/proc` says about running processes, their pids and names
//! ([`proc_fs`]). Handles of started children live in
//! [`crate::threads::wait_handles`], so `WaitHandle` waits on them.
//!
//! Depends on: libc, [`crate::threads::wait_handles`].

pub(crate) mod command_line;
pub(crate) mod proc_fs;
pub(crate) mod spawn;

/// The Windows error codes mono's process layer reports (`w32error.h`).
pub(crate) mod win32 {
    pub(crate) const ERROR_FILE_NOT_FOUND: i32 = 2;
    pub(crate) const ERROR_PATH_NOT_FOUND: i32 = 3;
    pub(crate) const ERROR_ACCESS_DENIED: i32 = 5;
    pub(crate) const ERROR_OUTOFMEMORY: i32 = 14;
    pub(crate) const ERROR_INVALID_DATA: i32 = 13;
    pub(crate) const ERROR_INVALID_PARAMETER: i32 = 87;
}
