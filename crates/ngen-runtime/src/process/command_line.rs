//! What a process start request runs: the program's path and its argument vector, decided as
//! Mono 6.8's `w32process-unix.c` decides them (`process_get_complete_path`, `process_create`).
//!
//! ## Model
//! `CreateProcess_internal` (`UseShellExecute = false`) completes `FileName` first: an
//! absolute path as given, a relative name of an executable file here as given, else the
//! first `PATH` directory holding an executable of that name (eglib's
//! `g_find_program_in_path`); nothing found is `ERROR_FILE_NOT_FOUND`. `ShellExecuteEx_internal`
//! instead hands `"FileName" Arguments` to the command-line path, whose first token (quotes
//! honoured) is looked up in the current directory, then on `PATH`. Either way the program
//! must be a readable or executable regular file (else `ERROR_FILE_NOT_FOUND`) and, unless it is
//! a managed (CLI) binary, executable (else `ERROR_ACCESS_DENIED`); a managed binary runs
//! under `mono`, as mono's own launcher rule does. `Arguments` is split into words as eglib's
//! `g_shell_parse_argv` splits them ([`split_arguments`]): blanks separate words, `'…'` and
//! `"…"` quote (a `\` inside double quotes escapes only `$`, `` ` ``, `"` and `\`), a `\`
//! outside double quotes takes the next character literally except that an escaped blank is
//! dropped, and an empty quoted word is a word.
//!
//! Depends on: libc (`access`, `stat`), [`super::win32`].

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::win32;

/// A program to run: its path and its argument vector (the path first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) program: PathBuf,
    pub(crate) argv: Vec<OsString>,
}

/// Why arguments did not split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SplitError {
    #[error("Unfinished escape.")]
    UnfinishedEscape,
    #[error("Unfinished quote.")]
    UnfinishedQuote,
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// `text` split into words as eglib's `g_shell_parse_argv` does (see the module doc).
pub(crate) fn split_arguments(text: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    // Whether the open quote began its word: then closing it before a blank ends a word,
    // empty or not.
    let mut quote_began_word = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if escaped {
            escaped = false;
            if quote == Some('"') {
                if !matches!(c, '$' | '`' | '"' | '\\') {
                    word.push('\\');
                }
                word.push(c);
            } else if !is_blank(c) {
                word.push(c);
            }
        } else if let Some(open) = quote {
            if c == open {
                quote = None;
                if quote_began_word && chars.peek().is_none_or(|&next| is_blank(next)) {
                    words.push(std::mem::take(&mut word));
                }
            } else if c == '\\' {
                escaped = true;
            } else {
                word.push(c);
            }
        } else if is_blank(c) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else if c == '\\' {
            escaped = true;
        } else if c == '\'' || c == '"' {
            quote_began_word = word.is_empty();
            quote = Some(c);
        } else {
            word.push(c);
        }
    }
    if escaped {
        return Err(SplitError::UnfinishedEscape);
    }
    if quote.is_some() {
        return Err(SplitError::UnfinishedQuote);
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

fn c_path(path: &Path) -> Option<CString> {
    CString::new(path.as_os_str().as_bytes()).ok()
}

fn accessible(path: &Path, mode: libc::c_int) -> bool {
    // SAFETY: a NUL-terminated path; access only reads it.
    c_path(path).is_some_and(|p| unsafe { libc::access(p.as_ptr(), mode) } == 0)
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Mono's `is_readable_or_executable`: a regular file this process may read or execute.
fn is_readable_or_executable(path: &Path) -> bool {
    (accessible(path, libc::R_OK) || accessible(path, libc::X_OK)) && is_regular_file(path)
}

/// Mono's `is_executable`: a regular file this process may execute.
fn is_executable(path: &Path) -> bool {
    accessible(path, libc::X_OK) && is_regular_file(path)
}

/// eglib's `g_find_program_in_path`: the first `dir/program` with execute permission, for each
/// non-empty directory of `path_variable` (unset or empty: the current directory).
pub(crate) fn find_in_path(
    program: &str,
    path_variable: Option<&OsStr>,
    cwd: &Path,
) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = match path_variable {
        Some(value) if !value.is_empty() => value
            .as_bytes()
            .split(|b| *b == b':')
            .filter(|d| !d.is_empty())
            .map(|d| PathBuf::from(OsStr::from_bytes(d)))
            .collect(),
        _ => vec![cwd.to_path_buf()],
    };
    dirs.into_iter()
        .map(|dir| dir.join(program))
        .find(|probe| accessible(probe, libc::X_OK))
}

/// Whether `path` is a managed (CLI) binary: a PE file whose CLI header directory is set.
fn is_managed_binary(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bytes.get(..2) != Some(b"MZ") {
        return false;
    }
    let Some(pe) = u32_at(0x3c).map(|o| o as usize) else {
        return false;
    };
    if bytes.get(pe..pe + 4) != Some(b"PE\0\0") {
        return false;
    }
    let optional = pe + 24;
    // The CLI header is data directory 14: at 208 (PE32) or 224 (PE32+) in the optional header.
    let cli_directory = match u16_at(optional) {
        Some(0x10b) => optional + 208,
        Some(0x20b) => optional + 224,
        _ => return false,
    };
    u32_at(cli_directory).is_some_and(|rva| rva != 0)
}

/// Mono's checks of a located program; the command running it with `arguments`.
fn command_for(
    program: PathBuf,
    arguments: &[String],
    cwd: &Path,
    path_variable: Option<&OsStr>,
) -> Result<Command, i32> {
    if !is_readable_or_executable(&program) {
        return Err(win32::ERROR_FILE_NOT_FOUND);
    }
    let words = arguments.iter().map(OsString::from);
    if is_managed_binary(&program) {
        let mono = locate_token("mono", cwd, path_variable)?;
        let mut argv = vec![mono.clone().into_os_string(), program.into_os_string()];
        argv.extend(words);
        return Ok(Command {
            program: mono,
            argv,
        });
    }
    if !is_executable(&program) {
        return Err(win32::ERROR_ACCESS_DENIED);
    }
    let mut argv = vec![program.clone().into_os_string()];
    argv.extend(words);
    Ok(Command { program, argv })
}

/// A command line's first token as mono's `process_create` looks it up: an absolute path as
/// is, else in the current directory, else on `PATH`.
fn locate_token(token: &str, cwd: &Path, path_variable: Option<&OsStr>) -> Result<PathBuf, i32> {
    if token.starts_with('/') {
        return Ok(PathBuf::from(token));
    }
    let here = cwd.join(token);
    if is_readable_or_executable(&here) {
        return Ok(here);
    }
    find_in_path(token, path_variable, cwd).ok_or(win32::ERROR_FILE_NOT_FOUND)
}

fn split_or_invalid(arguments: &str) -> Result<Vec<String>, i32> {
    split_arguments(arguments).map_err(|_| win32::ERROR_INVALID_PARAMETER)
}

/// The command `CreateProcess_internal` runs for `file_name` and `arguments`, or the Windows
/// error it fails with; `cwd` is this process's current directory (not the start request's
/// working directory, as in mono).
pub(crate) fn for_create_process(
    file_name: &str,
    arguments: &str,
    cwd: &Path,
    path_variable: Option<&OsStr>,
) -> Result<Command, i32> {
    let completed = if file_name.starts_with('/') {
        PathBuf::from(file_name)
    } else if is_executable_here(file_name, cwd) {
        cwd.join(file_name)
    } else {
        find_in_path(file_name, path_variable, cwd).ok_or(win32::ERROR_FILE_NOT_FOUND)?
    };
    command_for(completed, &split_or_invalid(arguments)?, cwd, path_variable)
}

/// eglib's `g_file_test (name, IS_EXECUTABLE) && !IS_DIR` relative to `cwd`.
fn is_executable_here(name: &str, cwd: &Path) -> bool {
    let here = cwd.join(name);
    accessible(&here, libc::X_OK) && !here.is_dir()
}

/// The command `ShellExecuteEx_internal` runs for `file_name` and `arguments` (mono's command
/// line `"file_name" arguments`), or the Windows error it fails with.
pub(crate) fn for_shell_execute(
    file_name: &str,
    arguments: &str,
    cwd: &Path,
    path_variable: Option<&OsStr>,
) -> Result<Command, i32> {
    let line = if arguments.is_empty() {
        format!("\"{file_name}\"")
    } else {
        format!("\"{file_name}\" {arguments}")
    };
    let (token, rest) = first_token(&line).ok_or(win32::ERROR_PATH_NOT_FOUND)?;
    let program = locate_token(&token, cwd, path_variable)?;
    command_for(program, &split_or_invalid(rest)?, cwd, path_variable)
}

/// Mono's first-token rule for a command line: a leading quoted token when its closing quote
/// ends a word, else everything up to the first blank; and the rest of the line.
fn first_token(line: &str) -> Option<(String, &str)> {
    let line = line.trim_start_matches(is_blank);
    let mut chars = line.char_indices();
    if let Some((_, open @ ('"' | '\''))) = chars.next()
        && let Some(close) = line[1..].find(open).map(|i| i + 1)
        && line[close + 1..].chars().next().is_none_or(is_blank)
    {
        return Some((
            line[1..close].to_string(),
            line[close + 1..].trim_start_matches(is_blank),
        ));
    }
    match line.find(is_blank) {
        Some(end) => Some((line[..end].to_string(), &line[end + 1..])),
        None if !line.is_empty() => Some((line.to_string(), "")),
        None => None,
    }
}

/// `command`'s argument vector as C strings (`None` if a word holds a NUL).
pub(crate) fn c_argv(command: &Command) -> Option<Vec<CString>> {
    command
        .argv
        .iter()
        .map(|w| CString::new(w.clone().into_vec()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        split_arguments(text).unwrap()
    }

    #[test]
    fn arguments_split_as_eglib_splits_them() {
        assert_eq!(split("hello from echo"), ["hello", "from", "echo"]);
        assert_eq!(
            split("hi \"two words\" 'single quoted' back\\ slash"),
            ["hi", "two words", "single quoted", "backslash"]
        );
        assert_eq!(split("-c \"exit 3\""), ["-c", "exit 3"]);
        assert_eq!(split("a\"b c\"d"), ["ab cd"]);
        assert_eq!(split("\"\" x ''"), ["", "x", ""]);
        assert_eq!(split("\"a\\\"b\\n\""), ["a\"b\\n"]);
        assert_eq!(split("  \t "), Vec::<String>::new());
        assert_eq!(split_arguments("\"open"), Err(SplitError::UnfinishedQuote));
        assert_eq!(split_arguments("end\\"), Err(SplitError::UnfinishedEscape));
    }

    #[test]
    fn first_tokens_honour_leading_quotes() {
        assert_eq!(first_token("\"echo\" a b"), Some(("echo".into(), "a b")));
        assert_eq!(first_token("\"my prog\""), Some(("my prog".into(), "")));
        assert_eq!(first_token("  ls -l"), Some(("ls".into(), "-l")));
        assert_eq!(first_token("   "), None);
    }

    #[test]
    fn programs_are_found_on_path_or_fail_with_mono_errors() {
        let cwd = std::env::temp_dir();
        let path = Some(OsStr::new("/nonexistent:/bin:/usr/bin"));
        let sh = for_create_process("sh", "-c \"exit 3\"", &cwd, path).unwrap();
        assert!(sh.program.ends_with("sh") && sh.program.is_absolute());
        assert_eq!(
            &sh.argv[1..],
            [OsString::from("-c"), OsString::from("exit 3")]
        );
        assert_eq!(
            for_create_process("no-such-program-ngen", "", &cwd, path),
            Err(win32::ERROR_FILE_NOT_FOUND)
        );
        assert_eq!(
            for_create_process("/no/such/file", "", &cwd, path),
            Err(win32::ERROR_FILE_NOT_FOUND)
        );
        let data = std::env::temp_dir().join(format!("ngen-not-executable-{}", std::process::id()));
        std::fs::write(&data, "data").unwrap();
        let denied = for_create_process(data.to_str().unwrap(), "", &cwd, path);
        std::fs::remove_file(&data).unwrap();
        assert_eq!(
            denied,
            Err(win32::ERROR_ACCESS_DENIED),
            "readable but not executable"
        );
        let echo = for_shell_execute("echo", "a 'b c'", &cwd, path).unwrap();
        assert_eq!(echo.argv.len(), 3);
        assert_eq!(
            for_shell_execute("no-such-program-ngen", "", &cwd, path),
            Err(win32::ERROR_FILE_NOT_FOUND)
        );
        assert_eq!(
            find_in_path("sh", Some(OsStr::new("")), Path::new("/bin")),
            Some(PathBuf::from("/bin/sh"))
        );
    }

    #[test]
    fn managed_binaries_are_recognised_by_their_cli_header() {
        assert!(!is_managed_binary(Path::new("/bin/sh")));
        assert!(is_managed_binary(Path::new("/usr/lib/mono/4.5/mcs.exe")));
    }
}
