//! Differential test: mscorlib's own `Console` (its static constructor, `SetupStreams`, the
//! synchronized `StreamWriter`s over `FileStream`s, `MonoIO.Write`), `TextWriter`, the
//! encodings and the current culture chosen from the locale, `string.Format` with objects and
//! `Console.ReadLine` on piped input, run from native images against mono 6.8: stdout, stderr
//! and the exit code, byte for byte, under `--jit never`, `always` and the default, with
//! `LANG=C`, `LANG=C.UTF-8`, no locale at all and a locale mono has no culture for.
//!
//! Fixtures: `tests/fixtures/console/*.cs`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod corlib_common;

use corlib_common::ngen_run;
use ngen_tests::{FRAMEWORK_DIR, mcs, ngen_compile, temp_dir, with_locale, workspace_root};

/// The locales every case runs under (`None`: no `LANG` at all). `xx_YY.UTF-8` names a culture
/// mono's tables lack (the invariant culture, as for `C.UTF-8`'s `c`) with a codeset the C
/// library does not know (ASCII).
const LOCALES: &[Option<&str>] = &[Some("C"), Some("C.UTF-8"), None, Some("xx_YY.UTF-8")];

const MODES: &[&str] = &["never", "always", "default"];

/// Piped input for `ReadLines`: every line end, empty lines, invalid UTF-8 and a last line
/// without a newline.
const INPUT: &[u8] =
    b"first\r\nsecond\rthird\n\n d\xc3\xa9j\xc3\xa0 \xff\xe2\x82 vu\t\nlast line without newline";

/// Runs `command` under `lang` with `stdin` piped in; returns its output.
fn run(command: &mut Command, lang: Option<&str>, stdin: &[u8]) -> Output {
    let mut child = with_locale(command, lang)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    // The program may exit before reading everything: a broken pipe is its business.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("wait")
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Compiles `tests/fixtures/<area>/<name>.cs` and its image, then asserts it behaves exactly as
/// under mono in every mode and locale, fed `stdin`.
fn assert_like_mono(area: &str, name: &str, stdin: &[u8]) {
    let dir = temp_dir();
    let exe = dir.path().join(format!("{name}.exe"));
    let source = workspace_root()
        .join("tests/fixtures")
        .join(area)
        .join(format!("{name}.cs"));
    mcs(&[&source], &exe, &[]);
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let mut failures = Vec::new();
    for lang in LOCALES {
        let expected = run(Command::new("mono").arg(&exe), *lang, stdin);
        for mode in MODES {
            let actual = run(&mut ngen_run(&exe, &images, mode), *lang, stdin);
            if actual.stdout != expected.stdout
                || actual.stderr != expected.stderr
                || actual.status.code() != expected.status.code()
            {
                failures.push(format!(
                    "{name} under LANG={lang:?}, --jit {mode}:\n--- mono\n{}\n--- ngen-build\n{}",
                    show(&expected),
                    show(&actual)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn console_writes_of_every_primitive_string_and_char_array_match_mono() {
    assert!(Path::new(FRAMEWORK_DIR).join("mscorlib.dll").exists());
    assert_like_mono("console", "ConsoleCases", b"");
}

#[test]
fn console_out_error_newline_char_arrays_and_encodings_match_mono() {
    assert_like_mono("console", "ConsoleStreams", b"");
}

#[test]
fn format_strings_with_objects_and_interpolation_match_mono() {
    assert_like_mono("console", "FormatObjects", b"");
}

#[test]
fn the_current_culture_from_the_locale_matches_mono() {
    assert_like_mono("console", "Cultures", b"");
}

#[test]
fn read_line_on_piped_input_matches_mono() {
    assert_like_mono("console", "ReadLines", INPUT);
}
