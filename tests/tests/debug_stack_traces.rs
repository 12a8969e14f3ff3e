//! Stack traces of the debug scenario against `mono --debug` (issue 12): frames of an assembly
//! with symbols end `in /path/File.cs:LINE `, as mono prints them, and a default run prints
//! `<mvid>:0` even when an `.mdb` is present, as `mono` without `--debug` does.
//!
//! `tests/fixtures/debug/Traces.cs` (built with `mcs -debug`) has nested calls, a caught and
//! printed `ToString()`, `StackTrace`, a rethrow, an inner exception, a lambda called back from
//! `TracesLib.dll` (built without symbols), throws mono moves out of line (after an integer
//! comparison, a `switch` default) or not (after a floating-point one), runtime-raised
//! exceptions and an unhandled one.
//!
//! Debug runs go from debug images only (`--jit never`, with the framework's debug images) and
//! from the JIT alone (`--jit always`).
//!
//! Byte for byte: every frame shows the IL offset and line of the symbol file's sequence
//! point at or before its instruction, as `mono --debug` does, including a `throw` that mono's
//! JIT moves after the epilogue (it shows the method's last point) and exceptions the runtime
//! raises.

use std::path::PathBuf;
use std::process::{Command, Output};

use ngen_tests::{debug_framework_images, mcs, mono, ngen_build, run_ok, temp_dir, workspace_root};

struct Program {
    _dir: tempfile::TempDir,
    exe: PathBuf,
    images: PathBuf,
}

fn traces_program() -> Program {
    let dir = temp_dir();
    let fixtures = workspace_root().join("tests/fixtures/debug");
    let lib = dir.path().join("TracesLib.dll");
    mcs(&[&fixtures.join("TracesLib.cs")], &lib, &[]);
    let exe = dir.path().join("Traces.exe");
    let reference = format!("-r:{}", lib.display());
    mcs(
        &[&fixtures.join("Traces.cs")],
        &exe,
        &["-debug", &reference],
    );
    let images = dir.path().join("images");
    for assembly in [&exe, &lib] {
        run_ok(
            ngen_build()
                .arg("compile")
                .arg(assembly)
                .args(["--scenario", "debug", "--out"])
                .arg(&images),
        );
    }
    Program {
        _dir: dir,
        exe,
        images,
    }
}

/// `ngen-build run` of the program; a debug run searches the program's debug images and the
/// framework's (so `--jit never` runs everything from debug images).
fn run(p: &Program, scenario: &str, jit: &str) -> Output {
    let mut cmd = ngen_build();
    cmd.args(["run", "--scenario", scenario, "--jit", jit]);
    if scenario == "debug" {
        cmd.arg("--images").arg(&p.images);
        cmd.arg("--images").arg(debug_framework_images());
    }
    cmd.arg(&p.exe).output().unwrap()
}

fn assert_same_as(expected: &Output, actual: &Output, what: &str) {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(
        text(&actual.stdout),
        text(&expected.stdout),
        "{what}: stdout"
    );
    assert_eq!(
        text(&actual.stderr),
        text(&expected.stderr),
        "{what}: stderr"
    );
    assert_eq!(
        actual.status.code(),
        expected.status.code(),
        "{what}: exit code"
    );
}

#[test]
fn debug_runs_print_the_file_and_line_mono_debug_prints() {
    let p = traces_program();
    let expected = Command::new("mono")
        .arg("--debug")
        .arg(&p.exe)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&expected.stdout);
    // The fixture exercises what the comparison relies on.
    assert!(stdout.contains("Traces.cs:"), "{stdout}");
    assert!(stdout.contains("End of inner exception"), "{stdout}");
    assert!(stdout.contains(">:0 "), "{stdout}");
    for jit in ["never", "always"] {
        assert_same_as(&expected, &run(&p, "debug", jit), &format!("--jit {jit}"));
    }
}

#[test]
fn debug_frames_name_the_recorded_source_path() {
    let p = traces_program();
    let out = run(&p, "debug", "always");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let source = workspace_root().join("tests/fixtures/debug/Traces.cs");
    let at = format!(
        "  at Demo.Traces.Level2 (System.Int32 n) [0x00017] in {}:17 ",
        source.display()
    );
    assert!(stdout.lines().any(|l| l == at), "{stdout}");
}

#[test]
fn default_runs_print_mvids_even_with_an_mdb_as_mono_does() {
    let p = traces_program();
    let expected = mono(&p.exe, &[]);
    assert!(String::from_utf8_lossy(&expected.stdout).contains(">:0 "));
    let out = run(&p, "default", "always");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&expected.stderr)
    );
    assert_eq!(out.status.code(), expected.status.code());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(".cs:"));
}
