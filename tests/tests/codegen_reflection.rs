//! Differential tests of reflection (issues 9 and 7): each C# program in
//! tests/fixtures/reflection is compiled with mcs once and to native images with
//! `ngen-build compile` (next to the shared framework images), then run under `mono` and
//! under `ngen-build run`. Stdout, the first three stderr lines and the exit code must be
//! mono's under `--jit never` (mscorlib's reflection code from its image), `--jit always`
//! and the default.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "enums",
    "attributes",
    "attributes_inherited",
    "types",
    "members",
    "fields",
    "properties",
    "assemblies",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("reflection", PROGRAMS))
}

#[test]
fn enum_names_flags_values_and_underlying_types_match_mono() {
    fixtures().assert_like_mono("enums", &[]);
}

#[test]
fn custom_attributes_with_positional_and_named_arguments_of_every_kind_match_mono() {
    fixtures().assert_like_mono("attributes", &[]);
}

#[test]
fn inherited_attributes_and_attribute_usage_match_mono() {
    fixtures().assert_like_mono("attributes_inherited", &[]);
}

#[test]
fn type_names_get_type_by_name_predicates_and_make_generic_type_match_mono() {
    fixtures().assert_like_mono("types", &[]);
}

#[test]
fn method_listing_invoke_activator_and_make_generic_method_match_mono() {
    fixtures().assert_like_mono("members", &[]);
}

#[test]
fn field_listing_and_get_set_value_on_objects_boxes_and_statics_match_mono() {
    fixtures().assert_like_mono("fields", &[]);
}

#[test]
fn property_listing_get_set_value_indexers_and_create_delegate_match_mono() {
    fixtures().assert_like_mono("properties", &[]);
}

#[test]
fn assemblies_their_types_a_plugin_host_and_member_attributes_match_mono() {
    fixtures().assert_like_mono("assemblies", &[]);
}
