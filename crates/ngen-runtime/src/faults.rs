//! Hardware faults, as mono 6.8 reports them (issue 13, "Runtime faults").
//!
//! ## Model
//! Mono's (`mono_sigsegv_signal_handler` in mono/mini/mini-runtime.c, docs
//! `../shared/docs/mono-runtime.md` §5): compiled code relies on the fault instead of explicit
//! checks, and one handler, running on an alternate signal stack, sorts faults out:
//!
//! - **Null dereference**: SIGSEGV/SIGBUS at an address in the first page, on the managed
//!   thread: mono's unhandled `System.NullReferenceException` report, exit code 1.
//! - **Stack overflow**: SIGSEGV/SIGBUS in the guard zone at the low end of the managed
//!   thread's stack: mono's unhandled `StackOverflowException` report (its first line is the
//!   bare class name, because mono cannot run `ToString` without stack), exit code 1. The
//!   managed thread's stack is as large as mono's main thread's ([`managed_stack_size`]), so
//!   recursion overflows at the depth it overflows under mono (our frames are at most
//!   mono's in the shapes measured; docs/native-images.md, "Faults").
//! - **Division fault**: SIGFPE with the instruction pointer in managed code, on the managed
//!   thread: mono's unhandled `System.DivideByZeroException` (its `mono_sigfpe_signal_handler`).
//! - **Anything else** (SIGSEGV elsewhere, SIGILL, SIGFPE in native code, on any thread): mono's
//!   "Native Crash Reporting" on stdout with a native and a managed backtrace, then `abort`
//!   (exit status 134 in a shell), in [`crate::crash_report`].
//!
//! Without managed exception handling every exception is unhandled, so the handler prints the
//! report and ends the process instead of resuming at a catch block.
//!
//! Depends on `libc`, [`crate::eh::report`] (mono's unhandled-exception report),
//! [`crate::crash_report`].

use std::cell::Cell;
use std::sync::Once;

use crate::eh::report::ExceptionKind;

/// Faults below this address are null dereferences (mono: `mono_is_addr_implicit_null_check`
/// accepts the first page).
const NULL_PAGE: usize = 4096;
/// The alternate signal stack of the managed thread: room for the crash report's backtrace
/// (libgcc's unwinder) and formatting.
const ALT_STACK_SIZE: usize = 256 * 1024;
/// A fault this far below the lowest usable stack address, or this far above it, is a stack
/// overflow: the guard page, or a frame that skipped over it.
const OVERFLOW_REACH: usize = 64 * 1024;
/// Mono gives up this much of its main thread's stack: its soft guard area (8 pages,
/// `mono_setup_altstack` in mono/mini/mini-exceptions.c) above the page at the very end.
const MONO_GUARD_BYTES: usize = 9 * 4096;
/// Mono's stack when `ulimit -s` is unlimited has no fixed end; ours needs one.
const UNLIMITED_STACK_BYTES: usize = 1 << 30;

thread_local! {
    /// Whether this thread runs managed code (const-initialised: readable in a signal handler).
    static MANAGED: Cell<bool> = const { Cell::new(false) };
    /// The managed thread's stack, `[low, high)`, for the overflow test and stack walks.
    static STACK: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The stack size of the managed main thread: what mono's main thread has, the soft
/// `RLIMIT_STACK` (`ulimit -s`, 8 MiB by default), less mono's guard area.
pub(crate) fn managed_stack_size() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } == 0;
    let bytes = if !ok || limit.rlim_cur == libc::RLIM_INFINITY {
        UNLIMITED_STACK_BYTES
    } else {
        usize::try_from(limit.rlim_cur).unwrap_or(UNLIMITED_STACK_BYTES)
    };
    bytes.clamp(1 << 20, UNLIMITED_STACK_BYTES) - MONO_GUARD_BYTES
}

/// Installs the handler for the whole process (idempotent). Faults on threads that are not
/// managed get the native crash report.
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        crate::crash_report::prepare();
        // SAFETY: sigaction with a zeroed struct filled as the man page requires.
        unsafe {
            for signal in SIGNALS {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

/// Marks the calling thread as the managed thread: installs the handler, gives the thread an
/// alternate signal stack of its own and records its stack bounds.
pub(crate) fn enter_managed_thread() {
    install();
    give_alt_stack();
    STACK.with(|s| s.set(current_stack()));
    MANAGED.with(|m| m.set(true));
}

/// Runs `wait` (the process's main thread waiting for the managed thread) with the fault
/// signals blocked, so that a signal sent to the process (`kill -FPE`) is delivered to the
/// managed thread, as under mono, where `Main` runs on the main thread.
pub(crate) fn with_fault_signals_blocked<R>(wait: impl FnOnce() -> R) -> R {
    // SAFETY: sigset manipulation and pthread_sigmask on the calling thread only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut previous);
        let result = wait();
        libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut());
        result
    }
}

/// The managed thread's stack bounds (`(0, 0)` on other threads); for stack walks.
pub(crate) fn managed_stack() -> Option<(usize, usize)> {
    MANAGED
        .with(Cell::get)
        .then(|| STACK.with(Cell::get))
        .filter(|(low, high)| low < high)
}

/// Replaces the thread's alternate signal stack with a larger one (Rust's is a few KiB). The
/// stack is leaked: it must outlive the thread.
fn give_alt_stack() {
    let memory = Box::leak(vec![0u8; ALT_STACK_SIZE].into_boxed_slice());
    let stack = libc::stack_t {
        ss_sp: memory.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: installing a valid, leaked signal stack for the calling thread.
    unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
}

/// The calling thread's stack, `[low, high)` (glibc's `pthread_getattr_np`).
fn current_stack() -> (usize, usize) {
    // SAFETY: pthread_getattr_np fills an attribute object that is destroyed after use.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return (0, 0);
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: usize = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        if ok {
            (addr as usize, addr as usize + size)
        } else {
            (0, 0)
        }
    }
}

/// Whether a fault at `address` is the managed thread running out of stack.
fn is_stack_overflow(address: usize, (low, high): (usize, usize)) -> bool {
    low < high && address >= low.saturating_sub(OVERFLOW_REACH) && address < low + OVERFLOW_REACH
}

/// Mono's report of its preallocated `StackOverflowException`: the first line is the bare
/// class name (`mono_print_unhandled_exception` in mono/metadata/object.c does not call
/// `ToString` on it), the message is the preallocated exception's.
pub(crate) fn stack_overflow_report() -> String {
    let kind = ExceptionKind::StackOverflow;
    format!(
        "\nUnhandled Exception:\nStackOverflowException\n[ERROR] FATAL UNHANDLED EXCEPTION: {}: \
         The requested operation caused a stack overflow.\n",
        kind.type_name()
    )
}

fn stack_overflow() -> ! {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(stack_overflow_report().as_bytes());
    let _ = stderr.flush();
    std::process::exit(crate::eh::report::UNHANDLED_EXIT_CODE)
}

extern "C" fn on_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as usize;
    if signal == libc::SIGFPE
        && managed_stack().is_some()
        && crate::crash_report::instruction_pointer(context)
            .is_some_and(|ip| crate::code_map::try_lookup(ip as u64, |_| ()).is_some())
    {
        // Mono's SIGFPE handler: an integer division fault in managed code.
        crate::eh::report::unhandled(ExceptionKind::DivideByZero, None);
    }
    if matches!(signal, libc::SIGSEGV | libc::SIGBUS)
        && let Some(stack) = managed_stack()
    {
        // Not async-signal-safe in general (formatting, stdio), as mono's own handler is not:
        // the process ends here either way.
        if is_stack_overflow(address, stack) {
            stack_overflow();
        }
        if address < NULL_PAGE {
            crate::eh::report::unhandled(ExceptionKind::NullReference, None);
        }
    }
    crate::crash_report::native_crash(signal, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_a_fault_near_the_low_end_of_the_stack() {
        let stack = (0x10_0000, 0x90_0000);
        assert!(is_stack_overflow(0x10_0000 - 8, stack));
        assert!(is_stack_overflow(0x10_0000 + 100, stack));
        assert!(!is_stack_overflow(0x50_0000, stack));
        assert!(!is_stack_overflow(8, stack));
        assert!(!is_stack_overflow(0x10_0000, (0, 0)));
    }

    #[test]
    fn the_stack_is_monos_less_its_guard() {
        let size = managed_stack_size();
        assert!(size >= (1 << 20) - MONO_GUARD_BYTES);
        assert!(size <= UNLIMITED_STACK_BYTES);
    }

    #[test]
    fn stack_overflow_report_matches_monos_lines() {
        assert_eq!(
            stack_overflow_report(),
            "\nUnhandled Exception:\nStackOverflowException\n[ERROR] FATAL UNHANDLED EXCEPTION: \
             System.StackOverflowException: The requested operation caused a stack overflow.\n"
        );
    }
}
