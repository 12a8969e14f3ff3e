//! Differential tests of the collector's managed surface (issue 7): finalizers (after
//! `GC.Collect` + `GC.WaitForPendingFinalizers`, suppressed, re-registered, resurrected, at
//! exit, throwing), `WeakReference` and `GCHandle`. Each C# program in tests/fixtures/gc is
//! compiled with mcs once and to native images with `ngen-build compile` (next to the shared
//! framework images), then run under `mono` and under `ngen-build run` with `--jit never`,
//! `--jit always` and the default: stdout, the first stderr lines and the exit code must be
//! mono's in every mode.

use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, Observed, mono, ngen_run_from_images};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "finalizers",
    "weak_references",
    "object_churn",
    "interior_pointers",
];

fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("gc", PROGRAMS))
}

#[test]
fn finalizers_run_after_collect_and_wait_unless_suppressed_like_mono() {
    fixtures().assert_like_mono("finalizers", &["collect"]);
}

#[test]
fn finalizers_run_at_exit_and_may_set_the_exit_code_like_mono() {
    fixtures().assert_like_mono("finalizers", &["exit"]);
}

#[test]
fn an_exception_leaving_a_finalizer_ends_the_process_like_mono() {
    fixtures().assert_like_mono("finalizers", &["throw"]);
}

/// Mono runs exit finalizers on its finalizer thread, racing the console's own `FileStream`
/// finalizer: a finalizer that writes to the console at exit prints its line or fails with
/// NotSupportedException (exit 255), from run to run. Ours must be mono's clean outcome (an
/// exit code other than 255), taken from the first of up to ten mono runs that has it.
fn assert_like_monos_clean_run(args: &[&str]) {
    let exe = fixtures().bin.join("finalizers.exe");
    let clean = (0..10)
        .map(|_| mono(&exe, args))
        .find(|out| out.status.code() != Some(255))
        .expect("mono ran the exit finalizers cleanly in one of ten runs");
    let expected = Observed::from(&clean);
    assert!(expected.stdout.ends_with("finalized at exit\n"));
    for mode in ["never", "always", "default"] {
        let out = ngen_run_from_images(&exe, &fixtures().images, mode, args);
        assert_eq!(
            Observed::from(&out),
            expected,
            "{args:?} under --jit {mode}"
        );
    }
}

#[test]
fn a_finalizer_writing_at_exit_prints_as_in_monos_clean_runs() {
    assert_like_monos_clean_run(&["exit-print"]);
}

#[test]
fn environment_exit_runs_finalizers_and_keeps_its_exit_code_like_mono() {
    assert_like_monos_clean_run(&["environment-exit"]);
}

#[test]
fn weak_references_and_gc_handles_match_mono() {
    fixtures().assert_like_mono("weak_references", &[]);
}

/// Objects are not padded for pointers past their end (`ngen_gc::init`), so a managed pointer
/// into an object must keep it alive from a register or a stack slot: a ref to a field, to an
/// array's last element, a span, a ref into a struct array, each the only reference while
/// garbage of the same sizes is collected around it.
#[test]
fn managed_pointers_into_objects_keep_them_alive_like_mono() {
    fixtures().assert_like_mono("interior_pointers", &[]);
}

/// Short-lived object trees with finalizable and weakly referenced objects among them (the
/// benchmark of docs/BENCHMARKS.md section 7, fewer rounds): nothing live is lost.
#[test]
fn object_churn_with_finalizers_and_weak_references_matches_mono() {
    fixtures().assert_like_mono("object_churn", &["2000"]);
}
