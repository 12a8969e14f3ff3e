//! The BCL surface the runtime provides until Mono's own mscorlib is compiled by ngen-build.
//!
//! Compiled code calls these functions through the runtime's import cells: the runtime maps a
//! `[mscorlib]` method reference to a [`resolve::CorlibMethodRef`] and asks [`resolve::resolve`]
//! for the `extern "C"` entry point of that exact overload.
//!
//! Everything here mirrors Mono 6.8's observable behaviour (its corefx-derived `System.Number`
//! formatting and parsing, its exception messages, its unhandled-exception report), because the
//! differential tests compare our output with `mono`'s byte for byte.
//!
//! Modules, each with one job:
//! - [`objects`] — allocating managed strings and arrays (layouts from `ngen_abi::object`);
//! - [`exceptions`] — raising a managed exception, which for now means mono's unhandled report;
//! - [`string`] — `System.String` members;
//! - [`char_info`] — `System.Char` classification from a Unicode category table generated from mono;
//! - [`convert`] — `System.Convert` (numeric, string and boolean `To*` conversions);
//! - [`number_format`] — `ToString()` and `ToString(format)` of the numeric types (pure Rust);
//! - [`number_parse`] — `Parse(string)` of the primitive types (pure Rust, no ABI);
//! - [`primitives`] — the `extern "C"` `ToString`/`Parse`/`TryParse` entry points over the two above;
//! - [`math`] — `System.Math`;
//! - [`environment`] — `System.Environment`;
//! - [`floating_point`] — `Double`/`Single` predicates (`IsNaN`, ...) and `BitConverter` bit casts;
//! - [`mod@resolve`] — from a method reference to an entry point.
//!
//! The ABI of every entry point is the managed calling convention of the compiler: SystemV,
//! with CIL's stack types (see [`resolve::ValueKind`]).
//!
//! Depends on ngen-abi only (object layouts, exception kinds); nothing here depends on the
//! compiler or the runtime, which call in.

pub mod char_info;
pub mod convert;
pub mod environment;
pub mod exceptions;
pub mod floating_point;
pub mod math;
pub mod number_format;
pub mod number_parse;
pub mod objects;
pub mod primitives;
pub mod resolve;
pub mod string;

pub use objects::{alloc_string, alloc_string_array, string_as_utf16, string_from_str};
pub use resolve::{
    CorlibFieldRef, CorlibMethodRef, ValueKind, fold_constant_call, resolve, resolve_static_field,
};
