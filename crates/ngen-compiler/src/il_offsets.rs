//! Native offset → IL offset, per compiled method: the public table the runtime's stack
//! traces and DWARF line tables are built from.
//!
//! ## Model
//! The translator gives each instruction's code its IL offset as the Cranelift source
//! location; after compilation `MachBuffer::get_srclocs_sorted` lists the code ranges of each
//! location. [`MethodIlOffsets::from_srclocs`] turns them into sorted (native offset, IL offset)
//! pairs, adjacent ranges of one location merged: [`MethodIlOffsets::pairs`] gives the exact IL
//! offset of every instruction (for debuggers), [`MethodIlOffsets::trace_pairs`] the offset a
//! stack trace shows there, mono's last sequence point (`backend/translate/seq_points.rs`),
//! which images carry (`ngen_abi::il_offsets`) and the JIT registers with the runtime.
//!
//! Depends on: cranelift-codegen (the compiled code's source locations).

use cranelift_codegen::{Final, MachSrcLoc};
pub use ngen_abi::il_offsets::NO_IL_OFFSET;

/// One method's table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MethodIlOffsets {
    /// (native offset from the method's entry, IL offset of the instruction compiled there),
    /// sorted by native offset; an entry runs to the next one; [`NO_IL_OFFSET`] marks code of
    /// no instruction.
    pub pairs: Vec<(u32, u32)>,
    /// (IL offset, the IL offset a stack trace shows for it), sorted by IL offset.
    pub reported: Vec<(u32, u32)>,
}

impl MethodIlOffsets {
    /// The table of a compiled method from its source-location ranges and the translator's
    /// sequence points (`reported`).
    pub fn from_srclocs(srclocs: &[MachSrcLoc<Final>], reported: Vec<(u32, u32)>) -> Self {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut end = 0;
        for loc in srclocs {
            if loc.loc.is_default() || loc.start >= loc.end {
                continue;
            }
            // Code between ranges (moves the register allocator added) belongs to the range
            // before it; the prologue's class-initialisation check has a location of its own,
            // `NO_IL_OFFSET`.
            end = loc.end;
            let il = loc.loc.bits();
            if pairs.last().is_some_and(|(_, last)| *last == il) {
                continue;
            }
            pairs.push((loc.start, il));
        }
        // What follows the last range is not this method's (an image's next function may be
        // an excluded method's stub, which has no table of its own).
        if !pairs.is_empty() {
            pairs.push((end, NO_IL_OFFSET));
        }
        pairs.sort_by_key(|(native, _)| *native);
        MethodIlOffsets { pairs, reported }
    }

    /// (native offset, IL offset a stack trace shows), merged where the shown offset repeats:
    /// what an image's IL-offset table holds.
    pub fn trace_pairs(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for &(native, il) in &self.pairs {
            let shown = match il {
                NO_IL_OFFSET => NO_IL_OFFSET,
                il => crate::backend::reported_il_offset(&self.reported, il),
            };
            if out.last().is_some_and(|(_, last)| *last == shown) {
                continue;
            }
            out.push((native, shown));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ranges_merge_and_the_prologue_and_the_end_have_no_il_offset() {
        use cranelift_codegen::ir::SourceLoc;
        let at = |start, end, loc| MachSrcLoc::<Final> {
            start,
            end,
            loc: SourceLoc::new(loc),
        };
        let srclocs = [
            at(4, 10, NO_IL_OFFSET),
            at(10, 14, 0),
            at(14, 20, 0),
            at(24, 30, 5),
            at(30, 30, 7),
            MachSrcLoc::<Final> {
                start: 30,
                end: 34,
                loc: SourceLoc::default(),
            },
        ];
        let table = MethodIlOffsets::from_srclocs(&srclocs, vec![(0, 0), (5, 0)]);
        assert_eq!(
            table.pairs,
            vec![(4, NO_IL_OFFSET), (10, 0), (24, 5), (30, NO_IL_OFFSET)]
        );
        assert_eq!(
            table.trace_pairs(),
            vec![(4, NO_IL_OFFSET), (10, 0), (30, NO_IL_OFFSET)]
        );
    }

    #[test]
    fn trace_pairs_show_the_sequence_point_and_merge_repeats() {
        let table = MethodIlOffsets {
            pairs: vec![(4, 0), (9, 1), (12, 5), (30, 0x0a)],
            reported: vec![(0, 0), (1, 0), (5, 0), (0x0a, 0x0a)],
        };
        assert_eq!(table.trace_pairs(), vec![(4, 0), (30, 0x0a)]);
    }
}
