//! Managed object layouts (x86-64), exactly Mono 6.8's, so the class libraries' assumptions hold.
//!
//! Every object starts with an [`ObjectHeader`] of two words, Mono's `MonoObject`: the vtable
//! (method-table) pointer and the synchronisation word (lock word / thin hash). Instance fields
//! start at [`OBJECT_HEADER_SIZE`]. Strings and arrays mirror `MonoString` and `MonoArray`
//! (`mono/metadata/object-internals.h`): `String` keeps `_stringLength` at 16 and `_firstChar`
//! at 20 (`RuntimeHelpers.OffsetToStringData` is 20), and an array keeps its bounds pointer at
//! 16, its length at 24 and its elements at 32. Offsets are exported as constants so the
//! compiler emits loads with them and the runtime allocates with them; changing one changes
//! the image ABI (bump `IMAGE_FORMAT_VERSION`).

/// Size of a pointer / native int on the supported targets.
pub const POINTER_SIZE: i32 = 8;

/// The first two words of every managed object (`MonoObject`).
#[repr(C)]
#[derive(Debug)]
pub struct ObjectHeader {
    /// Type handle (vtable / method table). Null for objects allocated before the object model
    /// exists.
    pub method_table: *const u8,
    /// Mono's `synchronisation`: the monitor lock word or thin hash code; zero when unused.
    pub sync: usize,
}

/// Where a method table's vtable slots start. A method table (the header's first word, built
/// by the runtime per class from `ngen-typesystem`'s vtable) is two words (the parent class's
/// method table, 0 when the parent is a core-library class, which `castclass`/`isinst` walk;
/// and the slot count), then one [`crate::image::ImportCell`] per vtable slot,
/// resolved lazily like a method cell: `callvirt` loads the method table, then the cell of the
/// method's slot, and calls its target (resolving it first while it is 0).
pub const METHOD_TABLE_SLOTS_OFFSET: i32 = 16;

/// Size of [`ObjectHeader`]: where the first instance field of a class lives.
pub const OBJECT_HEADER_SIZE: i32 = 16;

/// `System.String` (`MonoString`): header, UTF-16 length, then `length` UTF-16 code units and
/// a NUL, in one allocation of `STRING_CHARS_OFFSET + 2 * (length + 1)` bytes.
#[repr(C)]
#[derive(Debug)]
pub struct StringObject {
    pub header: ObjectHeader,
    pub length: i32,
    /// The first of `length` code units; the rest follow in the same allocation.
    pub first_char: u16,
}

/// Offset of [`StringObject::length`] (an `i32`, Mono's `_stringLength`).
pub const STRING_LENGTH_OFFSET: i32 = 16;
/// Offset of the first UTF-16 code unit (Mono's `_firstChar`, `OffsetToStringData`).
pub const STRING_CHARS_OFFSET: i32 = 20;

/// An array (`MonoArray`): header, bounds, element count, then the elements.
#[repr(C)]
#[derive(Debug)]
pub struct ArrayObject {
    pub header: ObjectHeader,
    /// Null for single-dimensional zero-based arrays; otherwise `rank` pairs of (length, lower
    /// bound) stored after the elements, as Mono's `mono_array_new_full_checked` does.
    pub bounds: *mut u8,
    /// Element count, pointer-sized as in Mono (`max_length`; `ldlen` yields native unsigned int).
    pub length: usize,
    // Elements follow at ARRAY_DATA_OFFSET, aligned to 8.
}

/// Offset of [`ArrayObject::bounds`].
pub const ARRAY_BOUNDS_OFFSET: i32 = 16;
/// Offset of [`ArrayObject::length`].
pub const ARRAY_LENGTH_OFFSET: i32 = 24;
/// Offset of element 0.
pub const ARRAY_DATA_OFFSET: i32 = 32;

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
        assert_eq!(offset_of!(ArrayObject, bounds) as i32, ARRAY_BOUNDS_OFFSET);
        assert_eq!(offset_of!(ArrayObject, length) as i32, ARRAY_LENGTH_OFFSET);
        assert_eq!(
            std::mem::size_of::<ObjectHeader>() as i32,
            OBJECT_HEADER_SIZE
        );
        assert_eq!(std::mem::size_of::<ArrayObject>() as i32, ARRAY_DATA_OFFSET);
        assert_eq!(std::mem::size_of::<usize>() as i32, POINTER_SIZE);
    }
}
