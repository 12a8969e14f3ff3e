//! Raising managed exceptions from compiled code and from the BCL surface.
//!
//! There is no try/catch yet (a later issue), so every exception is unhandled: [`throw`] prints
//! mono's unhandled-exception report and exits the process with mono's exit code (1).
//!
//! Mono 6.8's report on stderr is, byte for byte (checked with real programs):
//! ```text
//!
//! Unhandled Exception:
//! System.OverflowException: Arithmetic operation resulted in an overflow.
//!   at P.Main (System.String[] args) [0x00025] in <mvid>:0
//! [ERROR] FATAL UNHANDLED EXCEPTION: System.OverflowException: Arithmetic operation resulted in an overflow.
//!   at P.Main (System.String[] args) [0x00025] in <mvid>:0
//! ```
//! Note the empty first line. We print the same lines without the `  at` frames (we have no
//! managed stack trace to show, and an invented one would mislead).
//!
//! Depends on: `ngen_abi::exceptions`

pub use ngen_abi::exceptions::ExceptionKind;
use std::io::Write;

/// An exception a BCL method raises, as a value: pure functions return it so tests can compare
/// it with mono's, and the `extern "C"` entry points [`ManagedException::raise`] it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedException {
    pub kind: ExceptionKind,
    /// `None` means the kind's default message.
    pub message: Option<String>,
}

impl ManagedException {
    pub fn new(kind: ExceptionKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: Some(message.into()),
        }
    }

    /// The exception with its kind's default message.
    pub fn of_kind(kind: ExceptionKind) -> Self {
        Self {
            kind,
            message: None,
        }
    }

    /// `Type: message`, as mono's report and `Exception.ToString()` begin.
    pub fn describe(&self) -> String {
        describe(self.kind, self.message.as_deref())
    }

    /// Raises it (see [`throw`]).
    pub fn raise(&self) -> ! {
        throw(self.kind, self.message.as_deref())
    }
}

/// Exit code of a process that dies of an unhandled exception under mono.
pub const UNHANDLED_EXIT_CODE: i32 = 1;

/// The message mono 6.8 gives an exception of this kind constructed without one
/// (which is also what the runtime's own checks raise).
pub fn default_message(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::Overflow => "Arithmetic operation resulted in an overflow.",
        ExceptionKind::DivideByZero => "Attempted to divide by zero.",
        ExceptionKind::IndexOutOfRange => "Index was outside the bounds of the array.",
        // Mono's runtime-raised NullReferenceException has no final period.
        ExceptionKind::NullReference => "Object reference not set to an instance of an object",
        ExceptionKind::InvalidCast => "Specified cast is not valid.",
        // Parse failures pass their own message ("Input string was not in a correct format.").
        ExceptionKind::Format => "One of the identified items was in an invalid format.",
        ExceptionKind::Argument => "Value does not fall within the expected range.",
        ExceptionKind::ArgumentNull => "Value cannot be null.",
        ExceptionKind::ArgumentOutOfRange => {
            "Specified argument was out of the range of valid values."
        }
        ExceptionKind::Arithmetic => "Overflow or underflow in the arithmetic operation.",
        ExceptionKind::InvalidProgram => "Common Language Runtime detected an invalid program.",
        ExceptionKind::OutOfMemory => {
            "Insufficient memory to continue the execution of the program."
        }
        ExceptionKind::StackOverflow => "Operation caused a stack overflow.",
        // `stelem.ref` of an element the array's type does not accept.
        ExceptionKind::ArrayTypeMismatch => {
            "Attempted to access an element as a type incompatible with the array."
        }
    }
}

/// The text mono prints for an exception: `Type: message` (the message may span lines, as
/// `ArgumentNullException`'s "Value cannot be null.\nParameter name: s" does).
pub fn describe(kind: ExceptionKind, message: Option<&str>) -> String {
    format!(
        "{}: {}",
        kind.type_name(),
        message.unwrap_or_else(|| default_message(kind))
    )
}

/// The complete stderr report mono prints for an unhandled exception (without stack frames).
pub fn unhandled_report(kind: ExceptionKind, message: Option<&str>) -> String {
    report_of(&describe(kind, message))
}

/// The unhandled-exception report for an exception whose `ToString()` text is `description`.
pub fn report_of(description: &str) -> String {
    format!(
        "\nUnhandled Exception:\n{description}\n[ERROR] FATAL UNHANDLED EXCEPTION: {description}\n"
    )
}

/// Raises a managed exception. Without exception handling every exception is unhandled.
pub fn throw(kind: ExceptionKind, message: Option<&str>) -> ! {
    unhandled(kind, message)
}

/// `ArgumentNullException` for parameter `param`, worded as mono words it.
pub fn throw_argument_null(param: &str) -> ! {
    throw(
        ExceptionKind::ArgumentNull,
        Some(&format!("Value cannot be null.\nParameter name: {param}")),
    )
}

/// Prints mono's unhandled-exception report and exits with mono's exit code.
/// Stdout is flushed first so that the interleaving of the two streams matches mono's.
pub fn unhandled(kind: ExceptionKind, message: Option<&str>) -> ! {
    unhandled_described(&describe(kind, message))
}

/// Prints mono's unhandled-exception report for an exception whose `ToString()` text is
/// `description` and exits with mono's exit code (stdout flushed first).
pub fn unhandled_described(description: &str) -> ! {
    let report = report_of(description);
    let mut stderr = std::io::stderr().lock();
    // Nothing sensible is left to do if stderr is gone; the exit code still tells.
    let _ = stderr.write_all(report.as_bytes());
    let _ = stderr.flush();
    std::process::exit(UNHANDLED_EXIT_CODE)
}

/// Runtime helper: raise the exception with ABI id `kind_id` (see `ngen_abi::exceptions`)
/// with its default message. An unknown id is itself a runtime bug, reported as an
/// `InvalidProgramException` rather than ignored.
pub extern "C" fn ngen_corlib_throw(kind_id: u32) -> ! {
    let kind = ExceptionKind::from_id(kind_id).unwrap_or(ExceptionKind::InvalidProgram);
    throw(kind, None)
}

/// Offset of `System.Exception._message` (Mono's `MonoException` layout, mono-runtime.md §3;
/// the runtime's type system computes the same).
pub const EXCEPTION_MESSAGE_OFFSET: usize = 24;

/// How the runtime names an object's type (mono's reflection name), installed at startup:
/// the BCL surface cannot see the runtime's types.
static TYPE_NAME: std::sync::OnceLock<fn(u64) -> String> = std::sync::OnceLock::new();

/// Installs the runtime's [`TYPE_NAME`] function (later calls keep the first).
pub fn install_type_name(name_of: fn(u64) -> String) {
    let _ = TYPE_NAME.set(name_of);
}

/// `Exception.get_Message()`: `_message`, or, when it is null, mono's "Exception of type
/// 'T' was thrown." for the exception's type.
pub extern "C" fn get_message(this: u64) -> *mut ngen_abi::object::StringObject {
    // SAFETY: `this` is a live Exception (callvirt null-checks it), whose `_message` is a
    // string reference or null at EXCEPTION_MESSAGE_OFFSET.
    let message = unsafe { ((this as usize + EXCEPTION_MESSAGE_OFFSET) as *const u64).read() };
    if message != 0 {
        return message as *mut ngen_abi::object::StringObject;
    }
    let type_name = TYPE_NAME
        .get()
        .map(|name_of| name_of(this))
        .unwrap_or_else(|| "System.Exception".to_string());
    crate::objects::string_from_str(&format!("Exception of type '{type_name}' was thrown."))
}

/// The runtime's texts of an exception object: `ToString()` and `StackTrace` (null: `None`).
pub struct ExceptionTexts {
    pub to_string: fn(u64) -> Option<String>,
    pub stack_trace: fn(u64) -> Option<String>,
}

static TEXTS: std::sync::OnceLock<ExceptionTexts> = std::sync::OnceLock::new();

/// Installs the runtime's [`ExceptionTexts`] (later calls keep the first).
pub fn install_texts(texts: ExceptionTexts) {
    let _ = TEXTS.set(texts);
}

/// `Exception.ToString()`: mono's text (`Type: Message`, inner exceptions, the stack trace),
/// from the runtime's stack traces (until mscorlib's own `StackTrace.ToString()` compiles: it
/// needs `StringBuilder`'s pinned-string paths).
pub extern "C" fn to_string(this: u64) -> *mut ngen_abi::object::StringObject {
    let text = TEXTS.get().and_then(|t| (t.to_string)(this));
    crate::objects::string_from_str(text.as_deref().unwrap_or("System.Exception"))
}

/// `Exception.get_StackTrace()`: the frames' text, or null before the exception is thrown.
pub extern "C" fn get_stack_trace(this: u64) -> *mut ngen_abi::object::StringObject {
    match TEXTS.get().and_then(|t| (t.stack_trace)(this)) {
        Some(text) => crate::objects::string_from_str(&text),
        None => std::ptr::null_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_matches_mono_layout() {
        assert_eq!(
            unhandled_report(ExceptionKind::Overflow, None),
            "\nUnhandled Exception:\nSystem.OverflowException: Arithmetic operation resulted in an overflow.\n\
             [ERROR] FATAL UNHANDLED EXCEPTION: System.OverflowException: Arithmetic operation resulted in an overflow.\n"
        );
    }

    #[test]
    fn every_kind_has_a_message() {
        for kind in ExceptionKind::ALL {
            assert!(!default_message(kind).is_empty());
        }
    }
}
