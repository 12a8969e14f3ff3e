//! Managed threads: what Mono's `threads.c` keeps per OS thread.
//!
//! - [`statics`]: `[ThreadStatic]` fields, one pair of areas per type per thread (the
//!   `ThreadStaticAddress` helper), as IL2CPP's `AllocThreadStaticData` and Mono's
//!   `static_data` arrays;
//! - [`current`]: the `System.Threading.Thread` object of each OS thread (`Thread.CurrentThread`,
//!   icall `GetCurrentThread`), with its `InternalThread` laid out as Mono's
//!   `MonoInternalThread`; the managed-main thread's is made at startup, as `mono_thread_attach`
//!   makes it before `Main`;
//! - [`start`]: `Thread.Start` (an OS thread registered with the collector), `Join`, thread
//!   states, and the wait for foreground threads at exit;
//! - [`stack`]: the stacks managed code runs on, aligned so compiled code finds the thread's
//!   block (its pending-exception word) from the stack pointer;
//! - [`type_init`]: thread-safe `.cctor`s (one thread runs it, the others wait, the
//!   ECMA-335 II.10.5.3.3 deadlock rule);
//! - [`pool`]: the thread pool's worker threads (mscorlib queues the work itself);
//! - [`wait_handles`]: events (`ManualResetEvent`, `AutoResetEvent`) and waits on them.
//!
//! Depends on: [`crate::state::objects`] (core-library instances and field offsets),
//! `ngen_gc` (areas the collector scans).

pub(crate) mod current;
pub(crate) mod pool;
pub(crate) mod stack;
pub(crate) mod start;
pub(crate) mod statics;
pub(crate) mod type_init;
pub(crate) mod wait_handles;

use std::sync::{Condvar, MutexGuard};
use std::time::Instant;

/// Waits on `condvar` (releasing `guard`) until notified or `deadline` (`None`: no limit);
/// `None` when the deadline had already passed, without waiting.
pub(crate) fn wait_until<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
) -> Option<MutexGuard<'a, T>> {
    match deadline {
        None => Some(condvar.wait(guard).unwrap_or_else(|p| p.into_inner())),
        Some(deadline) => {
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            let (guard, _) = condvar
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|p| p.into_inner());
            Some(guard)
        }
    }
}
