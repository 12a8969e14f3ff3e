//! Differential tests of value types (issue 7): each C# program in tests/fixtures/structs is
//! compiled with mcs once, compiled to native images with `ngen-build compile`, then run under
//! `mono` and under `ngen-build run` (next to the shared framework images, for the methods of
//! boxed primitives) with `--jit never` (images only), `--jit always` (JIT
//! only) and the default (fallback). Stdout, the first three stderr lines and the exit code
//! must be mono's in every mode. Every method of the fixtures must be in its image, so
//! `--jit never` really runs the struct calling convention from images; `stubs` keeps one out
//! on purpose and runs where the JIT may compile it.

use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, Observed, mono, ngen_run_from_images};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "values",
    "boxing",
    "references",
    "layouts",
    "fixed_strings",
    "stubs",
    "boxed_calls",
    "reference_arrays",
    "value_equality",
    "pointer_fields",
    "value_hashing",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("structs", PROGRAMS))
}

/// Asserts the program behaves as under mono in all three modes.
fn differential(program: &str, args: &[&str]) {
    fixtures().assert_like_mono(program, args);
}

#[test]
fn structs_by_value_nested_in_arrays_by_ref_and_enums_match_mono() {
    differential("values", &[]);
}

#[test]
fn a_struct_array_index_out_of_range_raises_like_mono() {
    differential("values", &["bounds"]);
}

#[test]
fn a_struct_field_of_a_null_object_raises_null_reference_like_mono() {
    differential("values", &["null"]);
}

#[test]
fn boxing_and_unboxing_structs_and_enums_match_mono() {
    differential("boxing", &[]);
}

#[test]
fn unboxing_the_wrong_type_raises_invalid_cast_like_mono() {
    differential("boxing", &["wrong"]);
}

#[test]
fn unboxing_null_raises_null_reference_like_mono() {
    differential("boxing", &["null"]);
}

#[test]
fn structs_holding_references_survive_collections_like_mono() {
    differential("references", &[]);
}

#[test]
fn static_struct_fields_unions_sizeof_and_virtual_struct_calls_match_mono() {
    differential("layouts", &[]);
}

#[test]
fn fixed_strings_pin_and_address_characters_like_mono() {
    fixtures().assert_compiled_whole("fixed_strings");
    differential("fixed_strings", &[]);
}

#[test]
fn calls_on_boxed_primitives_and_structs_reach_the_value_like_mono() {
    differential("boxed_calls", &[]);
}

#[test]
fn unboxing_a_long_as_an_int_raises_invalid_cast_like_mono() {
    differential("boxed_calls", &["wrong"]);
}

#[test]
fn unboxing_an_enum_as_another_primitive_raises_invalid_cast_like_mono() {
    differential("boxed_calls", &["enum"]);
}

#[test]
fn arrays_of_references_with_covariance_match_mono() {
    differential("reference_arrays", &[]);
}

#[test]
fn a_covariant_array_store_of_the_wrong_type_raises_array_type_mismatch_like_mono() {
    differential("reference_arrays", &["mismatch"]);
}

#[test]
fn structs_cross_between_image_and_jit_through_stubs_like_mono() {
    let f = fixtures();
    let exe = f.bin.join("stubs.exe");
    let expected = Observed::from(&mono(&exe, &[]));
    for mode in ["fallback", "always"] {
        let out = ngen_run_from_images(&exe, &f.images, mode, &[]);
        assert_eq!(Observed::from(&out), expected, "stubs under --jit {mode}");
    }
}

#[test]
fn every_method_of_the_fixtures_is_in_its_image() {
    for program in PROGRAMS {
        let excluded: Vec<_> = fixtures()
            .excluded(program)
            .into_iter()
            .filter(|e| !e["reason"].as_str().unwrap_or("").starts_with("no IL body"))
            .collect();
        let expected = usize::from(*program == "stubs");
        assert_eq!(
            excluded.len(),
            expected,
            "{program}: excluded: {excluded:?}"
        );
    }
}

#[test]
fn default_struct_equals_nullable_enum_unboxing_and_the_clock_match_mono() {
    differential("value_equality", &[]);
}

/// `ValueType.GetHashCode` without an override (`InternalGetHashCode`): structs as set and
/// dictionary keys; it raised MissingMethodException before.
#[test]
fn default_struct_hash_codes_agree_with_equality_like_mono() {
    differential("value_hashing", &[]);
}

#[test]
fn the_address_of_a_field_through_a_null_pointer_is_arithmetic_like_mono() {
    differential("pointer_fields", &[]);
}
