//! Differential tests of the optimisations (issue 8): the IL inliner, bounds-check
//! elimination and the math intrinsics must not change what a program prints, its exit code
//! or its stack traces. Each C# program in tests/fixtures/optimizations is compiled with mcs
//! and to native images, then run under `mono` and under `ngen-build run` with `--jit never`
//! (images only), `--jit always` (JIT only) and the default: stdout, the whole of stderr and
//! the exit code must be mono's, byte for byte.

use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, assert_exactly_like_mono, mono};

const PROGRAMS: &[&str] = &["inlined_traces", "bounds", "math"];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("optimizations", PROGRAMS))
}

const EVERY_MODE: &[&str] = &["never", "always", "default"];

/// Asserts `program args` prints exactly what mono prints, on both streams, with mono's exit
/// code, in every mode; `frames` says whether mono must print a stack frame (else the
/// fixture would test no trace).
fn exactly_like_mono(program: &str, args: &[&str], frames: bool) {
    let f = fixtures();
    let exe = f.bin.join(format!("{program}.exe"));
    if frames {
        let expected = mono(&exe, args);
        let text = String::from_utf8_lossy(&expected.stdout).to_string()
            + &String::from_utf8_lossy(&expected.stderr);
        assert!(text.contains("  at "), "{program}: mono printed no frame");
    }
    assert_exactly_like_mono(&exe, &f.images, args, EVERY_MODE);
}

/// A null receiver in an inlined getter, a `callvirt` of an inlined method on null, nested
/// inlining, mono's throw-helper shape, a division by zero in a method mono inlines and in
/// one it calls, a handler around inlined code, recursion, and the call-free arithmetic the
/// inliner expands although mono calls it: the same output and traces as mono's.
#[test]
fn exceptions_from_inlined_code_trace_like_mono() {
    exactly_like_mono("inlined_traces", &[], true);
}

/// The unhandled report of a null dereference in code inlined two deep.
#[test]
fn an_unhandled_exception_from_inlined_code_is_reported_like_mono() {
    exactly_like_mono("inlined_traces", &["unhandled"], true);
}

/// Counted loops whose checks are dropped compute mono's results, and the loops that must
/// still fault (off by one, the array reassigned or the index changed in the body, another
/// array's length, a start below zero, a null array, an array replaced through a `ref`)
/// throw where mono does, with its trace.
#[test]
fn bounds_checks_still_throw_where_they_must() {
    exactly_like_mono("bounds", &[], true);
    exactly_like_mono("bounds", &["unhandled"], true);
}

/// `Math.Sqrt`, `Math.Abs(double)` and the integer `Min`/`Max` as instructions: mono's bits
/// for NaN (either sign), negative zero, subnormals, infinities and every integer extreme.
#[test]
fn math_intrinsics_give_mono_bits() {
    exactly_like_mono("math", &[], false);
}
