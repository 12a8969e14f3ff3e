//! What remains of the BCL surface (issue 7 retires it area by area): the `System.Math`
//! members mono's JIT turns into instructions or whose managed code calls the `Round` internal
//! call, with mono's exact results, and the runtime support that grew up here: managed string
//! and array allocation, mono's unhandled-exception report, the exit code.
//!
//! Console, String, number formatting and parsing, `Char`, `Convert`, `BitConverter`,
//! `Environment` and the primitives' `CompareTo`/`Equals` are mscorlib's own members now,
//! compiled in its image (docs/bcl-surface.md says what remains and why).
//!
//! Compiled code reaches the remaining members through the runtime's import cells: the runtime
//! maps a `[mscorlib]` method reference to a [`resolve::CorlibMethodRef`] and asks
//! [`resolve::resolve`] for the `extern "C"` entry point of that exact overload.
//!
//! Modules, each with one job:
//! - [`objects`] — allocating managed strings and arrays (layouts from `ngen_abi::object`);
//! - [`exceptions`] — mono's unhandled report and exit code, default exception messages;
//! - [`math`] — `System.Math`'s internal calls as mono's JIT runs them, and its literal folding;
//! - [`environment`] — the exit code, `Exit`, the new-line string and the tick count, which the
//!   runtime's `Environment` icalls use;
//! - [`mod@resolve`] — from a method reference to an entry point.
//!
//! The ABI of every entry point is the managed calling convention of the compiler: SystemV,
//! with CIL's stack types (see [`resolve::ValueKind`]).
//!
//! Depends on ngen-abi only (object layouts, exception kinds); nothing here depends on the
//! compiler or the runtime, which call in.

pub mod environment;
pub mod exceptions;
pub mod math;
pub mod objects;
pub mod resolve;

pub use objects::{alloc_string, alloc_string_array, string_as_utf16, string_from_str};
pub use resolve::{
    CorlibFieldRef, CorlibMethodRef, ValueKind, fold_constant_call, resolve, resolve_static_field,
};
