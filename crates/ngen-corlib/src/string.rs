//! `System.String` members: concatenation, length, indexing and ordinal equality.
//!
//! Strings are immutable and never freed (see [`crate::objects`]), so results may share the
//! argument objects exactly where mono's `String.Concat` returns an argument unchanged.
//!
//! Depends on: [`crate::objects`], [`crate::exceptions`].

use crate::exceptions::throw;
use crate::objects::{alloc_string, string_as_utf16};
use ngen_abi::exceptions::ExceptionKind;
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
