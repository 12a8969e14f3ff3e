//! Bounds-check elimination for the counted loop over an array, `for (int i = k; i <
//! a.Length; i++) ... a[i] ...`: inside its body, an element access whose array is the
//! current value of `a` and whose index the current value of `i` needs neither the null check
//! nor the bounds check ([`super::array`] asks [`Translator::proven_in_bounds`]).
//!
//! ## Model
//! The shape is the one C# compilers emit (mcs and csc alike):
//! ```text
//!        <init: ldc.i4 k (k >= 0) | ldloc x; ldc.i4.1; add>  stloc i
//!        br COND
//! BODY:  ...                                 (the region: BODY up to INCR)
//! INCR:  ldloc i; ldc.i4.1; add; stloc i
//! COND:  ldloc i; ldloc a | ldarg a; ldlen; conv.i4; blt BODY
//! ```
//! The region is safe, so that at every point of it `0 <= i < a.Length` and `a` is not null,
//! when: `i` is an `int32` local; nothing in BODY..COND stores `i` (but the increment) or `a`,
//! and no code takes their addresses; the only way into BODY..COND from outside is the `br`
//! (no other branch, `leave` or `switch` targets it, and no handler or filter starts in it);
//! and the initial value is a constant `k >= 0` or `x + 1` where `x` is the index of an
//! enclosing safe region at the `stloc` (`x < length <= int.MaxValue`, so `x + 1` neither
//! overflows nor goes negative). Then each iteration enters BODY only from the check `i <
//! a.Length`, which also proved `a` non-null, with `i >= 0`; `i + 1` at INCR cannot overflow
//! since `i < a.Length`. The translator compares SSA values: the access's index must be
//! exactly what reading `i` gives at that point, and its array what reading `a` gives
//! (Cranelift's `use_var`), so a copy that was taken before an earlier iteration's increment,
//! or of another variable, never qualifies. Bounds checks everywhere else stay, and still
//! throw `IndexOutOfRangeException` where mono does.
//!
//! The bound may also be a variable `n` instead of `a.Length`
//! (`COND: ldloc i; ldloc n | ldarg n; blt BODY`) when every array the body reads at `i` was
//! allocated as `new T[n]` in a way that makes its length `n`'s current value and the array
//! not null wherever the loop runs (`sized_by`: single assignments in the method's prefix,
//! no handlers); fannkuch-redux's `for (i = 0; i < n; i++) perm[i] = perm1[i]`.
//!
//! Depends on: `ngen_metadata::il`, [`super::place`] (the homes it compares).

use std::collections::BTreeSet;

use cranelift_codegen::ir::Value;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::Translator;
use super::place::Home;
use crate::types::{IlType, ValKind};

/// An argument or a local.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Var {
    Arg(u16),
    Local(u16),
}

/// A loop body where `index < array.Length` holds and `array` is not null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SafeRegion {
    /// IL offsets: from the loop body's start up to (not including) the increment.
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) array: Var,
    /// Always a local.
    pub(super) index: u16,
}

/// How a candidate loop's index starts.
#[derive(Clone, Copy)]
enum Init {
    /// A constant `>= 0`.
    NonNegative,
    /// `local + 1`, stored at this IL offset.
    Successor(u16, u32),
}

/// The safe regions of a method body: `instrs`, its locals' types and the offsets where its
/// handlers and filters start (see the module doc).
pub(super) fn safe_regions(
    instrs: &[Instruction<'_>],
    locals: &[IlType],
    handler_starts: &BTreeSet<u32>,
) -> Vec<SafeRegion> {
    let mut candidates: Vec<(SafeRegion, Init)> = instrs
        .iter()
        .enumerate()
        .filter_map(|(k, _)| candidate(instrs, locals, handler_starts, k))
        .flat_map(|(region, init, bound)| match bound {
            Bound::Length => vec![(region, init)],
            // One region per array whose length is the bound (see `sized_by`).
            Bound::Var(n) => sized_by(instrs, handler_starts, n)
                .into_iter()
                .filter(|(_, allocated)| *allocated < region.start)
                .map(|(array, _)| (SafeRegion { array, ..region }, init))
                .collect(),
        })
        .collect();
    let mut safe: Vec<SafeRegion> = Vec::new();
    // Constant starts first, then starts from enclosing safe indices, to a fixed point.
    loop {
        let before = safe.len();
        candidates.retain(|(region, init)| {
            let proven = match *init {
                Init::NonNegative => true,
                Init::Successor(x, at) => safe
                    .iter()
                    .any(|s| s.index == x && (s.start..s.end).contains(&at)),
            };
            if proven {
                safe.push(*region);
            }
            !proven
        });
        if safe.len() == before {
            return safe;
        }
    }
}

/// What a candidate loop's index is compared with.
#[derive(Clone, Copy)]
enum Bound {
    /// The length of the region's array.
    Length,
    /// A variable: the region holds for each array whose length it is (`sized_by`).
    Var(Var),
}

/// The loop whose condition's `blt` is `instrs[k]`, if it has the shape of the module doc
/// (for a [`Bound::Var`], the region's array is a placeholder: the variable).
fn candidate(
    instrs: &[Instruction<'_>],
    locals: &[IlType],
    handler_starts: &BTreeSet<u32>,
    k: usize,
) -> Option<(SafeRegion, Init, Bound)> {
    use Opcode as O;
    let blt = &instrs[k];
    let Operand::BranchTarget(body) = blt.operand else {
        return None;
    };
    if !matches!(blt.opcode, O::Blt | O::BltS) || body >= blt.offset || k < 6 {
        return None;
    }
    // COND: ldloc i; ldloc a | ldarg a; ldlen; conv.i4; blt BODY
    //   or: ldloc i; ldloc n | ldarg n; blt BODY
    let (cond_len, array, bound) = match (k >= 8).then(|| &instrs[k - 2]) {
        Some(ldlen) if ldlen.opcode == O::Ldlen && instrs[k - 1].opcode == O::ConvI4 => {
            (4, var_load(&instrs[k - 3])?, Bound::Length)
        }
        _ => {
            let n = var_load(&instrs[k - 1])?;
            (2, n, Bound::Var(n))
        }
    };
    let index = local_load(&instrs[k - cond_len])?;
    if locals.get(usize::from(index)) != Some(&IlType::Val(ValKind::I4)) {
        return None;
    }
    // INCR: ldloc i; ldc.i4.1; add; stloc i
    let incr = k - cond_len - 4;
    if local_load(&instrs[incr]) != Some(index)
        || instrs[incr + 1].opcode != O::LdcI4_1
        || instrs[incr + 2].opcode != O::Add
        || local_store(&instrs[incr + 3]) != Some(index)
    {
        return None;
    }
    let cond = instrs[k - cond_len].offset;
    let first = instrs.iter().position(|i| i.offset == body)?;
    if first > incr || first < 3 {
        return None;
    }
    // The entry: <init> stloc i; br COND, right before BODY.
    let br = &instrs[first - 1];
    if !matches!(br.opcode, O::Br | O::BrS) || br.operand != Operand::BranchTarget(cond) {
        return None;
    }
    if local_store(&instrs[first - 2]) != Some(index) {
        return None;
    }
    let init_value = &instrs[first - 3];
    let init = match super::stack::ldc_i4_value(init_value) {
        Some(n) if n >= 0 => Init::NonNegative,
        Some(_) => return None,
        None if init_value.opcode == O::Add && first >= 5 => {
            let x = local_load(&instrs[first - 5])?;
            (instrs[first - 4].opcode == O::LdcI4_1)
                .then_some(Init::Successor(x, instrs[first - 2].offset))?
        }
        None => return None,
    };
    let region = first..=k;
    let end = blt.next_offset();
    for (n, ins) in instrs.iter().enumerate() {
        // Nothing takes the variables' addresses, anywhere.
        if address_of(ins) == Some(Var::Local(index)) || address_of(ins) == Some(array) {
            return None;
        }
        let inside = region.contains(&n);
        // Inside, only the increment stores `i`, and nothing stores `a`.
        if inside && n != incr + 3 {
            let stored = var_store(ins);
            if stored == Some(Var::Local(index)) || stored == Some(array) {
                return None;
            }
        }
        // From outside, only the entry's `br` comes in.
        if !inside && n != first - 1 && targets(ins).any(|t| (body..end).contains(&t)) {
            return None;
        }
    }
    if handler_starts.range(body..end).next().is_some() {
        return None;
    }
    let region = SafeRegion {
        start: body,
        end: instrs[incr].offset,
        array,
        index,
    };
    Some((region, init, bound))
}

/// The arrays whose length is the current value of variable `n` wherever the method's code
/// runs after the IL offset given with each (its first allocation), and that are not null
/// there. An array qualifies when every store to it is `ld n; newarr T; stloc a`, and:
/// - `n` is an argument never stored, or a local stored once, before that first allocation,
///   at a point no backward branch returns to (so it is assigned at most once per call, and
///   never after an allocation that read it);
/// - the first allocation dominates the rest of the method: no branch before it goes past
///   it, none after it comes back to it or before it, and the method has no handlers;
/// - neither variable's address is taken.
fn sized_by(instrs: &[Instruction<'_>], handler_starts: &BTreeSet<u32>, n: Var) -> Vec<(Var, u32)> {
    if !handler_starts.is_empty()
        || instrs
            .iter()
            .any(|i| address_of(i) == Some(n) || matches!(i.operand, Operand::Switch(_)))
    {
        return Vec::new();
    }
    let n_stores: Vec<u32> = instrs
        .iter()
        .filter(|i| var_store(i) == Some(n))
        .map(|i| i.offset)
        .collect();
    let n_store = match (n, n_stores.as_slice()) {
        (Var::Arg(_), []) => None,
        (Var::Local(_), [at]) => Some(*at),
        _ => return Vec::new(),
    };
    let branches = || {
        instrs
            .iter()
            .filter_map(|i| targets(i).next().map(|t| (i.offset, t)))
    };
    // `n` is assigned at most once per call: no backward branch spans its store.
    if let Some(at) = n_store
        && branches().any(|(from, to)| to <= at && at < from)
    {
        return Vec::new();
    }
    let mut arrays: Vec<(Var, u32)> = Vec::new();
    let mut refused: Vec<Var> = Vec::new();
    for (j, ins) in instrs.iter().enumerate() {
        let Some(a) = var_store(ins) else {
            continue;
        };
        let allocation =
            j >= 2 && var_load(&instrs[j - 2]) == Some(n) && instrs[j - 1].opcode == Opcode::Newarr;
        if !allocation {
            refused.push(a);
        } else if !arrays.iter().any(|(x, _)| *x == a) {
            arrays.push((a, ins.offset));
        }
    }
    arrays.retain(|&(a, first)| {
        !refused.contains(&a)
            && n_store.is_none_or(|at| at < first)
            && !instrs.iter().any(|i| address_of(i) == Some(a))
            && branches().all(|(from, to)| {
                if from < first {
                    to <= first
                } else {
                    to > first
                }
            })
    });
    arrays
}

/// The branch targets of `ins`.
fn targets<'i>(ins: &'i Instruction<'_>) -> Box<dyn Iterator<Item = u32> + 'i> {
    match ins.operand {
        Operand::BranchTarget(t) => Box::new(std::iter::once(t)),
        Operand::Switch(ts) => Box::new(ts.iter()),
        _ => Box::new(std::iter::empty()),
    }
}

fn variable(ins: &Instruction<'_>) -> Option<u16> {
    Translator::var_index(ins).ok()
}

fn local_load(ins: &Instruction<'_>) -> Option<u16> {
    use Opcode as O;
    matches!(
        ins.opcode,
        O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc
    )
    .then(|| variable(ins))?
}

fn local_store(ins: &Instruction<'_>) -> Option<u16> {
    use Opcode as O;
    matches!(
        ins.opcode,
        O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc
    )
    .then(|| variable(ins))?
}

fn var_load(ins: &Instruction<'_>) -> Option<Var> {
    use Opcode as O;
    if let Some(n) = local_load(ins) {
        return Some(Var::Local(n));
    }
    matches!(
        ins.opcode,
        O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 | O::LdargS | O::Ldarg
    )
    .then(|| variable(ins).map(Var::Arg))?
}

fn var_store(ins: &Instruction<'_>) -> Option<Var> {
    if let Some(n) = local_store(ins) {
        return Some(Var::Local(n));
    }
    matches!(ins.opcode, Opcode::StargS | Opcode::Starg).then(|| variable(ins).map(Var::Arg))?
}

fn address_of(ins: &Instruction<'_>) -> Option<Var> {
    match (ins.opcode, ins.operand) {
        (Opcode::LdlocaS | Opcode::Ldloca, Operand::Variable(n)) => Some(Var::Local(n)),
        (Opcode::LdargaS | Opcode::Ldarga, Operand::Variable(n)) => Some(Var::Arg(n)),
        _ => None,
    }
}

impl<'a, 'f> Translator<'a, 'f> {
    /// Whether the element access at the current instruction, of array `arr` at `int32`
    /// index `index`, is proven in bounds (and `arr` not null) by a safe region.
    pub(super) fn proven_in_bounds(&mut self, offset: u32, arr: Value, index: Value) -> bool {
        let regions: Vec<SafeRegion> = self
            .prepass
            .safe_regions
            .iter()
            .filter(|r| (r.start..r.end).contains(&offset))
            .copied()
            .collect();
        regions.into_iter().any(|r| {
            let array_home = match r.array {
                Var::Arg(n) => self.args.get(usize::from(n)).copied(),
                Var::Local(n) => self.locals.get(usize::from(n)).copied(),
            };
            let index_home = self.locals.get(usize::from(r.index)).copied();
            match (array_home, index_home) {
                (Some(Home::Var(a, _)), Some(Home::Var(i, _))) => {
                    self.b.use_var(i) == index && self.b.use_var(a) == arr
                }
                _ => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{SafeRegion, Var, safe_regions};
    use crate::types::{IlType, ValKind};

    fn regions(code: &[u8], locals: &[IlType]) -> Vec<SafeRegion> {
        let instrs: Vec<_> = ngen_metadata::il::decode(code)
            .collect::<Result<_, _>>()
            .expect("valid IL");
        safe_regions(&instrs, locals, &BTreeSet::new())
    }

    const I4: IlType = IlType::Val(ValKind::I4);
    const REF: IlType = IlType::Val(ValKind::Ref);

    /// `for (int i = 0; i < a.Length; i++) s += a[i];` with `a` argument 0, `i` local 0,
    /// `s` local 1 (mcs -optimize+).
    fn sum_loop(init: u8, bound_arg: u8) -> Vec<u8> {
        vec![
            init, 0x0a, // ldc.i4.x; stloc.0
            0x2b, 0x0a, // br.s COND (+10)
            0x07, 0x02, 0x06, 0x94, 0x58,
            0x0b, // BODY: ldloc.1 ldarg.0 ldloc.0 ldelem.i4 add stloc.1
            0x06, 0x17, 0x58, 0x0a, // INCR: ldloc.0 ldc.i4.1 add stloc.0
            0x06, bound_arg, 0x8e, 0x69, 0x32,
            0xf0, // COND: ldloc.0 ldarg.x ldlen conv.i4 blt.s BODY
            0x07, 0x2a, // ldloc.1 ret
        ]
    }

    #[test]
    fn the_counted_loop_over_an_array_is_safe() {
        let found = regions(&sum_loop(0x16, 0x02), &[I4, I4]);
        let expected = SafeRegion {
            start: 4,
            end: 10,
            array: Var::Arg(0),
            index: 0,
        };
        assert_eq!(found, vec![expected]);
    }

    /// `int[] p = new int[n]; for (int i = 0; i < n; i++) p[i] = i;` with `n` argument 0,
    /// `p` local 0, `i` local 1.
    fn sized_loop(size: u8) -> Vec<u8> {
        vec![
            size, 0x8d, 0x01, 0x00, 0x00, 0x01, 0x0a, // ld n; newarr int32; stloc.0
            0x16, 0x0b, 0x2b, 0x08, // ldc.i4.0; stloc.1; br.s COND
            0x06, 0x07, 0x07, 0x9e, // BODY: ldloc.0 ldloc.1 ldloc.1 stelem.i4
            0x07, 0x17, 0x58, 0x0b, // INCR
            0x07, 0x02, 0x32, 0xf4, // COND: ldloc.1 ldarg.0 blt.s BODY
            0x2a,
        ]
    }

    #[test]
    fn a_loop_bounded_by_the_allocated_length_is_safe() {
        let found = regions(&sized_loop(0x02), &[REF, I4]);
        let expected = SafeRegion {
            start: 11,
            end: 15,
            array: Var::Local(0),
            index: 1,
        };
        assert_eq!(found, vec![expected]);
        // Allocated with another length (`ldc.i4.5`): nothing is proven.
        assert!(regions(&sized_loop(0x1b), &[REF, I4]).is_empty());
        // `n` stored in the body: `ldloc.1; starg.s 0; nop` instead of the store.
        let mut stored = sized_loop(0x02);
        stored.splice(11..15, [0x07, 0x10, 0x00, 0x00]);
        assert!(regions(&stored, &[REF, I4]).is_empty());
    }

    #[test]
    fn other_shapes_are_not() {
        // Starting at -1.
        assert!(regions(&sum_loop(0x15, 0x02), &[I4, I4]).is_empty());
        // An index of another type (`long i`'s local is not int32).
        assert!(regions(&sum_loop(0x16, 0x02), &[IlType::Val(ValKind::I8), I4]).is_empty());
        // Storing the index in the body: `stloc.1` becomes `stloc.0`.
        let mut code = sum_loop(0x16, 0x02);
        code[9] = 0x0a;
        assert!(regions(&code, &[I4, I4]).is_empty());
        // Storing the array in the body: `stloc.1` becomes `starg.s 0` (two bytes: the
        // `ldloc.1` before it is dropped to keep offsets).
        let mut code = sum_loop(0x16, 0x02);
        code.splice(8..10, [0x10, 0x00]);
        code[4] = 0x00;
        assert!(regions(&code, &[I4, REF]).is_empty());
    }
}
