//! Differential tests of delegates (issue 7): each C# program in tests/fixtures/delegates is
//! compiled with mcs once and to native images with `ngen-build compile` (next to the shared
//! framework images), then run under `mono` and under `ngen-build run` with `--jit never`,
//! `--jit always` and the default. Stdout, the first stderr lines and the exit code must be
//! mono's in every mode. The images must hold every method with a body: `ldftn`,
//! `ldvirtftn`, a delegate's constructor and `Invoke` are compiled, not excluded.

use std::sync::OnceLock;

use ngen_tests::{
    CompiledPrograms, assert_like_mono_in_every_mode, ilasm, ngen_compile, workspace_root,
};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "method_groups",
    "lambdas",
    "multicast",
    "events",
    "removal",
    "value_types",
    "invoke_by_reflection",
    "open_by_reflection",
    "method_property",
    "async_invoke",
];

fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("delegates", PROGRAMS))
}

#[test]
fn delegates_over_static_instance_virtual_and_interface_methods_match_mono() {
    fixtures().assert_compiled_whole("method_groups");
    fixtures().assert_like_mono("method_groups", &[]);
}

/// `Delegate.CreateDelegate` over a delegate type's own `Invoke` (runtime-implemented: its
/// code address is the runtime's invoke stub), with closed, static and float targets.
#[test]
fn delegates_over_a_delegate_types_invoke_made_by_reflection_match_mono() {
    fixtures().assert_like_mono("invoke_by_reflection", &[]);
}

/// Open-instance delegates made by `Delegate.CreateDelegate` over instance methods returning
/// structs (`Invoke` passes the return buffer first; the method takes it after `this`).
#[test]
fn open_instance_delegates_made_by_reflection_returning_structs_match_mono() {
    fixtures().assert_like_mono("open_by_reflection", &[]);
}

/// `Delegate.Method` of delegates made by `ldftn` (static, instance, virtual) and by
/// reflection: the called method's `MethodInfo` with its metadata, one object per method.
#[test]
fn a_delegates_method_is_the_method_it_calls_like_mono() {
    fixtures().assert_like_mono("method_property", &[]);
}

/// `BeginInvoke`/`EndInvoke` (runtime-implemented, through the runtime's capturing stubs):
/// with and without callback and state, integer, float, struct, `out`/`ref` and stack
/// arguments, generic delegates, `AsyncWaitHandle`, `IsCompleted`, the target's exception
/// rethrown by `EndInvoke`, and mono's errors (EndInvoke twice or on another delegate's
/// result, a combined delegate, a null result).
#[test]
fn begin_invoke_and_end_invoke_run_on_the_thread_pool_like_mono() {
    fixtures().assert_like_mono("async_invoke", &[]);
}

#[test]
fn invoking_a_null_delegate_raises_null_reference_like_mono() {
    fixtures().assert_like_mono("method_groups", &["null"]);
}

#[test]
fn lambdas_closures_and_static_lambda_caches_match_mono() {
    fixtures().assert_compiled_whole("lambdas");
    fixtures().assert_like_mono("lambdas", &[]);
}

#[test]
fn combined_delegates_call_every_part_in_order_like_mono() {
    fixtures().assert_compiled_whole("multicast");
    fixtures().assert_like_mono("multicast", &[]);
}

#[test]
fn field_like_and_custom_events_match_mono() {
    fixtures().assert_compiled_whole("events");
    fixtures().assert_like_mono("events", &[]);
}

#[test]
fn delegate_equality_hash_codes_and_invocation_lists_match_mono() {
    fixtures().assert_compiled_whole("removal");
    fixtures().assert_like_mono("removal", &[]);
}

#[test]
fn delegates_closed_over_value_type_methods_match_mono() {
    fixtures().assert_compiled_whole("value_types");
    fixtures().assert_like_mono("value_types", &[]);
}

/// `Delegate.Remove` (and `-=`, `RemoveAll`) runs mscorlib's `MulticastDelegate.RemoveImpl`,
/// which calls the generic `Array.LastIndexOf<Delegate>` (an instance mscorlib's image holds)
/// and builds `EqualityComparer<Delegate>.Default` (`Type.IsSubclassOf` → `GetBaseType`).
#[test]
fn delegate_removal_and_event_unsubscription_match_mono() {
    fixtures().assert_like_mono("removal", &["remove"]);
}

/// Open-instance delegates (a null target over an instance method: `Invoke`'s first argument
/// is `this`), single and combined, from an IL fixture (C# makes them only by reflection).
#[test]
fn open_instance_delegates_match_mono() {
    let dir = ngen_tests::temp_dir();
    let exe = dir.path().join("open_instance.exe");
    let images = dir.path().join("images");
    ilasm(
        &workspace_root().join("tests/fixtures/delegates/open_instance.il"),
        &exe,
    );
    ngen_compile(&exe, &images);
    assert_like_mono_in_every_mode(&exe, &images, &[]);
}
