//! Starting, joining and waiting for managed threads (`Thread.Start`, `Join`, process exit).
//!
//! ## Model
//! `Thread_internal` (Mono's `ves_icall_System_Threading_Thread_Thread_internal` and
//! `create_thread` in `threads.c`) starts an OS thread for a `Thread` whose `InternalThread`
//! is `Unstarted`: the new thread registers with the collector, enters the runtime's fault
//! handling (on a managed stack, [`super::stack`]), becomes that `Thread`'s OS thread ([`super::current::set_current`]) and invokes
//! the start delegate (`m_Delegate`, mscorlib's `ThreadHelper.ThreadStart`) with the
//! `m_ThreadStartArg` read at start. The starting thread waits until the new one is
//! registered, as Mono's `create_thread` waits for its start semaphore: until then the
//! delegate and argument are referenced only from the Rust heap, which the collector does not
//! scan. An exception that leaves the delegate is Mono's unhandled report, exit code 1 (the
//! whole process ends, as in Mono with the default `legacyUnhandledExceptionPolicy`).
//!
//! Each started thread's `InternalThread.state` is kept under one lock ([`STATES`]) with a
//! condition variable notified at every change: `Join` waits for `Stopped`, and process exit
//! waits until every started thread without `Background` has stopped
//! ([`wait_for_foreground_threads`], Mono's `mono_thread_manage_internal`).
//!
//! Depends on: [`super::current`], [`super::stack`] (the OS thread, registered with the
//! collector), [`crate::state::objects`] (field offsets), [`crate::faults`], [`crate::eh`].

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::current::{read, write};
use crate::state::objects::core_field_offset;

/// `System.Threading.ThreadState` bits (Mono's `MonoThreadState`).
pub(crate) mod state {
    pub(crate) const BACKGROUND: i32 = 4;
    pub(crate) const UNSTARTED: i32 = 8;
    pub(crate) const STOPPED: i32 = 16;
}

/// The `InternalThread`s started and not yet stopped (their `Thread` is rooted by the running
/// thread itself), guarding every change of a thread's `state`.
static STATES: Mutex<Vec<u64>> = Mutex::new(Vec::new());
/// Notified whenever a thread's state changes.
static CHANGED: Condvar = Condvar::new();

fn started() -> std::sync::MutexGuard<'static, Vec<u64>> {
    STATES.lock().unwrap_or_else(|p| p.into_inner())
}

fn field(class: &str, name: &str) -> u32 {
    core_field_offset(class, name)
        .unwrap_or_else(|e| crate::state::fatal(&format!("{class}.{name}: {e}")))
}

/// The offset of `InternalThread.state` (asked once: the runtime lock is not taken under
/// [`STATES`] after that).
fn state_offset() -> u32 {
    static OFFSET: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *OFFSET.get_or_init(|| field("Threading.InternalThread", "state"))
}

/// The state of the `InternalThread` `internal`.
pub(crate) fn get_state(internal: u64) -> i32 {
    let offset = state_offset();
    let _guard = started();
    read(internal, offset)
}

/// Sets (`set`) or clears the bits `bits` of `internal`'s state.
pub(crate) fn change_state(internal: u64, bits: i32, set: bool) {
    let offset = state_offset();
    let _guard = started();
    let old: i32 = read(internal, offset);
    write(internal, offset, if set { old | bits } else { old & !bits });
    CHANGED.notify_all();
}

/// A start request's words, as the new thread receives them.
struct Start {
    thread: u64,
    internal: u64,
    delegate: u64,
    argument: u64,
}

/// Starts the `Thread` `thread` (its `InternalThread` is `internal`, `Unstarted`) running
/// `delegate` with `argument`; returns once the new thread is registered. `Err` when the OS
/// refuses the thread.
pub(crate) fn start(
    thread: u64,
    internal: u64,
    delegate: u64,
    argument: u64,
) -> Result<(), String> {
    let requested: i32 = read(internal, field("Threading.InternalThread", "stack_size"));
    let stack = match usize::try_from(requested) {
        Ok(bytes) if bytes > 0 => bytes,
        _ => crate::faults::managed_stack_size(),
    };
    let request = Start {
        thread,
        internal,
        delegate,
        argument,
    };
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let offset = state_offset();
    {
        let mut running = started();
        running.push(internal);
        let old: i32 = read(internal, offset);
        write(internal, offset, old & !state::UNSTARTED);
    }
    let spawned = super::stack::spawn(stack, move || run(request, ready_tx));
    if let Err(e) = spawned {
        finish(internal);
        return Err(e.to_string());
    }
    // The new thread holds the references on its (scanned) stack once it signals.
    let _ = ready_rx.recv();
    Ok(())
}

/// The body of a started thread.
fn run(request: Start, ready: std::sync::mpsc::Sender<()>) {
    // Registered with the collector already ([`super::stack::spawn`]).
    let Start {
        thread,
        internal,
        delegate,
        argument,
    } = request;
    // From here the words are on this registered thread's stack.
    let keep = [thread, internal, delegate, argument];
    let _ = ready.send(());
    crate::faults::enter_managed_thread();
    super::current::set_current(thread);
    write(
        internal,
        field("Threading.InternalThread", "thread_id"),
        // SAFETY: pthread_self has no preconditions.
        unsafe { libc::pthread_self() } as i64,
    );
    invoke_start_delegate(delegate, argument);
    crate::eh::unhandled::report_if_pending();
    finish(internal);
    std::hint::black_box(keep);
}

/// Calls a `ThreadStart` (`void ()`) or `ParameterizedThreadStart` (`void (object)`)
/// delegate as its `Invoke` does (`translate/delegates.rs`): its code with the target as
/// `this` when set. The argument is passed either way: a callee taking fewer parameters
/// ignores the extra register (SystemV).
fn invoke_start_delegate(delegate: u64, argument: u64) {
    let method_ptr: u64 = read(delegate, field("Delegate", "method_ptr"));
    let target: u64 = read(delegate, field("Delegate", "m_target"));
    // SAFETY: `method_ptr` is compiled code of a method taking (this?, object?) and
    // returning nothing, SystemV; extra argument registers are ignored.
    unsafe {
        if target != 0 {
            let f: extern "C" fn(u64, u64) = std::mem::transmute(method_ptr as usize);
            f(target, argument);
        } else {
            let f: extern "C" fn(u64) = std::mem::transmute(method_ptr as usize);
            f(argument);
        }
    }
}

/// Marks `internal` stopped and wakes its joiners.
fn finish(internal: u64) {
    let offset = state_offset();
    let mut running = started();
    running.retain(|t| *t != internal);
    let old: i32 = read(internal, offset);
    write(internal, offset, old | state::STOPPED);
    CHANGED.notify_all();
}

/// Waits until `internal` has stopped, at most `timeout_ms` (negative: forever); whether it
/// stopped.
pub(crate) fn join(internal: u64, timeout_ms: i32) -> bool {
    let deadline = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let offset = state_offset();
    let mut guard = started();
    loop {
        if read::<i32>(internal, offset) & state::STOPPED != 0 {
            return true;
        }
        match super::wait_until(&CHANGED, guard, deadline) {
            Some(next) => guard = next,
            None => return false,
        }
    }
}

/// Waits until every started thread that is not `Background` has stopped (after `Main`
/// returns, as Mono's `mono_thread_manage_internal`).
pub(crate) fn wait_for_foreground_threads() {
    if started().is_empty() {
        return;
    }
    let offset = state_offset();
    let mut running = started();
    loop {
        let foreground = running
            .iter()
            .any(|t| read::<i32>(*t, offset) & state::BACKGROUND == 0);
        if !foreground {
            return;
        }
        running = CHANGED.wait(running).unwrap_or_else(|p| p.into_inner());
    }
}
