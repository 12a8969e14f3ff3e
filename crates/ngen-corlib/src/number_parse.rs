//! `Parse(string)` of the primitive types, as mono 6.8 parses them (invariant culture).
//!
//! Mono 6.8 uses corefx 2.x's `System.Number`:
//! - integers (`NumberStyles.Integer`): optional ASCII white space (`' '`, `\t`..`\r`), an
//!   optional `+`/`-`, ASCII digits, optional white space; trailing NUL characters are
//!   ignored. Format errors win over overflow ("99999999999x" is a format error). The small
//!   types parse as `Int32` (`SByte`, `Byte`, `Int16`) or `UInt32` (`UInt16`) and range-check afterwards, so an `Int32` overflow inside
//!   `Int16.Parse` surfaces as an `OverflowException` with an inner exception;
//! - floating point (`NumberStyles.Float | AllowThousands`): `ParseNumber` collects up to 50
//!   significant digits, then `NumberToDouble` converts with the CLR's historical algorithm:
//!   only the first 18 digits count (the rest are truncated), scaled by 64-bit table powers of
//!   ten with a lossy 64x64 multiply. It is not correctly rounded, so it is reproduced exactly
//!   instead of using Rust's parser. "Infinity", "-Infinity" and "NaN" are accepted after
//!   trimming Unicode white space.
//!
//! Pure functions over UTF-16 text; the `extern "C"` wrappers live in [`crate::primitives`].
//!
//! Depends on: nothing else in this crate.

/// Why a parse failed, with the exception mono raises for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `FormatException` with this message.
    Format(&'static str),
    /// `OverflowException` with this message (which may embed an inner exception).
    Overflow(String),
}

const BAD_NUMBER: &str = "Input string was not in a correct format.";
const BAD_BOOLEAN: &str = "String was not recognized as a valid Boolean.";
const NEED_SINGLE_CHAR: &str = "String must be exactly one character long.";

/// The `OverflowException` message for a target type, e.g. "an Int32", "a signed byte".
fn overflow_message(article_and_type: &str) -> String {
    format!("Value was either too large or too small for {article_and_type}.")
}

/// An overflow wrapping the `Int32`/`UInt32` overflow raised by the parser underneath,
/// printed by mono as `outer ---> System.OverflowException: inner` plus an end marker.
fn nested_overflow(outer: &str, inner: &str) -> ParseError {
    ParseError::Overflow(format!(
        "{} ---> System.OverflowException: {}\n   --- End of inner exception stack trace ---",
        overflow_message(outer),
        overflow_message(inner)
    ))
}

/// corefx's `Number.IsWhite`: space and `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_white(c: u16) -> bool {
    c == 0x20 || (0x09..=0x0D).contains(&c)
}

fn is_digit(c: u16) -> bool {
    (0x30..=0x39).contains(&c)
}

/// corefx's `TrailingZeros`: everything from `index` on is NUL.
fn trailing_zeros(s: &[u16], index: usize) -> bool {
    s.get(index..)
        .is_none_or(|rest| rest.iter().all(|&c| c == 0))
}

/// `char.IsWhiteSpace` (the same set as Unicode White_Space). Lone surrogates are not white.
fn is_unicode_white(c: u16) -> bool {
    char::from_u32(u32::from(c)).is_some_and(char::is_whitespace)
}

/// The magnitude and sign of an integer in `NumberStyles.Integer` syntax.
struct IntegerText {
    negative: bool,
    /// The value, saturated at `u128::MAX` (every target type overflows long before).
    magnitude: u128,
}

/// corefx's `TryParse{Int32,Int64,UInt32,UInt64}IntegerStyle` syntax (range checks are the
/// caller's): `Err(())` is a format error.
fn parse_integer_text(s: &[u16]) -> Result<IntegerText, ()> {
    let mut i = 0;
    while i < s.len() && is_white(s[i]) {
        i += 1;
    }
    let mut negative = false;
    match s.get(i) {
        Some(&c) if c == u16::from(b'-') => {
            negative = true;
            i += 1;
        }
        Some(&c) if c == u16::from(b'+') => i += 1,
        _ => {}
    }
    if !s.get(i).is_some_and(|&c| is_digit(c)) {
        return Err(());
    }
    let mut magnitude: u128 = 0;
    while let Some(&c) = s.get(i).filter(|&&c| is_digit(c)) {
        magnitude = magnitude
            .saturating_mul(10)
            .saturating_add(u128::from(c - 0x30));
        i += 1;
    }
    if i < s.len() && is_white(s[i]) {
        while i < s.len() && is_white(s[i]) {
            i += 1;
        }
    }
    if trailing_zeros(s, i) {
        Ok(IntegerText {
            negative,
            magnitude,
        })
    } else {
        Err(())
    }
}

/// Parses a signed integer in `[min, max]`; `type_phrase` names the type in the overflow message.
fn parse_signed(s: &[u16], min: i64, max: i64, type_phrase: &str) -> Result<i64, ParseError> {
    let text = parse_integer_text(s).map_err(|()| ParseError::Format(BAD_NUMBER))?;
    let value = if text.negative {
        i128::try_from(text.magnitude).map(|m| -m)
    } else {
        i128::try_from(text.magnitude)
    };
    match value {
        Ok(v) if v >= i128::from(min) && v <= i128::from(max) => Ok(v as i64),
        _ => Err(ParseError::Overflow(overflow_message(type_phrase))),
    }
}

/// Parses an unsigned integer up to `max` ("-0" is zero, any other negative overflows).
fn parse_unsigned(s: &[u16], max: u64, type_phrase: &str) -> Result<u64, ParseError> {
    let text = parse_integer_text(s).map_err(|()| ParseError::Format(BAD_NUMBER))?;
    if text.negative && text.magnitude != 0 || text.magnitude > u128::from(max) {
        return Err(ParseError::Overflow(overflow_message(type_phrase)));
    }
    Ok(text.magnitude as u64)
}

/// `Int32.Parse(string)` (non-null).
pub fn parse_int32(s: &[u16]) -> Result<i32, ParseError> {
    parse_signed(s, i32::MIN.into(), i32::MAX.into(), "an Int32").map(|v| v as i32)
}

/// `UInt32.Parse(string)` (non-null).
pub fn parse_uint32(s: &[u16]) -> Result<u32, ParseError> {
    parse_unsigned(s, u32::MAX.into(), "a UInt32").map(|v| v as u32)
}

/// `Int64.Parse(string)` (non-null).
pub fn parse_int64(s: &[u16]) -> Result<i64, ParseError> {
    parse_signed(s, i64::MIN, i64::MAX, "an Int64")
}

/// `UInt64.Parse(string)` (non-null).
pub fn parse_uint64(s: &[u16]) -> Result<u64, ParseError> {
    parse_unsigned(s, u64::MAX, "a UInt64")
}

/// A small signed type: parsed as `Int32`, then range-checked.
fn parse_small_signed(s: &[u16], min: i32, max: i32, type_phrase: &str) -> Result<i32, ParseError> {
    match parse_int32(s) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        Ok(_) => Err(ParseError::Overflow(overflow_message(type_phrase))),
        Err(ParseError::Overflow(_)) => Err(nested_overflow(type_phrase, "an Int32")),
        Err(e) => Err(e),
    }
}

/// A small unsigned type: parsed as `UInt32`, then range-checked.
fn parse_small_unsigned(s: &[u16], max: u32, type_phrase: &str) -> Result<u32, ParseError> {
    match parse_uint32(s) {
        Ok(v) if v <= max => Ok(v),
        Ok(_) => Err(ParseError::Overflow(overflow_message(type_phrase))),
        Err(ParseError::Overflow(_)) => Err(nested_overflow(type_phrase, "a UInt32")),
        Err(e) => Err(e),
    }
}

/// `SByte.Parse(string)` (non-null).
pub fn parse_sbyte(s: &[u16]) -> Result<i8, ParseError> {
    parse_small_signed(s, i8::MIN.into(), i8::MAX.into(), "a signed byte").map(|v| v as i8)
}

/// `Byte.Parse(string)` (non-null). Mono parses bytes as `Int32` (unlike `UInt16`).
pub fn parse_byte(s: &[u16]) -> Result<u8, ParseError> {
    parse_small_signed(s, 0, u8::MAX.into(), "an unsigned byte").map(|v| v as u8)
}

/// `Int16.Parse(string)` (non-null).
pub fn parse_int16(s: &[u16]) -> Result<i16, ParseError> {
    parse_small_signed(s, i16::MIN.into(), i16::MAX.into(), "an Int16").map(|v| v as i16)
}

/// `UInt16.Parse(string)` (non-null).
pub fn parse_uint16(s: &[u16]) -> Result<u16, ParseError> {
    parse_small_unsigned(s, u16::MAX.into(), "a UInt16").map(|v| v as u16)
}

/// `Boolean.Parse(string)` (non-null): "True"/"False" in any ASCII case, after trimming
/// Unicode white space and NULs.
pub fn parse_boolean(s: &[u16]) -> Result<bool, ParseError> {
    let start = s
        .iter()
        .position(|&c| !(is_unicode_white(c) || c == 0))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !(is_unicode_white(c) || c == 0))
        .map_or(start, |p| p + 1);
    let trimmed = s.get(start..end).unwrap_or(&[]);
    let equals_ignore_case = |word: &str| {
        trimmed.len() == word.len()
            && trimmed
                .iter()
                .zip(word.bytes())
                .all(|(&c, w)| u8::try_from(c).is_ok_and(|c| c.eq_ignore_ascii_case(&w)))
    };
    if equals_ignore_case("True") {
        Ok(true)
    } else if equals_ignore_case("False") {
        Ok(false)
    } else {
        Err(ParseError::Format(BAD_BOOLEAN))
    }
}

/// `Char.Parse(string)` (non-null): exactly one UTF-16 code unit.
pub fn parse_char(s: &[u16]) -> Result<u16, ParseError> {
    match s {
        [c] => Ok(*c),
        _ => Err(ParseError::Format(NEED_SINGLE_CHAR)),
    }
}

/// The digits `ParseNumber` collected: `0.digits * 10^scale`.
#[derive(Debug, Default, PartialEq, Eq)]
struct ParsedDigits {
    /// Significant digits (at most 50, no leading zeros, trailing zeros dropped), ASCII.
    digits: Vec<u8>,
    scale: i32,
    negative: bool,
}

/// Most digits `ParseNumber` keeps.
const MAX_PARSED_DIGITS: usize = 50;

/// corefx's `TryStringToNumber` with `NumberStyles.Float | AllowThousands` and the invariant
/// culture. `None` when the text is not a number.
fn string_to_number(s: &[u16]) -> Option<ParsedDigits> {
    const SIGN_SEEN: u32 = 1;
    const DIGITS_SEEN: u32 = 4;
    const NONZERO_SEEN: u32 = 8;
    const POINT_SEEN: u32 = 16;
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut number = ParsedDigits::default();
    let mut state = 0u32;
    let mut p = 0usize;
    // Leading white space and sign; no white space after the sign.
    loop {
        let c = at(p);
        if !is_white(c) || state & SIGN_SEEN != 0 {
            if state & SIGN_SEEN == 0 && (c == u16::from(b'+') || c == u16::from(b'-')) {
                number.negative = c == u16::from(b'-');
                state |= SIGN_SEEN;
            } else {
                break;
            }
        }
        p += 1;
    }
    let mut digit_end = 0usize;
    loop {
        let c = at(p);
        if is_digit(c) {
            state |= DIGITS_SEEN;
            if c != u16::from(b'0') || state & NONZERO_SEEN != 0 {
                if number.digits.len() < MAX_PARSED_DIGITS {
                    number.digits.push(c as u8);
                    if c != u16::from(b'0') {
                        digit_end = number.digits.len();
                    }
                }
                if state & POINT_SEEN == 0 {
                    number.scale += 1;
                }
                state |= NONZERO_SEEN;
            } else if state & POINT_SEEN != 0 {
                number.scale -= 1;
            }
        } else if c == u16::from(b'.') && state & POINT_SEEN == 0 {
            state |= POINT_SEEN;
        } else if c == u16::from(b',') && state & DIGITS_SEEN != 0 && state & POINT_SEEN == 0 {
            // Group separators are skipped anywhere in the integer part.
        } else {
            break;
        }
        p += 1;
    }
    number.digits.truncate(digit_end);
    if state & DIGITS_SEEN == 0 {
        return None;
    }
    let c = at(p);
    if c == u16::from(b'E') || c == u16::from(b'e') {
        let before_exponent = p;
        p += 1;
        let mut negative_exponent = false;
        if at(p) == u16::from(b'+') {
            p += 1;
        } else if at(p) == u16::from(b'-') {
            p += 1;
            negative_exponent = true;
        }
        if is_digit(at(p)) {
            let mut exponent: i32 = 0;
            while is_digit(at(p)) {
                exponent = exponent * 10 + i32::from(at(p) - 0x30);
                p += 1;
                if exponent > 1000 {
                    exponent = 9999;
                    while is_digit(at(p)) {
                        p += 1;
                    }
                }
            }
            number.scale += if negative_exponent {
                -exponent
            } else {
                exponent
            };
        } else {
            p = before_exponent;
        }
    }
    while p < s.len() && is_white(at(p)) {
        p += 1;
    }
    if state & NONZERO_SEEN == 0 {
        number.scale = 0;
        if state & POINT_SEEN == 0 {
            number.negative = false;
        }
    }
    if p < s.len() && !trailing_zeros(s, p) {
        return None;
    }
    Some(number)
}

/// Powers of ten as normalized 64-bit mantissas: 10^1..10^15, then 10^-1..10^-15
/// (mono's `Number.s_rgval64Power10`).
const POWERS_OF_TEN: [u64; 30] = [
    0xa000000000000000,
    0xc800000000000000,
    0xfa00000000000000,
    0x9c40000000000000,
    0xc350000000000000,
    0xf424000000000000,
    0x9896800000000000,
    0xbebc200000000000,
    0xee6b280000000000,
    0x9502f90000000000,
    0xba43b74000000000,
    0xe8d4a51000000000,
    0x9184e72a00000000,
    0xb5e620f480000000,
    0xe35fa931a0000000,
    0xcccccccccccccccd,
    0xa3d70a3d70a3d70b,
    0x83126e978d4fdf3c,
    0xd1b71758e219652e,
    0xa7c5ac471b478425,
    0x8637bd05af6c69b7,
    0xd6bf94d5e57a42be,
    0xabcc77118461ceff,
    0x89705f4136b4a599,
    0xdbe6fecebdedd5c2,
    0xafebff0bcb24ab02,
    0x8cbccc096f5088cf,
    0xe12e13424bb40e18,
    0xb424dc35095cd813,
    0x901d7cf73ab0acdc,
];

/// Binary exponents of [`POWERS_OF_TEN`] (mono's `s_rgexp64Power10`).
const POWERS_OF_TEN_EXPONENTS: [i32; 15] =
    [4, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40, 44, 47, 50];

/// 10^16..10^336 in steps of 16, then 10^-16..10^-336 (mono's `s_rgval64Power10By16`).
const POWERS_OF_TEN_BY_16: [u64; 42] = [
    0x8e1bc9bf04000000,
    0x9dc5ada82b70b59e,
    0xaf298d050e4395d6,
    0xc2781f49ffcfa6d4,
    0xd7e77a8f87daf7fa,
    0xefb3ab16c59b14a0,
    0x850fadc09923329c,
    0x93ba47c980e98cde,
    0xa402b9c5a8d3a6e6,
    0xb616a12b7fe617a8,
    0xca28a291859bbf90,
    0xe070f78d39275566,
    0xf92e0c3537826140,
    0x8a5296ffe33cc92c,
    0x9991a6f3d6bf1762,
    0xaa7eebfb9df9de8a,
    0xbd49d14aa79dbc7e,
    0xd226fc195c6a2f88,
    0xe950df20247c83f8,
    0x81842f29f2cce373,
    0x8fcac257558ee4e2,
    0xe69594bec44de160,
    0xcfb11ead453994c3,
    0xbb127c53b17ec165,
    0xa87fea27a539e9b3,
    0x97c560ba6b0919b5,
    0x88b402f7fd7553ab,
    0xf64335bcf065d3a0,
    0xddd0467c64bce4c4,
    0xc7caba6e7c5382ed,
    0xb3f4e093db73a0b7,
    0xa21727db38cb0053,
    0x91ff83775423cc29,
    0x8380dea93da4bc82,
    0xece53cec4a314f00,
    0xd5605fcdcf32e217,
    0xc0314325637a1978,
    0xad1c8eab5ee43ba2,
    0x9becce62836ac5b0,
    0x8c71dcd9ba0b495c,
    0xfd00b89747823938,
    0xe3e27a444d8d991a,
];

/// Binary exponents of [`POWERS_OF_TEN_BY_16`] (mono's `s_rgexp64Power10By16`).
const POWERS_OF_TEN_BY_16_EXPONENTS: [i32; 21] = [
    54, 107, 160, 213, 266, 319, 373, 426, 479, 532, 585, 638, 691, 745, 798, 851, 904, 957, 1010,
    1064, 1117,
];

/// The high 64 bits of `a * b` from three 32x32 partial products (the low one is dropped),
/// renormalized so bit 63 is set.
fn mul64_lossy(a: u64, b: u64, exponent: &mut i32) -> u64 {
    let mul = |x: u64, y: u64| (x & 0xffff_ffff) * (y & 0xffff_ffff);
    let mut val = mul(a >> 32, b >> 32)
        .wrapping_add(mul(a >> 32, b) >> 32)
        .wrapping_add(mul(a, b >> 32) >> 32);
    if val & 0x8000_0000_0000_0000 == 0 {
        val <<= 1;
        *exponent -= 1;
    }
    val
}

/// The value of up to 9 ASCII digits.
fn digits_to_int(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'))
}

/// corefx's `NumberToDouble`: the CLR's historical, not correctly rounded conversion.
fn number_to_double(number: &ParsedDigits) -> f64 {
    let digits = &number.digits;
    let total = digits.len() as i32;
    let significant = &digits[digits.iter().take_while(|&&d| d == b'0').count()..];
    if significant.is_empty() {
        return 0.0;
    }
    let mut remaining = significant.len();
    let first = remaining.min(9);
    remaining -= first;
    let mut val = digits_to_int(&significant[..first]);
    if remaining > 0 {
        let second = remaining.min(9);
        remaining -= second;
        let multiplier = POWERS_OF_TEN[second - 1] >> (64 - POWERS_OF_TEN_EXPONENTS[second - 1]);
        val = (val & 0xffff_ffff) * (multiplier & 0xffff_ffff)
            + digits_to_int(&significant[9..9 + second]);
    }
    let scale = number.scale - (total - remaining as i32);
    let abs_scale = scale.unsigned_abs() as usize;
    if abs_scale >= 352 {
        let mut bits: u64 = if scale > 0 { 0x7ff0_0000_0000_0000 } else { 0 };
        if number.negative {
            bits |= 0x8000_0000_0000_0000;
        }
        return f64::from_bits(bits);
    }
    // Normalize so bit 63 is set.
    let mut exponent: i32 = 64;
    for (mask, shift) in [
        (0xffff_ffff_0000_0000u64, 32),
        (0xffff_0000_0000_0000, 16),
        (0xff00_0000_0000_0000, 8),
        (0xf000_0000_0000_0000, 4),
        (0xc000_0000_0000_0000, 2),
        (0x8000_0000_0000_0000, 1),
    ] {
        if val & mask == 0 {
            val <<= shift;
            exponent -= shift;
        }
    }
    let low = abs_scale & 15;
    if low != 0 {
        let power_exponent = POWERS_OF_TEN_EXPONENTS[low - 1];
        exponent += if scale < 0 {
            -power_exponent + 1
        } else {
            power_exponent
        };
        let multiplier = POWERS_OF_TEN[low + if scale < 0 { 15 } else { 0 } - 1];
        val = mul64_lossy(val, multiplier, &mut exponent);
    }
    let high = abs_scale >> 4;
    if high != 0 {
        let power_exponent = POWERS_OF_TEN_BY_16_EXPONENTS[high - 1];
        exponent += if scale < 0 {
            -power_exponent + 1
        } else {
            power_exponent
        };
        let multiplier = POWERS_OF_TEN_BY_16[high + if scale < 0 { 21 } else { 0 } - 1];
        val = mul64_lossy(val, multiplier, &mut exponent);
    }
    // Round to 53 bits: half-up, to even on the exact tie of the kept 64 bits.
    if val & (1 << 10) != 0 {
        let mut rounded = val.wrapping_add(1023).wrapping_add((val >> 11) & 1);
        if rounded < val {
            rounded = (rounded >> 1) | 0x8000_0000_0000_0000;
            exponent += 1;
        }
        val = rounded;
    }
    exponent += 1022;
    let mut bits = if exponent <= 0 {
        if exponent == -52 && val >= 0x8000_0000_0000_0058 {
            1
        } else if exponent <= -52 {
            0
        } else {
            val >> (-exponent + 11 + 1)
        }
    } else if exponent >= 0x7ff {
        0x7ff0_0000_0000_0000
    } else {
        ((exponent as u64) << 52).wrapping_add((val >> 11) & 0x000f_ffff_ffff_ffff)
    };
    if number.negative {
        bits |= 0x8000_0000_0000_0000;
    }
    f64::from_bits(bits)
}

/// The NaN mono's `Double.Parse("NaN")` returns: the x86 default NaN, sign bit set
/// (observable through `BitConverter.DoubleToInt64Bits`).
const MONO_NAN: f64 = f64::from_bits(0xfff8_0000_0000_0000);

/// corefx's `NumberToDouble` over formatting digits (the `R` format's round-trip check):
/// `0.digits * 10^scale`, digits as given (trailing zeros count towards the exponent bookkeeping).
pub(crate) fn digits_to_double(digits: &[u8], scale: i32, negative: bool) -> f64 {
    number_to_double(&ParsedDigits {
        digits: digits.to_vec(),
        scale,
        negative,
    })
}

/// The special values `Double.Parse`/`Single.Parse` accept after a failed number parse.
fn special_float(s: &[u16]) -> Option<f64> {
    let start = s
        .iter()
        .position(|&c| !is_unicode_white(c))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_unicode_white(c))
        .map_or(start, |p| p + 1);
    let trimmed = s.get(start..end).unwrap_or(&[]);
    let is = |word: &str| trimmed.iter().copied().eq(word.encode_utf16());
    if is("Infinity") {
        Some(f64::INFINITY)
    } else if is("-Infinity") {
        Some(f64::NEG_INFINITY)
    } else if is("NaN") {
        Some(MONO_NAN)
    } else {
        None
    }
}

/// `Double.Parse(string)` (non-null).
pub fn parse_double(s: &[u16]) -> Result<f64, ParseError> {
    let Some(number) = string_to_number(s) else {
        return special_float(s).ok_or(ParseError::Format(BAD_NUMBER));
    };
    let value = number_to_double(&number);
    if !value.is_finite() {
        return Err(ParseError::Overflow(overflow_message("a Double")));
    }
    // Negative zero (from an underflow) is returned as positive zero.
    Ok(if value == 0.0 { 0.0 } else { value })
}

/// `Single.Parse(string)` (non-null): parsed as a double, then narrowed.
pub fn parse_single(s: &[u16]) -> Result<f32, ParseError> {
    let Some(number) = string_to_number(s) else {
        return special_float(s)
            .map(|v| v as f32)
            .ok_or(ParseError::Format(BAD_NUMBER));
    };
    let value = number_to_double(&number);
    let overflow = || ParseError::Overflow(overflow_message("a Single"));
    if !value.is_finite() {
        return Err(overflow());
    }
    let narrowed = (if value == 0.0 { 0.0 } else { value }) as f32;
    if narrowed.is_infinite() {
        return Err(overflow());
    }
    Ok(narrowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn integers_follow_integer_style() {
        assert_eq!(parse_int32(&u(" 42 ")), Ok(42));
        assert_eq!(parse_int32(&u("+7")), Ok(7));
        assert_eq!(parse_int32(&u("-0")), Ok(0));
        assert_eq!(parse_int32(&u("-2147483648")), Ok(i32::MIN));
        assert_eq!(parse_int32(&u("12\0\0")), Ok(12));
        assert_eq!(parse_int32(&u("0x10")), Err(ParseError::Format(BAD_NUMBER)));
        assert_eq!(
            parse_int32(&u("1,000")),
            Err(ParseError::Format(BAD_NUMBER))
        );
        assert_eq!(parse_int32(&u("- 5")), Err(ParseError::Format(BAD_NUMBER)));
        assert_eq!(parse_int32(&u("")), Err(ParseError::Format(BAD_NUMBER)));
        assert_eq!(
            parse_int32(&u("2147483648")),
            Err(ParseError::Overflow(overflow_message("an Int32")))
        );
        assert_eq!(
            parse_int32(&u("99999999999x")),
            Err(ParseError::Format(BAD_NUMBER))
        );
        assert_eq!(parse_uint32(&u("-0")), Ok(0));
        assert!(matches!(
            parse_uint32(&u("-1")),
            Err(ParseError::Overflow(_))
        ));
        assert_eq!(parse_uint64(&u("18446744073709551615")), Ok(u64::MAX));
    }

    #[test]
    fn small_types_nest_the_int32_overflow() {
        assert_eq!(
            parse_byte(&u("256")),
            Err(ParseError::Overflow(overflow_message("an unsigned byte")))
        );
        let Err(ParseError::Overflow(message)) = parse_uint16(&u("-1")) else {
            panic!("overflow expected")
        };
        assert!(message.contains("UInt16. ---> System.OverflowException"));
        assert_eq!(parse_sbyte(&u("-128")), Ok(-128));
    }

    #[test]
    fn booleans_and_chars() {
        assert_eq!(parse_boolean(&u(" tRUE\0")), Ok(true));
        assert_eq!(parse_boolean(&u("False")), Ok(false));
        assert_eq!(
            parse_boolean(&u("yes")),
            Err(ParseError::Format(BAD_BOOLEAN))
        );
        assert_eq!(parse_char(&u("x")), Ok(u16::from(b'x')));
        assert!(parse_char(&u("xy")).is_err());
    }

    #[test]
    fn doubles_parse_like_mono() {
        assert_eq!(parse_double(&u("1e3")), Ok(1000.0));
        assert_eq!(parse_double(&u("1,000.5")), Ok(1000.5));
        assert_eq!(parse_double(&u(" -2.5 ")), Ok(-2.5));
        assert_eq!(parse_double(&u("0.1")), Ok(0.1));
        assert_eq!(parse_double(&u("Infinity")), Ok(f64::INFINITY));
        assert!(parse_double(&u(" NaN ")).is_ok_and(f64::is_nan));
        assert_eq!(parse_double(&u("-0")).map(f64::to_bits), Ok(0));
        assert_eq!(parse_double(&u("1e-400")).map(f64::to_bits), Ok(0));
        assert!(matches!(
            parse_double(&u("1e309")),
            Err(ParseError::Overflow(_))
        ));
        assert_eq!(parse_double(&u(".5")), Ok(0.5));
        assert_eq!(parse_double(&u("5.")), Ok(5.0));
        assert_eq!(parse_double(&u("1e")), Err(ParseError::Format(BAD_NUMBER)));
        assert!(matches!(
            parse_single(&u("1e39")),
            Err(ParseError::Overflow(_))
        ));
    }
}
