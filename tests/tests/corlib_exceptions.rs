//! Differential test: unhandled exceptions raised through ngen-corlib print what mono prints.
//!
//! For each case the fixture `Exceptions.cs` writes partial output and then dies of one
//! exception under mono. The same scenario runs in a child process (this test binary,
//! re-executed with `NGEN_CORLIB_EXCEPTION_CASE` set) through ngen-corlib's real entry points:
//! buffered console output, the throwing BCL method or runtime helper, the report on stderr
//! and the exit code. Stdout, stderr (without mono's `  at ...` frame lines, which we do not
//! print) and the exit code must match.

use ngen_corlib::exceptions::ExceptionKind;
use ngen_corlib::objects::string_from_str;
use ngen_corlib::{console, environment, exceptions, math, primitives, string};
use ngen_tests::{compile_fixture_exe, mono, rerun_test_as_child};

const CASE_VARIABLE: &str = "NGEN_CORLIB_EXCEPTION_CASE";
const CHILD_TEST: &str = "child_process_entry_for_exception_cases";

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

/// What the child does for a case: the same as the fixture, through ngen-corlib.
fn run_case(case: &str) {
    console::write_string(string_from_str("Program output: before the exception"));
    let s = |text: &str| string_from_str(text).cast_const();
    let null = std::ptr::null();
    let throw = |kind: ExceptionKind| exceptions::ngen_corlib_throw(kind as u32);
    match case {
        "overflow" => throw(ExceptionKind::Overflow),
        "divide" => throw(ExceptionKind::DivideByZero),
        "index" => throw(ExceptionKind::IndexOutOfRange),
        "null" => {
            string::get_length(null);
        }
        "cast" => throw(ExceptionKind::InvalidCast),
        "string-index" => {
            string::get_chars(s("abc"), 5);
        }
        "int-format" => {
            primitives::int32_parse(s("abc"));
        }
        "int-null" => {
            primitives::int32_parse(null);
        }
        "int-overflow" => {
            primitives::int32_parse(s("99999999999"));
        }
        "ushort-nested" => {
            primitives::uint16_parse(s("-1"));
        }
        "sbyte-nested" => {
            primitives::sbyte_parse(s("99999999999"));
        }
        "byte-range" => {
            primitives::byte_parse(s("256"));
        }
        "double-format" => {
            primitives::double_parse(s("1.2.3"));
        }
        "double-overflow" => {
            primitives::double_parse(s("1e309"));
        }
        "single-overflow" => {
            primitives::single_parse(s("1e39"));
        }
        "bool-format" => {
            primitives::boolean_parse(s("yes"));
        }
        "bool-null" => {
            primitives::boolean_parse(null);
        }
        "char-format" => {
            primitives::char_parse(s("ab"));
        }
        "abs-min" => {
            math::abs_i4(i32::MIN);
        }
        "abs-min-long" => {
            math::abs_i8(i64::MIN);
        }
        "sign-nan" => {
            math::sign_r8(f64::NAN);
        }
        "round-digits" => {
            math::round_digits(1.5, 16);
        }
        "exit" => environment::exit(3),
        "arithmetic" => throw(ExceptionKind::Arithmetic),
        "argument" => throw(ExceptionKind::Argument),
        "argument-null" => throw(ExceptionKind::ArgumentNull),
        "argument-out-of-range" => throw(ExceptionKind::ArgumentOutOfRange),
        "invalid-program" => throw(ExceptionKind::InvalidProgram),
        "out-of-memory" => throw(ExceptionKind::OutOfMemory),
        "stack-overflow" => throw(ExceptionKind::StackOverflow),
        "format" => throw(ExceptionKind::Format),
        other => panic!("unknown case {other}"),
    }
    // Every case ends the process; reaching this is a failure the parent sees as exit code 101.
    panic!("case {case} did not end the process");
}

/// Not a test of its own: the body of the child process. Without the variable it does nothing.
#[test]
fn child_process_entry_for_exception_cases() {
    if let Ok(case) = std::env::var(CASE_VARIABLE) {
        run_case(&case);
    }
}

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
    let (_dir, exe) = compile_fixture_exe("corlib", "Exceptions.cs");
    let mut mismatches = Vec::new();
    for case in CASES {
        let expected = outcome(&mono(&exe, &[case]));
        let child = rerun_test_as_child(CHILD_TEST)
            .env(CASE_VARIABLE, case)
            .output()
            .expect("re-run the test binary");
        let actual = outcome(&child);
        if actual != expected {
            mismatches.push(format!("{case}:\n  mono {expected:?}\n  ours {actual:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        CASES.len(),
        mismatches.join("\n")
    );
}
