//! What Linux's `/proc` says about running processes, read as Mono 6.8's process layer reads
//! it (`w32process-unix.c`, `w32process-unix-default.c`, `utils/mono-proclib.c`): the pids
//! `Process.GetProcesses()` lists and the name `Process.ProcessName` shows.
//!
//! ## Model
//! A process's name is its *main module's* base name: the first file mapped into it
//! (`/proc/<pid>/maps`) that is the process's program, compared as Mono's
//! `match_procname_to_modulename` compares (symbolic links resolved, then whole paths or base
//! names). When none matches, or the maps cannot be read (another user's process), it is
//! what Mono's `mono_w32process_get_name` reads: the target of `/proc/<pid>/exe`, else the
//! first argument in `/proc/<pid>/cmdline`, else the command in `/proc/<pid>/stat`. The
//! program a process is known by is, for this process, its assembly's file name (Mono's
//! `g_get_prgname`: `proc.exe`; Mono maps the assembly, so its maps always match), and for any
//! other process that `get_name` answer. The managed side strips `.exe`.
//!
//! Depends on: std's file system calls only.

use std::path::Path;

/// The pids of the running processes, in `/proc`'s order (Mono's `mono_process_list`).
pub(crate) fn process_ids() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid > 0)
        .collect()
}

/// The name of process `pid` as Mono's `ProcessName` icall answers it (before the managed
/// side strips `.exe`), given the program it is known by (`None`: ask `/proc`); `None` when
/// the process is gone.
pub(crate) fn process_name(pid: i32, program: Option<&str>) -> Option<String> {
    let program = match program {
        Some(program) => program.to_string(),
        None => name_from_proc(pid)?,
    };
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    for file in mapped_files(&maps) {
        if is_program(&program, file) {
            return Some(base_name(file).to_string());
        }
    }
    if program_is_this_process(pid) {
        return Some(program);
    }
    name_from_proc(pid)
}

/// Whether `pid` is this process: Mono maps its assembly, whose name then always matches.
fn program_is_this_process(pid: i32) -> bool {
    pid == std::process::id() as i32
}

/// Mono's `mono_w32process_get_name`: the target of `/proc/<pid>/exe`, else the first
/// argument of its command line (up to a newline or 255 bytes, as `fgets` reads it), else the
/// command between the parentheses of `/proc/<pid>/stat`.
fn name_from_proc(pid: i32) -> Option<String> {
    if let Ok(target) = std::fs::read_link(format!("/proc/{pid}/exe")) {
        return Some(target.to_string_lossy().into_owned());
    }
    if let Ok(command_line) = std::fs::read(format!("/proc/{pid}/cmdline"))
        && !command_line.is_empty()
    {
        let line = command_line[..command_line.len().min(255)]
            .split(|&b| b == b'\n')
            .next()
            .unwrap_or_default();
        let first = line.split(|&b| b == 0).next().unwrap_or_default();
        return Some(String::from_utf8_lossy(first).into_owned());
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let start = stat.find('(')? + 1;
    let end = start + stat[start..].find(')')?;
    Some(stat[start..end].to_string())
}

/// The path of each file mapping in a `/proc/<pid>/maps` text, in order (lines whose sixth
/// field is an absolute path).
fn mapped_files(maps: &str) -> impl Iterator<Item = &str> {
    maps.lines().filter_map(|line| {
        let path = line.splitn(6, char::is_whitespace).nth(5)?.trim_start();
        path.starts_with('/').then_some(path)
    })
}

/// Mono's `match_procname_to_modulename`: the same file once links are resolved, or the same
/// base name.
fn is_program(program: &str, module: &str) -> bool {
    let program = resolved(program);
    let module = resolved(module);
    if program == module {
        return true;
    }
    let module_base = module.rsplit_once('/').map(|(_, base)| base);
    if module_base == Some(program.as_str()) {
        return true;
    }
    match (program.rsplit_once('/'), module_base) {
        (Some((_, program_base)), Some(module_base)) => program_base == module_base,
        (Some((_, program_base)), None) => module == program_base,
        (None, _) => false,
    }
}

/// `path` with symbolic links resolved when it names an existing file, else as it is.
fn resolved(path: &str) -> String {
    std::fs::canonicalize(Path::new(path))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// The text after the last `/`.
fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, base)| base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_files_are_the_absolute_paths_of_the_maps() {
        let maps = "\
55d0-55d1 r--p 00000000 08:01 123    /usr/bin/sleep
55d2-55d3 rw-p 00000000 00:00 0      [heap]
7f00-7f01 r-xp 00001000 08:01 456    /usr/lib/x86_64-linux-gnu/libc.so.6
7f02-7f03 rw-p 00000000 00:00 0
7f04-7f05 r--p 00000000 08:01 789    /tmp/a dir/with spaces.exe
";
        let files: Vec<&str> = mapped_files(maps).collect();
        assert_eq!(
            files,
            [
                "/usr/bin/sleep",
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/tmp/a dir/with spaces.exe"
            ]
        );
    }

    #[test]
    fn a_module_is_the_program_by_path_or_base_name() {
        assert!(is_program("/nonexistent/bin/tool", "/nonexistent/bin/tool"));
        assert!(is_program("tool.exe", "/nonexistent/dir/tool.exe"));
        assert!(is_program("/elsewhere/tool", "/nonexistent/bin/tool"));
        assert!(!is_program("tool", "/nonexistent/bin/other"));
        assert!(!is_program(
            "/nonexistent/bin/tool",
            "/nonexistent/bin/toolkit"
        ));
    }

    #[test]
    fn this_process_is_listed_and_named_after_its_program() {
        let me = std::process::id() as i32;
        assert!(process_ids().contains(&me));
        assert_eq!(
            process_name(me, Some("no-such-program.exe")).as_deref(),
            Some("no-such-program.exe")
        );
        let exe = std::env::current_exe().unwrap();
        let base = exe.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(process_name(me, None), Some(base));
        assert_eq!(process_name(-5, None), None);
    }
}
