//! Allocation of managed objects the BCL surface and the runtime hand to compiled code.
//!
//! Layouts come from [`ngen_abi::object`]. Objects are allocated with the global allocator,
//! 8-byte aligned, with a zeroed header (no method table until the object model exists), and
//! are never freed: there is no GC yet, so every string and array leaks for the life of the
//! process. That is deliberate and bounded by what a test program allocates.
//!
//! Functions reading objects take raw pointers and trust them to be null or valid managed
//! objects: that is the invariant of everything crossing the managed boundary (compiled code
//! only ever holds such references), so they are safe functions rather than `unsafe fn`.
//!
//! Depends on: `ngen_abi`, and [`crate::exceptions`] to report running out of memory.

use ngen_abi::object::{
    ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, ArrayObject, STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET,
    StringObject,
};
use std::alloc::{Layout, alloc_zeroed, handle_alloc_error};

/// Alignment of every managed allocation.
const OBJECT_ALIGN: usize = 8;

/// Allocates `size` zeroed bytes for a managed object. Never returns null.
fn alloc_object(size: usize) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(size.max(OBJECT_ALIGN), OBJECT_ALIGN) else {
        crate::exceptions::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { alloc_zeroed(layout) };
    if ptr.is_null() {
        handle_alloc_error(layout);
    }
    ptr
}

/// Allocates a `System.String` holding `chars`. The object is never freed (no GC yet).
pub fn alloc_string(chars: &[u16]) -> *mut StringObject {
    let Ok(length) = i32::try_from(chars.len()) else {
        crate::exceptions::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    // One extra code unit keeps a NUL after the text, as the CLR does; it is not part of the length.
    let size = STRING_CHARS_OFFSET as usize + (chars.len() + 1) * 2;
    let base = alloc_object(size);
    // SAFETY: `base` points to `size` writable bytes; the offsets are inside it and aligned
    // (8 for the i32 length, 12 for u16 chars).
    unsafe {
        base.add(STRING_LENGTH_OFFSET as usize)
            .cast::<i32>()
            .write(length);
        let dst = base.add(STRING_CHARS_OFFSET as usize).cast::<u16>();
        std::ptr::copy_nonoverlapping(chars.as_ptr(), dst, chars.len());
    }
    base.cast()
}

/// Allocates a `System.String` with the UTF-16 encoding of `text`.
pub fn string_from_str(text: &str) -> *mut StringObject {
    let chars: Vec<u16> = text.encode_utf16().collect();
    alloc_string(&chars)
}

/// The UTF-16 code units of a managed string; empty for null.
///
/// The returned slice borrows an object that is never freed, hence `'static` is sound as long as
/// `string` is null or a string allocated by [`alloc_string`] (or laid out identically, e.g. a
/// literal in an image).
pub fn string_as_utf16(string: *const StringObject) -> &'static [u16] {
    if string.is_null() {
        return &[];
    }
    // SAFETY: caller contract above: a valid string object, immutable and never freed.
    unsafe {
        let base = string.cast::<u8>();
        let length = base.add(STRING_LENGTH_OFFSET as usize).cast::<i32>().read();
        let chars = base.add(STRING_CHARS_OFFSET as usize).cast::<u16>();
        std::slice::from_raw_parts(chars, usize::try_from(length).unwrap_or(0))
    }
}

/// A managed string as Rust text (lone surrogates become U+FFFD); `None` for null.
pub fn string_to_rust(string: *const StringObject) -> Option<String> {
    if string.is_null() {
        None
    } else {
        Some(String::from_utf16_lossy(string_as_utf16(string)))
    }
}

/// Allocates a `string[]` of the given elements (e.g. `Main`'s `args`). Never freed.
pub fn alloc_string_array(items: &[String]) -> *mut ArrayObject {
    let elements: Vec<*mut StringObject> = items.iter().map(|s| string_from_str(s)).collect();
    alloc_pointer_array(&elements).cast()
}

/// Allocates an array of object references (8 bytes each) holding `elements`.
fn alloc_pointer_array<T>(elements: &[*mut T]) -> *mut ArrayObject {
    let size = ARRAY_DATA_OFFSET as usize + elements.len() * std::mem::size_of::<usize>();
    let base = alloc_object(size);
    // SAFETY: `base` points to `size` zeroed, 8-aligned bytes; we write the length word and
    // `elements.len()` pointer-sized elements after the data offset.
    unsafe {
        base.add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .write(elements.len());
        let data = base.add(ARRAY_DATA_OFFSET as usize).cast::<*mut T>();
        std::ptr::copy_nonoverlapping(elements.as_ptr(), data, elements.len());
    }
    base.cast()
}

/// Allocates a zeroed array of `length` elements of `element_size` bytes each (CIL `newarr`
/// of a primitive type). A size that cannot be allocated raises `OutOfMemoryException`.
/// Never freed.
pub fn alloc_zeroed_array(length: usize, element_size: usize) -> *mut ArrayObject {
    let Some(size) = length
        .checked_mul(element_size)
        .and_then(|n| n.checked_add(ARRAY_DATA_OFFSET as usize))
        .filter(|n| *n <= isize::MAX as usize)
    else {
        crate::exceptions::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    let base = alloc_object(size);
    // SAFETY: `base` points to `size` zeroed, 8-aligned bytes, more than the length word.
    unsafe {
        base.add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .write(length);
    }
    base.cast()
}

/// Allocates a `char[]` holding `chars` (2-byte elements after the data offset). Never freed.
pub fn alloc_char_array(chars: &[u16]) -> *mut ArrayObject {
    let size = ARRAY_DATA_OFFSET as usize + chars.len() * 2;
    let base = alloc_object(size);
    // SAFETY: as in `alloc_pointer_array`, with 2-byte elements.
    unsafe {
        base.add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .write(chars.len());
        let data = base.add(ARRAY_DATA_OFFSET as usize).cast::<u16>();
        std::ptr::copy_nonoverlapping(chars.as_ptr(), data, chars.len());
    }
    base.cast()
}

/// The elements of a `char[]`; empty for null. Same lifetime contract as [`string_as_utf16`].
pub fn char_array_as_utf16(array: *const ArrayObject) -> &'static [u16] {
    if array.is_null() {
        return &[];
    }
    // SAFETY: caller contract: a valid char[] object that is never freed.
    unsafe {
        let length = array
            .cast::<u8>()
            .add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .read();
        let data = array
            .cast::<u8>()
            .add(ARRAY_DATA_OFFSET as usize)
            .cast::<u16>();
        std::slice::from_raw_parts(data, length)
    }
}

/// The elements of a `string[]`; empty for null. Same lifetime contract as [`string_as_utf16`].
pub fn string_array_elements(array: *const ArrayObject) -> &'static [*const StringObject] {
    if array.is_null() {
        return &[];
    }
    // SAFETY: caller contract: a valid string[] object that is never freed.
    unsafe {
        let length = array
            .cast::<u8>()
            .add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .read();
        let data = array
            .cast::<u8>()
            .add(ARRAY_DATA_OFFSET as usize)
            .cast::<*const StringObject>();
        std::slice::from_raw_parts(data, length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_and_null_is_empty() {
        let s = string_from_str("héllo ☃");
        assert_eq!(string_to_rust(s).as_deref(), Some("héllo ☃"));
        assert_eq!(string_as_utf16(s).len(), 7);
        assert_eq!(string_as_utf16(std::ptr::null()), &[] as &[u16]);
        assert_eq!(string_to_rust(std::ptr::null()), None);
        assert_eq!(s as usize % 8, 0);
    }

    #[test]
    fn string_arrays_hold_their_elements() {
        let a = alloc_string_array(&["a".to_string(), "bc".to_string()]);
        let items = string_array_elements(a);
        assert_eq!(items.len(), 2);
        assert_eq!(string_to_rust(items[1]).as_deref(), Some("bc"));
        let empty = alloc_string_array(&[]);
        assert_eq!(string_array_elements(empty).len(), 0);
    }

    #[test]
    fn char_arrays_hold_their_elements() {
        let a = alloc_char_array(&[65, 66]);
        assert_eq!(char_array_as_utf16(a), &[65, 66]);
    }
}
