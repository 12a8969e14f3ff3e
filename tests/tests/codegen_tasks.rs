//! Differential tests of tasks (issue 9): `Task`/`Task<T>`, async/await, `Parallel`,
//! cancellation, the concurrent collections and the slim synchronisation primitives. Each C#
//! program in tests/fixtures/tasks is compiled with mcs once and to a native image with
//! `ngen-build compile` (next to the shared framework images), then run under `mono` and
//! under `ngen-build run` in every mode (`--jit never`, `--jit always`, the default): stdout,
//! the first three stderr lines and the exit code must be mono's. The programs print only
//! what is deterministic (they wait on every task before printing its result, and sums and
//! counts rather than orders). Mono's `mcs` 6.8 has no C# 7.1 `async Task Main` (CS5001), so
//! `Main` waits with `.Wait()`, `.Result` or `GetAwaiter().GetResult()`.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "tasks_basic",
    "async_await",
    "parallel_cancel",
    "concurrent",
    "system_sync",
    "task_edges",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("tasks", PROGRAMS))
}

#[test]
fn task_run_wait_result_continuations_when_all_any_delay_sources_and_faults_match_mono() {
    fixtures().assert_like_mono("tasks_basic", &[]);
}

#[test]
fn async_await_chains_configure_await_yield_and_exceptions_through_await_match_mono() {
    fixtures().assert_like_mono("async_await", &[]);
}

#[test]
fn parallel_for_and_foreach_totals_break_and_cancellation_match_mono() {
    fixtures().assert_like_mono("parallel_cancel", &[]);
}

#[test]
fn concurrent_dictionary_queue_stack_countdown_and_semaphore_slim_match_mono() {
    fixtures().assert_like_mono("concurrent", &[]);
}

#[test]
fn wait_timeouts_faulted_when_any_child_tasks_thread_and_async_locals_and_lazy_match_mono() {
    fixtures().assert_like_mono("task_edges", &[]);
}

/// `BlockingCollection`, `ConcurrentBag` and `Barrier` are System.dll's, `ReaderWriterLockSlim`
/// System.Core's; `Barrier` reads its phase through the `Volatile.Read(long&)` icall. Under
/// `--jit never` their code needs those assemblies' images, so that mode runs only once the
/// shared framework set holds them (it is skipped loudly until then).
#[test]
fn blocking_collection_bag_barrier_and_reader_writer_lock_slim_match_mono() {
    let f = fixtures();
    let exe = f.bin.join("system_sync.exe");
    let framework = ngen_tests::framework_images::FRAMEWORK_ASSEMBLIES;
    let modes: &[&str] = if ["System.dll", "System.Core.dll"]
        .iter()
        .all(|name| framework.contains(name))
    {
        &["never", "always", "default"]
    } else {
        eprintln!(
            "SKIPPED: system_sync under --jit never (the shared framework images lack System \
             and System.Core)"
        );
        &["always", "default"]
    };
    ngen_tests::assert_like_mono_in_modes(&exe, &f.images, &[], modes);
}
