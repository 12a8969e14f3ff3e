//! Differential tests of exception handling (issue 7, EH v1 "check after call"): each program
//! in tests/fixtures/exceptions (C# compiled with mcs, IL with ilasm) is compiled to native
//! images with `ngen-build compile`, then run under `mono` and under `ngen-build run` with
//! `--jit never` (images only, with the shared framework images), `--jit always`
//! (JIT only) and the default (fallback). Stdout, the whole of stderr (mono's unhandled report
//! with its stack frames) and the exit code must be mono's in every mode.

use std::path::PathBuf;
use std::sync::OnceLock;

use ngen_tests::{
    assert_exactly_like_mono, ilasm, mcs, ngen_compile, ngen_run_from_images, stderr_head,
    temp_dir, workspace_root,
};

/// The C# fixture programs.
const CSHARP: &[&str] = &[
    "handlers",
    "typed",
    "crossing",
    "classes",
    "cctor",
    "missing_icall",
    "filter_order",
    "filter_frames",
    "filter_two_pass",
    "catch_frames",
    "filter_boundaries",
    "cctor_again",
];
/// The IL fixture programs.
const IL: &[&str] = &["objects", "filter_fault"];

/// Programs compiled once for the whole test binary, with their images.
struct Fixtures {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    images: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir();
        let bin = dir.path().join("bin");
        let images = dir.path().join("images");
        std::fs::create_dir_all(&bin).unwrap();
        let source = |name: &str, ext: &str| {
            workspace_root()
                .join("tests/fixtures/exceptions")
                .join(format!("{name}.{ext}"))
        };
        for name in CSHARP {
            let exe = bin.join(format!("{name}.exe"));
            mcs(&[&source(name, "cs")], &exe, &[]);
            ngen_compile(&exe, &images);
        }
        for name in IL {
            let exe = bin.join(format!("{name}.exe"));
            ilasm(&source(name, "il"), &exe);
            ngen_compile(&exe, &images);
        }
        Fixtures {
            _dir: dir,
            bin,
            images,
        }
    })
}

/// Asserts the program behaves as under mono in all three modes.
fn differential(program: &str, args: &[&str]) {
    let f = fixtures();
    let exe = f.bin.join(format!("{program}.exe"));
    assert_exactly_like_mono(&exe, &f.images, args, &["never", "always", "default"]);
}

#[test]
fn runtime_exceptions_are_caught_and_finally_runs_on_both_paths_like_mono() {
    differential("handlers", &[]);
}

#[test]
fn an_unhandled_exception_runs_finally_then_reports_like_mono() {
    differential("handlers", &["unhandled"]);
}

#[test]
fn typed_catch_filters_faults_and_rethrow_of_program_objects_match_mono() {
    differential("objects", &[]);
}

#[test]
fn an_unhandled_object_is_reported_as_runtime_wrapped_like_mono() {
    differential("objects", &["unhandled"]);
}

/// Within a method, filters run before the `finally` handlers between the throw and them
/// (ECMA-335's first pass), and a filter judged once is not run again.
#[test]
fn filters_run_before_inner_finally_handlers_like_mono() {
    differential("filter_order", &[]);
}

/// Filters across method boundaries: ECMA-335's first pass runs the callers' filters before
/// any `finally` between the throw and them (the runtime's first pass probes the callers'
/// frame records, `translate/eh_frames.rs`); a filter that throws lets its exception escape,
/// as mono 6.8 does.
#[test]
fn filters_of_callers_run_before_a_callees_finally_like_mono() {
    differential("filter_frames", &[]);
    differential("filter_frames", &["explode"]);
}

/// The two passes in more shapes: a filter two frames up with an iterator's `finally` and
/// `fault` between, a declining filter, a filter that throws (the frames below it are
/// abandoned), a filter reading and writing its method's locals and arguments, a rethrow
/// after a filter, another thread, exceptions raised by compiled code's checks, and the
/// trace of an exception a filter took.
#[test]
fn two_pass_exception_handling_across_frames_matches_mono() {
    differential("filter_two_pass", &[]);
}

/// Frames with only `catch` clauses keep no record: the first pass judges them from their
/// metadata. A catch two frames up, one in a try nested in a catch handler (and a call in a
/// handler its own try's catch must not take), generic catches of `T` (methods over reference
/// and value types, a generic class), a catch that does not match, the `finally`'s own
/// method's later catch and a small forwarding callee: an outer filter shows whether the first
/// pass stopped at the right frame (it runs before the callee's `finally` only if no frame
/// between takes the exception).
#[test]
fn catch_only_frames_are_judged_by_the_first_pass_like_mono() {
    differential("catch_frames", &[]);
}

/// A `fault` and a `finally` between a throw and the filter that takes it (IL: C# has no
/// `fault`): the filter runs first, then the handlers, innermost first.
#[test]
fn a_callers_filter_runs_before_a_callees_fault_like_mono() {
    differential("filter_fault", &[]);
}

#[test]
fn typed_catch_of_core_exception_classes_matches_their_hierarchy_like_mono() {
    differential("typed", &[]);
}

#[test]
fn a_typed_catch_that_does_not_match_leaves_the_exception_unhandled_like_mono() {
    differential("typed", &["unhandled"]);
}

/// `crossing` has methods excluded from its image, so it runs only where the JIT may help.
fn differential_with_jit(program: &str, args: &[&str]) {
    let f = fixtures();
    let exe = f.bin.join(format!("{program}.exe"));
    assert_exactly_like_mono(&exe, &f.images, args, &["default", "always"]);
}

#[test]
fn exceptions_cross_image_and_jit_frames_like_mono() {
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().images.join("crossing.ni.report.json")).unwrap(),
    )
    .unwrap();
    let excluded: Vec<&str> = report["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for method in ["Crossing::Bypassed", "Crossing::CatchesInJit"] {
        assert!(
            excluded.contains(&method),
            "{method} must be excluded, so that it runs from the JIT: {excluded:?}"
        );
    }
    differential_with_jit("crossing", &[]);
}

#[test]
fn an_exception_crossing_image_and_jit_frames_to_the_top_is_reported_like_mono() {
    differential_with_jit("crossing", &["unhandled"]);
}

#[test]
fn exceptions_of_program_subclasses_of_exception_are_caught_filtered_and_rethrown_like_mono() {
    differential("classes", &[]);
}

#[test]
fn an_unhandled_program_exception_is_reported_with_its_message_like_mono() {
    differential("classes", &["unhandled"]);
}

#[test]
fn a_throwing_static_constructor_raises_type_initialization_exception_like_mono() {
    differential("cctor", &[]);
}

/// After its `.cctor` threw, every access of the type (its fields; a precise type's static
/// methods and constructors; `RunClassConstructor`; another thread) raises the same
/// `TypeInitializationException` again, with the trace of that access; the unhandled report
/// of a later access too.
#[test]
fn a_failed_type_raises_its_type_initialization_exception_at_every_access_like_mono() {
    differential("cctor_again", &[]);
    differential("cctor_again", &["unhandled"]);
}

/// Filters above frames the runtime enters from outside compiled code (`MethodInfo.Invoke`,
/// `Activator.CreateInstance`, a getter through reflection, `DynamicInvoke`, a `.cctor`): the
/// exception is wrapped at the boundary, so the filter runs after the `finally` blocks below
/// it, as under mono.
#[test]
fn filters_above_reflection_and_type_initializer_boundaries_run_after_inner_finally_like_mono() {
    differential("filter_boundaries", &[]);
}

#[test]
fn an_unhandled_type_initialization_exception_is_reported_with_its_inner_like_mono() {
    differential("cctor", &["unhandled"]);
}

#[test]
fn an_icall_the_runtime_lacks_raises_a_catchable_missing_method_exception_naming_it() {
    let f = fixtures();
    let exe = f.bin.join("missing_icall.exe");
    let message = "the internal call System.GC::GetAllocatedBytesForCurrentThread is not implemented by this runtime";
    for mode in ["never", "always", "default"] {
        let out = ngen_run_from_images(&exe, &f.images, mode, &[]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("caught: {message}\n"),
            "--jit {mode}: the first call is caught"
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "--jit {mode}: unhandled exits 1"
        );
        assert_eq!(
            stderr_head(&out),
            vec![
                String::new(),
                "Unhandled Exception:".to_string(),
                format!("System.MissingMethodException: {message}"),
            ],
            "--jit {mode}: the unhandled report names the icall"
        );
    }
}
