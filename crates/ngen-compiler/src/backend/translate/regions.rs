//! A method's exception-handling regions (ECMA-335 II.19, II.25.4.6), as questions the EH
//! translation ([`super::eh`]) asks, answered without Cranelift: which clause first covers an
//! instruction, where dispatch continues after a clause, which `finally` handlers a `leave`
//! runs, which handler an `endfinally`, `endfilter` or `rethrow` belongs to.
//!
//! ## Model
//! Clauses are in metadata order, which II.19 requires to be innermost first. An exception at
//! IL offset `x` is offered to the clauses whose try block contains `x`, in that order
//! ([`Regions::entry`] gives the first). Because regions nest (II.19: a try block is either
//! disjoint from, inside, or equal to another), the clauses after `c` that contain an
//! instruction of `c`'s try block are exactly those whose try block contains all of it, so
//! where dispatch goes after `c` ([`Regions::next`]) depends only on `c`. That order is
//! [`crate::eh_order`]'s, which the runtime's first pass shares.
//!
//! Depends on: `ngen_metadata::body` (the clauses), [`crate::eh_order`].

use std::collections::BTreeSet;

use ngen_metadata::Token;
use ngen_metadata::body::{ClauseKind, ExceptionClause};

use super::{Reject, Res};

/// What a clause does with an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handler {
    /// `catch T`: the handler runs when the exception is a `T`.
    Catch(Token),
    /// A filter whose code starts at this offset decides.
    Filter(u32),
    Finally,
    Fault,
}

/// One clause, with half-open `[start, end)` offset ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Clause {
    pub(super) handler: Handler,
    pub(super) try_range: (u32, u32),
    pub(super) handler_range: (u32, u32),
}

fn contains(range: (u32, u32), offset: u32) -> bool {
    range.0 <= offset && offset < range.1
}

/// The clauses of one method.
#[derive(Default)]
pub(super) struct Regions {
    pub(super) clauses: Vec<Clause>,
}

impl Regions {
    /// The regions of `clauses`, checked against the instruction boundaries `is_instruction`
    /// and the end of the code: every region must start at an instruction and end at one or
    /// at the end of the code (malformed clauses are a reason, never a panic).
    pub(super) fn new(
        clauses: &[ExceptionClause],
        is_instruction: impl Fn(u32) -> bool,
        code_end: u32,
    ) -> Res<Regions> {
        let boundary = |offset: u32| is_instruction(offset) || offset == code_end;
        let mut out = Vec::with_capacity(clauses.len());
        for (index, c) in clauses.iter().enumerate() {
            let range = |start: u32, length: u32| -> Res<(u32, u32)> {
                let end = start
                    .checked_add(length)
                    .filter(|end| *end > start && is_instruction(start) && boundary(*end))
                    .ok_or_else(|| {
                        Reject::unlocated(format!(
                            "exception clause {index}: region IL_{start:04x}+{length} is not on instruction boundaries"
                        ))
                    })?;
                Ok((start, end))
            };
            let handler = match c.kind {
                ClauseKind::Catch(token) => Handler::Catch(token),
                ClauseKind::Filter(start) => {
                    if !is_instruction(start) || start >= c.handler_offset {
                        return Err(Reject::unlocated(format!(
                            "exception clause {index}: bad filter start IL_{start:04x}"
                        )));
                    }
                    Handler::Filter(start)
                }
                ClauseKind::Finally => Handler::Finally,
                ClauseKind::Fault => Handler::Fault,
            };
            out.push(Clause {
                handler,
                try_range: range(c.try_offset, c.try_length)?,
                handler_range: range(c.handler_offset, c.handler_length)?,
            });
        }
        Ok(Regions { clauses: out })
    }

    /// Offsets that must start IL blocks: handler and filter starts (entered from dispatch).
    pub(super) fn block_starts(&self) -> BTreeSet<u32> {
        let mut starts = BTreeSet::new();
        for c in &self.clauses {
            starts.insert(c.handler_range.0);
            if let Handler::Filter(start) = c.handler {
                starts.insert(start);
            }
        }
        starts
    }

    /// The first clause offered an exception raised at `offset`, or `None` when it leaves the
    /// method.
    pub(super) fn entry(&self, offset: u32) -> Option<usize> {
        crate::eh_order::first_covering(self.clauses.len(), |i| self.try_of(i), offset)
    }

    /// The clause offered the exception after clause `index` declines it (or after its
    /// `finally`/`fault` handler ran), or `None` when it leaves the method.
    pub(super) fn next(&self, index: usize) -> Option<usize> {
        crate::eh_order::next_enclosing(self.clauses.len(), |i| self.try_of(i), index)
    }

    fn try_of(&self, index: usize) -> (u32, u32) {
        self.clauses[index].try_range
    }

    /// The `finally` clauses a `leave` from `from` to `target` runs, innermost first: those
    /// whose try block contains `from` but not `target` (II.19, III.3.46).
    pub(super) fn finallys_left(&self, from: u32, target: u32) -> Vec<usize> {
        self.clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.handler == Handler::Finally
                    && contains(c.try_range, from)
                    && !contains(c.try_range, target)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The innermost clause whose handler block contains `offset` and satisfies `wanted`
    /// (handlers nest, so the innermost is the smallest).
    pub(super) fn handler_at(
        &self,
        offset: u32,
        wanted: impl Fn(Handler) -> bool,
    ) -> Option<usize> {
        self.clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| wanted(c.handler) && contains(c.handler_range, offset))
            .min_by_key(|(_, c)| c.handler_range.1 - c.handler_range.0)
            .map(|(i, _)| i)
    }

    /// The filter clause whose filter block (from its start to its handler) contains `offset`.
    pub(super) fn filter_at(&self, offset: u32) -> Option<usize> {
        self.clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| match c.handler {
                Handler::Filter(start) => contains((start, c.handler_range.0), offset),
                _ => false,
            })
            .min_by_key(|(_, c)| c.handler_range.0)
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(kind: ClauseKind, t: (u32, u32), h: (u32, u32)) -> ExceptionClause {
        ExceptionClause {
            kind,
            try_offset: t.0,
            try_length: t.1 - t.0,
            handler_offset: h.0,
            handler_length: h.1 - h.0,
        }
    }

    /// `try { try { 0..10 } catch 10..20 } finally 20..30`, then `ret` at 30.
    fn nested() -> Regions {
        let clauses = [
            clause(ClauseKind::Catch(Token(0x0200_0002)), (0, 10), (10, 20)),
            clause(ClauseKind::Finally, (0, 20), (20, 30)),
        ];
        Regions::new(&clauses, |o| o <= 30 && o % 2 == 0, 31).unwrap()
    }

    #[test]
    fn dispatch_goes_from_the_innermost_clause_outwards() {
        let r = nested();
        assert_eq!(r.entry(4), Some(0));
        assert_eq!(
            r.entry(12),
            Some(1),
            "the catch handler is covered by the finally"
        );
        assert_eq!(r.entry(24), None);
        assert_eq!(r.next(0), Some(1));
        assert_eq!(r.next(1), None);
    }

    #[test]
    fn leave_runs_the_finallys_it_crosses() {
        let r = nested();
        assert_eq!(r.finallys_left(8, 30), vec![1]);
        assert_eq!(r.finallys_left(14, 30), vec![1]);
        assert_eq!(r.finallys_left(8, 16), Vec::<usize>::new());
    }

    #[test]
    fn handlers_are_found_innermost_first() {
        let r = nested();
        assert_eq!(
            r.handler_at(12, |h| matches!(h, Handler::Catch(_))),
            Some(0)
        );
        assert_eq!(r.handler_at(22, |h| h == Handler::Finally), Some(1));
        assert_eq!(r.handler_at(2, |_| true), None);
    }

    #[test]
    fn clauses_off_instruction_boundaries_are_rejected() {
        let bad = [clause(ClauseKind::Finally, (0, 3), (4, 8))];
        assert!(Regions::new(&bad, |o| o % 2 == 0, 8).is_err());
        let overflow = [ExceptionClause {
            kind: ClauseKind::Fault,
            try_offset: u32::MAX,
            try_length: 2,
            handler_offset: 0,
            handler_length: 2,
        }];
        assert!(Regions::new(&overflow, |_| true, 8).is_err());
    }
}
