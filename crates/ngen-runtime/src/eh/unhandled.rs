//! An exception that leaves `Main`: mono's unhandled-exception report on stderr, exit 1.
//!
//! Mono prints `\nUnhandled Exception:\n<ToString()>\n[ERROR] FATAL UNHANDLED EXCEPTION:
//! <ToString()>\n`. A runtime exception (see [`super::raise`]) is described as
//! `Type: message`; an object that does not derive from `System.Exception` (IL can throw any
//! object) is wrapped by mono in a `RuntimeWrappedException`, whose text we print. Stack
//! frames (`  at ...`) are not printed yet.
//!
//! Depends on: [`super::pending`], [`super::raise`], `ngen-corlib` (the report).

use ngen_corlib::exceptions::{describe, unhandled_described};

/// Mono's text for an unhandled object that is not an `Exception`.
const RUNTIME_WRAPPED: &str = "System.Runtime.CompilerServices.RuntimeWrappedException: An object that does not derive from System.Exception has been wrapped in a RuntimeWrappedException.";

/// Reports the pending exception, if any, as unhandled and exits 1; returns when there is
/// none.
pub(crate) fn report_if_pending() {
    let Some(exception) = super::pending::take() else {
        return;
    };
    // SAFETY: a pending exception is a live object reference.
    let description = match unsafe { super::raise::kind_of(exception) } {
        Some(kind) => describe(kind, None),
        None => RUNTIME_WRAPPED.to_string(),
    };
    unhandled_described(&description)
}
