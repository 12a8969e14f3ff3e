//! A mapped image's code as the code map sees it: its method table, searched in place.
//!
//! An image's method table holds the entry address of each compiled method (0 for one the
//! image lacks), and the compiler lays the code out in table order, so the nonzero entries
//! never decrease. A lookup is then a binary search over the table itself: nothing is built
//! when the image is mapped. Building one `CodeRange` per method at startup (33,000 for
//! mscorlib, 80 bytes each, sorted and merged into one list) was 6 MB of a hello world's peak
//! heap (docs/BENCHMARKS.md section 22). A table that is not in order (no compiler writes
//! one, but the image format does not forbid it) gets a sorted index of its starts instead.

use std::borrow::Cow;

use super::CodeRange;

/// Whose method a method-table entry past the MethodDefs is: the runtime's index of its
/// defining assembly, its MethodDef rid, and the generic context of an exact instance (0 for
/// shared code).
pub(crate) type EntryOwner = (u32, u32, u32);

/// The longest run of missing methods (zero entries: abstract methods, excluded ones) the
/// in-place search steps over; a table with a longer one gets an index. mscorlib's longest
/// is 561; a probe that lands in one scans it back, a few microseconds at worst.
const MAX_SEARCHED_GAP: usize = 4096;

/// One mapped image's code.
pub(crate) struct ImageCode {
    /// The runtime's assembly index.
    asm: usize,
    /// The method table: entry `i` is MethodDef `i + 1`'s code for `i < rows`, then the
    /// owners' code.
    entries: &'static [u64],
    /// The MethodDef rows of the table.
    rows: usize,
    /// The owner of entry `rows + j`.
    owners: Box<[EntryOwner]>,
    /// Code ends before this address (the tables follow it).
    code_end: u64,
    /// The lowest entry address: the code starts there.
    code_start: u64,
    /// The image's IL-offset blob (`ngen_abi::il_offsets`), if it has one.
    pub(super) il_offsets: Option<&'static [u8]>,
    /// `(start, entry)` sorted, for a table whose entries are not in order; `None` when the
    /// table itself is searched.
    index: Option<Box<[(u64, u32)]>>,
}

impl ImageCode {
    /// The code of `asm`'s image whose method table is `entries` (its first `rows` the
    /// MethodDefs', then those `owners` name) and whose code ends before `code_end`.
    pub(crate) fn new(
        asm: usize,
        entries: &'static [u64],
        rows: usize,
        owners: Box<[EntryOwner]>,
        code_end: u64,
        il_offsets: Option<&'static [u8]>,
    ) -> ImageCode {
        let starts = || entries.iter().copied().filter(|&e| e != 0);
        let in_order = starts()
            .try_fold(0u64, |previous, e| (e >= previous).then_some(e))
            .is_some();
        // The search steps over runs of zeros one entry at a time.
        let short_gaps = entries
            .split(|&e| e != 0)
            .all(|zeros| zeros.len() <= MAX_SEARCHED_GAP);
        let index = (!(in_order && short_gaps)).then(|| {
            let mut index: Vec<(u64, u32)> = entries
                .iter()
                .enumerate()
                .filter(|(_, start)| **start != 0)
                .map(|(i, start)| (*start, i as u32))
                .collect();
            index.sort_unstable();
            index.into_boxed_slice()
        });
        ImageCode {
            asm,
            entries,
            rows,
            owners,
            code_end,
            code_start: starts().min().unwrap_or(code_end),
            il_offsets,
            index,
        }
    }

    /// The assembly whose image this is.
    pub(super) fn asm(&self) -> usize {
        self.asm
    }

    /// Whether `pc` lies within this image's code (maybe between methods).
    pub(super) fn holds(&self, pc: u64) -> bool {
        (self.code_start..self.code_end).contains(&pc)
    }

    /// The method whose code holds `pc`: each method runs to the next method's start, the
    /// last to the tables; of methods sharing a start, the first entry names it.
    pub(super) fn range_at(&self, pc: u64) -> Option<CodeRange> {
        let (start, end, entry) = match &self.index {
            None => self.in_table(pc)?,
            Some(index) => {
                let after = index.partition_point(|(start, _)| *start <= pc);
                let (start, _) = *index.get(after.checked_sub(1)?)?;
                let first = index.partition_point(|(s, _)| *s < start);
                let end = index[after..]
                    .first()
                    .map_or(self.code_end, |(next, _)| *next);
                (start, end, index[first].1 as usize)
            }
        };
        (start < end && pc < end).then(|| self.range(start, end, entry))
    }

    /// `(start, end, entry)` of the method holding `pc`, searching the ordered table.
    fn in_table(&self, pc: u64) -> Option<(u64, u64, usize)> {
        let entries = self.entries;
        // The last nonzero entry at or before `i`, if any (zero runs are short: `new`).
        let nonzero_at_or_before = |i: usize| entries[..=i].iter().rposition(|&e| e != 0);
        // Read as the start before it, a zero entry keeps the starts in order: find the first
        // index whose start is past `pc`.
        let (mut low, mut high) = (0, entries.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match nonzero_at_or_before(middle) {
                Some(i) if entries[i] > pc => high = middle,
                _ => low = middle + 1,
            }
        }
        let last = nonzero_at_or_before(low.checked_sub(1)?)?;
        let start = entries[last];
        let mut entry = last;
        while let Some(before) = entry.checked_sub(1).and_then(nonzero_at_or_before) {
            if entries[before] != start {
                break;
            }
            entry = before;
        }
        let end = entries[last + 1..]
            .iter()
            .copied()
            .find(|&e| e > start)
            .unwrap_or(self.code_end);
        Some((start, end, entry))
    }

    /// The range of method-table entry `entry`, which runs from `start` to `end`.
    fn range(&self, start: u64, end: u64, entry: usize) -> CodeRange {
        let (asm, rid, context, il_offsets) = match entry.checked_sub(self.rows) {
            None => (self.asm, entry as u32 + 1, 0, None),
            Some(j) => {
                let (home, rid, context) =
                    self.owners
                        .get(j)
                        .copied()
                        .unwrap_or((self.asm as u32, 0, 0));
                // Its IL offsets are its own slot of this image's blob, not its defining
                // assembly's slot `rid`.
                let own = self
                    .il_offsets
                    .and_then(|blob| ngen_abi::il_offsets::method_entries(blob, entry as u32 + 1));
                (home as usize, rid, context, own)
            }
        };
        CodeRange {
            start,
            end,
            asm,
            rid,
            context,
            name: None,
            il_offsets: il_offsets.map(Cow::Borrowed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak(entries: Vec<u64>) -> &'static [u64] {
        Box::leak(entries.into_boxed_slice())
    }

    /// Every answer of the image's search, over every address of interest, against the
    /// obvious definition (sort the starts, each runs to the next).
    fn agrees_with_sorted_ranges(entries: Vec<u64>, code_end: u64) {
        let code = ImageCode::new(
            5,
            leak(entries.clone()),
            2,
            Box::new([(7, 9, 3)]),
            code_end,
            None,
        );
        let mut starts: Vec<(u64, usize)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| **e != 0)
            .map(|(i, e)| (*e, i))
            .collect();
        starts.sort_unstable();
        starts.dedup_by_key(|(s, _)| *s);
        let expected = |pc: u64| {
            let at = starts.partition_point(|(s, _)| *s <= pc).checked_sub(1)?;
            let (start, i) = starts[at];
            let end = starts.get(at + 1).map_or(code_end, |(s, _)| *s);
            (start < end && pc < end).then_some((start, end, i))
        };
        for pc in 0..=code_end + 2 {
            let got = code.range_at(pc).map(|r| (r.start, r.end, r.asm, r.rid));
            let want = expected(pc).map(|(start, end, i)| {
                // Two MethodDefs, one owner named (entry 2), none for the rest.
                let (asm, rid) = match i {
                    0 | 1 => (5, i as u32 + 1),
                    2 => (7, 9),
                    _ => (5, 0),
                };
                (start, end, asm, rid)
            });
            assert_eq!(got, want, "pc {pc:#x} in {entries:x?}");
        }
    }

    #[test]
    fn an_ordered_table_is_searched_in_place_with_gaps_and_shared_starts() {
        let code = ImageCode::new(
            0,
            leak(vec![0x10, 0, 0x20, 0x20, 0, 0x30]),
            6,
            Box::new([]),
            0x40,
            None,
        );
        assert!(code.index.is_none());
        agrees_with_sorted_ranges(vec![0x10, 0, 0x20, 0x20, 0, 0x30], 0x40);
        agrees_with_sorted_ranges(vec![0, 0, 0x10, 0, 0, 0x18, 0, 0], 0x20);
        agrees_with_sorted_ranges(vec![0x10, 0x14, 0x1c], 0x1c);
        agrees_with_sorted_ranges(vec![0, 0, 0], 0x10);
        agrees_with_sorted_ranges(vec![], 0x10);
    }

    #[test]
    fn a_table_out_of_order_gets_an_index() {
        let code = ImageCode::new(
            0,
            leak(vec![0x30, 0, 0x10, 0x20]),
            4,
            Box::new([]),
            0x40,
            None,
        );
        assert!(code.index.is_some());
        agrees_with_sorted_ranges(vec![0x30, 0, 0x10, 0x20], 0x40);
        agrees_with_sorted_ranges(vec![0x20, 0x10, 0x10, 0, 0x28], 0x30);
        agrees_with_sorted_ranges(vec![0x50, 0x10], 0x40);
    }
}
