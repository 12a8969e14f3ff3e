//! `System.Convert`: the numeric, string and boolean conversions of its `To*` methods that
//! numeric programs use, with mono 6.8's rounding and range checks (read from its IL).
//!
//! Pure functions return `Result<_, ManagedException>`; the `extern "C"` entry points at the
//! bottom raise the error.
//!
//! Depends on: [`crate::number_parse`], [`crate::number_format`], [`crate::exceptions`],
//! [`crate::objects`].

use crate::exceptions::{ExceptionKind, ManagedException};
use crate::number_format::{format_double, format_single};
use crate::number_parse::{self, ParseError};
use crate::objects::{string_as_utf16, string_from_str};
use ngen_abi::object::StringObject;

type Str = *const StringObject;

fn int32_overflow() -> ManagedException {
    ManagedException::new(
        ExceptionKind::Overflow,
        "Value was either too large or too small for an Int32.",
    )
}

fn int64_overflow() -> ManagedException {
    ManagedException::new(
        ExceptionKind::Overflow,
        "Value was either too large or too small for an Int64.",
    )
}

/// `Convert.ToInt32(double)`: round half to even by hand, range-checked (NaN overflows).
pub fn double_to_int32(value: f64) -> Result<i32, ManagedException> {
    if value >= 0.0 {
        if value < 2147483647.5 {
            let mut result = value as i32;
            let fraction = value - f64::from(result);
            if fraction > 0.5 || (fraction == 0.5 && result & 1 != 0) {
                result += 1;
            }
            return Ok(result);
        }
    } else if value >= -2147483648.5 {
        let mut result = value as i32;
        let fraction = value - f64::from(result);
        if fraction < -0.5 || (fraction == -0.5 && result & 1 != 0) {
            result -= 1;
        }
        return Ok(result);
    }
    Err(int32_overflow())
}

/// `Convert.ToInt64(double)`: `checked((long)Math.Round(value))`; the checked conversion
/// raises the plain overflow message.
///
/// Which `Round` mono uses depends on its inliner: inlined into a user method (the usual case
/// once `Convert` is initialized) it is the `roundsd` intrinsic; called out of line (e.g. the
/// first use from `Main`, before `Convert`'s static constructor ran) it is the internal call.
/// They differ only for values like 0.49999999999999994 (0 vs 1); we follow the inlined case.
pub fn double_to_int64(value: f64) -> Result<i64, ManagedException> {
    let rounded = value.round_ties_even();
    // conv.ovf.i8 accepts (-2^63 - 1, 2^63), which for doubles is [-2^63, 2^63); NaN fails.
    const TWO_POW_63: f64 = (1u64 << 63) as f64;
    if !(-TWO_POW_63..TWO_POW_63).contains(&rounded) {
        return Err(ManagedException::of_kind(ExceptionKind::Overflow));
    }
    Ok(rounded as i64)
}

/// `Convert.ToInt32(long)`.
pub fn int64_to_int32(value: i64) -> Result<i32, ManagedException> {
    i32::try_from(value).map_err(|_| int32_overflow())
}

/// `Convert.ToInt32(uint)` and `Convert.ToInt32(ulong)`.
pub fn unsigned_to_int32(value: u64) -> Result<i32, ManagedException> {
    i32::try_from(value).map_err(|_| int32_overflow())
}

/// `Convert.ToInt64(ulong)`.
pub fn uint64_to_int64(value: u64) -> Result<i64, ManagedException> {
    i64::try_from(value).map_err(|_| int64_overflow())
}

/// A parse failure as the exception `Parse` raises.
fn parse_exception(error: ParseError) -> ManagedException {
    match error {
        ParseError::Format(message) => ManagedException::new(ExceptionKind::Format, message),
        ParseError::Overflow(message) => ManagedException::new(ExceptionKind::Overflow, message),
    }
}

/// `Convert.ToInt32(string)`: null is 0, anything else is `Int32.Parse`.
pub fn string_to_int32(value: Option<&[u16]>) -> Result<i32, ManagedException> {
    value.map_or(Ok(0), |s| {
        number_parse::parse_int32(s).map_err(parse_exception)
    })
}

/// `Convert.ToInt64(string)`.
pub fn string_to_int64(value: Option<&[u16]>) -> Result<i64, ManagedException> {
    value.map_or(Ok(0), |s| {
        number_parse::parse_int64(s).map_err(parse_exception)
    })
}

/// `Convert.ToDouble(string)`.
pub fn string_to_double(value: Option<&[u16]>) -> Result<f64, ManagedException> {
    value.map_or(Ok(0.0), |s| {
        number_parse::parse_double(s).map_err(parse_exception)
    })
}

/// `Convert.ToBoolean(string)`: null is false, anything else is `Boolean.Parse`.
pub fn string_to_boolean(value: Option<&[u16]>) -> Result<bool, ManagedException> {
    value.map_or(Ok(false), |s| {
        number_parse::parse_boolean(s).map_err(parse_exception)
    })
}

fn text(s: Str) -> Option<&'static [u16]> {
    (!s.is_null()).then(|| string_as_utf16(s))
}

fn ok_or_raise<T>(result: Result<T, ManagedException>) -> T {
    result.unwrap_or_else(|e| e.raise())
}

/// `Convert.ToInt32(double)`.
pub extern "C" fn to_int32_r8(value: f64) -> i32 {
    ok_or_raise(double_to_int32(value))
}

/// `Convert.ToInt32(float)` (widened, then as for double).
pub extern "C" fn to_int32_r4(value: f32) -> i32 {
    ok_or_raise(double_to_int32(value.into()))
}

/// `Convert.ToInt32(long)`.
pub extern "C" fn to_int32_i8(value: i64) -> i32 {
    ok_or_raise(int64_to_int32(value))
}

/// `Convert.ToInt32(uint)`.
pub extern "C" fn to_int32_u4(value: i32) -> i32 {
    ok_or_raise(unsigned_to_int32(u64::from(value as u32)))
}

/// `Convert.ToInt32(ulong)`.
pub extern "C" fn to_int32_u8(value: i64) -> i32 {
    ok_or_raise(unsigned_to_int32(value as u64))
}

/// `Convert.ToInt32(string)`.
pub extern "C" fn to_int32_string(value: Str) -> i32 {
    ok_or_raise(string_to_int32(text(value)))
}

/// `Convert.ToInt32(bool)`, `Convert.ToInt32(char)` and the small integer types: the value
/// itself (already widened to `i32` by the calling convention).
pub extern "C" fn to_int32_identity(value: i32) -> i32 {
    value
}

/// `Convert.ToInt64(double)`.
pub extern "C" fn to_int64_r8(value: f64) -> i64 {
    ok_or_raise(double_to_int64(value))
}

/// `Convert.ToInt64(float)`.
pub extern "C" fn to_int64_r4(value: f32) -> i64 {
    ok_or_raise(double_to_int64(value.into()))
}

/// `Convert.ToInt64(int)` and `Convert.ToInt64(bool)`.
pub extern "C" fn to_int64_i4(value: i32) -> i64 {
    value.into()
}

/// `Convert.ToInt64(ulong)`.
pub extern "C" fn to_int64_u8(value: i64) -> i64 {
    ok_or_raise(uint64_to_int64(value as u64))
}

/// `Convert.ToInt64(string)`.
pub extern "C" fn to_int64_string(value: Str) -> i64 {
    ok_or_raise(string_to_int64(text(value)))
}

/// `Convert.ToDouble(int)` and `Convert.ToDouble(bool)`.
pub extern "C" fn to_double_i4(value: i32) -> f64 {
    value.into()
}

/// `Convert.ToDouble(long)`.
pub extern "C" fn to_double_i8(value: i64) -> f64 {
    value as f64
}

/// `Convert.ToDouble(float)`.
pub extern "C" fn to_double_r4(value: f32) -> f64 {
    value.into()
}

/// `Convert.ToDouble(string)`.
pub extern "C" fn to_double_string(value: Str) -> f64 {
    ok_or_raise(string_to_double(text(value)))
}

/// `Convert.ToBoolean(string)`.
pub extern "C" fn to_boolean_string(value: Str) -> i32 {
    i32::from(ok_or_raise(string_to_boolean(text(value))))
}

/// `Convert.ToBoolean(int)`.
pub extern "C" fn to_boolean_i4(value: i32) -> i32 {
    i32::from(value != 0)
}

/// `Convert.ToBoolean(double)`: `value != 0`, so NaN is true.
pub extern "C" fn to_boolean_r8(value: f64) -> i32 {
    i32::from(value != 0.0)
}

/// `Convert.ToString(int)`.
pub extern "C" fn to_string_i4(value: i32) -> *mut StringObject {
    string_from_str(&value.to_string())
}

/// `Convert.ToString(long)`.
pub extern "C" fn to_string_i8(value: i64) -> *mut StringObject {
    string_from_str(&value.to_string())
}

/// `Convert.ToString(double)`.
pub extern "C" fn to_string_r8(value: f64) -> *mut StringObject {
    string_from_str(&format_double(value))
}

/// `Convert.ToString(float)`.
pub extern "C" fn to_string_r4(value: f32) -> *mut StringObject {
    string_from_str(&format_single(value))
}

/// `Convert.ToString(bool)`.
pub extern "C" fn to_string_bool(value: i32) -> *mut StringObject {
    string_from_str(if value != 0 { "True" } else { "False" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_to_int32_rounds_half_to_even_and_checks_range() {
        assert_eq!(double_to_int32(2.5), Ok(2));
        assert_eq!(double_to_int32(3.5), Ok(4));
        assert_eq!(double_to_int32(-2.5), Ok(-2));
        assert_eq!(double_to_int32(-2147483648.5), Ok(i32::MIN));
        assert!(double_to_int32(2147483647.5).is_err());
        assert!(double_to_int32(f64::NAN).is_err());
    }

    #[test]
    fn double_to_int64_rounds_half_to_even_and_checks_range() {
        assert_eq!(double_to_int64(0.49999999999999994), Ok(0));
        assert_eq!(double_to_int64(2.5), Ok(2));
        assert_eq!(double_to_int64(i64::MIN as f64), Ok(i64::MIN));
        assert_eq!(
            double_to_int64(-(i64::MIN as f64)),
            Err(ManagedException::of_kind(ExceptionKind::Overflow))
        );
    }
}
