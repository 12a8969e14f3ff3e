//! The pre-pass over a method's instructions, before any IR is built: block starts (branch
//! targets and the instructions after branches, `switch`, `ret`, `throw`, `rethrow`,
//! `endfinally`, `endfilter` and `jmp`; the EH regions add handler starts) and the
//! arguments and locals whose address is taken (`ldarga`, `ldloca`), which then live in stack
//! slots. It rejects branches into the middle of an instruction or outside the method
//! (ECMA-335 III.1.7.2, III.3.15).
//!
//! Depends on: `ngen_metadata::il`.

use std::collections::{BTreeSet, HashMap};

use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::{Reject, Res};

/// Block starts and address-taken variables, computed before translation.
pub(super) struct Prepass {
    pub(super) index_of: HashMap<u32, usize>,
    pub(super) block_starts: BTreeSet<u32>,
    pub(super) address_taken_args: BTreeSet<u16>,
    pub(super) address_taken_locals: BTreeSet<u16>,
    /// Loop bodies where an array access needs no bounds check (set by the translator from
    /// [`super::bounds::safe_regions`]).
    pub(super) safe_regions: Vec<super::bounds::SafeRegion>,
}

impl Prepass {
    pub(super) fn run(instrs: &[Instruction<'_>]) -> Res<Prepass> {
        let index_of: HashMap<u32, usize> = instrs
            .iter()
            .enumerate()
            .map(|(i, ins)| (ins.offset, i))
            .collect();
        let mut block_starts = BTreeSet::new();
        block_starts.insert(0);
        let mut address_taken_args = BTreeSet::new();
        let mut address_taken_locals = BTreeSet::new();
        let code_end = instrs.last().map(|i| i.next_offset()).unwrap_or(0);
        let check = |from: u32, target: u32| -> Res<()> {
            if index_of.contains_key(&target) {
                Ok(())
            } else if target < code_end {
                Err(Reject::at(
                    format!("branch into the middle of an instruction (IL_{target:04x})"),
                    from,
                ))
            } else {
                Err(Reject::at(
                    format!("branch target IL_{target:04x} outside the method"),
                    from,
                ))
            }
        };
        for ins in instrs {
            match ins.operand {
                Operand::BranchTarget(target) => {
                    check(ins.offset, target)?;
                    block_starts.insert(target);
                    block_starts.insert(ins.next_offset());
                }
                Operand::Switch(targets) => {
                    for target in targets.iter() {
                        check(ins.offset, target)?;
                        block_starts.insert(target);
                    }
                    block_starts.insert(ins.next_offset());
                }
                _ => {}
            }
            match (ins.opcode, ins.operand) {
                (
                    Opcode::Ret
                    | Opcode::Throw
                    | Opcode::Jmp
                    | Opcode::Rethrow
                    | Opcode::Endfinally
                    | Opcode::Endfilter,
                    _,
                ) => {
                    block_starts.insert(ins.next_offset());
                }
                (Opcode::LdargaS | Opcode::Ldarga, Operand::Variable(n)) => {
                    address_taken_args.insert(n);
                }
                (Opcode::LdlocaS | Opcode::Ldloca, Operand::Variable(n)) => {
                    address_taken_locals.insert(n);
                }
                _ => {}
            }
        }
        Ok(Prepass {
            index_of,
            block_starts,
            address_taken_args,
            address_taken_locals,
            safe_regions: Vec::new(),
        })
    }
}
