//! An exception that leaves `Main`: mono's unhandled-exception report on stderr, exit 1.
//!
//! Mono prints `\nUnhandled Exception:\n<ToString()>\n[ERROR] FATAL UNHANDLED EXCEPTION:
//! <ToString()>\n`. For an `Exception`, `ToString()` begins `Type: Message` (just `Type` for an
//! empty message; `Message` of a null `_message` is "Exception of type 'Type' was thrown."),
//! then ` ---> ` and the inner exception's, if any.
//! An object that does not derive from `System.Exception` (IL can throw any object) is wrapped
//! by mono in a `RuntimeWrappedException`, whose text we print. Each exception's frames
//! follow its line ([`super::frame_text`]), and an inner exception's end with
//! `   --- End of inner exception stack trace ---`, as `Exception.ToString()` writes them.
//!
//! Depends on: [`super::pending`], [`super::raise`], [`super::trace`], [`super::frame_text`],
//! [`crate::state`] (types, casts), [`crate::alloc`] (strings), [`super::report`] (the report).

use crate::eh::report::unhandled_described;

/// Mono's text for an unhandled object that is not an `Exception`.
const RUNTIME_WRAPPED: &str = "System.Runtime.CompilerServices.RuntimeWrappedException: An object that does not derive from System.Exception has been wrapped in a RuntimeWrappedException.";

/// Reports the pending exception, if any, as unhandled and exits 1; returns when there is
/// none.
pub(crate) fn report_if_pending() {
    let Some(exception) = super::pending::take() else {
        return;
    };
    let description = describe(exception).unwrap_or_else(|| match stack_trace(exception) {
        Some(trace) => format!("{RUNTIME_WRAPPED}\n{trace}"),
        None => RUNTIME_WRAPPED.to_string(),
    });
    unhandled_described(&description)
}

/// Reports `exception` as unhandled, as mono words it, and exits with `exit_code` (a
/// finalizer's exception: mono's finalizer thread ends the process with 255).
pub(crate) fn report_and_exit(exception: u64, exit_code: i32) -> ! {
    let description = describe(exception).unwrap_or_else(|| RUNTIME_WRAPPED.to_string());
    let report = crate::eh::report::report_of(&description);
    eprint!("{report}");
    std::process::exit(exit_code)
}

/// `exception.ToString()` when it is an `Exception`: `Type: Message`, the inner exception's
/// text and end marker, then the stack trace (mscorlib's `Exception.ToString(bool, bool)`).
pub(crate) fn describe(exception: u64) -> Option<String> {
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
    let message = match crate::alloc::string_to_rust(message as *const _) {
        Some(text) if text.is_empty() => String::new(),
        Some(text) => format!(": {text}"),
        None => format!(": Exception of type '{type_name}' was thrown."),
    };
    let message = message + &argument_parameter(exception);
    let inner_offset = objects::core_field_offset("Exception", super::raise::INNER_FIELD).ok()?;
    // SAFETY: as above, `_innerException` (an Exception or null) is at `inner_offset`.
    let inner = unsafe { ((exception + u64::from(inner_offset)) as *const u64).read() };
    let inner = match inner {
        0 => String::new(),
        inner => format!(
            " ---> {}\n   --- End of inner exception stack trace ---",
            describe(inner)?
        ),
    };
    let trace = match stack_trace(exception) {
        Some(text) => format!("\n{text}"),
        None => String::new(),
    };
    Some(format!("{type_name}{message}{inner}{trace}"))
}

/// What `ArgumentException.Message` adds to the message: `\nParameter name: <name>` when the
/// exception is an `ArgumentException` with a parameter name (mscorlib's override, which the
/// report shows as mono's `ToString()` does).
fn argument_parameter(exception: u64) -> String {
    use crate::state::objects;
    let Ok(argument_table) = objects::core_class_table("ArgumentException") else {
        return String::new();
    };
    if objects::is_instance(exception, argument_table) == 0 {
        return String::new();
    }
    let Ok(offset) = objects::core_field_offset("ArgumentException", "_paramName") else {
        return String::new();
    };
    // SAFETY: `exception` is an ArgumentException, whose `_paramName` (a string reference or
    // null) is at `offset`.
    let name = unsafe { ((exception + u64::from(offset)) as *const u64).read() };
    match crate::alloc::string_to_rust(name as *const _) {
        Some(name) if !name.is_empty() => format!("\nParameter name: {name}"),
        _ => String::new(),
    }
}

/// `exception.StackTrace`: its frames' text, `None` before it is thrown.
pub(crate) fn stack_trace(exception: u64) -> Option<String> {
    let lines = stack_trace_lines(exception)?;
    Some(
        lines
            .iter()
            .map(|line| format!("  at {}", line.text))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Each frame's line of `exception`'s trace; `None` before it is thrown.
pub(crate) fn stack_trace_lines(exception: u64) -> Option<Vec<super::frame_text::TraceLine>> {
    let frames = super::trace::frames_of_exception(exception)?;
    Some(super::frame_text::trace_lines(&frames))
}
