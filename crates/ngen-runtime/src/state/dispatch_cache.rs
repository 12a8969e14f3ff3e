//! The lock-free fast path of interface dispatch: a small per-call-site cache of the code an
//! interface call resolved to, by receiver method table, read without the runtime lock.
//!
//! ## Model
//! Each method cell's [`super::CellDesc`] holds a [`SiteSlot`]: null until the site makes
//! its first interface call, then a pointer to a leaked [`SiteCache`] of [`SITE_WAYS`]
//! slots. Each slot is one atomic pointer to an immutable, leaked [`DispatchEntry`] (a
//! method table and the code it runs), so a reader loads one word and can never pair one
//! type's method table with another type's code, however writers race (no seqlock needed).
//! Entries are interned per (cell, method table) by the locked slow path, so a megamorphic
//! site that keeps replacing slots allocates nothing after each receiver type's first call:
//! memory is bounded by the distinct (site, type) pairs, as the locked map it fronts.
//!
//! Replacement: an empty slot first, else round-robin over the slots (a per-site counter),
//! the policy of a small polymorphic inline cache (Hölzle, Chambers and Ungar, "Optimizing
//! dynamically-typed object-oriented languages with polymorphic inline caches", ECOOP 1991).
//! A miss costs one locked resolution (a map lookup once resolved) and refills a slot.
//!
//! Depends on: nothing but `std::sync::atomic`.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// How many receiver types one call site remembers without the lock.
pub(crate) const SITE_WAYS: usize = 4;

/// The code interface calls run on objects of one method table (immutable once published).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DispatchEntry {
    pub method_table: u64,
    pub code: u64,
}

impl DispatchEntry {
    /// A new entry that lives as long as the process (slots of any site may point at it).
    pub(crate) fn leak(method_table: u64, code: u64) -> &'static DispatchEntry {
        Box::leak(Box::new(DispatchEntry { method_table, code }))
    }
}

/// One call site's remembered receiver types.
#[derive(Default)]
pub(crate) struct SiteCache {
    slots: [AtomicPtr<DispatchEntry>; SITE_WAYS],
    /// The slot the next replacement overwrites when none is empty (modulo [`SITE_WAYS`]).
    next_victim: AtomicUsize,
}

impl SiteCache {
    /// The code remembered for receivers of `method_table`, if any.
    pub(crate) fn lookup(&self, method_table: u64) -> Option<u64> {
        self.slots.iter().find_map(|slot| {
            let entry = slot.load(Ordering::Acquire);
            // SAFETY: a non-null slot points at a leaked, never-mutated DispatchEntry.
            let entry = unsafe { entry.as_ref() }?;
            (entry.method_table == method_table).then_some(entry.code)
        })
    }

    /// Remembers `entry`: in an empty slot, else over the round-robin victim. Safe to race
    /// with readers and other writers (a lost write only costs a later miss).
    pub(crate) fn remember(&self, entry: &'static DispatchEntry) {
        let new = entry as *const DispatchEntry as *mut DispatchEntry;
        for slot in &self.slots {
            let current = slot.load(Ordering::Acquire);
            if current == new {
                return;
            }
            if current.is_null()
                && slot
                    .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                return;
            }
        }
        let victim = self.next_victim.fetch_add(1, Ordering::Relaxed) % SITE_WAYS;
        self.slots[victim].store(new, Ordering::Release);
    }
}

/// A call site's cache, allocated on its first interface call (most cells never make one).
#[derive(Default)]
pub(crate) struct SiteSlot(AtomicPtr<SiteCache>);

impl SiteSlot {
    /// The site's cache, if it has one yet.
    pub(crate) fn get(&self) -> Option<&'static SiteCache> {
        // SAFETY: a non-null pointer is a leaked SiteCache, never freed.
        unsafe { self.0.load(Ordering::Acquire).as_ref() }
    }

    /// The site's cache, allocated (once, whoever races) when it has none.
    pub(crate) fn get_or_create(&self) -> &'static SiteCache {
        if let Some(cache) = self.get() {
            return cache;
        }
        let fresh: *mut SiteCache = Box::into_raw(Box::default());
        match self.0.compare_exchange(
            std::ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: just published; leaked for the process's life.
            Ok(_) => unsafe { &*fresh },
            Err(winner) => {
                // SAFETY: `fresh` was never published; `winner` is a leaked SiteCache.
                unsafe {
                    drop(Box::from_raw(fresh));
                    &*winner
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_site_misses_and_a_remembered_type_hits() {
        let site = SiteCache::default();
        assert_eq!(site.lookup(0x10), None);
        site.remember(DispatchEntry::leak(0x10, 0xA));
        assert_eq!(site.lookup(0x10), Some(0xA));
        assert_eq!(site.lookup(0x20), None);
    }

    /// Remembers method tables `first..` (one per slot, from `from`) with code `mt + 0x800`.
    fn fill(site: &SiteCache, first: u64, from: u64) {
        for i in from..SITE_WAYS as u64 {
            site.remember(DispatchEntry::leak(first + i, first + i + 0x800));
        }
    }

    fn assert_all_hit(site: &SiteCache, first: u64) {
        for i in 0..SITE_WAYS as u64 {
            assert_eq!(site.lookup(first + i), Some(first + i + 0x800));
        }
    }

    #[test]
    fn empty_slots_fill_before_anything_is_replaced() {
        let site = SiteCache::default();
        fill(&site, 0x100, 0);
        assert_all_hit(&site, 0x100);
    }

    #[test]
    fn remembering_an_entry_twice_takes_one_slot() {
        let site = SiteCache::default();
        let entry = DispatchEntry::leak(0x10, 0x810);
        site.remember(entry);
        site.remember(entry);
        fill(&site, 0x10, 1);
        assert_all_hit(&site, 0x10);
    }

    #[test]
    fn a_full_site_replaces_round_robin_oldest_first() {
        let site = SiteCache::default();
        let ways = SITE_WAYS as u64;
        for i in 0..ways {
            site.remember(DispatchEntry::leak(i, 100 + i));
        }
        // The first extra type evicts slot 0's type, the second slot 1's.
        site.remember(DispatchEntry::leak(ways, 100 + ways));
        assert_eq!(site.lookup(0), None);
        assert_eq!(site.lookup(ways), Some(100 + ways));
        assert_eq!(site.lookup(1), Some(101));
        site.remember(DispatchEntry::leak(ways + 1, 101 + ways));
        assert_eq!(site.lookup(1), None);
        assert_eq!(site.lookup(ways + 1), Some(101 + ways));
        for i in 2..ways {
            assert_eq!(site.lookup(i), Some(100 + i));
        }
    }

    #[test]
    fn racing_writers_and_readers_never_pair_a_table_with_another_types_code() {
        let site: &'static SiteCache = Box::leak(Box::default());
        // Code is a function of the method table, so any mismatch is visible.
        let entries: Vec<&'static DispatchEntry> = (1..=16u64)
            .map(|mt| DispatchEntry::leak(mt, mt * 1000))
            .collect();
        std::thread::scope(|s| {
            for t in 0..4usize {
                let entries = &entries;
                s.spawn(move || {
                    for round in 0..20_000usize {
                        let entry = entries[(round * 7 + t * 3) % entries.len()];
                        if let Some(code) = site.lookup(entry.method_table) {
                            assert_eq!(code, entry.method_table * 1000);
                        } else {
                            site.remember(entry);
                        }
                    }
                });
            }
        });
    }

    #[test]
    fn a_site_slot_allocates_its_cache_once() {
        let slot = SiteSlot::default();
        assert!(slot.get().is_none());
        let first = slot.get_or_create() as *const SiteCache;
        assert_eq!(slot.get_or_create() as *const SiteCache, first);
        assert_eq!(slot.get().map(|c| c as *const SiteCache), Some(first));
    }
}
