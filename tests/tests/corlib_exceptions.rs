//! Differential test: unhandled exceptions and `Environment.Exit` print what mono prints.
//!
//! For each case the fixture `Exceptions.cs` writes partial output and then dies of one
//! exception (raised by the runtime or by mscorlib's code) or exits through
//! `Environment.Exit`. It runs from native images under `--jit never`, `always` and the
//! default; stdout, stderr (without mono's `  at ...` frame lines) and the exit code must
//! match mono's.

use ngen_tests::{compile_fixture_exe, mono, ngen_compile, ngen_run_from_images};

/// Every case of the fixture.
const CASES: &[&str] = &[
    "overflow",
    "divide",
    "index",
    "null",
    "cast",
    "string-index",
    "int-format",
    "int-null",
    "int-overflow",
    "ushort-nested",
    "sbyte-nested",
    "byte-range",
    "double-format",
    "double-overflow",
    "single-overflow",
    "bool-format",
    "bool-null",
    "char-format",
    "abs-min",
    "abs-min-long",
    "sign-nan",
    "round-digits",
    "exit",
    "arithmetic",
    "argument",
    "argument-null",
    "argument-out-of-range",
    "invalid-program",
    "out-of-memory",
    "stack-overflow",
    "format",
];

/// Stdout, stderr and exit code, normalized for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// Stdout from the fixture's first output on (libtest prints its own header before it).
    stdout: String,
    /// Stderr without mono's stack frame lines.
    stderr: String,
    exit_code: Option<i32>,
}

fn outcome(output: &std::process::Output) -> Outcome {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout.find("Program output:").unwrap_or(stdout.len());
    let stderr = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("  at "))
        .map(|line| format!("{line}\n"))
        .collect();
    Outcome {
        stdout: stdout[start..].to_string(),
        stderr,
        exit_code: output.status.code(),
    }
}

#[test]
fn unhandled_exceptions_and_exit_match_mono() {
    let (dir, exe) = compile_fixture_exe("corlib", "Exceptions.cs");
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let mut mismatches = Vec::new();
    for case in CASES {
        let expected = outcome(&mono(&exe, &[case]));
        for mode in ["never", "always", "default"] {
            let actual = outcome(&ngen_run_from_images(&exe, &images, mode, &[case]));
            if actual != expected {
                mismatches.push(format!(
                    "{case} under --jit {mode}:\n  mono {expected:?}\n  ours {actual:?}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} runs differ:\n{}",
        mismatches.len(),
        CASES.len() * 3,
        mismatches.join("\n")
    );
}
