//! Mono's unhandled-exception report and exit code, and the messages of the exceptions the
//! runtime raises itself.
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
//! Note the empty first line. [`super::unhandled`] builds the text of an exception object
//! (`ToString()`, frames included); [`unhandled`] reports a failure the runtime cannot make a
//! catchable exception of (no exception object can be created: out of memory while
//! allocating one, a fault before mscorlib is loaded), without frames.
//!
//! Depends on: `ngen_abi::exceptions`.

pub(crate) use ngen_abi::exceptions::ExceptionKind;
use std::io::Write;

/// Exit code of a process that dies of an unhandled exception under mono.
pub(crate) const UNHANDLED_EXIT_CODE: i32 = 1;

/// The message mono 6.8 gives an exception of this kind constructed without one
/// (which is also what the runtime's own checks raise).
pub(crate) fn default_message(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::Overflow => "Arithmetic operation resulted in an overflow.",
        ExceptionKind::DivideByZero => "Attempted to divide by zero.",
        ExceptionKind::IndexOutOfRange => "Index was outside the bounds of the array.",
        // Mono's runtime-raised NullReferenceException has no final period.
        ExceptionKind::NullReference => "Object reference not set to an instance of an object",
        ExceptionKind::InvalidCast => "Specified cast is not valid.",
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
pub(crate) fn describe(kind: ExceptionKind, message: Option<&str>) -> String {
    format!(
        "{}: {}",
        kind.type_name(),
        message.unwrap_or_else(|| default_message(kind))
    )
}

/// The unhandled-exception report for an exception whose `ToString()` text is `description`.
pub(crate) fn report_of(description: &str) -> String {
    format!(
        "\nUnhandled Exception:\n{description}\n[ERROR] FATAL UNHANDLED EXCEPTION: {description}\n"
    )
}

/// Prints mono's unhandled-exception report for an exception of `kind` (its default message
/// unless `message` is given) and exits with mono's exit code.
pub(crate) fn unhandled(kind: ExceptionKind, message: Option<&str>) -> ! {
    unhandled_described(&describe(kind, message))
}

/// Prints mono's unhandled-exception report for an exception whose `ToString()` text is
/// `description` and exits with mono's exit code (managed output is unbuffered here: the
/// console's writes have reached their file descriptor already).
pub(crate) fn unhandled_described(description: &str) -> ! {
    let report = report_of(description);
    let mut stderr = std::io::stderr().lock();
    // Nothing sensible is left to do if stderr is gone; the exit code still tells.
    let _ = stderr.write_all(report.as_bytes());
    let _ = stderr.flush();
    std::process::exit(UNHANDLED_EXIT_CODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_matches_mono_layout() {
        assert_eq!(
            report_of(&describe(ExceptionKind::Overflow, None)),
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
