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
//! this process may use, at least 2, Mono's default minimum) to begin with, as background
//! managed threads (`IsThreadPoolThread`, `IsBackground`) on managed stacks; an idle worker
//! retires after a while, as Mono's do. An exception that leaves a work item is Mono's
//! unhandled report, exit code 1.
//!
//! ## Starvation
//! Work items that block (waiting for each other, or a task waiting on a task queued behind
//! it) would hang a pool of fixed size. As Mono's monitor thread does
//! (`threadpool-worker-default.c`), a monitor wakes every [`MONITOR_INTERVAL`] while requests
//! wait, and when no worker has taken one for that long it raises the number of workers by
//! one (up to [`INJECTION_LIMIT_PER_CPU`] per processor, Mono's limit), waking an idle worker or
//! starting a new one. So eight items that each wait until all eight run finish after about
//! three seconds on two processors, as under mono. Not done: Mono's hill climbing (lowering
//! the count again as throughput allows), `SetMinThreads`/`SetMaxThreads` (accepted, ignored).
//!
//! Depends on: [`super::stack`] (the OS threads), [`super::current`] (their `Thread` objects),
//! [`super::start`] (thread states), [`crate::state::objects`] (the managed entry point).

use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle worker waits for a request before it retires.
const IDLE_RETIREMENT: Duration = Duration::from_secs(20);

/// How often the starvation monitor looks, and how long requests must have waited with no
/// worker taking one before it adds a worker (Mono's `MONITOR_INTERVAL`).
const MONITOR_INTERVAL: Duration = Duration::from_millis(500);

/// The most workers the monitor raises the pool to, per processor (Mono's
/// `limit_worker_max`: 100 per processor).
const INJECTION_LIMIT_PER_CPU: u32 = 100;

struct Pool {
    /// Requests for a thread not yet taken by a worker.
    outstanding: u32,
    /// Workers alive, and those of them waiting for a request.
    workers: u32,
    idle: u32,
    /// How many workers may run: [`max_workers`] until the monitor adds more; 0 before the
    /// first request.
    limit: u32,
    /// When a worker last took a request.
    last_taken: Option<Instant>,
    /// Whether the starvation monitor runs.
    monitoring: bool,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    outstanding: 0,
    workers: 0,
    idle: 0,
    limit: 0,
    last_taken: None,
    monitoring: false,
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
/// started when fewer than the pool's limit run (and the starvation monitor watches).
pub(crate) fn request_worker() -> bool {
    let mut pool = lock_pool();
    pool.outstanding += 1;
    if pool.limit == 0 {
        pool.limit = max_workers();
    }
    if !pool.monitoring {
        pool.monitoring = std::thread::Builder::new()
            .name("pool monitor".into())
            .spawn(monitor)
            .is_ok();
    }
    if pool.idle > 0 {
        REQUESTED.notify_one();
        return true;
    }
    if pool.workers >= pool.limit {
        return true;
    }
    pool.workers += 1;
    drop(pool);
    start_worker()
}

/// Starts a worker already counted in `workers`; uncounts it when no thread could be made.
fn start_worker() -> bool {
    let stack = crate::faults::managed_stack_size();
    if super::stack::spawn(stack, worker).is_err() {
        lock_pool().workers -= 1;
        return false;
    }
    true
}

/// The process's CPU time so far.
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; the clock id is a constant libc knows.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    Duration::new(
        now.tv_sec.max(0) as u64,
        now.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// The starvation monitor (see the module doc): a native thread that never runs managed code,
/// and ends once every worker has retired.
/// As Mono's, it waits longer before adding a worker while the processors are busy (80% or
/// more of them over the last interval): then the workers are running, not blocked, and one
/// more would only compete with them.
fn monitor() {
    let ceiling = max_workers().saturating_mul(INJECTION_LIMIT_PER_CPU);
    let processors = max_workers();
    let mut cpu_before = process_cpu_time();
    loop {
        std::thread::sleep(MONITOR_INTERVAL);
        let cpu_now = process_cpu_time();
        let busy = (cpu_now.saturating_sub(cpu_before)).as_secs_f64()
            >= 0.8 * MONITOR_INTERVAL.as_secs_f64() * f64::from(processors);
        cpu_before = cpu_now;
        let mut pool = lock_pool();
        if pool.outstanding == 0 && pool.workers == 0 {
            // Every worker retired: nothing to watch until the next request starts a monitor.
            pool.monitoring = false;
            return;
        }
        let threshold = if busy {
            MONITOR_INTERVAL * 2 * pool.limit
        } else {
            MONITOR_INTERVAL
        };
        let starved = pool.outstanding > 0
            && pool
                .last_taken
                .is_none_or(|taken| taken.elapsed() >= threshold);
        if !starved || pool.limit >= ceiling {
            continue;
        }
        pool.limit += 1;
        // Counted as taken now, so that the next worker gets a whole interval to take one.
        pool.last_taken = Some(Instant::now());
        if pool.idle > 0 {
            REQUESTED.notify_one();
            continue;
        }
        if pool.workers < pool.limit {
            pool.workers += 1;
            drop(pool);
            start_worker();
        }
    }
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
            pool.last_taken = Some(Instant::now());
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
