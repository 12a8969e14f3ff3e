//! Differential tests of the compiler and runtime: each C# program in tests/fixtures/codegen is
//! compiled with mcs once (the `.il` one, for sequences C# never emits, with ilasm), compiled to native images with `ngen-build compile`, then run under
//! `mono` and under `ngen-build run` with `--jit never` (images only), `--jit always` (JIT
//! only) and the default (fallback). Stdout, the first stderr line and the exit code must be
//! mono's in every mode.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use ngen_tests::{
    Observed, assert_like_mono_in_every_mode, ilasm, mcs, mono, ngen_build, ngen_compile,
    ngen_run_from_images, stderr_head, temp_dir, workspace_root,
};

/// Programs compiled once for the whole test binary, with their images.
struct Fixtures {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    images: PathBuf,
}

fn fixture_source(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/codegen")
        .join(format!("{name}.cs"))
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir();
        let bin = dir.path().join("bin");
        let images = dir.path().join("images");
        std::fs::create_dir_all(&bin).unwrap();
        mcs(&[&fixture_source("mathlib")], &bin.join("MathLib.dll"), &[]);
        let lib_ref = format!("-r:{}", bin.join("MathLib.dll").display());
        for name in [
            "arith",
            "floats",
            "checked",
            "control",
            "refs",
            "excluded",
            "corlib_gaps",
            "arrays",
        ] {
            mcs(
                &[&fixture_source(name)],
                &bin.join(format!("{name}.exe")),
                &[],
            );
        }
        mcs(
            &[&fixture_source("unsafe")],
            &bin.join("unsafe.exe"),
            &["-unsafe"],
        );
        mcs(
            &[&fixture_source("crossasm")],
            &bin.join("crossasm.exe"),
            &[&lib_ref],
        );
        ilasm(
            &workspace_root().join("tests/fixtures/codegen/literal_folding.il"),
            &bin.join("literal_folding.exe"),
        );
        for file in [
            "MathLib.dll",
            "arith.exe",
            "floats.exe",
            "checked.exe",
            "control.exe",
            "refs.exe",
            "excluded.exe",
            "crossasm.exe",
            "unsafe.exe",
            "corlib_gaps.exe",
            "arrays.exe",
            "literal_folding.exe",
        ] {
            ngen_compile(&bin.join(file), &images);
        }
        Fixtures {
            _dir: dir,
            bin,
            images,
        }
    })
}

fn run(exe: &Path, images: &Path, mode: &str, args: &[&str]) -> Output {
    ngen_run_from_images(exe, images, mode, args)
}

/// Asserts the program behaves as under mono in all three modes.
fn differential(program: &str, args: &[&str]) {
    let f = fixtures();
    assert_like_mono_in_every_mode(&f.bin.join(program), &f.images, args);
}

#[test]
fn integer_arithmetic_shifts_and_conversions_match_mono() {
    differential("arith.exe", &[]);
}

#[test]
fn floating_point_nan_and_conversions_match_mono() {
    differential("floats.exe", &[]);
}

#[test]
fn control_flow_switch_recursion_and_args_match_mono() {
    differential("control.exe", &[]);
    differential("control.exe", &["17", "-x", "--jit", "never"]);
}

#[test]
fn ldind_stind_through_ref_params_match_mono() {
    differential("refs.exe", &[]);
}

#[test]
fn pointers_and_native_ints_match_mono() {
    differential("unsafe.exe", &[]);
}

#[test]
fn checked_operations_pass_at_boundaries_and_throw_like_mono() {
    differential("checked.exe", &[]);
    let exe = fixtures().bin.join("checked.exe");
    for case in 0..=24 {
        let case = case.to_string();
        // Every case must really throw under mono, or the comparison proves nothing.
        let head = stderr_head(&mono(&exe, &[&case, "x"]));
        assert!(
            head.get(2).is_some_and(|l| l.starts_with("System.")),
            "case {case} does not throw under mono: {head:?}"
        );
        differential("checked.exe", &[&case, "x"]);
    }
}

#[test]
fn cross_assembly_static_calls_match_mono() {
    differential("crossasm.exe", &[]);
}

#[test]
fn excluded_method_runs_in_fallback_and_fails_clearly_under_never() {
    let f = fixtures();
    let exe = f.bin.join("excluded.exe");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.images.join("excluded.ni.report.json")).unwrap())
            .unwrap();
    let excluded = report["excluded"].as_array().unwrap();
    let reason_of = |name: &str| {
        excluded
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(
        reason_of("Excluded::Bypassed").as_deref(),
        Some("marked with BypassNGenAttribute")
    );
    assert_eq!(
        reason_of("Excluded::Unsupported").as_deref(),
        Some("callee: vararg method at IL_0004")
    );
    assert_eq!(
        reason_of("Excluded::Count").as_deref(),
        Some("vararg method")
    );

    let expected = Observed::from(&mono(&exe, &[]));
    let fallback = Observed::from(&run(&exe, &f.images, "fallback", &[]));
    assert_eq!(fallback, expected);

    let never = run(&exe, &f.images, "never", &[]);
    assert!(!never.status.success());
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(
        stderr.contains("Excluded::Bypassed") && stderr.contains("BypassNGenAttribute"),
        "unclear error under --jit never: {stderr}"
    );

    // The JIT cannot compile vararg calls either: a clear error naming the method and the
    // reason.
    let unsupported = run(&exe, &f.images, "fallback", &["go"]);
    assert!(!unsupported.status.success());
    let stderr = String::from_utf8_lossy(&unsupported.stderr);
    assert!(
        stderr.contains("Excluded::Unsupported") && stderr.contains("vararg"),
        "unclear error for an uncompilable method: {stderr}"
    );
}

#[test]
fn fallback_is_logged_with_ngen_log_binding() {
    let f = fixtures();
    let exe = f.bin.join("excluded.exe");
    let out = ngen_build()
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(&f.images)
        .arg(&exe)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("excluded: using image"), "{stderr}");
    assert!(
        stderr.contains("JIT-compiled Excluded::Bypassed"),
        "{stderr}"
    );
}

#[test]
fn bcl_byrefs_literal_folding_static_fields_and_exit_code_match_mono() {
    // No argument: a void Main exits with Environment.ExitCode (0); 7 and 300 (low 8 bits:
    // 44) are set through Environment.ExitCode.
    differential("corlib_gaps.exe", &[]);
    differential("corlib_gaps.exe", &["7"]);
    differential("corlib_gaps.exe", &["300"]);
    // The comparison must not be vacuous: mono really folds the literal call.
    let out = mono(&fixtures().bin.join("corlib_gaps.exe"), &["7"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Round(2.5) = 3") && stdout.contains("Round(x=2.5) = 2"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn user_static_fields_are_compiled_and_match_mono() {
    let f = fixtures();
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(f.images.join("corlib_gaps.ni.report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        report["excluded"].as_array().map(Vec::len),
        Some(0),
        "excluded: {}",
        report["excluded"]
    );
    differential("corlib_gaps.exe", &["counter"]);
}

#[test]
fn primitive_arrays_match_mono_and_are_compiled_into_the_image() {
    let f = fixtures();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.images.join("arrays.ni.report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["excluded"],
        serde_json::json!([]),
        "every method of arrays.cs must be in the image"
    );
    let exe = f.bin.join("arrays.exe");
    // The initialisers must really go through RuntimeHelpers.InitializeArray.
    let il = std::process::Command::new("monodis")
        .arg(&exe)
        .output()
        .expect("monodis is installed");
    let il = String::from_utf8_lossy(&il.stdout);
    assert!(
        il.matches("RuntimeHelpers::InitializeArray").count() >= 8,
        "mcs no longer emits InitializeArray for arrays.cs"
    );
    differential("arrays.exe", &[]);
    for (case, exception) in [
        ("oob", "System.IndexOutOfRangeException"),
        ("oob-read", "System.IndexOutOfRangeException"),
        ("neg", "System.OverflowException"),
        ("null", "System.NullReferenceException"),
    ] {
        let head = stderr_head(&mono(&exe, &[case]));
        assert!(
            head.get(2).is_some_and(|l| l.starts_with(exception)),
            "case {case} does not throw {exception} under mono: {head:?}"
        );
        differential("arrays.exe", &[case]);
    }
}

#[test]
fn math_calls_of_ldc_r8_literals_are_folded_like_mono_but_not_ldc_r4_or_across_joins() {
    differential("literal_folding.exe", &[]);
    // Not vacuous: mono folds the first two and none of the others.
    let out = mono(&fixtures().bin.join("literal_folding.exe"), &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "3\n-0.852200849767189\n2\n0\n9.99999977819631E+21\n2\n"
    );
}
