//! Managed object layouts (x86-64 / 64-bit targets).
//!
//! Every object starts with an [`ObjectHeader`]: one pointer-sized word naming its type
//! (a method-table pointer; null until the object model lands). Offsets are exported as
//! constants so the compiler emits loads with them and the runtime allocates with them.

/// Size of a pointer / native int on the supported targets.
pub const POINTER_SIZE: i32 = 8;

/// The first word of every managed object.
#[repr(C)]
#[derive(Debug)]
pub struct ObjectHeader {
    /// Type handle (method table). Null for objects allocated before the object model exists.
    pub method_table: *const u8,
}

/// `System.String`: header, UTF-16 length, then `length` UTF-16 code units (not NUL-terminated).
#[repr(C)]
#[derive(Debug)]
pub struct StringObject {
    pub header: ObjectHeader,
    pub length: i32,
    /// The first of `length` code units; the rest follow in the same allocation.
    pub first_char: u16,
}

/// Offset of [`StringObject::length`] (an `i32`).
pub const STRING_LENGTH_OFFSET: i32 = 8;
/// Offset of the first UTF-16 code unit.
pub const STRING_CHARS_OFFSET: i32 = 12;

/// A single-dimensional zero-based array (`T[]`): header, element count, then the elements.
#[repr(C)]
#[derive(Debug)]
pub struct ArrayObject {
    pub header: ObjectHeader,
    /// Element count, stored pointer-sized as the CLR does (`ldlen` yields native unsigned int).
    pub length: usize,
    // Elements follow at ARRAY_DATA_OFFSET, aligned to 8.
}

/// Offset of [`ArrayObject::length`].
pub const ARRAY_LENGTH_OFFSET: i32 = 8;
/// Offset of element 0.
pub const ARRAY_DATA_OFFSET: i32 = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn offsets_match_the_repr_c_structs() {
        assert_eq!(
            offset_of!(StringObject, length) as i32,
            STRING_LENGTH_OFFSET
        );
        assert_eq!(
            offset_of!(StringObject, first_char) as i32,
            STRING_CHARS_OFFSET
        );
        assert_eq!(offset_of!(ArrayObject, length) as i32, ARRAY_LENGTH_OFFSET);
        assert_eq!(std::mem::size_of::<ArrayObject>() as i32, ARRAY_DATA_OFFSET);
        assert_eq!(std::mem::size_of::<usize>() as i32, POINTER_SIZE);
    }
}
