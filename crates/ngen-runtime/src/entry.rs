//! The managed-main thread: starting the runtime and calling `Main` on a thread with mono's
//! stack size (deep recursion must behave as under mono, whose `Main` runs on the process's
//! main thread: `ulimit -s`, 8 MiB by default; see [`crate::faults::managed_stack_size`]).
//!
//! The runtime starts on that thread too, not on the process's main thread: the binder, the
//! type system and the image loader have deep frames (about 56 KiB of stack in a release
//! build), and a stack page once touched stays resident for the life of the process. Started
//! here, those frames are gone before `Main` is called, and `Main` and the JIT reuse the same
//! pages; on the main thread they would be a second, idle copy in every instance
//! (docs/BENCHMARKS.md section 10). The main thread only waits.
//!
//! Depends on: [`crate::state::start`], [`crate::faults`] (the thread's fault handling),
//! `ngen_gc` (the thread is registered before anything is allocated on it).

use ngen_compiler::types::{IlType, MethodShape, ValKind};

use crate::state::{EntryPoint, fatal};
use crate::{RunError, RunOptions};

/// Whether `shape` is a valid entry point: `()` or `(string[])`, returning void or int.
pub(crate) fn check(shape: &MethodShape) -> Result<(), String> {
    let params_ok = shape.params.is_empty() || shape.params == [IlType::Val(ValKind::Ref)];
    let ret_ok = matches!(
        shape.ret,
        None | Some(IlType::Val(ValKind::I4)) | Some(IlType::Val(ValKind::U4))
    );
    if shape.has_this || !params_ok || !ret_ok {
        return Err(format!("{shape:?}"));
    }
    Ok(())
}

/// Starts the runtime for `options` on the managed-main thread, calls the entry point there
/// and returns the exit code: `Main`'s value, or for a `void Main` the last
/// `Environment.ExitCode` set (0 by default), as under mono. An exception that leaves `Main`
/// ends the process with mono's report instead.
pub(crate) fn start_and_call_main(options: &RunOptions) -> Result<i32, RunError> {
    let options = options.clone();
    crate::icalls::environment::set_command_line(&options.assembly, &options.args);
    // A managed stack (`threads::stack`): compiled code finds the thread's block from it. The
    // thread is registered with the collector before anything runs: startup allocates managed
    // objects (literals, statics) whose only references may sit on this thread's stack.
    let thread =
        crate::threads::stack::spawn_joinable(crate::faults::managed_stack_size(), move || {
            name_this_thread(c"managed-main");
            let entry = crate::state::start(&options)?;
            crate::threads::current::attach_main_thread();
            crate::faults::enter_managed_thread();
            crate::finalization::install();
            Ok(call_main(entry, &options.args))
        });
    match crate::faults::with_fault_signals_blocked(|| thread.map(|t| t.join())) {
        Ok(Some(result)) => result,
        Ok(None) => fatal("the managed main thread ended without a result"),
        Err(e) => fatal(&format!("cannot start the managed main thread: {e}")),
    }
}

/// Names the calling thread (`/proc/PID/task/TID/comm`, gdb's and perf's thread lists), so the
/// thread running `Main` can be told from the collector's and the finalizer's.
fn name_this_thread(name: &std::ffi::CStr) {
    // SAFETY: a NUL-terminated name of at most 15 bytes for the calling thread.
    unsafe {
        libc::pthread_setname_np(libc::pthread_self(), name.as_ptr());
    }
}

/// Calls the entry point with `args` on the current (managed-main) thread.
fn call_main(entry: EntryPoint, args: &[String]) -> i32 {
    let code = entry.code as usize;
    let with_args = !entry.shape.params.is_empty();
    let argv = if with_args {
        crate::alloc::alloc_string_array(args) as usize
    } else {
        0
    };
    // SAFETY: `code` is compiled code with the checked entry signature (SystemV).
    unsafe {
        match (with_args, entry.shape.ret.is_some()) {
            (false, false) => {
                let f: extern "C" fn() = std::mem::transmute(code);
                f();
            }
            (false, true) => {
                let f: extern "C" fn() -> i32 = std::mem::transmute(code);
                crate::icalls::environment::set_exit_code(f());
            }
            (true, false) => {
                let f: extern "C" fn(usize) = std::mem::transmute(code);
                f(argv);
            }
            (true, true) => {
                let f: extern "C" fn(usize) -> i32 = std::mem::transmute(code);
                crate::icalls::environment::set_exit_code(f(argv));
            }
        }
    }
    // An exception that left Main: mono's report, exit 1.
    crate::eh::unhandled::report_if_pending();
    // Mono waits for foreground threads before it shuts down (`mono_thread_manage_internal`).
    crate::threads::start::wait_for_foreground_threads();
    // Mono finalizes every remaining object before it reads the exit code (`mini_cleanup`,
    // then `mono_environment_exitcode_get`): a finalizer may set `Environment.ExitCode`.
    crate::finalization::finalize_all_at_exit();
    crate::icalls::environment::exit_code()
}
