//! Runtime memory the collector must scan: import cells of JIT-compiled code, rooted
//! literals and the static-field areas of types. The runtime's own tables live on the Rust heap, which Boehm does not scan, so
//! anything in them that refers to a managed object is also held here.
//!
//! Depends on: `ngen_gc` (uncollectable blocks), `ngen_abi::image::ImportCell`.

use ngen_abi::image::ImportCell;

use crate::state::fatal;

/// A zeroed import cell in scanned, never-freed memory.
pub(crate) fn alloc_cell() -> *mut ImportCell {
    match ngen_gc::alloc_uncollectable(size_of::<ImportCell>()) {
        Some(block) => block.as_ptr().cast(),
        None => fatal("out of memory allocating an import cell"),
    }
}

/// `count` zeroed, contiguous import cells in scanned, never-freed memory: a shared-code
/// dictionary (its cells hold references, string literals, as JIT cells do).
pub(crate) fn alloc_cells(count: usize) -> *mut ImportCell {
    match ngen_gc::alloc_uncollectable(size_of::<ImportCell>() * count.max(1)) {
        Some(block) => block.as_ptr().cast(),
        None => fatal("out of memory allocating a shared-code dictionary"),
    }
}

/// Keeps the object at `reference` alive for the rest of the process.
pub(crate) fn root_forever(reference: u64) {
    match ngen_gc::alloc_uncollectable(size_of::<u64>()) {
        // SAFETY: a fresh, writable, 8-byte block.
        Some(block) => unsafe { block.as_ptr().cast::<u64>().write(reference) },
        None => fatal("out of memory rooting a string literal"),
    }
}

/// A zeroed, scanned, never-freed area of `size` bytes for a type's static fields (at least
/// one word, so every type's area has its own address); `None` when out of memory.
pub(crate) fn alloc_static_area(size: u32) -> Option<u64> {
    ngen_gc::alloc_uncollectable((size as usize).max(size_of::<u64>())).map(|p| p.as_ptr() as u64)
}
