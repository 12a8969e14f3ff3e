//! Runtime helpers that compiled code calls through the helper table.
//!
//! Every image has a writable data object [`crate::image::HELPERS_SYMBOL`] of
//! [`HELPER_COUNT`] pointer-sized slots; the runtime fills slot `id` with the address of
//! helper `id` right after mapping the image and before any of its code runs. JIT-compiled
//! code reads the runtime's own table, which has the same layout. Compiled code loads the
//! slot and calls it indirectly with the SystemV convention, so images need no symbol
//! binding to the host process.
//!
//! The numbering is ABI: append, never reorder (and bump the image format version).

/// A runtime helper, by its slot in the helper table. Signatures are C (SystemV) signatures.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HelperId {
    /// `extern "C" fn(cell: *mut ImportCell) -> u64`: resolves an import cell whose target is
    /// still 0 (finds the callee in a valid image or JIT-compiles it, or allocates the string
    /// literal), stores the target into the cell and returns it. Never returns 0: on failure
    /// the runtime prints an error naming the method and exits.
    ResolveCell = 0,
    /// `extern "C" fn(kind: u32) -> !`: raises the [`crate::exceptions::ExceptionKind`] `kind`.
    /// Until exception handling exists this prints mono's unhandled-exception report and exits.
    Throw = 1,
    /// `extern "C" fn(f64, f64) -> f64`: IEEE `fmod` (CIL `rem` on F).
    FmodF64 = 2,
    /// `extern "C" fn(f32, f32) -> f32`: `fmodf`.
    FmodF32 = 3,
    /// `extern "C" fn(length: i64, element_size: u64) -> *mut ArrayObject`: allocates a zeroed
    /// single-dimensional array (CIL `newarr` of a primitive element type). A negative length
    /// raises `OverflowException`, as mono does.
    NewArray = 4,
}

/// Number of slots in a helper table.
pub const HELPER_COUNT: usize = 5;

impl HelperId {
    /// Every helper, in slot order.
    pub const ALL: [HelperId; HELPER_COUNT] = [
        Self::ResolveCell,
        Self::Throw,
        Self::FmodF64,
        Self::FmodF32,
        Self::NewArray,
    ];

    /// Byte offset of this helper's slot in the helper table.
    pub const fn table_offset(self) -> i32 {
        self as i32 * crate::object::POINTER_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_dense_and_in_order() {
        for (index, helper) in HelperId::ALL.iter().enumerate() {
            assert_eq!(*helper as usize, index);
            assert_eq!(helper.table_offset(), index as i32 * 8);
        }
    }
}
