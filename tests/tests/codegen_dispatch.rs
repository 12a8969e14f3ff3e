//! Differential tests of interface dispatch (issues 8 and 7): call sites whose per-site
//! lock-free cache (`ngen-runtime/src/state/dispatch_cache.rs`) must fill, hit and replace
//! correctly, and the casts and array checks answered lock-free by pair of method tables
//! (`state/pair_cache.rs`), and constrained interface calls over sealed classes, which skip the
//! helper (`ngen-compiler/src/type_context/devirtualize.rs`). Each C# program in tests/fixtures/dispatch is compiled with mcs once and to
//! native images with `ngen-build compile` (next to the shared framework images), then run
//! under `mono` and under `ngen-build run` in every mode (`--jit never`, `--jit always`, the
//! default): stdout, the first three stderr lines and the exit code must be mono's.

use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, assert_exactly_like_mono};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "megamorphic",
    "generic_interfaces",
    "threaded_site",
    "checks_race",
    "sealed_constrained",
    "sealed_direct",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("dispatch", PROGRAMS))
}

/// More receiver types than a site caches, in alternating order, with explicit,
/// inherited, re-implemented and boxed value-type implementations.
#[test]
fn a_megamorphic_interface_site_runs_each_receivers_own_implementation() {
    fixtures().assert_like_mono("megamorphic", &[]);
}

#[test]
fn generic_interfaces_over_value_and_reference_types_dispatch_like_mono() {
    fixtures().assert_like_mono("generic_interfaces", &[]);
}

/// Four threads race through the same sites with six receiver types between them.
#[test]
fn threads_racing_through_one_interface_site_get_each_types_code() {
    fixtures().assert_like_mono("threaded_site", &[]);
}

/// `isinst` of interfaces, covariant `stelem.ref` and `unbox` of enums over many pairs,
/// from four threads at once: each exception exactly where mono raises it.
#[test]
fn casts_store_checks_and_unboxing_raced_by_threads_answer_like_mono() {
    fixtures().assert_like_mono("checks_race", &[]);
}

/// `constrained. T callvirt I::M` over sealed classes (dispatched through the vtable slot of
/// `T`'s implementation: explicit, inherited and overridden ones, `IEquatable<T>` in generic
/// comparers, `Dictionary` and `HashSet` keys), a null receiver, an exception thrown from the
/// implementation with mono's trace, and classes that are not sealed (still the helper).
#[test]
fn constrained_interface_calls_over_sealed_classes_run_like_mono() {
    fixtures().assert_like_mono("sealed_constrained", &[]);
}

/// `constrained. T callvirt M` over sealed classes called without dispatch (directly, or
/// through the site's constrained-method cell): `Object`'s virtual methods and interface
/// methods, core-library comparers over the program's class and the program's generic
/// methods over `string`, a null receiver and an exception thrown inside the implementation.
#[test]
fn constrained_calls_over_sealed_classes_without_dispatch_run_like_mono() {
    fixtures().assert_like_mono("sealed_direct", &[]);
}

/// The unhandled NullReferenceException of a null sealed receiver, and an unhandled
/// exception thrown inside the implementation: mono's report and frames, byte for byte.
#[test]
fn unhandled_exceptions_through_sealed_calls_without_dispatch_report_like_mono() {
    let f = fixtures();
    let exe = f.bin.join("sealed_direct.exe");
    for args in [["null"], ["throw"]] {
        assert_exactly_like_mono(&exe, &f.images, &args, &["never", "always", "default"]);
    }
}
