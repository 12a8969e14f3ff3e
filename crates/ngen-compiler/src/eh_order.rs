//! The order in which a method's exception clauses are offered an exception (ECMA-335 II.19),
//! shared by the compiled dispatch (`backend/translate/regions.rs`) and the runtime's first
//! pass, which judges a frame's `catch` clauses from its metadata (`ngen-runtime`'s
//! `eh/catch_frames.rs`): both must agree on which clauses a call site's exception meets.
//!
//! ## Model
//! Clauses are in metadata order, innermost first. An exception raised at IL offset `x` goes
//! first to the first clause whose try block contains `x` ([`first_covering`]). Regions nest
//! (a try block is disjoint from, inside, or equal to another), so after clause `c` it goes to
//! the next clause whose try block encloses `c`'s ([`next_enclosing`]); that depends only on
//! `c`. Try blocks are half-open `[start, end)` IL ranges, given by index through `try_of`.
//!
//! Depends on: nothing.

/// The first of `count` clauses (try block of clause `i`: `try_of(i)`) offered an exception
/// raised at `offset`, or `None` when it leaves the method.
pub fn first_covering(
    count: usize,
    try_of: impl Fn(usize) -> (u32, u32),
    offset: u32,
) -> Option<usize> {
    (0..count).find(|&i| {
        let (start, end) = try_of(i);
        start <= offset && offset < end
    })
}

/// The clause offered the exception after clause `index` declined it (or after its
/// `finally`/`fault` handler ran), or `None` when it leaves the method.
pub fn next_enclosing(
    count: usize,
    try_of: impl Fn(usize) -> (u32, u32),
    index: usize,
) -> Option<usize> {
    if index >= count {
        return None;
    }
    let (inner_start, inner_end) = try_of(index);
    (index + 1..count).find(|&j| {
        let (start, end) = try_of(j);
        start <= inner_start && inner_end <= end
    })
}

/// Every clause an exception raised at `offset` is offered, in order.
pub fn offered(count: usize, try_of: impl Fn(usize) -> (u32, u32), offset: u32) -> Vec<usize> {
    let mut order = Vec::new();
    let mut next = first_covering(count, &try_of, offset);
    while let Some(k) = next {
        order.push(k);
        next = next_enclosing(count, &try_of, k);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `try { try { 0..10 } catch 10..20 } finally 20..30`, and a try inside the catch
    /// handler: `try 12..16 catch 16..18`, listed first.
    const TRIES: [(u32, u32); 3] = [(12, 16), (0, 10), (0, 20)];

    fn try_of(i: usize) -> (u32, u32) {
        TRIES[i]
    }

    #[test]
    fn an_exception_meets_the_clauses_around_it_innermost_first() {
        assert_eq!(offered(3, try_of, 4), vec![1, 2]);
        assert_eq!(
            offered(3, try_of, 13),
            vec![0, 2],
            "a try nested in a handler, then the clauses around the handler"
        );
        assert_eq!(offered(3, try_of, 17), vec![2]);
        assert_eq!(offered(3, try_of, 24), Vec::<usize>::new());
    }

    #[test]
    fn an_index_past_the_clauses_has_no_successor() {
        assert_eq!(next_enclosing(3, try_of, 7), None);
        assert_eq!(first_covering(0, try_of, 4), None);
    }
}
