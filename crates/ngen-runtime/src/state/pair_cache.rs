//! Yes/no answers about pairs of method tables (casts, `stelem.ref`'s store check, `unbox`'s
//! check), read without a lock: the helpers compiled code calls on every such operation.
//!
//! ## Model
//! A [`PairCache`] is a direct-mapped table of [`PAIR_SLOTS`] atomic pointers, indexed by a
//! multiplicative (Fibonacci) hash of the pair, in front of a locked map that interns one
//! immutable, leaked [`PairEntry`] per pair decided. A reader loads one pointer and compares
//! both method tables of the entry it points at, so racing writers can never make it pair
//! one question with another's answer. A miss (empty slot, or a colliding pair there) asks
//! the interning map, else decides (the caller's closure, which may take the runtime lock:
//! no lock of this cache is held meanwhile), and publishes the entry into its slot,
//! replacing whatever collided there. Memory is bounded by the distinct pairs decided, as
//! the map it replaced was.
//!
//! Depends on: `std` only.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Slots of a cache's lock-free table (a power of two).
pub(crate) const PAIR_SLOTS: usize = 1024;

/// One decided question: whether `first` relates to `second` (e.g. is assignable to it).
#[derive(Debug)]
pub(crate) struct PairEntry {
    first: u64,
    second: u64,
    answer: bool,
}

/// A lock-free, direct-mapped cache of answers by pair of method tables.
pub(crate) struct PairCache {
    slots: [AtomicPtr<PairEntry>; PAIR_SLOTS],
    interned: Mutex<Option<HashMap<(u64, u64), &'static PairEntry>>>,
}

impl PairCache {
    pub(crate) const fn new() -> PairCache {
        PairCache {
            slots: [const { AtomicPtr::new(std::ptr::null_mut()) }; PAIR_SLOTS],
            interned: Mutex::new(None),
        }
    }

    /// The slot of pair (`first`, `second`): method tables are 8-aligned heap addresses, so
    /// their low bits carry nothing; the multiply spreads the high ones.
    fn slot(&self, first: u64, second: u64) -> &AtomicPtr<PairEntry> {
        let mixed = (first ^ second.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        &self.slots[(mixed >> (64 - PAIR_SLOTS.trailing_zeros())) as usize]
    }

    /// The answer for (`first`, `second`) if the lock-free table holds it.
    pub(crate) fn lookup(&self, first: u64, second: u64) -> Option<bool> {
        let entry = self.slot(first, second).load(Ordering::Acquire);
        // SAFETY: a non-null slot points at a leaked, never-mutated PairEntry.
        let entry = unsafe { entry.as_ref() }?;
        (entry.first == first && entry.second == second).then_some(entry.answer)
    }

    /// The answer for (`first`, `second`): from the table, else the interning map, else
    /// `decide` (called with no lock of this cache held), remembered either way.
    pub(crate) fn get_or_decide<E>(
        &self,
        first: u64,
        second: u64,
        decide: impl FnOnce() -> Result<bool, E>,
    ) -> Result<bool, E> {
        if let Some(answer) = self.lookup(first, second) {
            return Ok(answer);
        }
        let known = self
            .interned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(HashMap::new)
            .get(&(first, second))
            .copied();
        let entry = match known {
            Some(entry) => entry,
            None => {
                let answer = decide()?;
                let mut interned = self.interned.lock().unwrap_or_else(|p| p.into_inner());
                *interned
                    .get_or_insert_with(HashMap::new)
                    .entry((first, second))
                    .or_insert_with(|| {
                        Box::leak(Box::new(PairEntry {
                            first,
                            second,
                            answer,
                        }))
                    })
            }
        };
        self.slot(first, second).store(
            entry as *const PairEntry as *mut PairEntry,
            Ordering::Release,
        );
        Ok(entry.answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(answer: bool) -> Result<bool, ()> {
        Ok(answer)
    }

    #[test]
    fn a_pair_is_decided_once_then_read_from_the_table() {
        let cache = PairCache::new();
        assert_eq!(cache.lookup(0x1000, 0x2000), None);
        assert_eq!(
            cache.get_or_decide(0x1000, 0x2000, || decided(true)),
            Ok(true)
        );
        assert_eq!(cache.lookup(0x1000, 0x2000), Some(true));
        let asked = cache.get_or_decide(0x1000, 0x2000, || -> Result<bool, ()> {
            panic!("decided twice")
        });
        assert_eq!(asked, Ok(true));
        // The order of the pair matters.
        assert_eq!(cache.lookup(0x2000, 0x1000), None);
    }

    #[test]
    fn colliding_pairs_replace_each_other_but_keep_their_own_answers() {
        let cache = PairCache::new();
        let first = 0x7f00_0000_1000u64;
        let other = (1..100_000u64)
            .map(|i| first + i * 8)
            .find(|&mt| std::ptr::eq(cache.slot(mt, 0x40), cache.slot(first, 0x40)))
            .expect("a colliding method table");
        assert_eq!(cache.get_or_decide(first, 0x40, || decided(true)), Ok(true));
        assert_eq!(
            cache.get_or_decide(other, 0x40, || decided(false)),
            Ok(false)
        );
        // The slot now holds `other`'s entry: `first` misses the table, not its answer.
        assert_eq!(cache.lookup(first, 0x40), None);
        let again = cache.get_or_decide(first, 0x40, || -> Result<bool, ()> {
            panic!("the interning map forgot")
        });
        assert_eq!(again, Ok(true));
        assert_eq!(cache.lookup(first, 0x40), Some(true));
    }

    #[test]
    fn an_error_is_returned_and_nothing_is_remembered() {
        let cache = PairCache::new();
        assert_eq!(cache.get_or_decide(8, 16, || Err("no")), Err("no"));
        assert_eq!(cache.lookup(8, 16), None);
        assert_eq!(cache.get_or_decide(8, 16, || decided(false)), Ok(false));
    }

    #[test]
    fn racing_threads_always_read_each_pairs_own_answer() {
        let cache: &'static PairCache = Box::leak(Box::new(PairCache::new()));
        // The answer is a function of the pair, so a mismatched entry shows.
        let truth = |a: u64, b: u64| (a / 8 + b / 8).is_multiple_of(3);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                s.spawn(move || {
                    for i in 0..20_000u64 {
                        let (a, b) = (((i * 7 + t) % 4096) * 8, ((i + t) % 5) * 8);
                        let got = cache.get_or_decide(a, b, || decided(truth(a, b)));
                        assert_eq!(got, Ok(truth(a, b)));
                    }
                });
            }
        });
    }
}
