//! Differential tests of threads (issues 7 and 9): thread statics, `Thread.CurrentThread`,
//! managed threads, `Monitor` (contended too: spin, then park) and thread-safe type
//! initialisation. Each C# program in tests/fixtures/threads is compiled with mcs once and to
//! native images with `ngen-build compile` (next to the shared framework images), then run
//! under `mono` and under `ngen-build run` in every mode (`--jit never`, `--jit always`, the
//! default): stdout, the first three stderr lines and the exit code must be mono's. The
//! programs print only what is deterministic (they join before printing, or collect results and
//! print them after).

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "thread_statics",
    "start_join",
    "locks",
    "cctor_race",
    "worker_exception",
    "gc_threads",
    "exceptions_race",
    "events",
    "pool_timer",
    "contended_locks",
    "ping_pong",
    "pool_starvation",
    "first_use_race",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("threads", PROGRAMS))
}

#[test]
fn thread_statics_of_one_thread_and_the_current_thread_object_match_mono() {
    fixtures().assert_like_mono("thread_statics", &[]);
}

#[test]
fn threads_start_join_sleep_names_ids_and_per_thread_statics_match_mono() {
    fixtures().assert_like_mono("start_join", &[]);
}

#[test]
fn lock_contention_interlocked_and_wait_pulse_producer_consumer_match_mono() {
    fixtures().assert_like_mono("locks", &[]);
}

#[test]
fn a_static_constructor_raced_by_several_threads_runs_once_like_mono() {
    fixtures().assert_like_mono("cctor_race", &[]);
}

/// The whole report, the worker's frames (mscorlib's `ThreadHelper` and `ExecutionContext`
/// ones) included, is byte-identical to mono's.
#[test]
fn an_exception_unhandled_on_a_worker_thread_ends_the_process_like_mono() {
    let f = fixtures();
    ngen_tests::assert_exactly_like_mono(
        &f.bin.join("worker_exception.exe"),
        &f.images,
        &[],
        &["never", "always", "default"],
    );
}

#[test]
fn threads_allocating_while_others_collect_keep_their_objects_like_mono() {
    fixtures().assert_like_mono("gc_threads", &[]);
}

/// Fails with a process-wide pending-exception word (threads take each other's exceptions).
#[test]
fn exceptions_in_flight_on_several_threads_at_once_stay_on_their_threads_like_mono() {
    fixtures().assert_like_mono("exceptions_race", &[]);
}

#[test]
fn manual_and_auto_reset_events_wait_any_and_wait_all_match_mono() {
    fixtures().assert_like_mono("events", &[]);
}

#[test]
fn thread_pool_work_items_timers_tasks_and_parallel_for_match_mono() {
    fixtures().assert_like_mono("pool_timer", &[]);
}

/// Sixteen threads on one lock: contenders spin, then park, and every Exit wakes one; the
/// counter (and a nested, recursive lock's) is exact, and TryEnter on a held lock fails at
/// once and after its timeout.
#[test]
fn sixteen_threads_contending_for_one_lock_keep_every_update_like_mono() {
    fixtures().assert_like_mono("contended_locks", &[]);
}

/// Wait/Pulse ping-pong between two threads while four others hammer the same lock: no
/// pulse is lost (it would hang) and each Wait returns holding the lock.
#[test]
fn wait_pulse_ping_pong_under_contention_loses_no_pulse_like_mono() {
    fixtures().assert_like_mono("ping_pong", &[]);
}

/// Work items that block each other need more workers than processors: the pool's starvation
/// monitor adds them, as mono's does (a fixed-size pool prints "starved" after 30 s).
#[test]
fn a_thread_pool_whose_items_block_grows_until_they_all_run_like_mono() {
    fixtures().assert_like_mono("pool_starvation", &[]);
}

/// Image cells are described on first use (`ngen-runtime`'s `state/image_cells.rs`): threads
/// that first reach the same cells at once must each see the one description.
#[test]
fn threads_racing_to_their_first_calls_into_mscorlib_match_mono() {
    fixtures().assert_like_mono("first_use_race", &[]);
}
