//! Differential tests of the optimisations (issue 8): the IL inliner (constructors at
//! `newobj` included), inline allocation, bounds-check elimination and the math intrinsics
//! must not change what a program prints, its exit code
//! or its stack traces. Each C# program in tests/fixtures/optimizations is compiled with mcs
//! and to native images, then run under `mono` and under `ngen-build run` with `--jit never`
//! (images only), `--jit always` (JIT only) and the default: stdout, the whole of stderr and
//! the exit code must be mono's, byte for byte.

use std::sync::OnceLock;

use ngen_compiler::inline_policy::{InlineReason, decide, invisible_ctor};
use ngen_metadata::Assembly;
use ngen_tests::{CompiledPrograms, assert_exactly_like_mono, mono};

const PROGRAMS: &[&str] = &[
    "inlined_traces",
    "bounds",
    "math",
    "allocation",
    "string_chars",
    "struct_ctors",
];

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

/// Instances from the inline free-list path and the helper's (every size class and past it,
/// pointer-free, finalizable), constructors expanded at `newobj` (with field initialisers and
/// a base chain), trees surviving collections and threads allocating at once compute mono's
/// results; constructors that throw show mono's trace (mono inlines the small ones).
#[test]
fn inline_allocation_and_constructors_behave_like_mono() {
    exactly_like_mono("allocation", &[], true);
    exactly_like_mono("allocation", &["unhandled"], true);
}

/// Which constructors `newobj` expands: mono's small ones (the `Object::.ctor` call inlined),
/// and binary-trees' two-field store, over mono's size but unable to throw.
#[test]
fn constructors_are_inlined_as_mono_does_or_invisibly() {
    let exe = fixtures().bin.join("allocation.exe");
    let asm = Assembly::open(&exe).expect("fixture opens");
    let ctor = |ty: &str| {
        let owner = asm
            .find_type_def_by_full_name(ty)
            .unwrap()
            .unwrap_or_else(|| panic!("type {ty}"));
        asm.find_method(owner, ".ctor", |_| true)
            .unwrap()
            .unwrap_or_else(|| panic!("{ty}::.ctor"))
    };
    let main = {
        let owner = asm.find_type_def_by_full_name("Program").unwrap().unwrap();
        asm.find_method(owner, "Main", |_| true).unwrap().unwrap()
    };
    assert_eq!(
        decide(&asm, ctor("Dividing"), main),
        Some(InlineReason::Mono)
    );
    assert_eq!(
        decide(&asm, ctor("Linking"), main),
        Some(InlineReason::Mono)
    );
    assert_eq!(decide(&asm, ctor("Node"), main), None);
    assert!(invisible_ctor(&asm, ctor("Node"), main));
    assert!(invisible_ctor(&asm, ctor("F12"), main));
    // Can throw: a division by an argument, a store into another object.
    assert!(!invisible_ctor(&asm, ctor("Dividing"), main));
    assert!(!invisible_ctor(&asm, ctor("Linking"), main));
    // Calls `Initialised::.ctor` and allocates.
    assert!(!invisible_ctor(&asm, ctor("Chained"), main));
}

/// `Math.Sqrt`, `Math.Abs(double)` and the integer `Min`/`Max` as instructions: mono's bits
/// for NaN (either sign), negative zero, subnormals, infinities and every integer extreme.
#[test]
fn math_intrinsics_give_mono_bits() {
    exactly_like_mono("math", &[], false);
}

/// `String.get_Chars` expanded in place: both ends, out of range either side, a null string,
/// a caller mono inlines (no frame) and one it calls, mscorlib's string code using it; and the
/// unhandled report of an access past the end.
#[test]
fn string_chars_expanded_in_place_check_and_trace_like_mono() {
    exactly_like_mono("string_chars", &[], true);
    exactly_like_mono("string_chars", &["unhandled"], true);
}

/// The inliner's decisions on the fixture: mono's small methods (a getter, a throw helper,
/// a method calling an inlined one), an `AggressiveInlining` one over mono's size limit, the
/// call-free arithmetic mono calls, and the methods
/// neither inlines (able to throw and over mono's size, recursive).
#[test]
fn the_inlining_decision_follows_mono_and_invisibility() {
    let exe = fixtures().bin.join("inlined_traces.exe");
    let asm = Assembly::open(&exe).expect("fixture opens");
    let method = |ty: &str, name: &str| {
        let owner = asm
            .find_type_def_by_full_name(ty)
            .unwrap()
            .unwrap_or_else(|| panic!("type {ty}"));
        asm.find_method(owner, name, |_| true)
            .unwrap()
            .unwrap_or_else(|| panic!("{ty}::{name}"))
    };
    let get_x = method("Point", "get_X");
    let sum = method("Point", "Sum");
    let check_positive = method("Checks", "CheckPositive");
    let fail = method("Checks", "Fail");
    let cases = [
        (get_x, method("Program", "Getter"), Some(InlineReason::Mono)),
        (get_x, sum, Some(InlineReason::Mono)),
        (sum, method("Program", "Sum"), Some(InlineReason::Mono)),
        (fail, check_positive, Some(InlineReason::Mono)),
        (
            method("Checks", "Div"),
            method("Program", "Div"),
            Some(InlineReason::Mono),
        ),
        (
            method("Checks", "Smooth"),
            method("Program", "Main"),
            Some(InlineReason::Invisible),
        ),
        (
            method("Checks", "Pick"),
            method("Program", "Main"),
            Some(InlineReason::Invisible),
        ),
        (
            method("Checks", "EagerRatio"),
            method("Program", "EagerRatio"),
            Some(InlineReason::Mono),
        ),
        (method("Checks", "Ratio"), method("Program", "Ratio"), None),
        (method("Checks", "Recurse"), method("Checks", "Deep"), None),
    ];
    for (callee, caller, expected) in cases {
        assert_eq!(
            decide(&asm, callee, caller),
            expected,
            "{callee} in {caller}"
        );
    }
}

/// Value-type constructors at `newobj` expanded on the new value's address where mono
/// inlines them (`IntPtr(void*)`, field stores, an array read): the same values, a caught
/// exception, and unhandled ones with mono's frames (none for an inlined constructor, the
/// constructor's own for one too large to inline).
#[test]
fn struct_constructors_expanded_in_place_trace_like_mono() {
    exactly_like_mono("struct_ctors", &[], false);
    exactly_like_mono("struct_ctors", &["unhandled"], true);
    exactly_like_mono("struct_ctors", &["big"], true);
}
