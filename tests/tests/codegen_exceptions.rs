//! Differential tests of exception handling (issue 7, EH v1 "check after call"): each program
//! in tests/fixtures/exceptions (C# compiled with mcs, IL with ilasm) is compiled to native
//! images with `ngen-build compile`, then run under `mono` and under `ngen-build run` with
//! `--jit never` (images only), `--jit always` (JIT only) and the default (fallback). Stdout,
//! the first three stderr lines (mono's unhandled report without its `at` frames) and the exit
//! code must be mono's in every mode.

use std::path::PathBuf;
use std::sync::OnceLock;

use ngen_tests::{
    assert_like_mono_in_every_mode, ilasm, mcs, ngen_compile, temp_dir, workspace_root,
};

/// The C# fixture programs.
const CSHARP: &[&str] = &["handlers", "typed"];
/// The IL fixture programs.
const IL: &[&str] = &["objects"];

/// Programs compiled once for the whole test binary, with their images.
struct Fixtures {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    images: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir();
        let bin = dir.path().join("bin");
        let images = dir.path().join("images");
        std::fs::create_dir_all(&bin).unwrap();
        let source = |name: &str, ext: &str| {
            workspace_root()
                .join("tests/fixtures/exceptions")
                .join(format!("{name}.{ext}"))
        };
        for name in CSHARP {
            let exe = bin.join(format!("{name}.exe"));
            mcs(&[&source(name, "cs")], &exe, &[]);
            ngen_compile(&exe, &images);
        }
        for name in IL {
            let exe = bin.join(format!("{name}.exe"));
            ilasm(&source(name, "il"), &exe);
            ngen_compile(&exe, &images);
        }
        Fixtures {
            _dir: dir,
            bin,
            images,
        }
    })
}

/// Asserts the program behaves as under mono in all three modes.
fn differential(program: &str, args: &[&str]) {
    let f = fixtures();
    assert_like_mono_in_every_mode(&f.bin.join(format!("{program}.exe")), &f.images, args);
}

#[test]
fn runtime_exceptions_are_caught_and_finally_runs_on_both_paths_like_mono() {
    differential("handlers", &[]);
}

#[test]
fn an_unhandled_exception_runs_finally_then_reports_like_mono() {
    differential("handlers", &["unhandled"]);
}

#[test]
fn typed_catch_filters_faults_and_rethrow_of_program_objects_match_mono() {
    differential("objects", &[]);
}

#[test]
fn an_unhandled_object_is_reported_as_runtime_wrapped_like_mono() {
    differential("objects", &["unhandled"]);
}

#[test]
fn typed_catch_of_core_exception_classes_matches_their_hierarchy_like_mono() {
    differential("typed", &[]);
}

#[test]
fn a_typed_catch_that_does_not_match_leaves_the_exception_unhandled_like_mono() {
    differential("typed", &["unhandled"]);
}
