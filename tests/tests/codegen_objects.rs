//! Differential tests of the object model (issue 7): each C# program in tests/fixtures/objects
//! is compiled with mcs once, compiled to native images with `ngen-build compile` (they run
//! next to the framework images the whole test run shares, so mscorlib methods the BCL
//! surface does not serve run from mscorlib's image under `--jit never`), then run under `mono` and under `ngen-build run` with
//! `--jit never` (images only), `--jit always` (JIT only) and the default (fallback). Stdout,
//! the first three stderr lines and the exit code must be mono's in every mode.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "instance_fields",
    "statics",
    "virtuals",
    "casts",
    "bcl_classes",
    "interfaces",
    "strings_from_il",
    "types",
    "mathf_icalls",
    "precise_cctors",
    "monitors",
    "interlocked",
    "typed_references",
    "init_timing",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("objects", PROGRAMS))
}

/// Asserts the program behaves as under mono in all three modes.
fn differential(program: &str, args: &[&str]) {
    fixtures().assert_like_mono(program, args);
}

#[test]
fn classes_with_instance_fields_constructors_and_methods_match_mono() {
    differential("instance_fields", &[]);
}

#[test]
fn a_field_access_on_null_raises_null_reference_like_mono() {
    differential("instance_fields", &["null"]);
}

#[test]
fn static_fields_and_static_constructors_match_mono() {
    differential("statics", &[]);
}

#[test]
fn virtual_calls_through_method_tables_match_mono() {
    differential("virtuals", &[]);
}

#[test]
fn a_virtual_call_on_null_raises_null_reference_like_mono() {
    differential("virtuals", &["null"]);
}

#[test]
fn casts_between_classes_match_mono() {
    differential("casts", &[]);
}

#[test]
fn a_failing_cast_raises_invalid_cast_like_mono() {
    differential("casts", &["wrong"]);
}

#[test]
fn classes_deriving_from_bcl_classes_and_object_virtuals_match_mono() {
    differential("bcl_classes", &[]);
}

#[test]
fn interface_calls_and_casts_match_mono() {
    differential("interfaces", &[]);
}

#[test]
fn a_failing_cast_to_an_interface_raises_invalid_cast_like_mono() {
    differential("interfaces", &["wrong"]);
}

#[test]
fn string_constructors_run_from_mscorlibs_il_like_mono() {
    differential("strings_from_il", &[]);
}

#[test]
fn typeof_get_type_and_memberwise_clone_match_mono() {
    differential("types", &[]);
}

#[test]
fn mathf_icalls_match_mono() {
    differential("mathf_icalls", &[]);
}

#[test]
fn precise_static_constructors_run_before_the_first_call_like_mono() {
    differential("precise_cctors", &[]);
}

/// Type initialisers run when mono runs them: a beforefieldinit class's when a method whose
/// IL reads its static fields is first called (before the method's first line), any class's
/// at the first call of one of its methods (instance methods and value types' included), per
/// generic instantiation; a failing one raises at the call (a precise class's constructor
/// from mono's class-init wrapper); a quiet initialiser's timing is not observable.
#[test]
fn type_initialisers_run_when_mono_prepares_the_method_that_needs_them() {
    differential("init_timing", &[]);
}

#[test]
fn every_method_with_a_body_is_in_its_image() {
    let f = fixtures();
    for program in PROGRAMS {
        // Abstract methods have no body to compile, and a generic method definition or a
        // method of a generic class has no one code (its instances are compiled, and
        // `--jit never` runs them); everything else must be compiled.
        let excluded: Vec<serde_json::Value> = f
            .excluded(program)
            .into_iter()
            .filter(|e| {
                let reason = e["reason"].as_str().unwrap_or("");
                !reason.starts_with("no IL body")
                    && reason != "generic method"
                    && e["generic"] != serde_json::Value::Bool(true)
            })
            .collect();
        assert!(excluded.is_empty(), "{program}: excluded: {excluded:?}");
    }
}

#[test]
fn lock_statements_and_monitor_errors_match_mono() {
    differential("monitors", &[]);
}

#[test]
fn interlocked_overloads_match_mono() {
    differential("interlocked", &[]);
}

/// `__makeref`, `__reftype` and `__refvalue` (mkrefany, refanytype, refanyval) over locals,
/// fields, array elements and generic values, and the exact type check's InvalidCastException.
#[test]
fn typed_references_match_mono() {
    differential("typed_references", &[]);
}
