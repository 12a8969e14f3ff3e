//! Hardware faults in managed code: a load or store through a null reference (SIGSEGV or
//! SIGBUS at an address in the first page) on the managed main thread becomes mono's unhandled
//! `System.NullReferenceException` report, with its exit code (1).
//!
//! The model is mono's (docs `../shared/docs/mono-runtime.md` §5, `mono_sigsegv_signal_handler`
//! in mono/mini/mini-runtime.c): compiled code relies on the fault instead of an explicit check,
//! and the handler runs on an alternate signal stack, so it works when the fault is a stack
//! overflow too. Without managed exception handling every exception is unhandled, so the
//! handler prints the report and ends the process instead of resuming at a catch block.
//!
//! Any other fault (another address, or another thread) is not ours: the handler puts back the
//! previous action (the Rust runtime's stack-overflow report, or the default) and returns, so
//! the faulting instruction runs again and the process dies as it did before.
//!
//! Not yet: deep recursion as mono reports it, and a backtrace for crashes in native code.
//!
//! Depends on `libc` and ngen-corlib's unhandled-exception report.

use std::cell::Cell;
use std::sync::OnceLock;

/// Faults below this address are null dereferences (mono: `mono_is_addr_implicit_null_check`
/// accepts the first page).
const NULL_PAGE: usize = 4096;
/// Size of the alternate signal stack given to the managed thread when it has none.
const ALT_STACK_SIZE: usize = 64 * 1024;

thread_local! {
    /// Whether this thread runs managed code (const-initialised: readable in a signal handler).
    static MANAGED: Cell<bool> = const { Cell::new(false) };
}

/// The actions in place before ours, restored for faults that are not ours.
static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();
const SIGNALS: [libc::c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

/// Installs the handler (once per process) and marks the calling thread as the managed thread,
/// giving it an alternate signal stack if it has none.
pub(crate) fn enter_managed_thread() {
    PREVIOUS.get_or_init(|| {
        // SAFETY: sigaction with a zeroed struct filled as the man page requires; the old
        // actions are saved for restore.
        unsafe {
            let mut previous: [libc::sigaction; 2] = std::mem::zeroed();
            for (i, signal) in SIGNALS.iter().enumerate() {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(*signal, &action, &mut previous[i]);
            }
            previous
        }
    });
    ensure_alt_stack();
    MANAGED.with(|m| m.set(true));
}

/// Gives this thread an alternate signal stack unless it already has one (Rust's runtime
/// installs one on the threads it starts). The stack is leaked: it must outlive the thread.
fn ensure_alt_stack() {
    // SAFETY: querying and setting the calling thread's signal stack.
    unsafe {
        let mut current: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(std::ptr::null(), &mut current) == 0
            && current.ss_flags & libc::SS_DISABLE == 0
        {
            return;
        }
        let memory = Box::leak(vec![0u8; ALT_STACK_SIZE].into_boxed_slice());
        let stack = libc::stack_t {
            ss_sp: memory.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        libc::sigaltstack(&stack, std::ptr::null_mut());
    }
}

extern "C" fn on_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as usize;
    if address < NULL_PAGE && MANAGED.with(Cell::get) {
        // Not async-signal-safe in general (it flushes stdout and formats), as mono's own
        // handler is not: the managed thread faulted in compiled code, outside the runtime's
        // locks, and the process ends here.
        ngen_corlib::exceptions::unhandled(
            ngen_corlib::exceptions::ExceptionKind::NullReference,
            None,
        );
    }
    if let Some(previous) = PREVIOUS.get()
        && let Some(i) = SIGNALS.iter().position(|s| *s == signal)
    {
        // SAFETY: restoring the saved action; returning re-executes the faulting instruction
        // under it.
        unsafe { libc::sigaction(signal, &previous[i], std::ptr::null_mut()) };
    }
}
