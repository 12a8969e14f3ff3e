//! From native offsets to source lines: Cranelift reports, for each range of a method's
//! machine code, the source location the translator set for the instruction it came from
//! (the IL offset, `translate/mod.rs`); the symbol file maps IL offsets to lines through the
//! method's sequence points (the point with the greatest IL offset at or before it, as Mono's
//! `mono_debug_symfile_lookup_location` does). Code with no IL offset (the prologue, the
//! entry block's argument and local homes) belongs to the method's first point.
//!
//! Depends on: ngen-symbols ([`SequencePoint`]).

use ngen_symbols::SequencePoint;

/// A range of machine code and the IL offset it came from (`None`: no IL instruction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CodeRange {
    pub start: u32,
    pub end: u32,
    pub il_offset: Option<u32>,
}

/// One row of a method's line table: from `address` (an offset in the method), `line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LineRow {
    pub address: u32,
    /// Index into the symbol file's files.
    pub file: usize,
    pub line: u32,
    pub column: u32,
}

/// The line table of one method: a row where the (file, line) changes, in address order.
/// `points` may come in any order; `ranges` in address order (Cranelift's sorted srclocs).
pub(crate) fn line_rows(ranges: &[CodeRange], points: &[SequencePoint]) -> Vec<LineRow> {
    let mut points: Vec<&SequencePoint> = points.iter().collect();
    points.sort_by_key(|p| p.il_offset);
    let Some(first) = points.first().copied() else {
        return Vec::new();
    };
    let point_at = |il: u32| {
        let after = points.partition_point(|p| p.il_offset <= il);
        after.checked_sub(1).map_or(first, |i| points[i])
    };
    let mut rows: Vec<LineRow> = vec![row(0, first)];
    for range in ranges {
        if range.start >= range.end {
            continue;
        }
        // Code of no instruction continues the row before it (past the prologue).
        let Some(il) = range.il_offset else { continue };
        let point = point_at(il);
        let last = rows.last().copied();
        if last.is_some_and(|r| (r.file, r.line) == (point.file, point.line)) {
            continue;
        }
        if last.is_some_and(|r| r.address == range.start) {
            rows.pop();
        }
        rows.push(row(range.start, point));
    }
    rows
}

fn row(address: u32, p: &SequencePoint) -> LineRow {
    LineRow {
        address,
        file: p.file,
        line: p.line,
        column: p.column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(il_offset: u32, line: u32) -> SequencePoint {
        SequencePoint {
            il_offset,
            file: 0,
            line,
            column: 1,
        }
    }

    fn range(start: u32, end: u32, il: Option<u32>) -> CodeRange {
        CodeRange {
            start,
            end,
            il_offset: il,
        }
    }

    fn lines(rows: &[LineRow]) -> Vec<(u32, u32)> {
        rows.iter().map(|r| (r.address, r.line)).collect()
    }

    #[test]
    fn rows_follow_the_point_at_or_before_each_il_offset() {
        let points = [point(0, 6), point(1, 7), point(5, 8), point(0xc, 9)];
        let ranges = [
            range(0, 8, None),     // prologue
            range(8, 10, Some(0)), // nop: still line 6
            range(10, 20, Some(1)),
            range(20, 24, Some(3)), // inside line 7's statement
            range(24, 30, Some(5)),
            range(30, 34, Some(0xc)),
            range(34, 40, None),    // epilogue continues line 9
            range(40, 50, Some(3)), // a cold block of line 7, after the epilogue
        ];
        assert_eq!(
            lines(&line_rows(&ranges, &points)),
            [(0, 6), (10, 7), (24, 8), (30, 9), (40, 7)]
        );
    }

    #[test]
    fn no_points_no_rows_and_code_before_the_first_point_is_its_line() {
        assert_eq!(line_rows(&[range(0, 4, Some(0))], &[]), []);
        let rows = line_rows(
            &[range(0, 4, Some(0)), range(4, 8, Some(2))],
            &[point(2, 30)],
        );
        assert_eq!(lines(&rows), [(0, 30)]);
    }

    #[test]
    fn a_row_replaced_at_the_same_address_keeps_addresses_increasing() {
        let points = [point(0, 10), point(2, 11)];
        let rows = line_rows(&[range(0, 4, Some(2))], &points);
        assert_eq!(lines(&rows), [(0, 11)]);
    }
}
