//! `ToString()` of the primitive numeric types, as mono 6.8 formats them (invariant culture).
//!
//! Mono 6.8's `double.ToString()` is corefx 2.x's `Number.FormatDouble`: format `"G"` with
//! 15 significant digits (`float`: 7), where the digits come from `DoubleToNumber`, which
//! asks the C library for `snprintf("%.40e")` (41 correctly rounded significant digits) and
//! then rounds that text half-up at the requested precision (a double rounding, reproduced
//! here). The result is not the shortest round-trip string of .NET Core 3.0+: `0.1 + 0.2`
//! prints `0.3`, `1.0 / 3` prints `0.333333333333333`, `1e15` prints `1E+15`, `-0.0` prints `0`.
//!
//! Format strings (`ToString("F2")`, `ToString("#,##0.00")`) follow corefx's `NumberToString`
//! and `NumberToStringFormat` in [`standard`] and [`custom`].
//!
//! Pure functions, no ABI: [`crate::primitives`] and [`crate::console`] wrap them.
//!
//! Depends on: [`crate::number_parse`] (the `R` format's round-trip check uses its lossy
//! `NumberToDouble`).

pub mod custom;
pub mod standard;

/// The decimal digits of a number, as corefx's `Number.NumberBuffer`:
/// the value is `0.d1d2d3... * 10^scale`, negated when `negative`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberBuffer {
    /// ASCII digits, most significant first, possibly with trailing zeros.
    pub digits: Vec<u8>,
    /// Decimal exponent: the position of the decimal point relative to the first digit.
    pub scale: i32,
    pub negative: bool,
    /// Significant digits requested when the buffer was filled (the default `G` width).
    pub precision: usize,
}

/// A floating-point value split for formatting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FloatDigits {
    NaN,
    PositiveInfinity,
    NegativeInfinity,
    Finite(NumberBuffer),
}

/// Significant digits of `double.ToString()` (corefx `DoublePrecision`).
pub const DOUBLE_PRECISION: usize = 15;
/// Significant digits of `float.ToString()` (corefx `FloatPrecision`).
pub const SINGLE_PRECISION: usize = 7;

/// corefx's `DoubleToNumber(value, precision)` on Unix: the first `precision` digits of the
/// 41-significant-digit `%.40e` rendering, rounded half-up on the next character of that text.
///
/// Quirks kept on purpose: positive zero yields `precision` zeros and scale 0, while negative
/// zero goes through the text path (scale 1); with `precision == 1` the character after the
/// first digit is the decimal point, so no rounding happens.
pub fn double_to_number(value: f64, precision: usize) -> FloatDigits {
    if value.is_nan() {
        return FloatDigits::NaN;
    }
    if value.is_infinite() {
        return if value < 0.0 {
            FloatDigits::NegativeInfinity
        } else {
            FloatDigits::PositiveInfinity
        };
    }
    let negative = value.is_sign_negative();
    if value.to_bits() == 0 {
        return FloatDigits::Finite(NumberBuffer {
            digits: vec![b'0'; precision],
            scale: 0,
            negative,
            precision,
        });
    }
    // Rust's exact formatting is correctly rounded (half to even on exact ties), like glibc's
    // printf; only the digits and the exponent of the text matter here.
    let text = format!("{:.40e}", value.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // The characters corefx scans: the mantissa as printf writes it ("d.ddd...").
    let chars = mantissa.as_bytes();
    let mut digits = Vec::with_capacity(precision);
    let mut next = 0;
    while digits.len() < precision && next < chars.len() {
        if chars[next].is_ascii_digit() {
            digits.push(chars[next]);
        }
        next += 1;
    }
    digits.resize(precision, b'0');
    let mut scale = exponent + 1;
    if next < chars.len() && chars[next] >= b'5' && precision > 0 {
        let mut i = precision - 1;
        while digits[i] == b'9' && i > 0 {
            digits[i] = b'0';
            i -= 1;
        }
        if i == 0 && digits[0] == b'9' {
            digits[0] = b'1';
            scale += 1;
        } else {
            digits[i] += 1;
        }
    }
    FloatDigits::Finite(NumberBuffer {
        digits,
        scale,
        negative,
        precision,
    })
}

/// corefx's `RoundNumber(number, pos)`: keep `pos` digits, rounding half-up on the next one,
/// then drop trailing zeros; a number with no digits left becomes an unsigned zero.
pub fn round_number(number: &mut NumberBuffer, pos: i32) {
    let digits = &mut number.digits;
    let mut i = 0usize;
    let pos_usize = usize::try_from(pos).unwrap_or(0);
    while i < pos_usize && i < digits.len() {
        i += 1;
    }
    if pos >= 0 && i == pos_usize && digits.get(i).is_some_and(|&d| d >= b'5') {
        while i > 0 && digits[i - 1] == b'9' {
            i -= 1;
        }
        if i > 0 {
            digits[i - 1] += 1;
        } else {
            number.scale += 1;
            digits[0] = b'1';
            i = 1;
        }
    } else {
        while i > 0 && digits[i - 1] == b'0' {
            i -= 1;
        }
    }
    if i == 0 {
        number.scale = 0;
        number.negative = false;
    }
    digits.truncate(i);
}

/// corefx's `FormatExponent`: `E`, sign, at least `min_digits` digits.
fn format_exponent(
    out: &mut String,
    value: i32,
    exp_char: char,
    min_digits: usize,
    positive_sign: bool,
) {
    out.push(exp_char);
    if value < 0 {
        out.push('-');
    } else if positive_sign {
        out.push('+');
    }
    let magnitude = value.unsigned_abs().to_string();
    for _ in magnitude.len()..min_digits {
        out.push('0');
    }
    out.push_str(&magnitude);
}

/// corefx's `FormatGeneral`: fixed notation unless the exponent is outside `[-4, max_digits)`.
pub(crate) fn format_general(
    out: &mut String,
    number: &NumberBuffer,
    max_digits: i32,
    exp_char: char,
) {
    let mut dig_pos = number.scale;
    let scientific = dig_pos > max_digits || dig_pos < -3;
    if scientific {
        dig_pos = 1;
    }
    let mut digits = number.digits.iter().copied().peekable();
    if dig_pos > 0 {
        while dig_pos > 0 {
            out.push(char::from(digits.next().unwrap_or(b'0')));
            dig_pos -= 1;
        }
    } else {
        out.push('0');
    }
    if digits.peek().is_some() || dig_pos < 0 {
        out.push('.');
        while dig_pos < 0 {
            out.push('0');
            dig_pos += 1;
        }
        out.extend(digits.map(char::from));
    }
    if scientific {
        format_exponent(out, number.scale - 1, exp_char, 2, true);
    }
}

/// `NumberToString(number, 'G', max_digits)` for a float: round, sign, general notation.
fn general_string(mut number: NumberBuffer, max_digits: i32) -> String {
    round_number(&mut number, max_digits);
    let mut out = String::new();
    if number.negative {
        out.push('-');
    }
    format_general(&mut out, &number, max_digits, 'E');
    out
}

fn special_text(digits: &FloatDigits) -> Option<&'static str> {
    match digits {
        FloatDigits::NaN => Some("NaN"),
        FloatDigits::PositiveInfinity => Some("Infinity"),
        FloatDigits::NegativeInfinity => Some("-Infinity"),
        FloatDigits::Finite(_) => None,
    }
}

/// `G<precision>` formatting of a double through `DoubleToNumber` (what `ToString()` uses).
fn format_float_general(value: f64, precision: usize) -> String {
    match double_to_number(value, precision) {
        FloatDigits::Finite(number) => general_string(number, precision as i32),
        special => special_text(&special).unwrap_or_default().to_string(),
    }
}

/// `double.ToString()`.
pub fn format_double(value: f64) -> String {
    format_float_general(value, DOUBLE_PRECISION)
}

/// `float.ToString()` (the float is widened to double first, as corefx does).
pub fn format_single(value: f32) -> String {
    format_float_general(f64::from(value), SINGLE_PRECISION)
}

/// `ToString()` of any signed integer type.
pub fn format_i64(value: i64) -> String {
    value.to_string()
}

/// `ToString()` of any unsigned integer type.
pub fn format_u64(value: u64) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_match_monos_g15() {
        let cases: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (1.0 / 3.0, "0.333333333333333"),
            (1e15, "1E+15"),
            (1e14, "100000000000000"),
            (123456789012345678.0, "1.23456789012346E+17"),
            (1e-5, "1E-05"),
            (1e-4, "0.0001"),
            (0.00001234, "1.234E-05"),
            (f64::EPSILON, "2.22044604925031E-16"),
            (5e-324, "4.94065645841247E-324"),
            (f64::MAX, "1.79769313486232E+308"),
            (f64::MIN, "-1.79769313486232E+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "0"),
            (0.0, "0"),
            (0.1 + 0.2, "0.3"),
            (9007199254740993.0, "9.00719925474099E+15"),
            (-1.5, "-1.5"),
            (1e100, "1E+100"),
            (999999999999999.9, "1E+15"),
        ];
        for &(value, expected) in cases {
            assert_eq!(format_double(value), expected, "{value:e}");
        }
    }

    #[test]
    fn singles_match_monos_g7() {
        let cases: &[(f32, &str)] = &[
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333"),
            (16777217.0, "1.677722E+07"),
            (f32::MAX, "3.402823E+38"),
            (1e-45, "1.401298E-45"),
            (1234567.0, "1234567"),
            (1e7, "1E+07"),
            (-0.0, "0"),
            (123.456, "123.456"),
        ];
        for &(value, expected) in cases {
            assert_eq!(format_single(value), expected, "{value:e}");
        }
    }

    #[test]
    fn precision_one_never_rounds() {
        let FloatDigits::Finite(n) = double_to_number(0.96, 1) else {
            panic!("finite")
        };
        assert_eq!(n.digits, b"9");
    }
}
