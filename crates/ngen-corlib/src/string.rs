//! `System.String` members: concatenation, length, indexing, ordinal equality and comparison,
//! and the ordinal operations programs use on their arguments (`Substring`, `IndexOf`,
//! `Contains`, `Trim`, `Replace`, `PadLeft`/`PadRight`, `ToCharArray`). Culture-sensitive
//! members (`StartsWith(string)`, `ToUpper`, `Compare`) are deliberately not in the surface.
//!
//! Strings are immutable (see [`crate::objects`]), so results may share the
//! argument objects exactly where mono's `String.Concat` returns an argument unchanged.
//!
//! Pure operations return `Result<_, ManagedException>` (compared with mono by the tests); the
//! `extern "C"` entry points raise the error.
//!
//! Depends on: [`crate::objects`], [`crate::exceptions`], [`crate::char_info`] (`Trim`).

use crate::exceptions::{ManagedException, throw};
use crate::objects::{alloc_char_array, alloc_string, string_as_utf16};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::object::ArrayObject;
use ngen_abi::object::StringObject;
use std::sync::OnceLock;

type Str = *const StringObject;

/// `String.Empty`: one shared empty string.
pub fn empty() -> *mut StringObject {
    static EMPTY: OnceLock<usize> = OnceLock::new();
    *EMPTY.get_or_init(|| alloc_string(&[]) as usize) as *mut StringObject
}

fn is_null_or_empty_ref(s: Str) -> bool {
    string_as_utf16(s).is_empty()
}

/// Concatenation of any number of strings, null meaning empty.
fn concat(parts: &[Str]) -> *mut StringObject {
    let non_empty: Vec<Str> = parts
        .iter()
        .copied()
        .filter(|&s| !is_null_or_empty_ref(s))
        .collect();
    match non_empty.as_slice() {
        [] => empty(),
        // Mono returns the only non-empty argument itself.
        [only] => only.cast_mut(),
        _ => {
            let chars: Vec<u16> = non_empty
                .iter()
                .flat_map(|&s| string_as_utf16(s).iter().copied())
                .collect();
            alloc_string(&chars)
        }
    }
}

/// `String.Concat(string, string)`.
pub extern "C" fn concat2(a: Str, b: Str) -> *mut StringObject {
    concat(&[a, b])
}

/// `String.Concat(string, string, string)`.
pub extern "C" fn concat3(a: Str, b: Str, c: Str) -> *mut StringObject {
    concat(&[a, b, c])
}

/// `String.Concat(string, string, string, string)`.
pub extern "C" fn concat4(a: Str, b: Str, c: Str, d: Str) -> *mut StringObject {
    concat(&[a, b, c, d])
}

/// Raises `NullReferenceException` for an instance call on a null string.
fn require_this(this: Str) {
    if this.is_null() {
        throw(ExceptionKind::NullReference, None);
    }
}

/// `String.get_Length()`.
pub extern "C" fn get_length(this: Str) -> i32 {
    require_this(this);
    string_as_utf16(this).len() as i32
}

/// `String.get_Chars(int)`; out of range raises `IndexOutOfRangeException` as in mono.
pub extern "C" fn get_chars(this: Str, index: i32) -> i32 {
    require_this(this);
    match usize::try_from(index)
        .ok()
        .and_then(|i| string_as_utf16(this).get(i))
    {
        Some(&c) => i32::from(c),
        None => throw(ExceptionKind::IndexOutOfRange, None),
    }
}

/// Ordinal equality; two nulls are equal, null never equals a string.
fn equal(a: Str, b: Str) -> bool {
    if a == b {
        return true;
    }
    if a.is_null() || b.is_null() {
        return false;
    }
    string_as_utf16(a) == string_as_utf16(b)
}

/// `String.op_Equality(string, string)` and `String.Equals(string, string)`.
pub extern "C" fn op_equality(a: Str, b: Str) -> i32 {
    i32::from(equal(a, b))
}

/// `String.op_Inequality(string, string)`.
pub extern "C" fn op_inequality(a: Str, b: Str) -> i32 {
    i32::from(!equal(a, b))
}

/// `String.Equals(string)` (instance).
pub extern "C" fn equals_instance(this: Str, other: Str) -> i32 {
    require_this(this);
    i32::from(equal(this, other))
}

/// `String.IsNullOrEmpty(string)`.
pub extern "C" fn is_null_or_empty(s: Str) -> i32 {
    i32::from(is_null_or_empty_ref(s))
}

/// `String.ToString()`: the string itself.
pub extern "C" fn to_string(this: Str) -> *mut StringObject {
    require_this(this);
    this.cast_mut()
}

/// `ArgumentOutOfRangeException` worded as mono words it.
fn out_of_range(message: &str, param: &str) -> ManagedException {
    ManagedException::new(
        ExceptionKind::ArgumentOutOfRange,
        format!("{message}\nParameter name: {param}"),
    )
}

fn argument_null(param: &str) -> ManagedException {
    ManagedException::new(
        ExceptionKind::ArgumentNull,
        format!("Value cannot be null.\nParameter name: {param}"),
    )
}

const START_INDEX_NEGATIVE: &str = "StartIndex cannot be less than zero.";
const START_INDEX_TOO_LARGE: &str = "startIndex cannot be larger than length of string.";

/// The result of a string operation: the argument itself where mono returns it unchanged, or
/// new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StringResult {
    Same,
    New(Vec<u16>),
}

/// `Substring(startIndex)`.
pub fn substring_from(s: &[u16], start: i32) -> Result<StringResult, ManagedException> {
    let length = s.len() as i32;
    if start == 0 {
        return Ok(StringResult::Same);
    }
    if start < 0 {
        return Err(out_of_range(START_INDEX_NEGATIVE, "startIndex"));
    }
    if start > length {
        return Err(out_of_range(START_INDEX_TOO_LARGE, "startIndex"));
    }
    Ok(StringResult::New(s[start as usize..].to_vec()))
}

/// `Substring(startIndex, length)`.
pub fn substring(s: &[u16], start: i32, count: i32) -> Result<StringResult, ManagedException> {
    let length = s.len() as i32;
    if start < 0 {
        return Err(out_of_range(START_INDEX_NEGATIVE, "startIndex"));
    }
    if start > length {
        return Err(out_of_range(START_INDEX_TOO_LARGE, "startIndex"));
    }
    if count < 0 {
        return Err(out_of_range("Length cannot be less than zero.", "length"));
    }
    if start > length - count {
        return Err(out_of_range(
            "Index and length must refer to a location within the string.",
            "length",
        ));
    }
    if start == 0 && count == length {
        return Ok(StringResult::Same);
    }
    Ok(StringResult::New(
        s[start as usize..(start + count) as usize].to_vec(),
    ))
}

/// `IndexOf(char, startIndex)` (`IndexOf(char)` starts at 0).
pub fn index_of(s: &[u16], c: u16, start: i32) -> Result<i32, ManagedException> {
    let Some(rest) = usize::try_from(start).ok().and_then(|i| s.get(i..)) else {
        return Err(out_of_range(
            "Index was out of range. Must be non-negative and less than the size of the collection.",
            "startIndex",
        ));
    };
    Ok(rest
        .iter()
        .position(|&x| x == c)
        .map_or(-1, |i| i as i32 + start))
}

/// `LastIndexOf(char)`.
pub fn last_index_of(s: &[u16], c: u16) -> i32 {
    s.iter().rposition(|&x| x == c).map_or(-1, |i| i as i32)
}

/// Ordinal search for `needle` in `haystack` from `from`.
fn find(haystack: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// `Contains(string)`: ordinal; a null argument raises `ArgumentNullException(value)`.
pub fn contains(s: &[u16], value: Option<&[u16]>) -> Result<bool, ManagedException> {
    let value = value.ok_or_else(|| argument_null("value"))?;
    Ok(find(s, value, 0).is_some())
}

/// `Trim()`: white space (`Char.IsWhiteSpace`) removed from both ends.
pub fn trim(s: &[u16]) -> StringResult {
    let white = |c: &u16| crate::char_info::is_white_space(*c);
    let start = s.iter().position(|c| !white(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !white(c)).map_or(start, |i| i + 1);
    if start == 0 && end == s.len() {
        StringResult::Same
    } else {
        StringResult::New(s[start..end].to_vec())
    }
}

/// `Replace(char, char)`.
pub fn replace_char(s: &[u16], old: u16, new: u16) -> StringResult {
    if !s.contains(&old) {
        return StringResult::Same;
    }
    StringResult::New(s.iter().map(|&c| if c == old { new } else { c }).collect())
}

/// `Replace(string, string)`: ordinal, left to right, non-overlapping; a null replacement
/// deletes.
pub fn replace_string(
    s: &[u16],
    old: Option<&[u16]>,
    new: Option<&[u16]>,
) -> Result<StringResult, ManagedException> {
    let old = old.ok_or_else(|| argument_null("oldValue"))?;
    if old.is_empty() {
        return Err(ManagedException::new(
            ExceptionKind::Argument,
            "String cannot be of zero length.\nParameter name: oldValue",
        ));
    }
    let new = new.unwrap_or(&[]);
    let mut result = Vec::with_capacity(s.len());
    let mut from = 0;
    let mut replaced = false;
    while let Some(at) = find(s, old, from) {
        result.extend_from_slice(&s[from..at]);
        result.extend_from_slice(new);
        from = at + old.len();
        replaced = true;
    }
    if !replaced {
        return Ok(StringResult::Same);
    }
    result.extend_from_slice(&s[from..]);
    Ok(StringResult::New(result))
}

/// `PadLeft(totalWidth, paddingChar)` (`left`) or `PadRight`.
pub fn pad(
    s: &[u16],
    total_width: i32,
    padding: u16,
    left: bool,
) -> Result<StringResult, ManagedException> {
    if total_width < 0 {
        return Err(out_of_range("Non-negative number required.", "totalWidth"));
    }
    let width = total_width as usize;
    if width <= s.len() {
        return Ok(StringResult::Same);
    }
    let fill = std::iter::repeat_n(padding, width - s.len());
    Ok(StringResult::New(if left {
        fill.chain(s.iter().copied()).collect()
    } else {
        s.iter().copied().chain(fill).collect()
    }))
}

/// `String.CompareOrdinal(string, string)` as corefx computes it: the first characters (a
/// terminating NUL for an empty string), then pairs of characters up to the shorter length,
/// where the pair straddling an odd length includes that string's terminating NUL (so
/// `"a"` vs `"abc"` is `0 - 'b'`), and finally the difference of the lengths.
pub fn compare_ordinal(a: Option<&[u16]>, b: Option<&[u16]>) -> i32 {
    let (a, b) = match (a, b) {
        (None, None) => return 0,
        (None, Some(_)) => return -1,
        (Some(_), None) => return 1,
        (Some(a), Some(b)) => (a, b),
    };
    // Reads past the end see the string's terminating NUL.
    let at = |s: &[u16], i: usize| i32::from(s.get(i).copied().unwrap_or(0));
    if at(a, 0) != at(b, 0) {
        return at(a, 0) - at(b, 0);
    }
    let shorter = a.len().min(b.len());
    for i in (0..shorter).step_by(2) {
        if at(a, i) != at(b, i) {
            return at(a, i) - at(b, i);
        }
        if at(a, i + 1) != at(b, i + 1) {
            return at(a, i + 1) - at(b, i + 1);
        }
    }
    a.len() as i32 - b.len() as i32
}

/// `String.IsNullOrWhiteSpace(string)`.
pub fn is_null_or_white_space_text(s: Option<&[u16]>) -> bool {
    s.is_none_or(|s| s.iter().all(|&c| crate::char_info::is_white_space(c)))
}

/// The text of a string argument, `None` for null.
fn optional(s: Str) -> Option<&'static [u16]> {
    (!s.is_null()).then(|| string_as_utf16(s))
}

/// Turns a string result into the object compiled code receives.
fn materialize(this: Str, result: Result<StringResult, ManagedException>) -> *mut StringObject {
    match result {
        Ok(StringResult::Same) => this.cast_mut(),
        Ok(StringResult::New(chars)) if chars.is_empty() => empty(),
        Ok(StringResult::New(chars)) => alloc_string(&chars),
        Err(e) => e.raise(),
    }
}

/// `String.Substring(int)`.
pub extern "C" fn substring_from_entry(this: Str, start: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, substring_from(string_as_utf16(this), start))
}

/// `String.Substring(int, int)`.
pub extern "C" fn substring_entry(this: Str, start: i32, length: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, substring(string_as_utf16(this), start, length))
}

/// `String.IndexOf(char)`.
pub extern "C" fn index_of_char(this: Str, c: i32) -> i32 {
    require_this(this);
    index_of(string_as_utf16(this), c as u16, 0).unwrap_or_else(|e| e.raise())
}

/// `String.IndexOf(char, int)`.
pub extern "C" fn index_of_char_from(this: Str, c: i32, start: i32) -> i32 {
    require_this(this);
    index_of(string_as_utf16(this), c as u16, start).unwrap_or_else(|e| e.raise())
}

/// `String.LastIndexOf(char)`.
pub extern "C" fn last_index_of_char(this: Str, c: i32) -> i32 {
    require_this(this);
    last_index_of(string_as_utf16(this), c as u16)
}

/// `String.Contains(string)`.
pub extern "C" fn contains_entry(this: Str, value: Str) -> i32 {
    require_this(this);
    i32::from(contains(string_as_utf16(this), optional(value)).unwrap_or_else(|e| e.raise()))
}

/// `String.Trim()`.
pub extern "C" fn trim_entry(this: Str) -> *mut StringObject {
    require_this(this);
    materialize(this, Ok(trim(string_as_utf16(this))))
}

/// `String.Replace(char, char)`.
pub extern "C" fn replace_char_entry(this: Str, old: i32, new: i32) -> *mut StringObject {
    require_this(this);
    materialize(
        this,
        Ok(replace_char(string_as_utf16(this), old as u16, new as u16)),
    )
}

/// `String.Replace(string, string)`.
pub extern "C" fn replace_string_entry(this: Str, old: Str, new: Str) -> *mut StringObject {
    require_this(this);
    materialize(
        this,
        replace_string(string_as_utf16(this), optional(old), optional(new)),
    )
}

/// `String.PadLeft(int)`.
pub extern "C" fn pad_left(this: Str, width: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, pad(string_as_utf16(this), width, 0x20, true))
}

/// `String.PadLeft(int, char)`.
pub extern "C" fn pad_left_with(this: Str, width: i32, c: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, pad(string_as_utf16(this), width, c as u16, true))
}

/// `String.PadRight(int)`.
pub extern "C" fn pad_right(this: Str, width: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, pad(string_as_utf16(this), width, 0x20, false))
}

/// `String.PadRight(int, char)`.
pub extern "C" fn pad_right_with(this: Str, width: i32, c: i32) -> *mut StringObject {
    require_this(this);
    materialize(this, pad(string_as_utf16(this), width, c as u16, false))
}

/// `String.CompareOrdinal(string, string)`.
pub extern "C" fn compare_ordinal_entry(a: Str, b: Str) -> i32 {
    if a == b {
        return 0;
    }
    compare_ordinal(optional(a), optional(b))
}

/// `String.IsNullOrWhiteSpace(string)`.
pub extern "C" fn is_null_or_white_space(s: Str) -> i32 {
    i32::from(is_null_or_white_space_text(optional(s)))
}

/// `String.ToCharArray()`.
pub extern "C" fn to_char_array(this: Str) -> *mut ArrayObject {
    require_this(this);
    alloc_char_array(string_as_utf16(this))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{string_from_str, string_to_rust};

    #[test]
    fn concat_treats_null_as_empty_and_returns_lone_arguments() {
        let a = string_from_str("ab");
        let c = string_from_str("c");
        let null = std::ptr::null();
        assert_eq!(string_to_rust(concat2(a, c)).as_deref(), Some("abc"));
        assert_eq!(concat2(null, a), a);
        assert_eq!(concat3(null, null, null), empty());
        assert_eq!(
            string_to_rust(concat4(a, null, c, a)).as_deref(),
            Some("abcab")
        );
    }

    #[test]
    fn equality_is_ordinal_and_null_aware() {
        let a = string_from_str("x");
        let b = string_from_str("x");
        let c = string_from_str("y");
        let null = std::ptr::null();
        assert_eq!(op_equality(a, b), 1);
        assert_eq!(op_equality(a, c), 0);
        assert_eq!(op_equality(null, null), 1);
        assert_eq!(op_equality(a, null), 0);
        assert_eq!(op_inequality(a, null), 1);
        assert_eq!(get_length(c), 1);
        assert_eq!(get_chars(c, 0), 'y' as i32);
        assert_eq!(is_null_or_empty(null), 1);
        assert_eq!(is_null_or_empty(empty()), 1);
    }
}
