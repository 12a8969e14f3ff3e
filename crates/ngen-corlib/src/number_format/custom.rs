//! Custom numeric format strings (`"0.00"`, `"#,##0"`, `"0.###E+0"`, `"0;(0);zero"`, `"0%"`):
//! corefx 2.x's `NumberToStringFormat` and `FindSection`, with the invariant culture's symbols
//! (`.` decimal point, `,` groups of three, `-` sign, `%`, `‰`).
//!
//! Depends on: [`super`] (digit buffers, rounding, exponent notation).

use super::{NumberBuffer, format_exponent, round_number};

/// corefx's `FindSection`: where section `section` (0 positive, 1 negative, 2 zero) of a
/// `;`-separated format starts, or 0 when it does not exist or is empty.
fn find_section(format: &[char], section: usize) -> usize {
    if section == 0 {
        return 0;
    }
    let mut remaining = section;
    let mut i = 0;
    while i < format.len() {
        let c = format[i];
        i += 1;
        match c {
            '\0' => return 0,
            '\'' | '"' => i = skip_quoted(format, i, c),
            '\\' if i < format.len() && format[i] != '\0' => i += 1,
            ';' => {
                remaining -= 1;
                if remaining != 0 {
                    continue;
                }
                if i < format.len() && format[i] != '\0' && format[i] != ';' {
                    return i;
                }
                return 0;
            }
            _ => {}
        }
    }
    0
}

/// What one section of a custom format asks for (the first pass of `NumberToStringFormat`).
struct SectionLayout {
    /// `#` and `0` placeholders.
    digit_count: i32,
    /// Placeholders before the decimal point.
    decimal_pos: i32,
    /// Index of the first `0` placeholder (`i32::MAX` when none).
    first_digit: i32,
    /// One past the last `0` placeholder.
    last_digit: i32,
    scientific: bool,
    /// Group separators between integer placeholders.
    thousand_seps: bool,
    /// Power-of-ten adjustment: `%` (+2), `‰` (+3), scaling commas before the point (-3 each).
    scale_adjust: i32,
}

fn layout_section(format: &[char], start: usize) -> SectionLayout {
    let mut layout = SectionLayout {
        digit_count: 0,
        decimal_pos: -1,
        first_digit: i32::MAX,
        last_digit: 0,
        scientific: false,
        thousand_seps: false,
        scale_adjust: 0,
    };
    let mut thousand_pos = -1;
    let mut thousand_count = 0;
    let mut i = start;
    while i < format.len() && format[i] != '\0' && format[i] != ';' {
        let c = format[i];
        i += 1;
        match c {
            '#' => layout.digit_count += 1,
            '0' => {
                if layout.first_digit == i32::MAX {
                    layout.first_digit = layout.digit_count;
                }
                layout.digit_count += 1;
                layout.last_digit = layout.digit_count;
            }
            '.' if layout.decimal_pos < 0 => layout.decimal_pos = layout.digit_count,
            ',' if layout.digit_count > 0 && layout.decimal_pos < 0 => {
                if thousand_pos >= 0 {
                    if thousand_pos == layout.digit_count {
                        thousand_count += 1;
                        continue;
                    }
                    layout.thousand_seps = true;
                }
                thousand_pos = layout.digit_count;
                thousand_count = 1;
            }
            '%' => layout.scale_adjust += 2,
            '\u{2030}' => layout.scale_adjust += 3,
            '\'' | '"' => i = skip_quoted(format, i, c),
            '\\' if i < format.len() && format[i] != '\0' => i += 1,
            'E' | 'e' => {
                let at = |j: usize| format.get(j).copied();
                if at(i) == Some('0')
                    || (i + 1 < format.len()
                        && matches!(at(i), Some('+' | '-'))
                        && at(i + 1) == Some('0'))
                {
                    i += 1;
                    while i < format.len() && format[i] == '0' {
                        i += 1;
                    }
                    layout.scientific = true;
                }
            }
            _ => {}
        }
    }
    if layout.decimal_pos < 0 {
        layout.decimal_pos = layout.digit_count;
    }
    if thousand_pos >= 0 {
        if thousand_pos == layout.decimal_pos {
            layout.scale_adjust -= thousand_count * 3;
        } else {
            layout.thousand_seps = true;
        }
    }
    layout
}

/// corefx's `NumberToStringFormat` with the invariant culture.
pub(crate) fn number_to_string_format(number: &mut NumberBuffer, format: &[char]) -> String {
    let initial_section = if number.digits.is_empty() {
        2
    } else if number.negative {
        1
    } else {
        0
    };
    let mut section = find_section(format, initial_section);
    let mut layout;
    loop {
        layout = layout_section(format, section);
        if number.digits.is_empty() {
            number.negative = false;
            number.scale = 0;
            break;
        }
        number.scale += layout.scale_adjust;
        let pos = if layout.scientific {
            layout.digit_count
        } else {
            number.scale + layout.digit_count - layout.decimal_pos
        };
        round_number(number, pos);
        if !number.digits.is_empty() {
            break;
        }
        let zero_section = find_section(format, 2);
        if zero_section == section {
            break;
        }
        section = zero_section;
    }
    let SectionLayout {
        digit_count,
        decimal_pos,
        first_digit,
        last_digit,
        mut scientific,
        thousand_seps,
        ..
    } = layout;
    let first_digit = if first_digit < decimal_pos {
        decimal_pos - first_digit
    } else {
        0
    };
    let last_digit = if last_digit > decimal_pos {
        decimal_pos - last_digit
    } else {
        0
    };
    let (mut dig_pos, mut adjust) = if scientific {
        (decimal_pos, 0)
    } else {
        (number.scale.max(decimal_pos), number.scale - decimal_pos)
    };

    // Positions (counted in remaining integer digits) after which a group separator goes.
    let mut separator_positions: Vec<i32> = Vec::new();
    if thousand_seps {
        let total_digits = dig_pos + adjust.min(0);
        let digits_needed = first_digit.max(total_digits);
        let mut group_end = 3;
        while digits_needed > group_end {
            separator_positions.push(group_end);
            group_end += 3;
        }
    }
    let mut next_separator = separator_positions.len();
    let mut separator_due = |dig_pos: i32, out: &mut String| {
        if thousand_seps
            && dig_pos > 1
            && next_separator > 0
            && dig_pos == separator_positions[next_separator - 1] + 1
        {
            out.push(',');
            next_separator -= 1;
        }
    };

    let mut out = String::new();
    if number.negative && section == 0 {
        out.push('-');
    }
    let digits_empty = number.digits.is_empty();
    let mut digits = number.digits.iter().map(|&d| char::from(d)).peekable();
    let mut decimal_written = false;
    let mut i = section;
    while i < format.len() && format[i] != '\0' && format[i] != ';' {
        let c = format[i];
        i += 1;
        if adjust > 0 && matches!(c, '#' | '.' | '0') {
            while adjust > 0 {
                out.push(digits.next().unwrap_or('0'));
                separator_due(dig_pos, &mut out);
                dig_pos -= 1;
                adjust -= 1;
            }
        }
        match c {
            '#' | '0' => {
                let emitted = if adjust < 0 {
                    adjust += 1;
                    (dig_pos <= first_digit).then_some('0')
                } else {
                    digits
                        .next()
                        .or_else(|| (dig_pos > last_digit).then_some('0'))
                };
                if let Some(ch) = emitted {
                    out.push(ch);
                    separator_due(dig_pos, &mut out);
                }
                dig_pos -= 1;
            }
            '.' => {
                if dig_pos == 0
                    && !decimal_written
                    && (last_digit < 0 || (decimal_pos < digit_count && digits.peek().is_some()))
                {
                    out.push('.');
                    decimal_written = true;
                }
            }
            ',' => {}
            '\'' | '"' => {
                while i < format.len() && format[i] != '\0' && format[i] != c {
                    out.push(format[i]);
                    i += 1;
                }
                if i < format.len() && format[i] != '\0' {
                    i += 1;
                }
            }
            '\\' => {
                if i < format.len() && format[i] != '\0' {
                    out.push(format[i]);
                    i += 1;
                }
            }
            '%' => out.push('%'),
            '\u{2030}' => out.push('\u{2030}'),
            'E' | 'e' => {
                if !scientific {
                    out.push(c);
                    if i < format.len() {
                        if matches!(format[i], '+' | '-') {
                            out.push(format[i]);
                            i += 1;
                        }
                        while i < format.len() && format[i] == '0' {
                            out.push(format[i]);
                            i += 1;
                        }
                    }
                    continue;
                }
                let at = |j: usize| format.get(j).copied();
                let mut min_digits = 0;
                let mut positive_sign = false;
                if at(i) == Some('0') {
                    min_digits += 1;
                } else if i + 1 < format.len() && at(i) == Some('+') && at(i + 1) == Some('0') {
                    positive_sign = true;
                } else if !(i + 1 < format.len() && at(i) == Some('-') && at(i + 1) == Some('0')) {
                    out.push(c);
                    continue;
                }
                i += 1;
                while i < format.len() && format[i] == '0' {
                    min_digits += 1;
                    i += 1;
                }
                let min_digits = min_digits.min(10);
                let exponent = if digits_empty {
                    0
                } else {
                    number.scale - decimal_pos
                };
                format_exponent(&mut out, exponent, c, min_digits, positive_sign);
                scientific = false;
            }
            _ => out.push(c),
        }
    }
    out
}

/// The index just past the quoted literal that starts at `start` (after its opening `quote`):
/// past the closing quote, or at the end of the format (its end or a NUL) when unclosed.
fn skip_quoted(format: &[char], start: usize, quote: char) -> usize {
    let mut i = start;
    while i < format.len() && format[i] != '\0' {
        i += 1;
        if format[i - 1] == quote {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::super::standard::{FloatType, IntegerType, format_float, format_integer};

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn custom_formats() {
        let f = |v: f64, fmt: &str| format_float(v, FloatType::Double, &chars(fmt)).unwrap();
        assert_eq!(f(1234.5678, "0.00"), "1234.57");
        assert_eq!(f(1234567.5, "#,##0.00"), "1,234,567.50");
        assert_eq!(f(0.5, "0%"), "50%");
        assert_eq!(f(-3.0, "0;(0);zero"), "(3)");
        assert_eq!(f(0.0, "0;(0);zero"), "zero");
        assert_eq!(f(12345.0, "0.00E+00"), "1.23E+04");
        assert_eq!(f(1234567.0, "#,,"), "1");
        assert_eq!(f(-0.001, "0.00"), "0.00");
        let i = |v: i128, fmt: &str| format_integer(v, IntegerType::Int32, &chars(fmt)).unwrap();
        assert_eq!(i(42, "'#'000"), "#042");
        assert_eq!(i(-42, "00\\.0"), "-04.2");
    }
}
