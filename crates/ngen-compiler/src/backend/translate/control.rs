//! Control flow: the method's entry block, the worklist of IL blocks (each translated once,
//! from the stack shape of the first edge that reaches it), and the branch instructions:
//! `br*` (III.3.15), `brfalse*`/`brtrue*` (III.3.17-3.18), `beq`...`blt.un` (III.3.5-3.14),
//! `switch` (III.3.66), `ret` (III.3.57).
//!
//! Depends on: cranelift-frontend; [`super::stack`] for edges, [`super::arith`] for the
//! comparisons of conditional branches, [`super::intrinsics`] for array initialisers.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, JumpTableData, Value};
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::arith::Cmp;
use super::stack::Stack;
use super::{Flow, Reject, Res, Translator};
use crate::backend::debuginfo::VariableKey;
use crate::types::StackType;

impl<'a, 'f> Translator<'a, 'f> {
    /// The entry block: a home per argument (holding the incoming value) and per local
    /// (zeroed, as `.locals init` requires), then a jump to IL offset 0.
    pub(super) fn entry(&mut self) -> Res<()> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let mut params: Vec<Value> = self.b.block_params(entry).to_vec();
        let dictionary = match self.env.takes_dictionary() {
            // Shared code: the exact instance's dictionary comes last (`aot/shared.rs`).
            true => Some(
                params
                    .pop()
                    .ok_or_else(|| Reject::unlocated("internal: no dictionary parameter"))?,
            ),
            false => None,
        };
        let params = self.take_return_buffer(params)?;
        let mut arg_types = self.input.shape.arg_types();
        if self.input.this_is_object {
            // Same machine type; typed `O` so it joins, stores and passes as a reference.
            arg_types[0] = crate::types::IlType::Val(crate::types::ValKind::Ref);
        }
        if params.len() != arg_types.len() {
            return Err(Reject::unlocated("internal: signature/parameter mismatch"));
        }
        // A method with filter clauses (or shared code with `catch` clauses) keeps a frame
        // record (`eh_frames.rs`); one with filters keeps its variables there, for the probes
        // that run them.
        self.open_record(&arg_types)?;
        if let Some(dictionary) = dictionary {
            let dictionary = self.record_dictionary(dictionary);
            self.env.set_dictionary(dictionary);
        }
        let record_homes = self.record_homes(&arg_types, &params);
        let probe = self.split_entry(dictionary);
        match record_homes {
            Some(homes) => {
                self.store_record_homes(&homes);
                self.args = homes.args;
                self.locals = homes.locals;
            }
            None => self.variable_homes(&arg_types, params),
        }
        // Before any other code, so that it dominates every use (`eh.rs`).
        if self.pending_word.is_none() {
            self.hoist_pending_word();
        }
        self.profile_enter();
        self.class_init()?;
        let first = self.edge(0, &[])?;
        self.b.ins().jump(first.0, &first.1);
        if let Some(probe) = probe {
            self.emit_probe_entry(probe)?;
        }
        Ok(())
    }

    /// The homes of the arguments (`params`, of IL types `arg_types`) and locals of a method
    /// that does not keep them in a frame record: variables, or stack slots where an address
    /// is taken (or everywhere in the debug scenario).
    fn variable_homes(&mut self, arg_types: &[crate::types::IlType], params: Vec<Value>) {
        // The debug scenario keeps every variable in memory, as if its address were taken.
        let in_memory = self.env.debug_code();
        for (i, (ty, value)) in arg_types.iter().zip(params).enumerate() {
            let taken = in_memory
                || u16::try_from(i)
                    .map(|n| self.prepass.address_taken_args.contains(&n))
                    .unwrap_or(false);
            let home = self.new_arg_home(*ty, value, taken);
            if in_memory {
                self.tag_variable_slot(home, VariableKey::Arg(i as u32));
            }
            self.args.push(home);
        }
        for (i, ty) in self.input.locals.iter().enumerate() {
            let taken = in_memory
                || u16::try_from(i)
                    .map(|n| self.prepass.address_taken_locals.contains(&n))
                    .unwrap_or(false);
            let home = self.new_local_home(*ty, taken);
            if in_memory {
                self.tag_variable_slot(home, VariableKey::Local(i as u32));
            }
            self.locals.push(home);
        }
    }

    /// Translates the IL block starting at `start` until it ends or falls into the next
    /// block start.
    pub(super) fn translate_block(&mut self, start: u32) -> Res<()> {
        let (block, shape) = {
            let ib = &self.blocks[&start];
            (ib.block, ib.shape.clone())
        };
        self.b.switch_to_block(block);
        // Facts of other blocks need not hold here (`check_facts`).
        self.facts.clear();
        let params = self.b.block_params(block).to_vec();
        let mut stack: Stack = params.into_iter().zip(shape).collect();
        let mut index = self.prepass.index_of[&start];
        let first = index;
        loop {
            let Some(ins) = self.input.instrs.get(index) else {
                return Err(Reject::unlocated("control falls off the end of the method"));
            };
            if index != first && self.prepass.block_starts.contains(&ins.offset) {
                let (target, args) = self.edge(ins.offset, &stack)?;
                self.b.ins().jump(target, &args);
                return Ok(());
            }
            self.literal_before = match index.checked_sub(1).filter(|_| index != first) {
                Some(prev) => match self.input.instrs.get(prev).map(|p| (p.opcode, p.operand)) {
                    Some((Opcode::LdcR8, Operand::Float64(x))) => Some(x),
                    _ => None,
                },
                None => None,
            };
            match self.dispatch(index, first, &mut stack)? {
                Flow::Next => index += 1,
                Flow::Fused => index += 2,
                Flow::End => return Ok(()),
            }
        }
    }

    /// `ret`, `br*`, `brtrue*`, `brfalse*`, `b<cc>*`, `switch`: each ends its block.
    pub(super) fn translate_control(
        &mut self,
        ins: &Instruction<'_>,
        stack: &mut Stack,
    ) -> Res<Flow> {
        use Opcode as O;
        match ins.opcode {
            O::Ret => {
                if self.inline_return(stack)?.is_some() {
                    return Ok(Flow::End);
                }
                self.profile_leave();
                self.emit_return(stack)?;
                Ok(Flow::End)
            }
            O::Br | O::BrS => {
                let target = Self::branch_target(ins)?;
                let (blk, args) = self.edge(target, stack)?;
                self.b.ins().jump(blk, &args);
                Ok(Flow::End)
            }
            O::Brfalse | O::BrfalseS | O::Brtrue | O::BrtrueS => {
                let target = Self::branch_target(ins)?;
                let (v, t) = stack.pop1()?;
                if t.is_float() {
                    return Err(Reject::new("brtrue/brfalse on a float"));
                }
                if matches!(t, StackType::Struct(_)) {
                    return Err(Reject::new("brtrue/brfalse on a value type"));
                }
                let (tb, targs) = self.edge(target, stack)?;
                let (fb, fargs) = self.edge(ins.next_offset(), stack)?;
                if matches!(ins.opcode, O::Brtrue | O::BrtrueS) {
                    self.b.ins().brif(v, tb, &targs, fb, &fargs);
                } else {
                    self.b.ins().brif(v, fb, &fargs, tb, &targs);
                }
                Ok(Flow::End)
            }
            O::Beq
            | O::BeqS
            | O::BneUn
            | O::BneUnS
            | O::Bge
            | O::BgeS
            | O::BgeUn
            | O::BgeUnS
            | O::Bgt
            | O::BgtS
            | O::BgtUn
            | O::BgtUnS
            | O::Ble
            | O::BleS
            | O::BleUn
            | O::BleUnS
            | O::Blt
            | O::BltS
            | O::BltUn
            | O::BltUnS => {
                let cmp = match ins.opcode {
                    O::Beq | O::BeqS => Cmp::Eq,
                    O::BneUn | O::BneUnS => Cmp::NeUn,
                    O::Bge | O::BgeS => Cmp::Ge,
                    O::BgeUn | O::BgeUnS => Cmp::GeUn,
                    O::Bgt | O::BgtS => Cmp::Gt,
                    O::BgtUn | O::BgtUnS => Cmp::GtUn,
                    O::Ble | O::BleS => Cmp::Le,
                    O::BleUn | O::BleUnS => Cmp::LeUn,
                    O::Blt | O::BltS => Cmp::Lt,
                    _ => Cmp::LtUn,
                };
                let target = Self::branch_target(ins)?;
                let (a, b) = stack.pop2()?;
                let c = self.compare(cmp, a, b)?;
                let (tb, targs) = self.edge(target, stack)?;
                let (fb, fargs) = self.edge(ins.next_offset(), stack)?;
                self.b.ins().brif(c, tb, &targs, fb, &fargs);
                Ok(Flow::End)
            }
            O::Switch => {
                let Operand::Switch(targets) = ins.operand else {
                    return Err(Reject::new("bad switch operand"));
                };
                let (v, t) = stack.pop1()?;
                let index = match t {
                    StackType::I4 => v,
                    StackType::I => {
                        // Out-of-range native indices must not wrap into range.
                        let max = self.b.ins().iconst(I64, u32::MAX as i64);
                        let big = self.b.ins().icmp(IntCC::UnsignedGreaterThan, v, max);
                        let low = self.b.ins().ireduce(I32, v);
                        let all = self.b.ins().iconst(I32, -1);
                        self.b.ins().select(big, all, low)
                    }
                    _ => return Err(Reject::new(format!("switch on {}", t.name()))),
                };
                let (db, dargs) = self.edge(ins.next_offset(), stack)?;
                let default = self.b.func.dfg.block_call(db, &dargs);
                let mut calls = Vec::with_capacity(targets.len());
                for target in targets.iter() {
                    let (tb, targs) = self.edge(target, stack)?;
                    calls.push(self.b.func.dfg.block_call(tb, &targs));
                }
                let jt = self
                    .b
                    .create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, jt);
                Ok(Flow::End)
            }
            _ => Err(Self::misrouted(ins)),
        }
    }

    fn branch_target(ins: &Instruction<'_>) -> Res<u32> {
        match ins.operand {
            Operand::BranchTarget(t) => Ok(t),
            _ => Err(Reject::new("missing branch target")),
        }
    }
}
