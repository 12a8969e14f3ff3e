//! Differential tests of stack traces (issue 7, "Exceptions": `Exception.StackTrace`,
//! `ToString()` and the unhandled report byte-identical to mono's, IL offsets and `<mvid>:0`
//! included). Each C# program in tests/fixtures/stack_traces is compiled with mcs and to native
//! images, then run under `mono` and under `ngen-build run` with `--jit never` (images only),
//! `--jit always` (JIT only) and the default: stdout, the whole of stderr and the exit code
//! must be mono's, byte for byte.

use std::path::Path;
use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, assert_exactly_like_mono, mono};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "nested",
    "shapes",
    "cctors",
    "crossing",
    "delegates",
    "inlining",
    "runtime_raised",
    "stack_trace_class",
    "members",
    "main_cctor",
    "array_stores",
    "generic_frames",
    "reflection_invoke",
    "stack_frames",
    "property_getters",
    "parameter_types",
    "end_invoke",
    "shared_frames",
    "type_initializer_names",
    "join_points",
    "hidden_frames",
    "current_stack",
    "exception_frames",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("stack_traces", PROGRAMS))
}

/// Asserts `program args` prints exactly what mono prints, on both streams, with mono's exit
/// code, under each of `modes`; mono must print a frame, or the fixture tests nothing.
fn exactly_like_mono(program: &str, args: &[&str], modes: &[&str]) {
    let f = fixtures();
    let exe = f.bin.join(format!("{program}.exe"));
    let expected = mono(&exe, args);
    assert!(
        String::from_utf8_lossy(&expected.stdout).contains("  at ")
            || String::from_utf8_lossy(&expected.stderr).contains("  at "),
        "{program} {args:?}: mono printed no frame, so the fixture tests nothing"
    );
    assert_exactly_like_mono(&exe, &f.images, args, modes);
}

const EVERY_MODE: &[&str] = &["never", "always", "default"];

#[test]
fn traces_of_nested_calls_constructors_value_types_and_runtime_exceptions_match_mono() {
    exactly_like_mono("nested", &[], EVERY_MODE);
}

/// Under `--jit never` these frames run instance code in the program's image: the code map
/// names them by their definitions and finds their IL offsets in the image's table.
#[test]
fn frames_of_generic_instances_name_their_definitions_like_mono() {
    exactly_like_mono("generic_frames", &[], EVERY_MODE);
}

#[test]
fn the_unhandled_report_prints_mono_frames_and_exits_1() {
    exactly_like_mono("nested", &["unhandled"], EVERY_MODE);
}

#[test]
fn frames_name_nested_types_parameters_virtuals_filters_and_finally_like_mono() {
    exactly_like_mono("shapes", &[], EVERY_MODE);
    exactly_like_mono("shapes", &["unhandled"], EVERY_MODE);
}

#[test]
fn type_initializer_failures_trace_the_initializer_and_the_first_use_like_mono() {
    exactly_like_mono("cctors", &[], EVERY_MODE);
    exactly_like_mono("cctors", &["unhandled"], EVERY_MODE);
}

#[test]
fn lambdas_and_closures_called_through_delegates_keep_their_frames_like_mono() {
    exactly_like_mono("delegates", &[], EVERY_MODE);
    exactly_like_mono("delegates", &["unhandled"], EVERY_MODE);
}

#[test]
fn exceptions_the_runtime_raises_trace_from_the_faulting_frame_like_mono() {
    exactly_like_mono("runtime_raised", &[], EVERY_MODE);
    exactly_like_mono("runtime_raised", &["unhandled"], EVERY_MODE);
}

#[test]
fn mscorlib_stack_trace_objects_count_and_locate_frames_like_mono() {
    exactly_like_mono("stack_trace_class", &[], EVERY_MODE);
}

#[test]
fn operators_properties_explicit_implementations_and_rethrowing_relays_match_mono() {
    exactly_like_mono("members", &[], EVERY_MODE);
}

/// Mono's `InternalInvoke` wrapper frame and `Invoke` (or the constructor's `InternalInvoke`)
/// between the invoked method and the frame that catches, nested invokes included; the
/// unhandled `TargetInvocationException`'s report.
#[test]
fn frames_through_method_info_invoke_show_mono_wrapper_and_invoke_frames() {
    exactly_like_mono("reflection_invoke", &[], EVERY_MODE);
    exactly_like_mono("reflection_invoke", &["unhandled"], EVERY_MODE);
}

/// A property getter's exception through `PropertyInfo.GetValue`: mono's trace shows the
/// adapter its JIT compiles per property type (`GetterAdapterFrame[T,R]`,
/// `StaticGetterAdapterFrame[R]`, served by the runtime here) and `GetValue` between the
/// getter and the caller; the getter's `StackFrame(1)` is the adapter, `(2)` `GetValue`.
#[test]
fn getter_exceptions_through_property_info_get_value_show_mono_adapter_frames() {
    exactly_like_mono("property_getters", &[], EVERY_MODE);
}

#[test]
fn array_store_mismatches_begin_with_mono_stelemref_wrapper_of_the_element_kind() {
    exactly_like_mono("array_stores", &[], EVERY_MODE);
}

#[test]
fn frames_mono_inlines_are_left_out_and_the_others_kept() {
    exactly_like_mono("inlining", &[], EVERY_MODE);
}

#[test]
fn the_entry_point_class_failing_to_initialise_is_reported_without_outer_frames() {
    exactly_like_mono("main_cctor", &[], EVERY_MODE);
}

#[test]
fn a_trace_crosses_image_and_jit_frames_like_mono() {
    let excluded = fixtures().excluded("crossing");
    assert!(
        excluded
            .iter()
            .any(|e| e["name"].as_str() == Some("Crossing::Middle")),
        "Middle must be excluded from the image, so that it runs from the JIT: {excluded:?}"
    );
    // Under --jit never the excluded method cannot run at all.
    exactly_like_mono("crossing", &[], &["always", "default"]);
    exactly_like_mono("crossing", &["unhandled"], &["always", "default"]);
}

#[test]
fn the_image_carries_an_il_offset_table() {
    let image = fixtures().images.join("nested.ni.so");
    let bytes = std::fs::read(&image).expect("read the image");
    // `ngen_abi::il_offsets::IL_OFFSETS_SYMBOL`.
    let symbol = "__ngen_il_offsets";
    assert!(
        bytes.windows(symbol.len()).any(|w| w == symbol.as_bytes()),
        "{} exports no {symbol}",
        Path::new(&image).display()
    );
}

#[test]
fn stack_frames_and_stack_traces_of_the_running_thread_match_mono() {
    exactly_like_mono("stack_frames", &[], EVERY_MODE);
}

/// A parameter of a generic instance prints its generic definition with the definition's
/// parameter names, whichever assembly defines it (`System.Func`1[TResult]`), in frames of
/// the program and of the framework; arrays and by-refs of instances keep their arguments.
#[test]
fn parameter_types_name_generic_definitions_of_any_assembly_like_mono() {
    exactly_like_mono("parameter_types", &[], EVERY_MODE);
    exactly_like_mono("parameter_types", &["unhandled"], EVERY_MODE);
}

/// A call in a block that starts with values on the evaluation stack (a `?:`'s join, the
/// branch around a cached lambda's creation) shows the last sequence point before it in IL
/// order, as mono's do; a delegate's `ldftn; newobj` leaves no point after it.
#[test]
fn calls_at_joins_show_the_last_point_before_them_like_mono() {
    exactly_like_mono("join_points", &[], EVERY_MODE);
    exactly_like_mono("join_points", &["unhandled"], EVERY_MODE);
}

/// The core library's `[StackTraceHidden]` frames (`ThrowHelper`, `ExceptionDispatchInfo.Throw`)
/// are not in a trace's text: `List<T>`'s indexer and `Dictionary`'s `KeyNotFoundException`
/// show the collection's method first, as in mono.
#[test]
fn stack_trace_hidden_frames_are_left_out_like_mono() {
    exactly_like_mono("hidden_frames", &[], EVERY_MODE);
    exactly_like_mono("hidden_frames", &["unhandled"], EVERY_MODE);
}

/// An exception `EndInvoke` rethrows from its pool thread: the target's frames, mono's
/// end-invoke icall and wrapper frames (named after the delegate type's `EndInvoke`), then
/// `EndInvoke`'s caller, in `ToString()`, `StackTrace` and the unhandled report.
#[test]
fn end_invoke_rethrows_with_mono_end_invoke_wrapper_frames_and_the_caller() {
    exactly_like_mono("end_invoke", &[], EVERY_MODE);
    exactly_like_mono("end_invoke", &["unhandled"], EVERY_MODE);
}

/// Instances only reflection makes, over reference types: under `--jit never` they run from
/// the image's shared code, and their frames name the definition (`Box`1[T].Fail`), as
/// mono's frames of its own shared code do (mono names every generic frame so).
#[test]
fn frames_of_shared_code_name_the_definition_like_mono() {
    exactly_like_mono("shared_frames", &[], EVERY_MODE);
    exactly_like_mono("shared_frames", &["unhandled"], EVERY_MODE);
}

/// The type a `TypeInitializationException` names (`Message`, `TypeName`, the report): mono's
/// class namespace and name, without type arguments or enclosing types (`N.Gen`1`, `Nest`),
/// by a static field access and by `RunClassConstructor` of instances only reflection makes.
#[test]
fn type_initializer_failures_name_the_class_as_mono_does() {
    exactly_like_mono("type_initializer_names", &[], EVERY_MODE);
    exactly_like_mono("type_initializer_names", &["unhandled"], EVERY_MODE);
}

/// The current stack as objects (`StackFrame::get_frame_info`) from a plain, an instance, a
/// generic (over value and reference types, shared code included), a lambda's, a static
/// constructor's and a delegate target's frame, and from small methods asking for their
/// caller (which mono does not inline): `GetMethod()`, its declaring type, IL offset, file,
/// line, `FrameCount`, `StackTrace.ToString()` and `Environment.StackTrace`.
#[test]
fn the_current_stack_as_objects_matches_mono_from_every_kind_of_frame() {
    exactly_like_mono("current_stack", &[], EVERY_MODE);
}

/// `new StackTrace(exception)`'s frames carry their `MethodBase`, IL offset and mono's count
/// (`[StackTraceHidden]` frames counted, left out of `ToString()`); wrapper frames have no
/// method.
#[test]
fn exception_frames_carry_their_methods_and_mono_count() {
    exactly_like_mono("exception_frames", &[], EVERY_MODE);
}
