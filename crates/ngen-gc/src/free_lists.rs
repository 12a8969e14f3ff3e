//! Small-object allocation from per-thread free lists, Boehm's `gc_inline.h` model
//! (`GC_FAST_MALLOC_GRANS`): a list is a chain of zeroed, scanned blocks of one size class,
//! linked through their first word, refilled a heap block at a time by
//! `GC_generic_malloc_many`. Popping the head is a load and a store, with no lock, no
//! thread-local lookup and no call into libgc; compiled code does it inline for `newobj`
//! (`ngen_abi::thread_block`), and [`alloc_from_list`] is the same pop for the runtime's
//! helper, which also refills.
//!
//! The list heads live where the collector scans them (the caller's thread block), so every
//! block on a list stays allocated through collections, as Boehm's own thread-local lists do.
//! Only the scanned (`NORMAL`) kind is listed: the collector follows the links only through
//! scanned blocks.
//!
//! Depends on: [`crate::boehm`] (`GC_generic_malloc_many`).

use std::ptr::NonNull;

use crate::boehm;

/// Allocates a zeroed, scanned block of `bytes` bytes (a multiple of the granule: objects
/// are not padded, [`crate::init`] turns Boehm's extra byte off) from the free list whose
/// head is at `list`, refilling the list from the collector when it is empty.
/// `None` when out of memory.
///
/// # Safety
/// `list` must be the calling thread's own list head for blocks of exactly `bytes` bytes,
/// in memory the collector scans, holding 0 or a block from an earlier refill.
pub unsafe fn alloc_from_list(list: *mut usize, bytes: usize) -> Option<NonNull<u8>> {
    crate::attach_current_thread();
    // SAFETY (whole body): `list` is this thread's head (caller's contract); every listed block
    // is a scanned collector block at least a word long, whose first word links to the next.
    unsafe {
        if list.read() == 0 {
            // Boehm's refill: a chain of cleared blocks (all but the link word), written
            // straight to the scanned head so a collection during the call sees it.
            boehm::GC_generic_malloc_many(bytes.max(1), boehm::GC_I_NORMAL, list.cast());
        }
        let head = list.read();
        let block = NonNull::new(head as *mut u8)?;
        list.write(block.as_ptr().cast::<usize>().read());
        block.as_ptr().cast::<usize>().write(0);
        Some(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of depth `d` of 32-byte nodes, [header, sync, left, right], from the list of
    /// 32-byte blocks (while Boehm recognised interior pointers in the heap, lists of blocks
    /// without its extra byte let live nodes be reclaimed: this test found it).
    fn tree(list: *mut usize, depth: u32) -> usize {
        let (left, right) = if depth == 0 {
            (0, 0)
        } else {
            (tree(list, depth - 1), tree(list, depth - 1))
        };
        // SAFETY: `list` is this thread's scanned head of 32-byte blocks.
        let node = unsafe { alloc_from_list(list, 32) }
            .unwrap()
            .as_ptr()
            .cast::<usize>();
        unsafe {
            node.write(1);
            node.add(2).write(left);
            node.add(3).write(right);
        }
        node as usize
    }

    fn check(node: usize) -> u32 {
        let node = node as *const usize;
        // SAFETY: a node built by `tree`.
        let (left, right) = unsafe { (node.add(2).read(), node.add(3).read()) };
        if left == 0 {
            1
        } else {
            1 + check(left) + check(right)
        }
    }

    #[test]
    fn trees_of_listed_blocks_survive_collections() {
        let head = crate::alloc_uncollectable(8)
            .unwrap()
            .as_ptr()
            .cast::<usize>();
        let long_lived = tree(head, 12);
        for _ in 0..60 {
            assert_eq!(check(tree(head, 11)), (1 << 12) - 1);
        }
        assert_eq!(check(tree(head, 15)), (1 << 16) - 1);
        assert_eq!(check(long_lived), (1 << 13) - 1);
        std::hint::black_box(long_lived);
    }

    #[test]
    fn listed_blocks_are_zeroed_distinct_and_survive_collections() {
        // The head must be scanned: a block from the collector itself.
        let head = crate::alloc_uncollectable(8)
            .unwrap()
            .as_ptr()
            .cast::<usize>();
        let mut seen = std::collections::BTreeSet::new();
        let mut kept = Vec::new();
        for i in 0..2000usize {
            // SAFETY: `head` is this thread's list of 48-byte blocks, in scanned memory.
            let block = unsafe { alloc_from_list(head, 48) }.unwrap().as_ptr();
            let words = unsafe { std::slice::from_raw_parts_mut(block.cast::<usize>(), 4) };
            assert_eq!(words, &[0, 0, 0, 0]);
            assert!(seen.insert(block as usize));
            words[1] = i;
            if i % 100 == 0 {
                crate::collect();
            }
            kept.push(crate::alloc_uncollectable(8).unwrap());
            // SAFETY: an 8-byte uncollectable block holds the reference where it is scanned.
            unsafe {
                kept.last()
                    .unwrap()
                    .as_ptr()
                    .cast::<usize>()
                    .write(block as usize)
            };
        }
        for (i, k) in kept.iter().enumerate() {
            // SAFETY: each kept word holds a listed block of four words.
            let block = unsafe { k.as_ptr().cast::<*const usize>().read() };
            assert_eq!(unsafe { block.add(1).read() }, i);
        }
    }
}
