//! Differential tests of arrays beyond vectors (issue 7): multi-dimensional arrays (the
//! runtime-provided `.ctor`, `Get`, `Set`, `Address`, initialisers, bounds checks, covariant
//! stores), array initialisers over 4 KiB, negative lengths, and `System.Array`'s non-generic operations through mscorlib's
//! IL and the array icalls. Each C# program in tests/fixtures/arrays is compiled with mcs once
//! and to native images with `ngen-build compile` (next to the shared framework images), then
//! run under `mono` and under `ngen-build run` with `--jit never`, `--jit always` and the
//! default: stdout, the first stderr lines and the exit code must be mono's in every mode.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &["multi_dim", "array_ops", "big_init"];

fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("arrays", PROGRAMS))
}

#[test]
fn multi_dimensional_arrays_of_every_element_kind_match_mono() {
    fixtures().assert_compiled_whole("multi_dim");
    fixtures().assert_like_mono("multi_dim", &["all"]);
}

#[test]
fn multi_dimensional_bounds_checks_raise_index_out_of_range_like_mono() {
    for mode in ["get-out", "set-out", "address-out", "length-out"] {
        fixtures().assert_like_mono("multi_dim", &[mode]);
    }
}

#[test]
fn a_negative_multi_dimensional_length_raises_overflow_like_mono() {
    fixtures().assert_like_mono("multi_dim", &["negative"]);
}

#[test]
fn a_multi_dimensional_access_on_null_raises_null_reference_like_mono() {
    fixtures().assert_like_mono("multi_dim", &["null"]);
}

#[test]
fn array_copy_clear_and_index_of_match_mono() {
    fixtures().assert_compiled_whole("array_ops");
    fixtures().assert_like_mono("array_ops", &[]);
}

#[test]
fn array_initializers_over_four_kib_compile_and_match_mono() {
    // The program's own (6,000-, 5,600- and 5,000-byte fields) and mscorlib's calendar
    // `.cctor`s (`--jit never` runs them from the image).
    fixtures().assert_compiled_whole("big_init");
    fixtures().assert_like_mono("big_init", &[]);
}
