//! Allocation of the managed strings and arrays the runtime itself creates (icall results,
//! `Main`'s `args`, names, traces) and of `newarr`'s arrays ([`alloc_zeroed_array`],
//! [`alloc_zeroed_scanned_array`], the slow paths behind the `NewArray` helpers).
//!
//! Layouts come from [`ngen_abi::object`] (Mono 6.8's); memory comes from [`ngen_gc`], the
//! one allocation API. Strings and arrays of primitives are allocated atomic (never scanned:
//! they hold no references); arrays of references are scanned. Strings, `string[]` and `char[]` carry
//! the method tables the runtime installs with [`set_method_table`] at startup (0 until it
//! does); other arrays allocated here get theirs from their caller (or keep a zero word).
//!
//! The collector scans thread stacks and GC memory, not the Rust heap: a function that builds
//! an array of new objects stores each one into the (scanned) array as soon as it exists,
//! never into a Rust `Vec` first.
//!
//! Functions reading objects take raw pointers and trust them to be null or valid managed
//! objects: that is the invariant of everything crossing the managed boundary (compiled code
//! only ever holds such references), so they are safe functions rather than `unsafe fn`.
//!
//! Depends on: `ngen_abi`, `ngen_gc`, and [`crate::eh::report`] to report running out of
//! memory.

use ngen_abi::object::{
    ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, ArrayObject, STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET,
    StringObject,
};

/// The classes of the objects allocated here whose method tables the runtime stamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampedClass {
    /// `System.String`.
    String,
    /// `System.String[]`.
    StringArray,
    /// `System.Char[]` (the P/Invoke marshaller's `char[]` results).
    CharArray,
}

impl StampedClass {
    /// Every class, in table order.
    pub const ALL: [StampedClass; 3] = [Self::String, Self::StringArray, Self::CharArray];
}

/// The installed method tables, by [`StampedClass`] discriminant.
static METHOD_TABLES: [std::sync::atomic::AtomicU64; StampedClass::ALL.len()] =
    [const { std::sync::atomic::AtomicU64::new(0) }; StampedClass::ALL.len()];

/// Installs the method table objects of `class` get from now on (the runtime calls this at
/// startup, once it has built the table).
pub fn set_method_table(class: StampedClass, method_table: u64) {
    METHOD_TABLES[class as usize].store(method_table, std::sync::atomic::Ordering::Relaxed);
}

/// Writes the method table of `class` into the header of the new object at `base`.
fn stamp(base: *mut u8, class: StampedClass) {
    let mt = METHOD_TABLES[class as usize].load(std::sync::atomic::Ordering::Relaxed);
    // SAFETY: `base` is a fresh object of at least a header's size, 8-aligned.
    unsafe { base.cast::<u64>().write(mt) };
}

/// What an allocation holds, which decides whether the collector scans it.
#[derive(Clone, Copy)]
enum Contents {
    /// No references (strings, primitive arrays): never scanned.
    NoReferences,
    /// References the collector must trace.
    References,
}

/// Allocates `size` zeroed bytes for a managed object; out of memory raises
/// `OutOfMemoryException`. Never returns null.
fn alloc_object(size: usize, contents: Contents) -> *mut u8 {
    let block = match contents {
        Contents::NoReferences => ngen_gc::alloc_atomic(size),
        Contents::References => ngen_gc::alloc(size),
    };
    match block {
        Some(ptr) => ptr.as_ptr(),
        None => {
            crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
        }
    }
}

/// The byte size of an array of `length` elements of `element_size` bytes, or `None` when it
/// cannot exist (overflow, or more than `isize::MAX`).
fn array_size(length: usize, element_size: usize) -> Option<usize> {
    length
        .checked_mul(element_size)
        .and_then(|n| n.checked_add(ARRAY_DATA_OFFSET as usize))
        .filter(|n| *n <= isize::MAX as usize)
}

/// Allocates a zeroed array object with its length word set.
fn alloc_array(length: usize, element_size: usize, contents: Contents) -> *mut u8 {
    let Some(size) = array_size(length, element_size) else {
        crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    let base = alloc_object(size, contents);
    // SAFETY: `base` points to `size` zeroed, 8-aligned bytes, more than the length word.
    unsafe {
        base.add(ARRAY_LENGTH_OFFSET as usize)
            .cast::<usize>()
            .write(length);
    }
    base
}

/// Allocates a `System.String` holding `chars`.
pub fn alloc_string(chars: &[u16]) -> *mut StringObject {
    let base = alloc_zeroed_string(chars.len());
    // SAFETY: the new string has room for `chars.len()` code units at its chars offset (u16
    // aligned), and `chars` is not managed memory, so the two cannot overlap.
    unsafe {
        let dst = base
            .cast::<u8>()
            .add(STRING_CHARS_OFFSET as usize)
            .cast::<u16>();
        std::ptr::copy_nonoverlapping(chars.as_ptr(), dst, chars.len());
    }
    base
}

/// Allocates a `System.String` of `length` NUL code units (`FastAllocateString`, which
/// mscorlib's string code then fills in place): the collector's block is already zeroed, so
/// only the header and the length are written. A length over `i32::MAX` is out of memory.
pub fn alloc_zeroed_string(length: usize) -> *mut StringObject {
    let Ok(length_word) = i32::try_from(length) else {
        crate::eh::report::unhandled(ngen_abi::exceptions::ExceptionKind::OutOfMemory, None)
    };
    // One extra code unit keeps a NUL after the text, as Mono does; it is not part of the length.
    let size = STRING_CHARS_OFFSET as usize + (length + 1) * 2;
    let base = alloc_object(size, Contents::NoReferences);
    stamp(base, StampedClass::String);
    // SAFETY: `base` points to `size` zeroed writable bytes; the length word is inside it and
    // 4-aligned (offset 16 of an 8-aligned block).
    unsafe {
        base.add(STRING_LENGTH_OFFSET as usize)
            .cast::<i32>()
            .write(length_word);
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
/// The slice borrows the object: it stays valid while the caller keeps `string` reachable (a
/// local or argument holding it is enough: the collector scans stacks conservatively). The
/// `'static` lifetime is a convenience of the runtime's callers, which only read strings during the
/// call that received them.
pub fn string_as_utf16(string: *const StringObject) -> &'static [u16] {
    if string.is_null() {
        return &[];
    }
    // SAFETY: caller contract above: a valid string object, immutable, kept reachable by the caller.
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

/// The one empty string, `String.Empty` and every `""` literal (allocated on first use; the
/// runtime stores it in mscorlib's field before managed code runs, as Mono's
/// `create_domain_objects` stores its interned empty string).
pub fn empty_string() -> *mut StringObject {
    static EMPTY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *EMPTY.get_or_init(|| {
        let empty = alloc_string(&[]);
        // The cell above is Rust memory, which the collector does not scan.
        crate::gc_roots::root_forever(empty as u64);
        empty as usize
    }) as *mut StringObject
}

/// Allocates a `string[]` of the given elements (e.g. `Main`'s `args`).
pub fn alloc_string_array(items: &[String]) -> *mut ArrayObject {
    let array = alloc_array(items.len(), size_of::<usize>(), Contents::References);
    stamp(array, StampedClass::StringArray);
    for (i, item) in items.iter().enumerate() {
        let element = string_from_str(item);
        // SAFETY: `array` has `items.len()` pointer-sized elements after the data offset; each
        // new string goes straight into the scanned array, so a collection while allocating
        // the next one keeps it.
        unsafe {
            array
                .add(ARRAY_DATA_OFFSET as usize)
                .cast::<*mut StringObject>()
                .add(i)
                .write(element);
        }
    }
    array.cast()
}

/// Allocates a `char[]` holding `chars`.
pub fn alloc_char_array(chars: &[u16]) -> *mut ArrayObject {
    let base = alloc_array(chars.len(), 2, Contents::NoReferences);
    stamp(base, StampedClass::CharArray);
    // SAFETY: `base` has `chars.len()` 2-byte elements after the data offset.
    unsafe {
        let data = base.add(ARRAY_DATA_OFFSET as usize).cast::<u16>();
        std::ptr::copy_nonoverlapping(chars.as_ptr(), data, chars.len());
    }
    base.cast()
}

/// Allocates a zeroed array of `length` elements of `element_size` bytes each (CIL `newarr`
/// of a primitive type). A size that cannot be allocated raises `OutOfMemoryException`.
pub fn alloc_zeroed_array(length: usize, element_size: usize) -> *mut ArrayObject {
    alloc_array(length, element_size, Contents::NoReferences).cast()
}

/// Allocates a zeroed array of `length` elements of `element_size` bytes each that the
/// collector scans (CIL `newarr` of a value type holding references).
pub fn alloc_zeroed_scanned_array(length: usize, element_size: usize) -> *mut ArrayObject {
    alloc_array(length, element_size, Contents::References).cast()
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
        // Mono's layout: length at 16, chars at 20, NUL-terminated.
        // SAFETY: a 7-char string has 8 code units from offset 20.
        unsafe {
            assert_eq!(s.cast::<u8>().add(16).cast::<i32>().read(), 7);
            assert_eq!(s.cast::<u8>().add(20).cast::<u16>().read(), u16::from(b'h'));
            assert_eq!(s.cast::<u8>().add(20 + 14).cast::<u16>().read(), 0);
        }
    }

    /// The length word and the elements of a `string[]` (Mono's layout: length at 24, data at 32).
    fn string_array_elements(array: *mut ArrayObject) -> Vec<Option<String>> {
        // SAFETY: `array` is a live string[] whose length word and elements are in bounds.
        unsafe {
            let base = array.cast::<u8>();
            let length = base
                .add(ARRAY_LENGTH_OFFSET as usize)
                .cast::<usize>()
                .read();
            let data = base
                .add(ARRAY_DATA_OFFSET as usize)
                .cast::<*const StringObject>();
            (0..length)
                .map(|i| string_to_rust(data.add(i).read()))
                .collect()
        }
    }

    #[test]
    fn string_arrays_hold_their_elements() {
        let a = alloc_string_array(&["a".to_string(), "bc".to_string()]);
        let items = string_array_elements(a);
        assert_eq!(items, [Some("a".to_string()), Some("bc".to_string())]);
        assert!(string_array_elements(alloc_string_array(&[])).is_empty());
        assert_eq!(empty_string(), empty_string());
        assert_eq!(string_as_utf16(empty_string()).len(), 0);
    }
}
