//! `System.Diagnostics.Process`'s icalls (`icall-def.h` `PROCESS_*`): starting a child with
//! `CreateProcess_internal` (`UseShellExecute = false`, with the standard handles the managed
//! side chose: pipe ends or the console's descriptors) and `ShellExecuteEx_internal`
//! (`UseShellExecute = true`: the program on this process's console). Both read the
//! `ProcessStartInfo` (`fileName`, `arguments`, `directory`) and fill the `ref ProcInfo`:
//! the process handle and pid on success, `-error` (a Windows error code, which the managed
//! side turns into a `Win32Exception`) in `pid` on failure, as mono's
//! `w32process-unix.c` does. The program and its arguments are decided by
//! [`crate::process::command_line`], the child started by [`crate::process::spawn`].
//!
//! `GetProcess_internal` (`Process.GetProcessById`) opens a handle of a running process
//! ([`crate::threads::wait_handles::open_process`]); `GetProcesses_internal`
//! (`Process.GetProcesses`, `GetProcessesByName`) lists the pids and `ProcessName_icall`
//! names a process as mono reads `/proc` ([`crate::process::proc_fs`]).
//!
//! `ShellExecuteEx_internal` runs executables only: where mono falls back to `xdg-open`,
//! `gnome-open` or `kfmclient` for a document, this fails with the executable lookup's error,
//! which is what mono reports when none of those handlers is installed.
//!
//! Depends on: [`crate::process`], [`crate::state::objects::object_field_offset`],
//! [`crate::alloc`].

use std::path::PathBuf;

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, StringObject};

use crate::alloc::string_to_rust;
use crate::process::command_line::{self, Command};
use crate::process::proc_fs;
use crate::process::spawn::{self, StandardHandles};
use crate::process::win32;
use crate::state::objects::object_field_offset;

/// `Process.ProcInfo`'s layout (sequential): `IntPtr process_handle; int pid; string[]
/// envVariables; ...`.
const PROC_INFO_HANDLE: usize = 0;
const PROC_INFO_PID: usize = 8;
const PROC_INFO_ENV_VARIABLES: usize = 16;

/// What a start request asks for, read from its `ProcessStartInfo`.
struct StartRequest {
    file_name: String,
    arguments: String,
    /// `None` for the current directory (mono turns `""` into that).
    working_directory: Option<String>,
}

/// The string field `field` of `ProcessStartInfo` object `info` (`""` for null).
fn string_field(info: u64, field: &str) -> Result<String, String> {
    let offset = object_field_offset(info, field)?;
    // SAFETY: `info` is a live object whose field at `offset` is a string reference.
    let string = unsafe { *((info + u64::from(offset)) as *const u64) };
    Ok(string_to_rust(string as *const StringObject).unwrap_or_default())
}

fn read_request(info: u64) -> Result<StartRequest, String> {
    if info == 0 {
        return Err("no ProcessStartInfo".to_string());
    }
    let directory = string_field(info, "directory")?;
    Ok(StartRequest {
        file_name: string_field(info, "fileName")?,
        arguments: string_field(info, "arguments")?,
        working_directory: (!directory.is_empty()).then_some(directory),
    })
}

/// `ProcInfo.envVariables`: `NAME=value` strings, or `None` to inherit this environment.
fn environment_of(proc_info: *mut u8) -> Option<Vec<String>> {
    // SAFETY: a `ref ProcInfo`: the address of a live struct of the layout above.
    let array = unsafe { *(proc_info.add(PROC_INFO_ENV_VARIABLES) as *const u64) };
    if array == 0 {
        return None;
    }
    // SAFETY: a live `string[]`: its length word, then its element references.
    let length = unsafe { *((array + ARRAY_LENGTH_OFFSET as u64) as *const u64) };
    let items = (0..length)
        .filter_map(|i| {
            // SAFETY: `i` is below the vector's length.
            let item = unsafe { *((array + ARRAY_DATA_OFFSET as u64 + 8 * i) as *const u64) };
            string_to_rust(item as *const StringObject)
        })
        .collect();
    Some(items)
}

/// Stores the outcome in `proc_info` and returns the icall's `bool`.
fn finish(proc_info: *mut u8, outcome: Result<spawn::Started, i32>) -> i32 {
    // SAFETY: a `ref ProcInfo` (see `environment_of`).
    unsafe {
        match outcome {
            Ok(started) => {
                (proc_info.add(PROC_INFO_HANDLE) as *mut u64).write(started.handle);
                (proc_info.add(PROC_INFO_PID) as *mut i32).write(started.pid);
                1
            }
            Err(error) => {
                (proc_info.add(PROC_INFO_PID) as *mut i32).write(-error);
                0
            }
        }
    }
}

fn current_directory() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

/// Starts `request` as `decide` resolves it, with `handles`.
fn start(
    request: &StartRequest,
    handles: StandardHandles,
    environment: Option<&[String]>,
    decide: fn(&str, &str, &std::path::Path, Option<&std::ffi::OsStr>) -> Result<Command, i32>,
) -> Result<spawn::Started, i32> {
    let path = std::env::var_os("PATH");
    let command = decide(
        &request.file_name,
        &request.arguments,
        &current_directory(),
        path.as_deref(),
    )?;
    spawn::spawn(
        &command,
        handles,
        request.working_directory.as_deref(),
        environment,
    )
}

/// `bool CreateProcess_internal (ProcessStartInfo startInfo, IntPtr stdin, IntPtr stdout,
/// IntPtr stderr, ref ProcInfo procInfo)`.
extern "C" fn create_process(
    info: u64,
    stdin: u64,
    stdout: u64,
    stderr: u64,
    proc_info: *mut u8,
) -> i32 {
    let outcome = read_request(info)
        .map_err(|_| win32::ERROR_INVALID_PARAMETER)
        .and_then(|request| {
            let handles = StandardHandles {
                input: stdin as i32,
                output: stdout as i32,
                error: stderr as i32,
            };
            let environment = environment_of(proc_info);
            start(
                &request,
                handles,
                environment.as_deref(),
                command_line::for_create_process,
            )
        });
    finish(proc_info, outcome)
}

/// `bool ShellExecuteEx_internal (ProcessStartInfo startInfo, ref ProcInfo procInfo)`: the
/// program on this process's console (see the module doc).
extern "C" fn shell_execute(info: u64, proc_info: *mut u8) -> i32 {
    let outcome = read_request(info)
        .map_err(|_| win32::ERROR_INVALID_PARAMETER)
        .and_then(|request| {
            let console = StandardHandles {
                input: 0,
                output: 1,
                error: 2,
            };
            start(&request, console, None, command_line::for_shell_execute)
        });
    finish(proc_info, outcome)
}

/// `IntPtr GetProcess_internal (int pid)`: a handle of the running process `pid`, or zero
/// (the managed side's "Can't find process with ID").
extern "C" fn get_process(pid: i32) -> u64 {
    crate::threads::wait_handles::open_process(pid).unwrap_or(0)
}

/// `string ProcessName_icall (IntPtr handle)`: the name of the process `handle` names, before
/// the managed side strips `.exe` ([`proc_fs::process_name`]); null when it is gone or
/// `handle` is no process (the managed side's "Process has exited or is inaccessible").
/// This process is known by its program's file name, as mono's `g_get_prgname`; a child by
/// the program it was started from (mono's `pname`: a shell that `exec`s another program is
/// then named by that program's full path, as under mono).
extern "C" fn process_name(handle: u64) -> u64 {
    use crate::threads::wait_handles;
    let Some(state) = wait_handles::process_state(handle) else {
        return 0;
    };
    let program = if state.pid == std::process::id() as i32 {
        let path = crate::state::assemblies::entry_assembly_path();
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
    } else {
        wait_handles::child_program(handle).map(|p| p.to_string_lossy().into_owned())
    };
    match proc_fs::process_name(state.pid, program.as_deref()) {
        Some(name) => crate::alloc::string_from_str(&name) as u64,
        None => 0,
    }
}

/// `int[] GetProcesses_internal ()`: the pids of the running processes.
extern "C" fn get_processes() -> u64 {
    let pids = proc_fs::process_ids();
    let array = crate::state::objects::new_core_vector("Int32", pids.len())
        .unwrap_or_else(|e| crate::state::fatal(&format!("Process.GetProcesses: {e}")));
    // SAFETY: a fresh `int[]` of `pids.len()` elements.
    unsafe {
        let data = (array + ARRAY_DATA_OFFSET as u64) as *mut i32;
        for (i, pid) in pids.iter().enumerate() {
            data.add(i).write(*pid);
        }
    }
    array
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("CreateProcess_internal", create_process as *const ()),
        ("GetProcess_internal", get_process as *const ()),
        ("GetProcesses_internal", get_processes as *const ()),
        ("ProcessName_icall", process_name as *const ()),
        ("ShellExecuteEx_internal", shell_execute as *const ()),
    ]
}
