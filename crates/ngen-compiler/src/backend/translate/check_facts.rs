//! Dominated array checks reused within an IL basic block: once `a[e]` was checked (the
//! array not null, the index below its length), a later access to `a[e]` in the same block,
//! with neither `a` nor any variable of `e` stored in between, needs neither check again.
//! fannkuch-redux's flip loop, `t = perm[i]; perm[i] = perm[k - i]; perm[k - i] = t;`, checks
//! `perm` once and each index once instead of four times each.
//!
//! ## Model
//! Values are named symbolically by how the IL computed them ([`Sym`]): the current value of
//! an argument or local kept in a Cranelift variable (never one whose address is taken: those
//! live in stack slots and are not tracked), an integer constant, or a non-trapping integer
//! operation of two named values. Translation steps through an IL block in order, so each
//! instruction's code dominates the rest of the block: a fact recorded there holds for the
//! rest of the block, until a store to a variable it names ([`CheckFacts::note_store`]
//! forgets the facts and names that mention it). An array's length never changes, so no other
//! instruction (a call, a store through a pointer) can falsify a fact. Everything is forgotten
//! at the start of each block (and after an inlined body, whose blocks do not dominate its
//! join).
//!
//! Depends on: cranelift-frontend (`Variable`).

use std::collections::HashMap;

use cranelift_codegen::ir::Value;
use cranelift_frontend::Variable;
use ngen_metadata::il::Opcode;

use super::stack::Stack;

/// How a value was computed, in terms of the variables' current values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Sym {
    Var(Variable),
    Const(i64),
    Op(Opcode, Box<Sym>, Box<Sym>),
}

impl Sym {
    fn mentions(&self, var: Variable) -> bool {
        match self {
            Sym::Var(v) => *v == var,
            Sym::Const(_) => false,
            Sym::Op(_, a, b) => a.mentions(var) || b.mentions(var),
        }
    }
}

/// The facts of the block being translated.
#[derive(Default)]
pub(super) struct CheckFacts {
    /// The names of the values computed so far in the block (lookup only, never iterated for
    /// output).
    names: HashMap<Value, Sym>,
    /// Arrays checked not null.
    non_null: Vec<Sym>,
    /// `(array, index)` pairs checked in bounds.
    in_bounds: Vec<(Sym, Sym)>,
}

impl CheckFacts {
    /// Forgets everything (a new block starts).
    pub(super) fn clear(&mut self) {
        self.names.clear();
        self.non_null.clear();
        self.in_bounds.clear();
    }

    /// `value` is the current value of `var` (an `ldarg`/`ldloc` of a register home).
    pub(super) fn note_load(&mut self, value: Value, var: Variable) {
        self.names.insert(value, Sym::Var(var));
    }

    /// `var` was stored: what mentions it no longer holds.
    pub(super) fn note_store(&mut self, var: Variable) {
        if self.names.is_empty() {
            return;
        }
        self.names.retain(|_, sym| !sym.mentions(var));
        self.non_null.retain(|sym| !sym.mentions(var));
        self.in_bounds
            .retain(|(a, i)| !a.mentions(var) && !i.mentions(var));
    }

    /// `value` is the integer constant `n`.
    pub(super) fn note_const(&mut self, value: Value, n: i64) {
        self.names.insert(value, Sym::Const(n));
    }

    /// The operands of a binary instruction about to be translated, if it is a non-trapping
    /// integer one both of whose operands are named (the stack is left as it was).
    pub(super) fn operands(&self, opcode: Opcode, stack: &mut Stack) -> Option<(Sym, Sym)> {
        use Opcode as O;
        if !matches!(
            opcode,
            O::Add | O::Sub | O::Mul | O::And | O::Or | O::Xor | O::Shl | O::Shr | O::ShrUn
        ) {
            return None;
        }
        let (a, b) = stack.pop2().ok()?;
        stack.push(a);
        stack.push(b);
        Some((self.names.get(&a.0)?.clone(), self.names.get(&b.0)?.clone()))
    }

    /// `result` is `opcode` applied to operands named `(a, b)` ([`Self::operands`]).
    pub(super) fn note_op(&mut self, result: Value, opcode: Opcode, (a, b): (Sym, Sym)) {
        self.names
            .insert(result, Sym::Op(opcode, Box::new(a), Box::new(b)));
    }

    /// Whether `array` was checked not null.
    pub(super) fn known_non_null(&self, array: Value) -> bool {
        self.names
            .get(&array)
            .is_some_and(|a| self.non_null.contains(a))
    }

    /// Whether `array[index]` was checked (null and bounds).
    pub(super) fn known_in_bounds(&self, array: Value, index: Value) -> bool {
        match (self.names.get(&array), self.names.get(&index)) {
            (Some(a), Some(i)) => self.in_bounds.iter().any(|(x, y)| x == a && y == i),
            _ => false,
        }
    }

    /// `array[index]` was just checked (null and bounds).
    pub(super) fn record(&mut self, array: Value, index: Value) {
        let Some(a) = self.names.get(&array).cloned() else {
            return;
        };
        if !self.non_null.contains(&a) {
            self.non_null.push(a.clone());
        }
        if let Some(i) = self.names.get(&index).cloned() {
            self.in_bounds.push((a, i));
        }
    }
}
