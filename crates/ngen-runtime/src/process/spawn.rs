//! Starting a child process and reaping it, as mono's `process_create` does with `fork` and
//! `execve`, here with `posix_spawn`: the child gets the three given descriptors as 0, 1 and
//! 2, no other descriptor of this process (`closefrom(3)`, as mono's `close_my_fds`), the
//! working directory if one is given, and the given environment (else this process's). A
//! reaper thread per child waits for it (`waitpid`) and records its exit status in
//! [`crate::threads::wait_handles`] as mono's `process_wait` computes it: the exit code, or
//! 128 + the signal number for a child a signal ended.
//!
//! Where mono's forked child would fail after `fork` (a working directory that cannot be
//! entered, an `execve` error) and exit with status 255, `posix_spawn` reports the error to
//! the parent, so the start fails with that error instead.
//!
//! Depends on: libc, [`super::command_line`], [`crate::threads::wait_handles`].

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

use super::command_line::{Command, c_argv};
use super::win32;
use crate::threads::wait_handles;

/// The descriptors a child gets as its standard input, output and error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StandardHandles {
    pub(crate) input: i32,
    pub(crate) output: i32,
    pub(crate) error: i32,
}

/// A started child: its wait handle and its pid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    pub(crate) handle: u64,
    pub(crate) pid: i32,
}

/// mono's exit status of a child from its `waitpid` status.
fn exit_status(status: libc::c_int) -> i32 {
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// The Windows error of a failed `posix_spawn` (its error number).
fn spawn_error(errno: i32) -> i32 {
    match errno {
        libc::ENOENT | libc::ENOTDIR => win32::ERROR_FILE_NOT_FOUND,
        libc::EACCES | libc::EPERM => win32::ERROR_ACCESS_DENIED,
        libc::ENOMEM | libc::EAGAIN => win32::ERROR_OUTOFMEMORY,
        _ => win32::ERROR_INVALID_DATA,
    }
}

/// The environment a child gets: `environment` (`NAME=value` strings) if given, else this
/// process's.
fn environment_block(environment: Option<&[String]>) -> Option<Vec<CString>> {
    match environment {
        Some(vars) => vars
            .iter()
            .map(|v| CString::new(v.as_bytes()).ok())
            .collect(),
        None => std::env::vars_os()
            .map(|(name, value)| {
                let mut entry = name.as_bytes().to_vec();
                entry.push(b'=');
                entry.extend_from_slice(value.as_bytes());
                CString::new(entry).ok()
            })
            .collect(),
    }
}

fn null_terminated(strings: &[CString]) -> Vec<*mut libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr().cast_mut())
        .chain(std::iter::once(std::ptr::null_mut()))
        .collect()
}

/// Starts `command` (see the module doc); the Windows error on failure.
pub(crate) fn spawn(
    command: &Command,
    handles: StandardHandles,
    working_directory: Option<&str>,
    environment: Option<&[String]>,
) -> Result<Started, i32> {
    let program = CString::new(command.program.as_os_str().as_bytes())
        .map_err(|_| win32::ERROR_INVALID_PARAMETER)?;
    let argv = c_argv(command).ok_or(win32::ERROR_INVALID_PARAMETER)?;
    let envp = environment_block(environment).ok_or(win32::ERROR_INVALID_PARAMETER)?;
    let directory = working_directory
        .map(|d| CString::new(d).map_err(|_| win32::ERROR_INVALID_PARAMETER))
        .transpose()?;
    let argv_ptrs = null_terminated(&argv);
    let envp_ptrs = null_terminated(&envp);
    let mut pid: libc::pid_t = 0;
    // SAFETY: the file actions are initialised before use and destroyed after; every pointer
    // passed (program, argv, envp, directory) is a live NUL-terminated string or a
    // NULL-terminated array of them for the duration of the call.
    let result = unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawn_file_actions_adddup2(&mut actions, handles.input, 0);
        libc::posix_spawn_file_actions_adddup2(&mut actions, handles.output, 1);
        libc::posix_spawn_file_actions_adddup2(&mut actions, handles.error, 2);
        libc::posix_spawn_file_actions_addclosefrom_np(&mut actions, 3);
        if let Some(directory) = &directory {
            libc::posix_spawn_file_actions_addchdir_np(&mut actions, directory.as_ptr());
        }
        let result = libc::posix_spawn(
            &mut pid,
            program.as_ptr(),
            &actions,
            std::ptr::null(),
            argv_ptrs.as_ptr(),
            envp_ptrs.as_ptr(),
        );
        libc::posix_spawn_file_actions_destroy(&mut actions);
        result
    };
    if result != 0 {
        return Err(spawn_error(result));
    }
    let (handle, child) = wait_handles::register_child(pid, &command.program);
    let reaper = std::thread::Builder::new()
        .name(format!("ngen-reap-{pid}"))
        .spawn(move || wait_handles::child_exited(child, reap(pid)));
    if reaper.is_err() {
        // No thread to wait with: wait here, so the handle still signals.
        wait_handles::child_exited(child, reap(pid));
    }
    Ok(Started { handle, pid })
}

/// Waits for child `pid` to end; mono's exit status of it (-1 if it cannot be waited for).
fn reap(pid: libc::pid_t) -> i32 {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: waitpid writes the status of our own child into `status`.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return exit_status(status);
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return -1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::command_line::for_create_process;
    use std::ffi::OsStr;

    fn command(file: &str, arguments: &str) -> Command {
        let path = Some(OsStr::new("/bin:/usr/bin"));
        for_create_process(file, arguments, &std::env::temp_dir(), path).unwrap()
    }

    fn console() -> StandardHandles {
        StandardHandles {
            input: 0,
            output: 1,
            error: 2,
        }
    }

    fn wait_for_exit(started: Started) -> i32 {
        assert_eq!(wait_handles::wait(&[started.handle], false, 10_000), 0);
        let status = wait_handles::process_state(started.handle).unwrap();
        assert_eq!(status.pid, started.pid);
        wait_handles::close(started.handle);
        status.exit_status.unwrap()
    }

    #[test]
    fn exit_codes_and_signals_are_reported_as_mono_does() {
        let started = spawn(&command("sh", "-c \"exit 3\""), console(), None, None).unwrap();
        assert_eq!(wait_for_exit(started), 3);
        let killed = spawn(&command("sh", "-c \"kill -9 $$\""), console(), None, None).unwrap();
        assert_eq!(wait_for_exit(killed), 128 + 9);
    }

    #[test]
    fn the_child_gets_the_given_descriptors_directory_and_environment() {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills the two-element array.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        let handles = StandardHandles {
            input: 0,
            output: fds[1],
            error: 2,
        };
        let env = ["GREETING=hi".to_string()];
        let started = spawn(
            &command("sh", "-c \"echo $GREETING; pwd\""),
            handles,
            Some("/"),
            Some(&env),
        )
        .unwrap();
        // SAFETY: closing our copy of the write end, so the read sees end of file.
        unsafe { libc::close(fds[1]) };
        let mut text = Vec::new();
        let mut buffer = [0u8; 256];
        loop {
            // SAFETY: reading into a local buffer.
            let n = unsafe { libc::read(fds[0], buffer.as_mut_ptr().cast(), buffer.len()) };
            if n <= 0 {
                break;
            }
            text.extend_from_slice(&buffer[..n as usize]);
        }
        // SAFETY: our read end.
        unsafe { libc::close(fds[0]) };
        assert_eq!(String::from_utf8_lossy(&text), "hi\n/\n");
        assert_eq!(wait_for_exit(started), 0);
    }

    #[test]
    fn a_missing_working_directory_fails_the_start() {
        let failed = spawn(&command("true", ""), console(), Some("/no/such/dir"), None);
        assert_eq!(failed.unwrap_err(), win32::ERROR_FILE_NOT_FOUND);
    }
}
