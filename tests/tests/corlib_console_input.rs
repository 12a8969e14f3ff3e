//! Differential test: `Console.ReadLine` of ngen-corlib against mono 6.8 — `\n`, `\r\n` and
//! `\r` line ends, a last line without a newline, empty lines, invalid UTF-8, the null at the
//! end of input — under a UTF-8 locale and without one (ASCII). The ngen-corlib side runs in a
//! child process (this test binary with `NGEN_CORLIB_READLINE_CHILD` set) fed the same stdin.

use ngen_corlib::console;
use ngen_corlib::objects::{string_as_utf16, string_from_str};
use ngen_tests::{between_markers, compile_fixture_exe, rerun_test_as_child, with_locale};
use std::io::Write;
use std::process::{Command, Stdio};

const CHILD_VARIABLE: &str = "NGEN_CORLIB_READLINE_CHILD";
const CHILD_TEST: &str = "child_process_entry_for_read_line";

const INPUT: &[u8] =
    b"first\r\nsecond\rthird\n\n d\xc3\xa9j\xc3\xa0 \xff\xe2\x82 vu\t\nlast line without newline";

/// The same calls as `ReadLines.cs`.
fn echo_lines() {
    let text = |s: &str| string_from_str(s).cast_const();
    console::write_string(text("BEGIN prompt> "));
    let mut count = 0;
    loop {
        let line = console::read_line();
        if line.is_null() {
            break;
        }
        console::write_string(text("["));
        console::write_string(line);
        console::write_string(text("]"));
        console::write_line_i4(string_as_utf16(line).len() as i32);
        count += 1;
    }
    console::write_line_i4(count);
    console::write_line_bool(i32::from(console::read_line().is_null()));
    console::write_string(text("END"));
    console::flush_stdout();
}

/// Not a test of its own: the body of the child process. Without the variable it does nothing.
#[test]
fn child_process_entry_for_read_line() {
    if std::env::var_os(CHILD_VARIABLE).is_some() {
        echo_lines();
    }
}

fn run_with_stdin(command: &mut Command, lang: Option<&str>) -> Vec<u8> {
    let mut child = with_locale(command, lang)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(INPUT)
        .expect("feed stdin");
    let output = child.wait_with_output().expect("wait");
    between_markers(&output.stdout)
}

#[test]
fn read_line_matches_mono() {
    let (_dir, exe) = compile_fixture_exe("corlib", "ReadLines.cs");
    for lang in [Some("C.UTF-8"), None] {
        let expected = run_with_stdin(Command::new("mono").arg(&exe), lang);
        let actual = run_with_stdin(
            rerun_test_as_child(CHILD_TEST).env(CHILD_VARIABLE, "1"),
            lang,
        );
        assert_eq!(
            String::from_utf8_lossy(&actual),
            String::from_utf8_lossy(&expected),
            "under LANG={lang:?}"
        );
        assert_eq!(actual, expected, "byte difference under LANG={lang:?}");
    }
}
