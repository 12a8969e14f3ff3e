//! `extern "C"` entry points for `ToString()` and `Parse(string)` of the primitive types.
//!
//! `ToString()` and `ToString(string format)` are instance methods on a value type: compiled code passes a pointer to the
//! value (`ldloca; call instance string System.Int32::ToString()`). `Parse` is static and
//! takes the string; a null string raises `ArgumentNullException` as mono does (parameter
//! `s`, or `value` for `Boolean.Parse`).
//!
//! Depends on: [`crate::number_format`], [`crate::number_parse`], [`crate::objects`],
//! [`crate::exceptions`].

use crate::exceptions::{throw, throw_argument_null};
use crate::number_format::standard::{
    FloatType, IntegerType, InvalidFormatSpecifier, format_float, format_integer,
};
use crate::number_format::{format_double, format_i64, format_single, format_u64};
use crate::number_parse::{self, ParseError};
use crate::objects::{alloc_string, string_as_utf16, string_from_str};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::object::StringObject;

type Str = *const StringObject;

/// Reads the value behind a `this` pointer; null raises `NullReferenceException`.
fn read_this<T: Copy>(this: *const T) -> T {
    if this.is_null() {
        throw(ExceptionKind::NullReference, None);
    }
    // SAFETY: compiled code passes the address of a live local, argument or field of type T.
    unsafe { this.read_unaligned() }
}

/// Stores through an `out` pointer; null raises `NullReferenceException`.
fn write_out<T>(target: *mut T, value: T) {
    if target.is_null() {
        throw(ExceptionKind::NullReference, None);
    }
    // SAFETY: compiled code passes the address of a live local, argument or field of type T.
    unsafe { target.write_unaligned(value) }
}

/// `Boolean.ToString()`: the value is one byte, any non-zero is true.
pub extern "C" fn boolean_to_string(this: *const u8) -> *mut StringObject {
    string_from_str(if read_this(this) != 0 {
        "True"
    } else {
        "False"
    })
}

/// `Char.ToString()`.
pub extern "C" fn char_to_string(this: *const u16) -> *mut StringObject {
    alloc_string(&[read_this(this)])
}

/// `Char.ToString(char)` (static).
pub extern "C" fn char_to_string_static(value: i32) -> *mut StringObject {
    alloc_string(&[value as u16])
}

/// Defines an `extern "C"` `ToString()` over a pointer to `$ty`.
macro_rules! to_string_entry {
    ($($name:ident: $ty:ty => $format:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($ty), "` `ToString()`, `this` pointing to the value.")]
            pub extern "C" fn $name(this: *const $ty) -> *mut StringObject {
                let format: fn($ty) -> String = $format;
                string_from_str(&format(read_this(this)))
            }
        )*
    };
}

to_string_entry! {
    sbyte_to_string: i8 => |v| format_i64(v.into());
    byte_to_string: u8 => |v| format_u64(v.into());
    int16_to_string: i16 => |v| format_i64(v.into());
    uint16_to_string: u16 => |v| format_u64(v.into());
    int32_to_string: i32 => |v| format_i64(v.into());
    uint32_to_string: u32 => |v| format_u64(v.into());
    int64_to_string: i64 => format_i64;
    uint64_to_string: u64 => format_u64;
    single_to_string: f32 => format_single;
    double_to_string: f64 => format_double;
    intptr_to_string: isize => |v| format_i64(v as i64);
    uintptr_to_string: usize => |v| format_u64(v as u64);
}

/// The characters of a format string (null means the default format, like "").
fn format_chars(format: Str) -> Vec<char> {
    char::decode_utf16(string_as_utf16(format).iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// A formatted string, or mono's `FormatException` for an invalid specifier.
fn formatted(result: Result<String, InvalidFormatSpecifier>) -> *mut StringObject {
    match result {
        Ok(text) => string_from_str(&text),
        Err(InvalidFormatSpecifier) => {
            throw(ExceptionKind::Format, Some(InvalidFormatSpecifier::MESSAGE))
        }
    }
}

/// Defines `extern "C"` `ToString(string format)` entry points over a pointer to the value.
macro_rules! to_string_format_entry {
    ($($name:ident: $ty:ty => $format:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($ty), "` `ToString(string format)`.")]
            pub extern "C" fn $name(this: *const $ty, format: Str) -> *mut StringObject {
                let apply: fn($ty, &[char]) -> Result<String, InvalidFormatSpecifier> = $format;
                formatted(apply(read_this(this), &format_chars(format)))
            }
        )*
    };
}

to_string_format_entry! {
    sbyte_to_string_format: i8 => |v, f| format_integer(v.into(), IntegerType::SByte, f);
    byte_to_string_format: u8 => |v, f| format_integer(v.into(), IntegerType::Byte, f);
    int16_to_string_format: i16 => |v, f| format_integer(v.into(), IntegerType::Int16, f);
    uint16_to_string_format: u16 => |v, f| format_integer(v.into(), IntegerType::UInt16, f);
    int32_to_string_format: i32 => |v, f| format_integer(v.into(), IntegerType::Int32, f);
    uint32_to_string_format: u32 => |v, f| format_integer(v.into(), IntegerType::UInt32, f);
    int64_to_string_format: i64 => |v, f| format_integer(v.into(), IntegerType::Int64, f);
    uint64_to_string_format: u64 => |v, f| format_integer(v.into(), IntegerType::UInt64, f);
    single_to_string_format: f32 => |v, f| format_float(v.into(), FloatType::Single, f);
    double_to_string_format: f64 => |v, f| format_float(v, FloatType::Double, f);
}

/// Defines `extern "C"` `CompareTo(T)` and `Equals(T)` over a pointer to the value, with the
/// comparison rule of each type (see the invocation).
macro_rules! compare_equals_entry {
    ($($compare:ident, $equals:ident: $ty:ty, $arg:ty => $convert:expr, $rule:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($ty), "` `CompareTo(", stringify!($ty), ")`.")]
            pub extern "C" fn $compare(this: *const $ty, other: $arg) -> i32 {
                let convert: fn($arg) -> $ty = $convert;
                let rule: fn($ty, $ty) -> i32 = $rule;
                rule(read_this(this), convert(other))
            }

            #[doc = concat!("`", stringify!($ty), "` `Equals(", stringify!($ty), ")`.")]
            pub extern "C" fn $equals(this: *const $ty, other: $arg) -> i32 {
                let convert: fn($arg) -> $ty = $convert;
                let this = read_this(this);
                let other = convert(other);
                i32::from(this == other || (is_nan_value(this) && is_nan_value(other)))
            }
        )*
    };
}

/// NaN test for any primitive (only floats can be NaN): `x != x`.
#[allow(clippy::eq_op)]
fn is_nan_value<T: PartialEq + Copy>(x: T) -> bool {
    x != x
}

/// `CompareTo` of `Int32`/`UInt32`/`Int64`/`UInt64`: -1, 0 or 1.
fn ordering<T: PartialOrd>(a: T, b: T) -> i32 {
    if a < b {
        -1
    } else if a > b {
        1
    } else {
        0
    }
}

/// `Double.CompareTo`/`Single.CompareTo`: NaN sorts below everything and equals itself.
fn float_ordering<T: PartialOrd + Copy>(a: T, b: T) -> i32 {
    if a < b {
        -1
    } else if a > b {
        1
    } else if a == b {
        0
    } else if is_nan_value(a) {
        if is_nan_value(b) { 0 } else { -1 }
    } else {
        1
    }
}

compare_equals_entry! {
    // The small types return the difference of the values, as corefx does.
    sbyte_compare_to, sbyte_equals: i8, i32 => |v| v as i8, |a, b| i32::from(a) - i32::from(b);
    byte_compare_to, byte_equals: u8, i32 => |v| v as u8, |a, b| i32::from(a) - i32::from(b);
    int16_compare_to, int16_equals: i16, i32 => |v| v as i16, |a, b| i32::from(a) - i32::from(b);
    uint16_compare_to, uint16_equals: u16, i32 => |v| v as u16, |a, b| i32::from(a) - i32::from(b);
    char_compare_to, char_equals: u16, i32 => |v| v as u16, |a, b| i32::from(a) - i32::from(b);
    int32_compare_to, int32_equals: i32, i32 => |v| v, ordering;
    uint32_compare_to, uint32_equals: u32, i32 => |v| v as u32, ordering;
    int64_compare_to, int64_equals: i64, i64 => |v| v, ordering;
    uint64_compare_to, uint64_equals: u64, i64 => |v| v as u64, ordering;
    single_compare_to, single_equals: f32, f32 => |v| v, float_ordering;
    double_compare_to, double_equals: f64, f64 => |v| v, float_ordering;
    // A bool is one byte; false sorts before true.
    boolean_compare_to, boolean_equals: u8, i32 => |v| u8::from(v != 0), |a, b| ordering(a != 0, b != 0);
}

/// Unwraps a parse result or raises mono's exception for the failure.
fn parsed<T>(result: Result<T, ParseError>) -> T {
    match result {
        Ok(value) => value,
        Err(ParseError::Format(message)) => throw(ExceptionKind::Format, Some(message)),
        Err(ParseError::Overflow(message)) => throw(ExceptionKind::Overflow, Some(&message)),
    }
}

/// The UTF-16 text of a `Parse` argument; null raises `ArgumentNullException(param)`.
fn parse_input(s: Str, param: &str) -> &'static [u16] {
    if s.is_null() {
        throw_argument_null(param);
    }
    string_as_utf16(s)
}

/// `Boolean.Parse(string)`.
pub extern "C" fn boolean_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_boolean(parse_input(s, "value"))))
}

/// `Char.Parse(string)`.
pub extern "C" fn char_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_char(parse_input(s, "s"))))
}

/// `SByte.Parse(string)`.
pub extern "C" fn sbyte_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_sbyte(parse_input(s, "s"))))
}

/// `Byte.Parse(string)`.
pub extern "C" fn byte_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_byte(parse_input(s, "s"))))
}

/// `Int16.Parse(string)`.
pub extern "C" fn int16_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_int16(parse_input(s, "s"))))
}

/// `UInt16.Parse(string)`.
pub extern "C" fn uint16_parse(s: Str) -> i32 {
    i32::from(parsed(number_parse::parse_uint16(parse_input(s, "s"))))
}

/// `Int32.Parse(string)`.
pub extern "C" fn int32_parse(s: Str) -> i32 {
    parsed(number_parse::parse_int32(parse_input(s, "s")))
}

/// `UInt32.Parse(string)`.
pub extern "C" fn uint32_parse(s: Str) -> i32 {
    parsed(number_parse::parse_uint32(parse_input(s, "s"))) as i32
}

/// `Int64.Parse(string)`.
pub extern "C" fn int64_parse(s: Str) -> i64 {
    parsed(number_parse::parse_int64(parse_input(s, "s")))
}

/// `UInt64.Parse(string)`.
pub extern "C" fn uint64_parse(s: Str) -> i64 {
    parsed(number_parse::parse_uint64(parse_input(s, "s"))) as i64
}

/// `Single.Parse(string)`.
pub extern "C" fn single_parse(s: Str) -> f32 {
    parsed(number_parse::parse_single(parse_input(s, "s")))
}

/// `Double.Parse(string)`.
pub extern "C" fn double_parse(s: Str) -> f64 {
    parsed(number_parse::parse_double(parse_input(s, "s")))
}

/// Defines `extern "C"` `TryParse(string, out T)` entry points: on success store the value and
/// return true; on any failure (null included) store zero and return false, as mono does.
macro_rules! try_parse_entry {
    ($($name:ident: $ty:ty => $parse:path, $zero:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($ty), "` `TryParse(string, out ...)`.")]
            pub extern "C" fn $name(s: Str, result: *mut $ty) -> i32 {
                let parsed = if s.is_null() { None } else { $parse(string_as_utf16(s)).ok() };
                let succeeded = parsed.is_some();
                write_out(result, parsed.unwrap_or($zero));
                i32::from(succeeded)
            }
        )*
    };
}

try_parse_entry! {
    boolean_try_parse: u8 => parse_boolean_byte, 0;
    char_try_parse: u16 => number_parse::parse_char, 0;
    sbyte_try_parse: i8 => number_parse::parse_sbyte, 0;
    byte_try_parse: u8 => number_parse::parse_byte, 0;
    int16_try_parse: i16 => number_parse::parse_int16, 0;
    uint16_try_parse: u16 => number_parse::parse_uint16, 0;
    int32_try_parse: i32 => number_parse::parse_int32, 0;
    uint32_try_parse: u32 => number_parse::parse_uint32, 0;
    int64_try_parse: i64 => number_parse::parse_int64, 0;
    uint64_try_parse: u64 => number_parse::parse_uint64, 0;
    single_try_parse: f32 => number_parse::parse_single, 0.0;
    double_try_parse: f64 => number_parse::parse_double, 0.0;
}

/// `Boolean.TryParse` stores a one-byte bool.
fn parse_boolean_byte(s: &[u16]) -> Result<u8, ParseError> {
    number_parse::parse_boolean(s).map(u8::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_parse_stores_the_value_or_zero() {
        let mut value = 7i32;
        assert_eq!(int32_try_parse(string_from_str(" 42 "), &mut value), 1);
        assert_eq!(value, 42);
        assert_eq!(int32_try_parse(string_from_str("x"), &mut value), 0);
        assert_eq!(value, 0);
        let mut flag = 1u8;
        assert_eq!(boolean_try_parse(std::ptr::null(), &mut flag), 0);
        assert_eq!(flag, 0);
        let mut d = 1.0f64;
        assert_eq!(double_try_parse(string_from_str("1e309"), &mut d), 0);
        assert_eq!(d, 0.0);
    }

    #[test]
    fn to_string_reads_through_the_pointer() {
        let value = -12i16;
        let text = int16_to_string(&value);
        assert_eq!(crate::objects::string_to_rust(text).as_deref(), Some("-12"));
        let yes = 1u8;
        assert_eq!(
            crate::objects::string_to_rust(boolean_to_string(&yes)).as_deref(),
            Some("True")
        );
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn to_string_with_format() {
        let value = 1234.5f64;
        let text = double_to_string_format(&value, string_from_str("N1"));
        assert_eq!(
            crate::objects::string_to_rust(text).as_deref(),
            Some("1,234.5")
        );
        let hex = -1i16;
        let text = int16_to_string_format(&hex, string_from_str("x"));
        assert_eq!(
            crate::objects::string_to_rust(text).as_deref(),
            Some("ffff")
        );
        let plain = 7i32;
        let text = int32_to_string_format(&plain, std::ptr::null());
        assert_eq!(crate::objects::string_to_rust(text).as_deref(), Some("7"));
    }
}
