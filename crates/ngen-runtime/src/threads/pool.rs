//! The thread pool's native half: worker threads for mscorlib's managed thread pool
//! (`ThreadPool.QueueUserWorkItem`, `Timer` callbacks, tasks), as Mono's `threadpool.c` and
//! `threadpool-worker-default.c` provide it.
//!
//! ## Model
//! mscorlib queues work items itself (`ThreadPoolWorkQueue`) and asks the runtime for a thread
//! (`RequestWorkerThread`) whenever one more could help. Each request is counted; a worker
//! takes one request and calls `_ThreadPoolWaitCallback.PerformWaitCallback()`, which runs
//! queued items until the queue is empty or its quantum passes, then takes the next request
//! or waits for one. Workers are started on demand, at most [`max_workers`] (the processors
//! this process may use, at least 2, Mono's default minimum), as background managed threads
//! (`IsThreadPoolThread`, `IsBackground`) on managed stacks; an idle worker retires after a
//! while, as Mono's do. An exception that leaves a work item is Mono's unhandled report,
//! exit code 1. Not done: Mono's hill climbing (the number of workers does not adapt to
//! throughput), `SetMinThreads`/`SetMaxThreads` (accepted, ignored).
//!
//! Depends on: [`super::stack`] (the OS threads), [`super::current`] (their `Thread` objects),
//! [`super::start`] (thread states), [`crate::state::objects`] (the managed entry point).

use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

/// How long an idle worker waits for a request before it retires.
const IDLE_RETIREMENT: Duration = Duration::from_secs(20);

struct Pool {
    /// Requests for a thread not yet taken by a worker.
    outstanding: u32,
    /// Workers alive, and those of them waiting for a request.
    workers: u32,
    idle: u32,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    outstanding: 0,
    workers: 0,
    idle: 0,
});
static REQUESTED: Condvar = Condvar::new();

fn lock_pool() -> std::sync::MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|p| p.into_inner())
}

/// The most workers at once: the processors this process may use, at least 2.
pub(crate) fn max_workers() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .max(2)
}

/// `RequestWorkerThread`: one more request; a waiting worker takes it, else a new worker is
/// started when fewer than [`max_workers`] run.
pub(crate) fn request_worker() -> bool {
    let mut pool = lock_pool();
    pool.outstanding += 1;
    if pool.idle > 0 {
        REQUESTED.notify_one();
        return true;
    }
    if pool.workers >= max_workers() {
        return true;
    }
    pool.workers += 1;
    drop(pool);
    let stack = crate::faults::managed_stack_size();
    if super::stack::spawn(stack, worker).is_err() {
        lock_pool().workers -= 1;
        return false;
    }
    true
}

/// The code of `_ThreadPoolWaitCallback.PerformWaitCallback()`.
fn perform_wait_callback() -> u64 {
    static CODE: OnceLock<u64> = OnceLock::new();
    *CODE.get_or_init(|| {
        crate::state::objects::core_method_code(
            "System.Threading",
            "_ThreadPoolWaitCallback",
            "PerformWaitCallback",
        )
        .unwrap_or_else(|e| crate::state::fatal(&format!("thread pool: {e}")))
    })
}

/// A worker thread: a background pool thread that serves requests until it has been idle for
/// [`IDLE_RETIREMENT`].
fn worker() {
    crate::faults::enter_managed_thread();
    let id = super::current::next_managed_id();
    match super::current::new_thread_object(id, true) {
        Ok(thread) => {
            super::current::set_current(thread);
            mark_pool_thread(thread);
        }
        Err(e) => crate::state::fatal(&format!("thread pool worker: {e}")),
    }
    let code = perform_wait_callback();
    while take_request() {
        // SAFETY: `code` is compiled code of a static method with no parameters returning
        // `bool` (as `i32`, SystemV).
        let perform: extern "C" fn() -> i32 = unsafe { std::mem::transmute(code as usize) };
        perform();
        crate::eh::unhandled::report_if_pending();
    }
}

/// Waits for a request and takes it; `false` when the worker should retire.
fn take_request() -> bool {
    let mut pool = lock_pool();
    loop {
        if pool.outstanding > 0 {
            pool.outstanding -= 1;
            return true;
        }
        pool.idle += 1;
        let (next, timeout) = REQUESTED
            .wait_timeout(pool, IDLE_RETIREMENT)
            .unwrap_or_else(|p| p.into_inner());
        pool = next;
        pool.idle -= 1;
        if timeout.timed_out() && pool.outstanding == 0 {
            pool.workers -= 1;
            return false;
        }
    }
}

/// A worker's `Thread`: `IsBackground` and `IsThreadPoolThread`, as Mono marks its workers.
fn mark_pool_thread(thread: u64) {
    let internal_offset =
        crate::state::objects::core_field_offset("Threading.Thread", "internal_thread");
    let pool_offset =
        crate::state::objects::core_field_offset("Threading.InternalThread", "threadpool_thread");
    if let (Ok(internal_offset), Ok(pool_offset)) = (internal_offset, pool_offset) {
        let internal: u64 = super::current::read(thread, internal_offset);
        super::current::write(internal, pool_offset, 1u8);
        super::start::change_state(internal, super::start::state::BACKGROUND, true);
    }
}
