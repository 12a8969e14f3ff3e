//! The evaluation stack (ECMA-335 III.1.7): its representation, popping with underflow
//! checks, the stack shapes of joins (III.1.7.5) and the edges that carry them into blocks;
//! and the instructions that only push or drop: `ldnull` (III.3.45), `ldc.*` (III.3.40),
//! `dup` (III.3.33), `pop` (III.3.54).
//!
//! Depends on: cranelift-frontend, [`crate::types::StackType`].

use cranelift_codegen::ir::types::{F64, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value};
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::{Reject, Res, Translator, at};
use crate::backend::abi::clif_type;
use crate::types::StackType;

/// A CLIF block of an IL block start and the stack shape it is entered with.
pub(super) struct IlBlock {
    pub(super) block: Block,
    pub(super) shape: Vec<StackType>,
}

/// One entry of the evaluation stack: a CLIF value and its CIL stack type.
pub(super) type Entry = (Value, StackType);

/// The evaluation stack: CLIF values with their CIL stack types, top last. Popping checks
/// underflow (there is no IL verifier: malformed IL must give a reason, never a panic).
#[derive(Default)]
pub(super) struct Stack(Vec<Entry>);

impl Stack {
    /// Whether the evaluation stack is empty (where mono places sequence points).
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn push(&mut self, entry: Entry) {
        self.0.push(entry);
    }

    /// The top entry, popped.
    pub(super) fn pop1(&mut self) -> Res<Entry> {
        self.0.pop().ok_or_else(underflow)
    }

    /// The two top entries, popped: `(a, b)` with `b` the top, as III.1.5 names operands.
    pub(super) fn pop2(&mut self) -> Res<(Entry, Entry)> {
        let b = self.pop1()?;
        let a = self.pop1()?;
        Ok((a, b))
    }

    /// The `n` top entries, popped, bottom first (call arguments in order).
    pub(super) fn popn(&mut self, n: usize) -> Res<Vec<Entry>> {
        let Some(rest) = self.0.len().checked_sub(n) else {
            return Err(underflow());
        };
        Ok(self.0.split_off(rest))
    }

    /// The top entry, left in place.
    pub(super) fn peek(&self) -> Res<Entry> {
        self.0.last().copied().ok_or_else(underflow)
    }
}

fn underflow() -> Reject {
    Reject::new("stack underflow")
}

impl std::ops::Deref for Stack {
    type Target = [Entry];

    fn deref(&self) -> &[Entry] {
        &self.0
    }
}

impl FromIterator<Entry> for Stack {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Stack {
        Stack(iter.into_iter().collect())
    }
}

/// The constant an `ldc.i4*` pushes.
pub(crate) fn ldc_i4_value(ins: &Instruction<'_>) -> Option<i32> {
    use Opcode as O;
    Some(match (ins.opcode, ins.operand) {
        (O::LdcI4M1, _) => -1,
        (O::LdcI4_0, _) => 0,
        (O::LdcI4_1, _) => 1,
        (O::LdcI4_2, _) => 2,
        (O::LdcI4_3, _) => 3,
        (O::LdcI4_4, _) => 4,
        (O::LdcI4_5, _) => 5,
        (O::LdcI4_6, _) => 6,
        (O::LdcI4_7, _) => 7,
        (O::LdcI4_8, _) => 8,
        (O::LdcI4S, Operand::Int8(n)) => i32::from(n),
        (O::LdcI4, Operand::Int32(n)) => n,
        _ => return None,
    })
}

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldnull`, `ldc.*`, `dup`, `pop`.
    pub(super) fn translate_stack(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Ldnull => {
                let v = self.b.ins().iconst(I64, 0);
                stack.push((v, StackType::O));
            }
            O::LdcI4M1
            | O::LdcI4_0
            | O::LdcI4_1
            | O::LdcI4_2
            | O::LdcI4_3
            | O::LdcI4_4
            | O::LdcI4_5
            | O::LdcI4_6
            | O::LdcI4_7
            | O::LdcI4_8
            | O::LdcI4S
            | O::LdcI4 => {
                let Some(n) = ldc_i4_value(ins) else {
                    return Err(Reject::new("bad ldc.i4 operand"));
                };
                let v = self.b.ins().iconst(I32, n as i64);
                stack.push((v, StackType::I4));
            }
            O::LdcI8 => {
                let Operand::Int64(n) = ins.operand else {
                    return Err(Reject::new("bad ldc.i8 operand"));
                };
                let v = self.b.ins().iconst(I64, n);
                stack.push((v, StackType::I8));
            }
            O::LdcR4 => {
                let Operand::Float32(x) = ins.operand else {
                    return Err(Reject::new("bad ldc.r4 operand"));
                };
                let v = self.b.ins().f32const(x);
                stack.push((v, StackType::F4));
            }
            O::LdcR8 => {
                let Operand::Float64(x) = ins.operand else {
                    return Err(Reject::new("bad ldc.r8 operand"));
                };
                let v = self.b.ins().f64const(x);
                stack.push((v, StackType::F8));
            }
            O::Dup => {
                let top = stack.peek()?;
                stack.push(top);
            }
            O::Pop => {
                stack.pop1()?;
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// The CLIF block for IL offset `target` entered with `stack`, and the jump arguments.
    pub(super) fn edge(
        &mut self,
        target: u32,
        stack: &[(Value, StackType)],
    ) -> Res<(Block, Vec<BlockArg>)> {
        if !self.prepass.index_of.contains_key(&target) {
            return Err(Reject::unlocated(format!(
                "branch target {} is not an instruction",
                at(target)
            )));
        }
        if !self.blocks.contains_key(&target) {
            let block = self.b.create_block();
            let shape: Vec<StackType> = stack
                .iter()
                .map(|(_, t)| {
                    if *t == StackType::F4 {
                        StackType::F8
                    } else {
                        *t
                    }
                })
                .collect();
            for t in &shape {
                self.b.append_block_param(block, clif_type(t.machine()));
            }
            self.blocks.insert(target, IlBlock { block, shape });
            self.worklist.push(target);
        }
        let (block, shape) = {
            let ib = &self.blocks[&target];
            (ib.block, ib.shape.clone())
        };
        if shape.len() != stack.len() {
            return Err(Reject::unlocated(format!(
                "inconsistent stack depth at join {} ({} vs {})",
                at(target),
                shape.len(),
                stack.len()
            )));
        }
        let mut args = Vec::with_capacity(stack.len());
        for ((value, have), want) in stack.iter().zip(&shape) {
            let v = match (*have, *want) {
                (h, w) if h == w => *value,
                (StackType::F4, StackType::F8) => self.b.ins().fpromote(F64, *value),
                (StackType::I4, StackType::I) => self.b.ins().sextend(I64, *value),
                (StackType::Ptr, StackType::I) | (StackType::I, StackType::Ptr) => *value,
                (h, w) => {
                    return Err(Reject::unlocated(format!(
                        "inconsistent stack at join {} ({} vs {})",
                        at(target),
                        h.name(),
                        w.name()
                    )));
                }
            };
            args.push(BlockArg::Value(v));
        }
        Ok((block, args))
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::entity::EntityRef;
    use cranelift_codegen::ir::Value;

    use super::{Entry, Stack};
    use crate::types::StackType;

    fn entry(n: usize) -> Entry {
        (Value::new(n), StackType::I4)
    }

    #[test]
    fn pops_check_underflow_and_keep_operand_order() {
        let mut stack: Stack = (0..3).map(entry).collect();
        assert_eq!(stack.peek().unwrap(), entry(2));
        assert_eq!(stack.pop2().unwrap(), (entry(1), entry(2)));
        assert_eq!(stack.popn(2).unwrap_err().to_string(), "stack underflow");
        assert_eq!(stack.popn(1).unwrap(), vec![entry(0)]);
        assert!(stack.is_empty());
        assert_eq!(stack.pop1().unwrap_err().to_string(), "stack underflow");
        assert_eq!(stack.peek().unwrap_err().to_string(), "stack underflow");
    }
}
