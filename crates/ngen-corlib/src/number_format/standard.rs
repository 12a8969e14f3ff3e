//! `ToString(string format)` of the numeric types: corefx 2.x's `ParseFormatSpecifier` and
//! `NumberToString` (standard formats `C`, `D`, `E`, `F`, `G`, `N`, `P`, `R`, `X`, with an
//! optional precision) with the invariant culture's symbols. Anything that is not a standard
//! specifier is a custom format, handled by [`super::custom`].
//!
//! Depends on: [`super`] (digit buffers, rounding, general/exponent notation),
//! [`crate::number_parse`] (the `R` round-trip check).

use super::custom::number_to_string_format;
use super::{
    DOUBLE_PRECISION, FloatDigits, NumberBuffer, SINGLE_PRECISION, double_to_number,
    format_exponent, format_general, round_number,
};

/// `FormatException`: "Format specifier was invalid." (an unknown standard specifier, or `D`,
/// `X`, `R` where the type does not support it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidFormatSpecifier;

impl InvalidFormatSpecifier {
    /// The message of the `FormatException` mono raises.
    pub const MESSAGE: &'static str = "Format specifier was invalid.";
}

/// A parsed format string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatSpecifier {
    /// A letter with an optional precision (`-1` when absent), e.g. `F2` or `x8`.
    Standard(char, i32),
    /// Anything else: a custom format such as `#,##0.00`.
    Custom,
}

/// corefx's `ParseFormatSpecifier`: an ASCII letter followed by at most a few digits is a
/// standard format; the empty format is `G`. Precision digits stop at a value of 10 or more,
/// so `F100` is a custom format, as in mono.
pub fn parse_format_specifier(format: &[char]) -> FormatSpecifier {
    let Some(&first) = format.first() else {
        return FormatSpecifier::Standard('G', -1);
    };
    if !first.is_ascii_alphabetic() {
        return FormatSpecifier::Custom;
    }
    let digit = |i: usize| format.get(i).and_then(|c| c.to_digit(10)).map(|d| d as i32);
    match format.len() {
        1 => return FormatSpecifier::Standard(first, -1),
        2 => {
            if let Some(d) = digit(1) {
                return FormatSpecifier::Standard(first, d);
            }
        }
        3 => {
            if let (Some(tens), Some(ones)) = (digit(1), digit(2)) {
                return FormatSpecifier::Standard(first, tens * 10 + ones);
            }
        }
        _ => {}
    }
    let mut precision = 0;
    let mut i = 1;
    while let Some(d) = digit(i) {
        if precision >= 10 {
            break;
        }
        precision = precision * 10 + d;
        i += 1;
    }
    if i == format.len() || format[i] == '\0' {
        FormatSpecifier::Standard(first, precision)
    } else {
        FormatSpecifier::Custom
    }
}

/// corefx's `FormatFixed`: integer digits (grouped by three when `grouped`), then
/// `max_digits` decimals.
fn format_fixed(out: &mut String, number: &NumberBuffer, mut max_digits: i32, grouped: bool) {
    let dig_pos = number.scale;
    let mut digits = number.digits.iter().map(|&d| char::from(d));
    if dig_pos > 0 {
        let integer: Vec<char> = (0..dig_pos).map(|_| digits.next().unwrap_or('0')).collect();
        for (index, &c) in integer.iter().enumerate() {
            let remaining = integer.len() - index;
            if grouped && index > 0 && remaining.is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
    } else {
        out.push('0');
    }
    if max_digits > 0 {
        out.push('.');
        if dig_pos < 0 {
            let zeros = (-dig_pos).min(max_digits);
            out.extend(std::iter::repeat_n('0', zeros as usize));
            max_digits -= zeros;
        }
        for _ in 0..max_digits {
            out.push(digits.next().unwrap_or('0'));
        }
    }
}

/// corefx's `FormatScientific`: `d.ddd` then `E+ddd` (at least three exponent digits).
fn format_scientific(out: &mut String, number: &NumberBuffer, max_digits: i32, exp_char: char) {
    let mut digits = number.digits.iter().map(|&d| char::from(d));
    out.push(digits.next().unwrap_or('0'));
    if max_digits != 1 {
        out.push('.');
    }
    for _ in 1..max_digits {
        out.push(digits.next().unwrap_or('0'));
    }
    let exponent = if number.digits.is_empty() {
        0
    } else {
        number.scale - 1
    };
    format_exponent(out, exponent, exp_char, 3, true);
}

/// corefx's `NumberToString` for a standard format letter (not `D`, `X`, `R`, which the
/// callers handle) with the invariant culture.
pub(crate) fn number_to_string(
    number: &mut NumberBuffer,
    format: char,
    max_digits: i32,
) -> Result<String, InvalidFormatSpecifier> {
    let mut out = String::new();
    let decimals = |max_digits: i32| if max_digits < 0 { 2 } else { max_digits };
    match format {
        'C' | 'c' => {
            let max_digits = decimals(max_digits);
            round_number(number, number.scale + max_digits);
            // Invariant currency patterns: "¤n" and "(¤n)".
            if number.negative {
                out.push('(');
            }
            out.push('\u{a4}');
            format_fixed(&mut out, number, max_digits, true);
            if number.negative {
                out.push(')');
            }
        }
        'F' | 'f' => {
            let max_digits = decimals(max_digits);
            round_number(number, number.scale + max_digits);
            if number.negative {
                out.push('-');
            }
            format_fixed(&mut out, number, max_digits, false);
        }
        'N' | 'n' => {
            let max_digits = decimals(max_digits);
            round_number(number, number.scale + max_digits);
            if number.negative {
                out.push('-');
            }
            format_fixed(&mut out, number, max_digits, true);
        }
        'E' | 'e' => {
            let max_digits = if max_digits < 0 { 6 } else { max_digits } + 1;
            round_number(number, max_digits);
            if number.negative {
                out.push('-');
            }
            format_scientific(&mut out, number, max_digits, format);
        }
        'G' | 'g' => {
            let max_digits = if max_digits < 1 {
                number.precision as i32
            } else {
                max_digits
            };
            round_number(number, max_digits);
            if number.negative {
                out.push('-');
            }
            let exp_char = if format == 'G' { 'E' } else { 'e' };
            let mut general = String::new();
            format_general(&mut general, number, max_digits, exp_char);
            out.push_str(&general);
        }
        'P' | 'p' => {
            let max_digits = decimals(max_digits);
            number.scale += 2;
            round_number(number, number.scale + max_digits);
            // Invariant percent patterns: "n %" and "-n %".
            if number.negative {
                out.push('-');
            }
            format_fixed(&mut out, number, max_digits, true);
            out.push_str(" %");
        }
        _ => return Err(InvalidFormatSpecifier),
    }
    Ok(out)
}

/// The integer types, each formatted the way its `ToString(string)` does in mono.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegerType {
    SByte,
    Byte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
}

impl IntegerType {
    /// Significant digits of the `G` default (corefx `Int32Precision` etc.): the small types
    /// are formatted as `Int32`/`UInt32`.
    fn precision(self) -> usize {
        match self {
            Self::Int64 => 19,
            Self::UInt64 => 20,
            _ => 10,
        }
    }

    /// Width in bits of the hexadecimal (`X`) rendering of a negative value (its two's
    /// complement); the small signed types were masked to unsigned before.
    fn hex_bits(self) -> u32 {
        match self {
            Self::Int64 | Self::UInt64 => 64,
            _ => 32,
        }
    }
}

/// The digits of an integer as a [`NumberBuffer`] (corefx `Int32ToNumber` and friends).
fn integer_number(value: i128, precision: usize) -> NumberBuffer {
    let magnitude = value.unsigned_abs();
    let digits = if magnitude == 0 {
        Vec::new()
    } else {
        magnitude.to_string().into_bytes()
    };
    NumberBuffer {
        scale: digits.len() as i32,
        digits,
        negative: value < 0,
        precision,
    }
}

/// `ToString(format)` of an integer of type `ty` (the value must be in the type's range).
pub fn format_integer(
    value: i128,
    ty: IntegerType,
    format: &[char],
) -> Result<String, InvalidFormatSpecifier> {
    if format.is_empty() {
        return Ok(value.to_string());
    }
    // SByte and Int16 print negative values in hex through their unsigned bit pattern,
    // formatted as a UInt32 (whatever the rest of the format says).
    let (value, ty) = match (ty, format[0]) {
        (IntegerType::SByte, 'X' | 'x') if value < 0 => (value & 0xff, IntegerType::UInt32),
        (IntegerType::Int16, 'X' | 'x') if value < 0 => (value & 0xffff, IntegerType::UInt32),
        _ => (value, ty),
    };
    let spec = parse_format_specifier(format);
    if let FormatSpecifier::Standard(letter, digits) = spec {
        let upper = letter.to_ascii_uppercase();
        if (upper == 'G' && digits < 1) || upper == 'D' {
            let width = digits.max(1) as usize;
            let sign = if value < 0 { "-" } else { "" };
            return Ok(format!("{sign}{:0width$}", value.unsigned_abs()));
        }
        if upper == 'X' {
            let bits = ty.hex_bits();
            let mask = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            let unsigned = (value as i64 as u64) & mask;
            let width = digits.max(1) as usize;
            return Ok(if letter == 'X' {
                format!("{unsigned:0width$X}")
            } else {
                format!("{unsigned:0width$x}")
            });
        }
        let mut number = integer_number(value, ty.precision());
        return number_to_string(&mut number, letter, digits);
    }
    let mut number = integer_number(value, ty.precision());
    Ok(number_to_string_format(&mut number, format))
}

/// The floating-point types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatType {
    Single,
    Double,
}

impl FloatType {
    /// Default precision, and the round-trip precision used by `R` and wide `E`/`G`.
    fn precisions(self) -> (usize, usize) {
        match self {
            Self::Single => (SINGLE_PRECISION, 9),
            Self::Double => (DOUBLE_PRECISION, 17),
        }
    }

    /// The value after a round trip through this type (the `R` check for `float` compares
    /// in single precision).
    fn narrow(self, value: f64) -> f64 {
        match self {
            Self::Single => f64::from(value as f32),
            Self::Double => value,
        }
    }
}

/// `ToString(format)` of a `double` (or of a `float` widened to double, with `ty` Single):
/// corefx's `FormatDouble`/`FormatSingle`.
pub fn format_float(
    value: f64,
    ty: FloatType,
    format: &[char],
) -> Result<String, InvalidFormatSpecifier> {
    let (default_precision, round_trip_precision) = ty.precisions();
    let spec = parse_format_specifier(format);
    let special = |digits: &FloatDigits| match digits {
        FloatDigits::NaN => Some("NaN".to_string()),
        FloatDigits::PositiveInfinity => Some("Infinity".to_string()),
        FloatDigits::NegativeInfinity => Some("-Infinity".to_string()),
        FloatDigits::Finite(_) => None,
    };
    let mut precision = default_precision;
    match spec {
        FormatSpecifier::Standard('R' | 'r', _) => {
            let digits = double_to_number(value, default_precision);
            if let Some(text) = special(&digits) {
                return Ok(text);
            }
            let FloatDigits::Finite(mut number) = digits else {
                unreachable!("special values returned above")
            };
            let round_trip = crate::number_parse::digits_to_double(
                &number.digits,
                number.scale,
                number.negative,
            );
            let max_digits = if ty.narrow(round_trip) == value {
                default_precision
            } else {
                let FloatDigits::Finite(wider) = double_to_number(value, round_trip_precision)
                else {
                    unreachable!("finite values stay finite")
                };
                number = wider;
                round_trip_precision
            };
            return number_to_string(&mut number, 'G', max_digits as i32);
        }
        FormatSpecifier::Standard('E' | 'e', digits) if digits > default_precision as i32 - 1 => {
            precision = round_trip_precision;
        }
        FormatSpecifier::Standard('G' | 'g', digits) if digits > default_precision as i32 => {
            precision = round_trip_precision;
        }
        _ => {}
    }
    let digits = double_to_number(value, precision);
    if let Some(text) = special(&digits) {
        return Ok(text);
    }
    let FloatDigits::Finite(mut number) = digits else {
        unreachable!("special values returned above")
    };
    match spec {
        FormatSpecifier::Standard(letter, digits) => number_to_string(&mut number, letter, digits),
        FormatSpecifier::Custom => Ok(number_to_string_format(&mut number, format)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn specifiers_parse_like_corefx() {
        assert_eq!(
            parse_format_specifier(&[]),
            FormatSpecifier::Standard('G', -1)
        );
        assert_eq!(
            parse_format_specifier(&chars("F2")),
            FormatSpecifier::Standard('F', 2)
        );
        assert_eq!(
            parse_format_specifier(&chars("x08")),
            FormatSpecifier::Standard('x', 8)
        );
        assert_eq!(
            parse_format_specifier(&chars("N123")),
            FormatSpecifier::Custom
        );
        assert_eq!(
            parse_format_specifier(&chars("0.00")),
            FormatSpecifier::Custom
        );
    }

    #[test]
    fn standard_formats() {
        let f = |v: f64, fmt: &str| format_float(v, FloatType::Double, &chars(fmt));
        assert_eq!(f(-1234.5, "C").as_deref(), Ok("(\u{a4}1,234.50)"));
        assert_eq!(f(0.125, "P1").as_deref(), Ok("12.5 %"));
        assert_eq!(f(-1234567.891, "N").as_deref(), Ok("-1,234,567.89"));
        assert_eq!(f(0.1, "R").as_deref(), Ok("0.1"));
        assert_eq!(f(1.0 / 3.0, "R").as_deref(), Ok("0.33333333333333331"));
        assert_eq!(f(1.0, "D"), Err(InvalidFormatSpecifier));
        let i = |v: i128, ty, fmt: &str| format_integer(v, ty, &chars(fmt));
        assert_eq!(i(-1, IntegerType::Int16, "X").as_deref(), Ok("FFFF"));
        assert_eq!(i(255, IntegerType::Int32, "x4").as_deref(), Ok("00ff"));
        assert_eq!(i(-42, IntegerType::Int32, "D5").as_deref(), Ok("-00042"));
        assert_eq!(
            i(12345, IntegerType::Int32, "G3").as_deref(),
            Ok("1.23E+04")
        );
        assert_eq!(i(123, IntegerType::Int32, "R"), Err(InvalidFormatSpecifier));
    }
}
