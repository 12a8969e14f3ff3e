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

use std::path::{Path, PathBuf};
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
        compile_debug_image(assembly, &images);
    }
    Program {
        _dir: dir,
        exe,
        images,
    }
}

/// Compiles `assembly`'s debug-scenario image into `images`.
fn compile_debug_image(assembly: &Path, images: &Path) {
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(assembly)
            .args(["--scenario", "debug", "--out"])
            .arg(images),
    );
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

/// `mono --debug` of the program.
fn mono_debug(p: &Program) -> Output {
    Command::new("mono")
        .arg("--debug")
        .arg(&p.exe)
        .output()
        .unwrap()
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
    let expected = mono_debug(&p);
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

/// A program of tests/fixtures/stack_traces built with `mcs -debug`, with its debug image.
fn stack_traces_fixture(name: &str) -> Program {
    let dir = temp_dir();
    let source = workspace_root()
        .join("tests/fixtures/stack_traces")
        .join(format!("{name}.cs"));
    let exe = dir.path().join(format!("{name}.exe"));
    mcs(&[&source], &exe, &["-debug"]);
    let images = dir.path().join("images");
    compile_debug_image(&exe, &images);
    Program {
        _dir: dir,
        exe,
        images,
    }
}

/// Under `mono --debug`, `StackFrame`s of the current stack and of an exception's trace carry
/// the IL offset of the frame's sequence point, and, when asked for file information, the
/// symbol file's source path and line (`StackTrace.ToString()` then ends frames `in
/// /path/File.cs:LINE `); a frame asked without file information keeps its IL offset.
#[test]
fn stack_frames_carry_il_offsets_files_and_lines_as_under_mono_debug() {
    for name in ["current_stack", "exception_frames"] {
        let p = stack_traces_fixture(name);
        let expected = mono_debug(&p);
        let stdout = String::from_utf8_lossy(&expected.stdout);
        assert!(stdout.contains(&format!("{name}.cs:")), "{stdout}");
        for jit in ["never", "always"] {
            assert_same_as(
                &expected,
                &run(&p, "debug", jit),
                &format!("{name} --jit {jit}"),
            );
        }
    }
}
