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
    "attribute_arguments",
    "attributes_inherited",
    "types",
    "members",
    "fields",
    "properties",
    "assemblies",
    "enum_parse_format",
    "class_constructors",
    "generic_parameters",
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

/// `Enum.Parse` and `IsDefined` by name reach `Array.IndexOf<object>` over a `string[]`,
/// whose `readonly. ldelema` must not check the array's exact type.
#[test]
fn enum_parsing_and_format_strings_match_mono() {
    fixtures().assert_like_mono("enum_parse_format", &[]);
}

/// `RuntimeHelpers.RunClassConstructor`: once, before the first access, not again; an
/// exception as `TypeInitializationException`; nothing for types without a `.cctor`.
/// A generic method definition and a generic class definition as reflection shows them:
/// `TResult Convert[TInput,TResult](TInput, TResult[])`, ``Holder`2[T,U]``, and each type
/// parameter's name, position, attributes, constraints, base type, declaring type and method.
#[test]
fn generic_parameters_are_named_placed_constrained_and_owned_like_mono() {
    fixtures().assert_like_mono("generic_parameters", &[]);
}

#[test]
fn run_class_constructor_runs_a_static_constructor_once_like_mono() {
    fixtures().assert_like_mono("class_constructors", &[]);
}

#[test]
fn custom_attributes_with_positional_and_named_arguments_of_every_kind_match_mono() {
    fixtures().assert_like_mono("attributes", &[]);
}

/// NUnit's `[TestCase]` and `[Values]`: `params object[]` arguments of mixed types, and
/// attributes on parameters and the return value.
#[test]
fn params_object_arguments_and_parameter_attributes_match_mono() {
    fixtures().assert_like_mono("attribute_arguments", &[]);
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

/// A host and a plugin outside its closure: `bin/plugin_host.exe` and
/// `plugins/Greeter.dll` in a temporary directory, the host's image in `images/` and, when
/// `plugin_image`, the plugin's too. Returns (directory, host, images, plugin path).
fn plugin_layout(
    plugin_image: bool,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    String,
) {
    let dir = ngen_tests::temp_dir();
    let fixtures = ngen_tests::workspace_root().join("tests/fixtures/reflection");
    let plugin = dir.path().join("plugins/Greeter.dll");
    let host = dir.path().join("bin/plugin_host.exe");
    let images = dir.path().join("images");
    std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    ngen_tests::mcs(&[&fixtures.join("plugin/Greeter.cs")], &plugin, &[]);
    ngen_tests::mcs(&[&fixtures.join("plugin_host.cs")], &host, &[]);
    ngen_tests::ngen_compile(&host, &images);
    if plugin_image {
        ngen_tests::ngen_compile(&plugin, &images);
    }
    let plugin = plugin.to_string_lossy().into_owned();
    (dir, host, images, plugin)
}

#[test]
fn a_plugin_loaded_from_a_path_outside_the_closure_runs_from_its_image_like_mono() {
    let (_dir, host, images, plugin) = plugin_layout(true);
    ngen_tests::assert_like_mono_in_every_mode(&host, &images, &[&plugin]);
}

/// Without the plugin's image its methods are JIT-compiled (the default), and `--jit never`
/// refuses them with an error naming the method rather than crashing.
#[test]
fn a_plugin_without_an_image_is_jit_compiled_and_refused_under_jit_never() {
    let (_dir, host, images, plugin) = plugin_layout(false);
    ngen_tests::assert_exactly_like_mono(&host, &images, &[&plugin], &["default"]);
    let never = ngen_tests::ngen_run_from_images(&host, &images, "never", &[&plugin]);
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert_ne!(never.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("Greetings.Greeter"), "{stderr}");
}
