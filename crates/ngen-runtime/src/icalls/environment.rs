//! `System.Environment`'s icalls (`icall-def.h` `ENV_*`, Mono's `icall.c`
//! `ves_icall_System_Environment_*`): the platform, the new-line string, environment variables,
//! the exit code and `Exit`, the command line, the tick count, the machine's facts and where
//! Mono's `machine.config` is.
//!
//! The exit code lives here ([`exit_code`], which the runtime reads after `Main`, as mono's
//! `mono_environment_exitcode_get`); the command line is recorded at startup by
//! [`set_command_line`], as mono's `prepare_run_main` stores `main_args`.
//!
//! Depends on: [`crate::alloc`] (strings, string arrays), libc.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

/// `Environment.ExitCode`: the process exit code when `Main` returns `void`.
static EXIT_CODE: AtomicI32 = AtomicI32::new(0);

/// The exit code of a program whose `Main` returned `void` (mono exits with
/// `Environment.ExitCode`, 0 unless the program set it). An `int Main`'s return value wins.
pub(crate) fn exit_code() -> i32 {
    EXIT_CODE.load(Ordering::Relaxed)
}

/// The full path of the program followed by its arguments (`Environment.GetCommandLineArgs`).
static COMMAND_LINE: OnceLock<Vec<String>> = OnceLock::new();

/// Records the program's path and arguments for `GetCommandLineArgs` (once, at startup).
pub(crate) fn set_command_line(program: &std::path::Path, args: &[String]) {
    let program = std::path::absolute(program).unwrap_or_else(|_| program.to_path_buf());
    let mut line = vec![program.to_string_lossy().into_owned()];
    line.extend(args.iter().cloned());
    let _ = COMMAND_LINE.set(line);
}

/// `get_Platform`: the `PlatformID` Mono reports on Linux, `Unix` (4), which `Console`'s
/// static constructor and `Environment.OSVersion` test.
extern "C" fn get_platform() -> i32 {
    4
}

/// `string GetNewLine()`: `"\n"` on Unix (`ves_icall_System_Environment_get_NewLine`).
/// One shared string.
extern "C" fn get_new_line() -> u64 {
    static NEW_LINE: OnceLock<u64> = OnceLock::new();
    *NEW_LINE.get_or_init(|| crate::alloc::string_from_str("\n") as u64)
}

/// `string internalGetEnvironmentVariable_native(IntPtr utf8_name)`: the variable's value
/// (as UTF-8, invalid bytes replaced), or null when it is not set.
extern "C" fn get_environment_variable_native(utf8_name: u64) -> u64 {
    if utf8_name == 0 {
        return 0;
    }
    // SAFETY: mscorlib passes a NUL-terminated string from SafeStringMarshal.StringToUtf8.
    let name = unsafe { std::ffi::CStr::from_ptr(utf8_name as *const libc::c_char) };
    let name = std::ffi::OsStr::new(std::str::from_utf8(name.to_bytes()).unwrap_or(""));
    use std::os::unix::ffi::OsStrExt;
    match std::env::var_os(name) {
        Some(value) if !name.is_empty() => {
            crate::alloc::string_from_str(&String::from_utf8_lossy(value.as_bytes())) as u64
        }
        _ => 0,
    }
}

/// `string[] GetEnvironmentVariableNames()`: the name of each `environ` entry (the text before
/// its first `=`, the whole entry when it has none), in `environ`'s order, as mono's
/// `mono_icall_get_environment_variable_names`.
extern "C" fn get_environment_variable_names() -> u64 {
    unsafe extern "C" {
        static environ: *const *const libc::c_char;
    }
    let mut names = Vec::new();
    // SAFETY: `environ` is the C library's NUL-terminated array of NUL-terminated strings.
    unsafe {
        let mut entry = environ;
        while !entry.is_null() && !(*entry).is_null() {
            let bytes = std::ffi::CStr::from_ptr(*entry).to_bytes();
            let name = bytes.split(|&b| b == b'=').next().unwrap_or(bytes);
            names.push(String::from_utf8_lossy(name).into_owned());
            entry = entry.add(1);
        }
    }
    crate::alloc::alloc_string_array(&names) as u64
}

/// `string GetMachineConfigPath()`: `machine.config` of the 4.5 profile under Mono's
/// configuration directory, `$MONO_CFG_DIR` else `/etc` as Debian builds it
/// (`ves_icall_System_Configuration_DefaultConfig_get_machine_config_path`), which
/// `RuntimeEnvironment.SystemConfigurationFile` and the configuration system read.
pub(super) extern "C" fn get_machine_config_path() -> u64 {
    let dir = std::env::var("MONO_CFG_DIR").unwrap_or_else(|_| "/etc".to_string());
    let path = format!("{}/mono/4.5/machine.config", dir.trim_end_matches('/'));
    crate::alloc::string_from_str(&path) as u64
}

/// `string get_bundled_machine_config()`: null, as for any program `mkbundle` did not bundle.
pub(super) extern "C" fn get_bundled_machine_config() -> u64 {
    0
}

/// `int get_ExitCode()`.
extern "C" fn get_exit_code() -> i32 {
    exit_code()
}

/// `void set_ExitCode(int)`; also the runtime's, with an `int Main`'s return value.
pub(crate) extern "C" fn set_exit_code(code: i32) {
    EXIT_CODE.store(code, Ordering::Relaxed);
}

/// `void Exit(int exitCode)`: mono sets the exit code, finalizes every object still
/// registered and exits with `code` (`ves_icall_System_Environment_Exit`, `mono_runtime_quit`).
extern "C" fn exit(code: i32) {
    crate::finalization::finalize_all_at_exit();
    std::process::exit(code)
}

/// `int get_TickCount()`: milliseconds since boot, truncated to 32 bits.
extern "C" fn get_tick_count() -> i32 {
    monotonic_millis() as i32
}

/// The monotonic clock in milliseconds, as mono's `mono_msec_boottime`.
fn monotonic_millis() -> i64 {
    super::date_time::monotonic_ticks() / 10_000
}

/// `int get_ProcessorCount()`: the processors this process may run on
/// (`mono_cpu_count`: `sched_getaffinity`'s count, else the online processors).
extern "C" fn get_processor_count() -> i32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as i32)
}

/// `bool GetIs64BitOperatingSystem()`.
extern "C" fn get_is_64bit_operating_system() -> i32 {
    i32::from(cfg!(target_pointer_width = "64"))
}

/// `int GetPageSize()`: `mono_pagesize`.
extern "C" fn get_page_size() -> i32 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as i32 }
}

/// `bool get_HasShutdownStarted()`: false while managed code runs.
extern "C" fn get_has_shutdown_started() -> i32 {
    0
}

/// `string[] GetCommandLineArgs()`: the program's full path, then its arguments.
extern "C" fn get_command_line_args() -> u64 {
    let line = COMMAND_LINE.get().cloned().unwrap_or_default();
    crate::alloc::alloc_string_array(&line) as u64
}

/// `string get_MachineName()`: the host name up to its first dot, as mono's `gethostname`
/// path (`ves_icall_System_Environment_get_MachineName`).
extern "C" fn get_machine_name() -> u64 {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return 0;
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]);
    let short = name.split('.').next().unwrap_or("");
    crate::alloc::string_from_str(short) as u64
}

/// The passwd entry's field of the effective user, through `getpwuid_r`.
fn passwd_field(field: fn(&libc::passwd) -> *const libc::c_char) -> Option<String> {
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r fills `entry` with pointers into `buffer`, which outlives the reads.
    let status = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut result,
        )
    };
    if status != 0 || result.is_null() {
        return None;
    }
    let p = field(&entry);
    // SAFETY: a NUL-terminated string inside `buffer`, or null.
    (!p.is_null()).then(|| {
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned()
    })
}

/// `string get_UserName()`: the effective user's login name (`g_get_user_name`), else
/// `"somebody"` as eglib's fallback.
extern "C" fn get_user_name() -> u64 {
    let name = std::env::var("USER")
        .ok()
        .or_else(|| passwd_field(|p| p.pw_name))
        .unwrap_or_else(|| "somebody".to_string());
    crate::alloc::string_from_str(&name) as u64
}

/// `string internalGetHome()`: `$HOME`, else the passwd entry's directory (`g_get_home_dir`).
extern "C" fn internal_get_home() -> u64 {
    let home = std::env::var("HOME")
        .ok()
        .or_else(|| passwd_field(|p| p.pw_dir))
        .unwrap_or_else(|| "/".to_string());
    crate::alloc::string_from_str(&home) as u64
}

/// `string GetOSVersionString()`: `uname`'s release (`ves_icall_System_Environment_
/// GetOSVersionString`), `"0.0.0.0"` when it cannot be read.
extern "C" fn get_os_version_string() -> u64 {
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname fills the struct it is given.
    let release = if unsafe { libc::uname(&mut name) } == 0 {
        // SAFETY: `release` is NUL-terminated by uname.
        unsafe { std::ffi::CStr::from_ptr(name.release.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        "0.0.0.0".to_string()
    };
    crate::alloc::string_from_str(&release) as u64
}

/// `void InternalSetEnvironmentVariable (char* variable, int variable_length, char* value,
/// int value_length)`: sets the variable, or removes it when `value` is empty (mono's
/// `g_setenv`/`g_unsetenv`), so children started later inherit it.
extern "C" fn internal_set_environment_variable(
    name: *const u16,
    name_length: i32,
    value: *const u16,
    value_length: i32,
) {
    let text = |chars: *const u16, length: i32| {
        let length = usize::try_from(length).unwrap_or(0);
        if chars.is_null() || length == 0 {
            return String::new();
        }
        // SAFETY: mscorlib passes a `fixed` string's characters and its length.
        String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(chars, length) })
    };
    let name = text(name, name_length);
    // The managed side rejects empty names and names with `=`; NUL cannot reach the C library.
    if name.is_empty() || name.contains(['=', '\0']) {
        return;
    }
    let value = text(value, value_length);
    // SAFETY: Rust readers of the environment (`internalGetEnvironmentVariable_native`, process
    // starts) share the standard library's environment lock with these calls; as in mono, C code
    // reading `environ` on another thread at this moment is not excluded.
    unsafe {
        if value.is_empty() {
            std::env::remove_var(&name);
        } else if !value.contains('\0') {
            std::env::set_var(&name, &value);
        }
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Exit", exit as *const ()),
        ("GetCommandLineArgs", get_command_line_args as *const ()),
        (
            "GetEnvironmentVariableNames",
            get_environment_variable_names as *const (),
        ),
        (
            "GetIs64BitOperatingSystem",
            get_is_64bit_operating_system as *const (),
        ),
        ("GetMachineConfigPath", get_machine_config_path as *const ()),
        ("GetNewLine", get_new_line as *const ()),
        ("GetOSVersionString", get_os_version_string as *const ()),
        ("GetPageSize", get_page_size as *const ()),
        (
            "InternalSetEnvironmentVariable",
            internal_set_environment_variable as *const (),
        ),
        ("get_ExitCode", get_exit_code as *const ()),
        (
            "get_HasShutdownStarted",
            get_has_shutdown_started as *const (),
        ),
        ("get_MachineName", get_machine_name as *const ()),
        ("get_Platform", get_platform as *const ()),
        ("get_ProcessorCount", get_processor_count as *const ()),
        ("get_TickCount", get_tick_count as *const ()),
        ("get_UserName", get_user_name as *const ()),
        (
            "get_bundled_machine_config",
            get_bundled_machine_config as *const (),
        ),
        (
            "internalGetEnvironmentVariable_native",
            get_environment_variable_native as *const (),
        ),
        ("internalGetHome", internal_get_home as *const ()),
        ("set_ExitCode", set_exit_code as *const ()),
    ]
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
            crate::alloc::string_to_rust(get_new_line() as *const _).as_deref(),
            Some("\n")
        );
    }
}
