//! When the collector runs: a collection trigger that grows with the data a program keeps.
//!
//! Boehm collects once the bytes allocated since the last collection reach its estimate of
//! the scanned live data over the free-space divisor ([`crate::init`] sets divisor 1), and
//! every collection marks all live data again (no generations). A program that keeps a large
//! structure alive while it churns through short-lived objects (binary-trees' long-lived tree)
//! then spends a fifth of its time re-marking that structure. After each collection this
//! module raises the trigger's floor (`GC_set_min_bytes_allocd`) to [`HEADROOM_PER_OCCUPIED_BYTE`]
//! times the heap the collection left occupied (bytes in blocks that hold a live object), at
//! most [`MAX_HEADROOM_BYTES`]: the heap then grows by at most that much beyond Boehm's own
//! policy. Programs that keep little (hello world, the churn benchmarks keep under 0.3 MB) stay
//! under the 4 MiB initial heap and collect as before; binary-trees, which keeps 4.4 MB, collects
//! half as often with the same peak heap (docs/BENCHMARKS.md section 21).
//!
//! Depends on: [`crate::boehm`] (collection events, the unsynchronised statistics).

use crate::boehm;

/// Bytes allowed between collections per byte the last collection left occupied.
const HEADROOM_PER_OCCUPIED_BYTE: usize = 6;

/// The most the floor asks for, so a program with a large live set does not grow its heap by
/// a multiple of it (measured: 24 MB keeps binary-trees' and word count's peak heaps as they
/// were; 32 MB cut binary-trees' collections further but grew its heap by 8 MB).
const MAX_HEADROOM_BYTES: usize = 24 << 20;

/// Installs the policy (before the first collection that should follow it).
///
/// # Safety
/// The collector must be initialised.
pub(crate) unsafe fn install() {
    // SAFETY: the collector is initialised (caller's contract); the callback only reads
    // statistics and sets the trigger, as Boehm allows with its lock held.
    unsafe { boehm::GC_set_on_collection_event(on_collection_event) };
}

/// The trigger's floor after a collection that left `occupied` bytes in blocks holding live
/// objects: never zero (Boehm's minimum is one byte).
fn min_bytes_between_collections(occupied: usize) -> usize {
    occupied
        .saturating_mul(HEADROOM_PER_OCCUPIED_BYTE)
        .clamp(1, MAX_HEADROOM_BYTES)
}

/// Boehm's collection-progress callback; acts once a collection has freed its empty blocks.
unsafe extern "C" fn on_collection_event(event: std::ffi::c_int) {
    if event != boehm::GC_EVENT_RECLAIM_END {
        return;
    }
    let mut stats = boehm::ProfStats::default();
    // SAFETY: Boehm calls this with its allocation lock held, which is what the unsynchronised
    // getter and the setter need; `stats` is a whole `GC_prof_stats_s`.
    unsafe {
        boehm::GC_get_prof_stats_unsafe(&mut stats, size_of::<boehm::ProfStats>());
        let occupied = stats.heapsize_full.saturating_sub(stats.free_bytes_full);
        boehm::GC_set_min_bytes_allocd(min_bytes_between_collections(occupied));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_grows_with_the_occupied_heap_up_to_its_cap() {
        assert_eq!(min_bytes_between_collections(0), 1);
        assert_eq!(min_bytes_between_collections(300 << 10), 1800 << 10);
        assert_eq!(min_bytes_between_collections(4 << 20), 24 << 20);
        assert_eq!(min_bytes_between_collections(40 << 20), MAX_HEADROOM_BYTES);
        assert_eq!(
            min_bytes_between_collections(usize::MAX),
            MAX_HEADROOM_BYTES
        );
    }

    #[test]
    fn collections_keep_a_floor_proportional_to_what_they_leave() {
        crate::init();
        // Keep about 1 MB of scanned blocks alive, then churn: each collection must leave a
        // floor that lets at least 6 MB be allocated before the next.
        // Each block is stored in the uncollectable root as soon as it is allocated: the
        // collector does not scan Rust's heap, so a block held only by a `Vec` could be freed
        // by a collection another test's allocations start meanwhile.
        const KEPT: usize = 16_384;
        let root = crate::alloc_uncollectable(KEPT * 8)
            .unwrap()
            .as_ptr()
            .cast::<usize>();
        for i in 0..KEPT {
            let block = crate::alloc(64).unwrap().as_ptr() as usize;
            // SAFETY: the root block has room for `KEPT` addresses.
            unsafe { root.add(i).write(block) };
        }
        crate::collect();
        // SAFETY: a getter of libgc's configuration, after GC_init.
        let floor = unsafe { boehm::GC_get_min_bytes_allocd() };
        assert!(floor >= 6 << 20, "floor {floor}");
        assert!(floor <= MAX_HEADROOM_BYTES, "floor {floor}");
    }
}
