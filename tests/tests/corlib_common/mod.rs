//! Shared by the `corlib_*` differential tests: a fixture of `tests/fixtures/corlib` that
//! prints thousands of results of mscorlib's own members (formatting, parsing, `Convert`,
//! `String`, `Char`, comparisons), run from native images (its own and the framework's)
//! under `--jit never`, `always` and the default, line for line against mono 6.8.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use ngen_tests::{compile_fixture_exe, framework_images, ngen_build, ngen_compile, with_locale};

/// Runs `tests/fixtures/corlib/<fixture>` with `args` under mono and from images in every mode,
/// under `LANG=lang`; asserts the same exit code and stderr, at least `minimum` stdout lines,
/// and identical stdout lines (the first `shown` differences are reported per mode).
pub fn assert_fixture_like_mono(
    fixture: &str,
    args: &[&str],
    lang: Option<&str>,
    minimum: usize,
    shown: usize,
) {
    assert_fixture_like_mono_but(fixture, args, lang, minimum, shown, &[]);
}

/// A known divergence from mono, tolerated by [`assert_fixture_like_mono_but`]: the exact
/// line mono prints and the exact line we print instead (any other difference still fails,
/// and so does this line if either side changes).
pub struct KnownDivergence {
    pub mono: &'static str,
    pub ours: &'static str,
}

/// [`assert_fixture_like_mono`], tolerating the `known` divergences (each documented where it
/// is listed, and in the issue that tracks it).
pub fn assert_fixture_like_mono_but(
    fixture: &str,
    args: &[&str],
    lang: Option<&str>,
    minimum: usize,
    shown: usize,
    known: &[KnownDivergence],
) {
    let (dir, exe) = compile_fixture_exe("corlib", fixture);
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let locale = Locale::lang(lang);
    let failures = differences_from_mono(&exe, &images, args, locale, minimum, shown, known);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The locale variables a run sees: `LANG` as [`with_locale`] sets it (`None`: none), and
/// optionally `LC_ALL`, which mono reads first.
#[derive(Clone, Copy, Debug)]
pub struct Locale<'a> {
    pub lang: Option<&'a str>,
    pub lc_all: Option<&'a str>,
}

impl<'a> Locale<'a> {
    pub const fn lang(lang: Option<&'a str>) -> Self {
        Locale { lang, lc_all: None }
    }

    fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        let command = with_locale(command, self.lang);
        match self.lc_all {
            Some(lc_all) => command.env("LC_ALL", lc_all),
            None => command,
        }
    }
}

/// [`assert_fixture_like_mono`] under each of `locales` in turn, the fixture compiled once;
/// every locale's differences are reported together.
pub fn assert_fixture_like_mono_in_locales(
    fixture: &str,
    args: &[&str],
    locales: &[Locale],
    minimum: usize,
    shown: usize,
) {
    let (dir, exe) = compile_fixture_exe("corlib", fixture);
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let failures: Vec<String> = locales
        .iter()
        .flat_map(|locale| differences_from_mono(&exe, &images, args, *locale, minimum, shown, &[]))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// How `exe` run from `images` in every mode differs from mono under `locale`: one report a
/// mode (none when all agree).
fn differences_from_mono(
    exe: &Path,
    images: &Path,
    args: &[&str],
    locale: Locale,
    minimum: usize,
    shown: usize,
    known: &[KnownDivergence],
) -> Vec<String> {
    let fixture = exe.file_stem().unwrap_or_default().to_string_lossy();
    let expected = output(locale.apply(Command::new("mono").arg(exe).args(args)));
    let expected_lines: Vec<&str> = std::str::from_utf8(&expected.stdout)
        .expect("mono prints UTF-8")
        .lines()
        .collect();
    assert!(
        expected_lines.len() >= minimum,
        "mono printed only {} lines",
        expected_lines.len()
    );
    let mut failures = Vec::new();
    for mode in ["never", "always", "default"] {
        let actual = output(locale.apply(ngen_run(exe, images, mode).args(args)));
        let actual_text = String::from_utf8_lossy(&actual.stdout);
        let actual_lines: Vec<&str> = actual_text.lines().collect();
        let mut differences: Vec<String> = expected_lines
            .iter()
            .zip(&actual_lines)
            .enumerate()
            .filter(|(_, (e, a))| e != a && !known.iter().any(|k| k.mono == **e && k.ours == **a))
            .take(shown)
            .map(|(i, (e, a))| format!("line {}: mono {e:?}, ours {a:?}", i + 1))
            .collect();
        if expected_lines.len() != actual_lines.len() {
            differences.push(format!(
                "mono printed {} lines, ours {}",
                expected_lines.len(),
                actual_lines.len()
            ));
        }
        if actual.status.code() != expected.status.code() || actual.stderr != expected.stderr {
            differences.push(format!(
                "exit {:?} vs mono's {:?}; stderr:\n{}",
                actual.status.code(),
                expected.status.code(),
                String::from_utf8_lossy(&actual.stderr)
            ));
        }
        if !differences.is_empty() {
            failures.push(format!(
                "{fixture} {args:?} under {locale:?}, --jit {mode}:\n  {}",
                differences.join("\n  ")
            ));
        }
    }
    failures
}

fn output(command: &mut Command) -> Output {
    command.output().expect("run")
}

/// `ngen-build run` of `exe` from `images` and the framework's images under `--jit mode`.
pub fn ngen_run(exe: &Path, images: &Path, mode: &str) -> Command {
    let mut command = ngen_build();
    command
        .arg("run")
        .arg("--images")
        .arg(images)
        .arg("--images")
        .arg(framework_images());
    if mode != "default" {
        command.args(["--jit", mode]);
    }
    command.arg(exe);
    command
}
