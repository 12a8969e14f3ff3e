//! Calling `Main` on a thread with mono's stack size (deep recursion must behave as under mono,
//! whose `Main` runs on the process's main thread: `ulimit -s`, 8 MiB by default; see
//! [`crate::faults::managed_stack_size`]).

use ngen_compiler::types::{IlType, MethodShape, ValKind};

use crate::state::{EntryPoint, fatal};

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

/// Calls the entry point with `args` and returns the exit code: `Main`'s value, or for a
/// `void Main` the last `Environment.ExitCode` set (0 by default), as under mono. An
/// exception that leaves `Main` ends the process with mono's report instead.
pub(crate) fn call_main(entry: EntryPoint, args: &[String]) -> i32 {
    let args = args.to_vec();
    let thread = std::thread::Builder::new()
        .name("managed-main".into())
        .stack_size(crate::faults::managed_stack_size())
        .spawn(move || {
            // Managed code runs here: the collector must scan this thread's stack.
            ngen_gc::attach_current_thread();
            crate::faults::enter_managed_thread();
            let code = entry.code as usize;
            let with_args = !entry.shape.params.is_empty();
            let argv = if with_args {
                ngen_corlib::alloc_string_array(&args) as usize
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
                        ngen_corlib::environment::set_exit_code(f());
                    }
                    (true, false) => {
                        let f: extern "C" fn(usize) = std::mem::transmute(code);
                        f(argv);
                    }
                    (true, true) => {
                        let f: extern "C" fn(usize) -> i32 = std::mem::transmute(code);
                        ngen_corlib::environment::set_exit_code(f(argv));
                    }
                }
            };
            // An exception that left Main: mono's report, exit 1.
            crate::eh::unhandled::report_if_pending();
            // Mono finalizes every remaining object before it reads the exit code
            // (`mini_cleanup`, then `mono_environment_exitcode_get`).
            crate::finalization::finalize_all_at_exit();
            ngen_corlib::environment::exit_code()
        });
    match crate::faults::with_fault_signals_blocked(|| thread.map(|t| t.join())) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => fatal("the managed main thread panicked"),
        Err(e) => fatal(&format!("cannot start the managed main thread: {e}")),
    }
}
