//! `System.Char` classification (`IsDigit`, `IsLetter`, `IsWhiteSpace`, ...), from the Unicode
//! categories mono 6.8 reports (a table generated from mono, in `char_info/unicode_categories.rs`).
//! Case mapping (`ToUpper`/`ToLower`) is not in the surface.
//!
//! Depends on: nothing else in this crate.

mod unicode_categories;

use unicode_categories::CATEGORY_RUNS;

/// `System.Globalization.UnicodeCategory` values used below.
mod category {
    pub const UPPERCASE_LETTER: u8 = 0;
    pub const LOWERCASE_LETTER: u8 = 1;
    pub const OTHER_LETTER: u8 = 4;
    pub const DECIMAL_DIGIT_NUMBER: u8 = 8;
    pub const OTHER_NUMBER: u8 = 10;
    pub const SPACE_SEPARATOR: u8 = 11;
    pub const PARAGRAPH_SEPARATOR: u8 = 13;
    pub const CONTROL: u8 = 14;
    pub const CONNECTOR_PUNCTUATION: u8 = 18;
    pub const OTHER_PUNCTUATION: u8 = 24;
    pub const MATH_SYMBOL: u8 = 25;
    pub const OTHER_SYMBOL: u8 = 28;
}

/// `char.GetUnicodeCategory(c)` as mono 6.8 reports it (the enum's integer value).
pub fn unicode_category(c: u16) -> u8 {
    let run = CATEGORY_RUNS.partition_point(|&(start, _)| start <= c);
    // The first run starts at 0, so `run` is at least 1.
    CATEGORY_RUNS
        .get(run.wrapping_sub(1))
        .map_or(category::CONTROL, |&(_, cat)| cat)
}

/// The predicates, each a function of the code unit.
pub fn is_digit(c: u16) -> bool {
    unicode_category(c) == category::DECIMAL_DIGIT_NUMBER
}

pub fn is_letter(c: u16) -> bool {
    (category::UPPERCASE_LETTER..=category::OTHER_LETTER).contains(&unicode_category(c))
}

pub fn is_letter_or_digit(c: u16) -> bool {
    is_letter(c) || is_digit(c)
}

/// Latin-1 white space is a fixed list (U+0085 and U+00A0 included); elsewhere the separators.
pub fn is_white_space(c: u16) -> bool {
    if c < 0x100 {
        c == 0x20 || (0x09..=0x0d).contains(&c) || c == 0x85 || c == 0xa0
    } else {
        is_separator(c)
    }
}

pub fn is_upper(c: u16) -> bool {
    unicode_category(c) == category::UPPERCASE_LETTER
}

pub fn is_lower(c: u16) -> bool {
    unicode_category(c) == category::LOWERCASE_LETTER
}

pub fn is_number(c: u16) -> bool {
    (category::DECIMAL_DIGIT_NUMBER..=category::OTHER_NUMBER).contains(&unicode_category(c))
}

pub fn is_punctuation(c: u16) -> bool {
    (category::CONNECTOR_PUNCTUATION..=category::OTHER_PUNCTUATION).contains(&unicode_category(c))
}

pub fn is_symbol(c: u16) -> bool {
    (category::MATH_SYMBOL..=category::OTHER_SYMBOL).contains(&unicode_category(c))
}

pub fn is_separator(c: u16) -> bool {
    (category::SPACE_SEPARATOR..=category::PARAGRAPH_SEPARATOR).contains(&unicode_category(c))
}

pub fn is_control(c: u16) -> bool {
    unicode_category(c) == category::CONTROL
}

pub fn is_surrogate(c: u16) -> bool {
    (0xd800..=0xdfff).contains(&c)
}

pub fn is_high_surrogate(c: u16) -> bool {
    (0xd800..=0xdbff).contains(&c)
}

pub fn is_low_surrogate(c: u16) -> bool {
    (0xdc00..=0xdfff).contains(&c)
}

/// Defines `extern "C"` `Char.IsX(char)` entry points (char and result travel as `i32`).
macro_rules! char_predicate_entry {
    ($($entry:ident => $predicate:ident, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub extern "C" fn $entry(c: i32) -> i32 {
                i32::from($predicate(c as u16))
            }
        )*
    };
}

char_predicate_entry! {
    char_is_digit => is_digit, "`Char.IsDigit(char)`.";
    char_is_letter => is_letter, "`Char.IsLetter(char)`.";
    char_is_letter_or_digit => is_letter_or_digit, "`Char.IsLetterOrDigit(char)`.";
    char_is_white_space => is_white_space, "`Char.IsWhiteSpace(char)`.";
    char_is_upper => is_upper, "`Char.IsUpper(char)`.";
    char_is_lower => is_lower, "`Char.IsLower(char)`.";
    char_is_number => is_number, "`Char.IsNumber(char)`.";
    char_is_punctuation => is_punctuation, "`Char.IsPunctuation(char)`.";
    char_is_symbol => is_symbol, "`Char.IsSymbol(char)`.";
    char_is_separator => is_separator, "`Char.IsSeparator(char)`.";
    char_is_control => is_control, "`Char.IsControl(char)`.";
    char_is_surrogate => is_surrogate, "`Char.IsSurrogate(char)`.";
    char_is_high_surrogate => is_high_surrogate, "`Char.IsHighSurrogate(char)`.";
    char_is_low_surrogate => is_low_surrogate, "`Char.IsLowSurrogate(char)`.";
}

/// The category table as `CharCategories.cs table` prints it (for the staleness test).
pub fn category_table_text() -> String {
    CATEGORY_RUNS
        .iter()
        .map(|(start, cat)| format!("{start:04x} {cat}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert!(is_digit(u16::from(b'7')));
        assert!(is_digit(0x0661));
        assert!(!is_digit(u16::from(b'x')));
        assert!(is_letter(0xaa));
        assert!(is_white_space(0x85));
        assert!(!is_white_space(0x180e));
        assert!(is_upper(u16::from(b'Q')));
        assert_eq!(unicode_category(0), 14);
        assert_eq!(unicode_category(0xffff), 29);
        assert!(CATEGORY_RUNS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
