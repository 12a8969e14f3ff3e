//! An exception that leaves `Main`: mono's unhandled-exception report on stderr, exit 1.
//!
//! Mono prints `\nUnhandled Exception:\n<ToString()>\n[ERROR] FATAL UNHANDLED EXCEPTION:
//! <ToString()>\n`. For an `Exception`, `ToString()` begins `Type: Message` (just `Type` for an
//! empty message; `Message` of a null `_message` is "Exception of type 'Type' was thrown."),
//! then ` ---> ` and the inner exception's, if any.
//! An object that does not derive from `System.Exception` (IL can throw any object) is wrapped
//! by mono in a `RuntimeWrappedException`, whose text we print. Stack frames (`  at ...`) and
//! the `--- End of inner exception stack trace ---` lines are not printed yet.
//!
//! Depends on: [`super::pending`], [`super::raise`], [`crate::state`] (types, casts),
//! `ngen-corlib` (strings, the report).

use ngen_corlib::exceptions::unhandled_described;

/// Mono's text for an unhandled object that is not an `Exception`.
const RUNTIME_WRAPPED: &str = "System.Runtime.CompilerServices.RuntimeWrappedException: An object that does not derive from System.Exception has been wrapped in a RuntimeWrappedException.";

/// Reports the pending exception, if any, as unhandled and exits 1; returns when there is
/// none.
pub(crate) fn report_if_pending() {
    let Some(exception) = super::pending::take() else {
        return;
    };
    let description = describe(exception).unwrap_or_else(|| RUNTIME_WRAPPED.to_string());
    unhandled_described(&description)
}

/// Reports `exception` as unhandled, as mono words it, and exits with `exit_code` (a
/// finalizer's exception: mono's finalizer thread ends the process with 255).
pub(crate) fn report_and_exit(exception: u64, exit_code: i32) -> ! {
    let description = describe(exception).unwrap_or_else(|| RUNTIME_WRAPPED.to_string());
    ngen_corlib::flush_stdout();
    let report = ngen_corlib::exceptions::report_of(&description);
    eprint!("{report}");
    std::process::exit(exit_code)
}

/// `Type: Message` of `exception` when it is an `Exception`.
fn describe(exception: u64) -> Option<String> {
    use crate::state::objects;
    let exception_table = objects::core_class_table("Exception").ok()?;
    if objects::is_instance(exception, exception_table) == 0 {
        return None;
    }
    let type_name = objects::object_type_name(exception).ok()?;
    let offset = objects::core_field_offset("Exception", super::raise::MESSAGE_FIELD).ok()?;
    // SAFETY: `exception` is an Exception, whose `_message` (a string reference or null) is
    // at `offset`.
    let message = unsafe { ((exception + u64::from(offset)) as *const u64).read() };
    let message = match ngen_corlib::objects::string_to_rust(message as *const _) {
        Some(text) if text.is_empty() => String::new(),
        Some(text) => format!(": {text}"),
        None => format!(": Exception of type '{type_name}' was thrown."),
    };
    let inner_offset = objects::core_field_offset("Exception", super::raise::INNER_FIELD).ok()?;
    // SAFETY: as above, `_innerException` (an Exception or null) is at `inner_offset`.
    let inner = unsafe { ((exception + u64::from(inner_offset)) as *const u64).read() };
    let inner = match inner {
        0 => String::new(),
        inner => format!(" ---> {}", describe(inner)?),
    };
    Some(format!("{type_name}{message}{inner}"))
}
