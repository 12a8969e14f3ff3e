//! The per-thread block compiled code finds from its stack pointer, without a call or a
//! thread-local access: every managed thread runs on a stack region aligned to `mask + 1`
//! (the mask is helper slot [`PendingException`](crate::helpers::HelperId::PendingException)),
//! and `(sp | mask) - 7` is the address of the block's last word. The words below it, from the
//! top down:
//!
//! - the pending-exception word (`(sp | mask) - 7`);
//! - [`FREE_LIST_CLASSES`] allocation free lists, list `c` (objects of `c` granules of
//!   [`GRANULE_BYTES`]) at [`free_list_offset`]`(c)` from the pending word: the head object of
//!   a singly linked list of zeroed, collector-scanned blocks whose first word links to the
//!   next (0 ends it), as Boehm's `gc_inline.h` keeps its thread-local lists. Compiled code
//!   pops the head for a `newobj`; when the list is empty it calls helper `NewObject`, which
//!   refills it. The collector scans the block (it is the top of the thread's registered
//!   stack), so the listed blocks stay allocated;
//! - [`FRAME_CHAIN`]: the innermost frame record of two-pass exception handling
//!   ([`crate::eh_frames`]), each linking to its caller's, 0 ending the chain;
//! - [`PROBE_RECORD`]: set by the runtime right before it calls a method in probe mode (the
//!   record to probe), cleared by that method's entry.
//!
//! Changing this layout changes the image ABI (bump `IMAGE_FORMAT_VERSION`).

/// The allocation unit of the collector's small-object free lists (Boehm's `GC_GRANULE_BYTES`
/// on 64-bit targets).
pub const GRANULE_BYTES: u32 = 16;

/// How many free lists the block holds: objects of up to 256 bytes (this many granules) are
/// allocated from them.
pub const FREE_LIST_CLASSES: u32 = 16;

/// The offset of the frame-record chain's head from the pending-exception word.
pub const FRAME_CHAIN: i32 = free_list_offset(FREE_LIST_CLASSES + 1);

/// The offset of the probe request from the pending-exception word.
pub const PROBE_RECORD: i32 = free_list_offset(FREE_LIST_CLASSES + 2);

/// The free-list class of an object of `size` bytes (header included), if it has one: its
/// granules. Blocks carry no extra byte past the object (`ngen_gc::init` recognises interior
/// pointers only from stacks and registers, where Boehm needs no padding), so the class is
/// the one Boehm's own allocator gives the same request.
pub const fn free_list_class(size: u32) -> Option<u32> {
    let class = size.div_ceil(GRANULE_BYTES);
    if class == 0 || class > FREE_LIST_CLASSES {
        None
    } else {
        Some(class)
    }
}

/// The offset of free list `class` from the pending-exception word (negative: below it).
pub const fn free_list_offset(class: u32) -> i32 {
    -8 * class as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_small_objects_by_granule() {
        assert_eq!(free_list_class(0), None);
        assert_eq!(free_list_class(16), Some(1));
        assert_eq!(free_list_class(17), Some(2));
        assert_eq!(free_list_class(32), Some(2));
        assert_eq!(free_list_class(256), Some(16));
        assert_eq!(free_list_class(257), None);
        assert_eq!(free_list_offset(1), -8);
        assert_eq!(free_list_offset(16), -128);
    }
}
