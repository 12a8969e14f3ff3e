//! Differential tests of generics (issue 7): each C# program in tests/fixtures/generics is
//! compiled with mcs once and to native images with `ngen-build compile` (next to the shared
//! framework images), then run under `mono` and under `ngen-build run`. Stdout, the first
//! three stderr lines and the exit code must be mono's in every mode: `--jit never` (images
//! only: the instances an image holds), `--jit always` (the JIT compiles every instance) and
//! the default.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "containers",
    "collections",
    "delegates_linq",
    "generic_virtuals",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("generics", PROGRAMS))
}

#[test]
fn generic_classes_methods_statics_and_interfaces_of_the_program_match_mono() {
    fixtures().assert_like_mono("containers", &[]);
}

#[test]
fn nullable_boxing_and_mscorlib_collections_with_their_comparers_match_mono() {
    fixtures().assert_like_mono("collections", &[]);
}

#[test]
fn generic_delegates_and_linq_operators_of_system_core_match_mono() {
    fixtures().assert_like_mono("delegates_linq", &[]);
}

#[test]
fn generic_virtual_methods_of_classes_and_interfaces_match_mono() {
    fixtures().assert_like_mono("generic_virtuals", &[]);
}
