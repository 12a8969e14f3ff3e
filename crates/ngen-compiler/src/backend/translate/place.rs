//! Where arguments and locals live and how values are stored into them: a [`Home`] is a
//! Cranelift `Variable`, or a stack slot when the variable's address is taken, or for a
//! struct its memory (a stack slot for a local, the caller-owned copy a struct argument
//! points to); stores coerce stack values to the variable's kind (ECMA-335 III.1.6, implicit
//! argument coercion) and re-normalise small integers, and copy structs. The instructions:
//! `ldarg*` (III.3.38), `ldarga*` (III.3.39), `ldloc*` (III.3.43), `ldloca*` (III.3.44),
//! `starg*` (III.3.61), `stloc*` (III.3.63); and the homes of a method's entry (with the
//! hidden struct-return buffer, [`crate::types::MethodShape::abi_params`]).
//!
//! Depends on: cranelift-frontend, [`crate::types`], [`super::value_types`] (struct copies).

use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{InstBuilder, StackSlotData, StackSlotKind, Value};
use cranelift_frontend::Variable;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::stack::Stack;
use super::{Reject, Res, Translator, trusted};
use crate::backend::abi::clif_type;
use crate::backend::debuginfo::VariableKey;
use crate::types::{IlType, MachineType, StackType, StructLayout, ValKind};

/// Where an argument or local lives.
#[derive(Clone, Copy)]
pub(super) enum Home {
    Var(Variable, ValKind),
    Slot(cranelift_codegen::ir::StackSlot, ValKind),
    /// A word at this address: a method with filter clauses keeps its variables in its
    /// frame record (`eh_frames.rs`), whose address the entry block computes.
    At(Value, ValKind),
    /// A struct at this address: a stack slot of the method (locals) or the caller-owned
    /// copy a struct argument points to (an entry-block parameter, so it dominates all uses).
    Struct(Value, StructLayout),
}

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldarg*`, `ldloc*`, `starg*`, `stloc*`, `ldarga*`, `ldloca*`.
    pub(super) fn translate_variable(
        &mut self,
        ins: &Instruction<'_>,
        stack: &mut Stack,
    ) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 | O::LdargS | O::Ldarg => {
                let n = Self::var_index(ins)?;
                let home = self.arg_home(n)?;
                self.push_loaded(home, stack);
            }
            O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc => {
                let n = Self::var_index(ins)?;
                let home = self.local_home(n)?;
                self.push_loaded(home, stack);
            }
            O::StargS | O::Starg => {
                let n = Self::var_index(ins)?;
                let home = self.arg_home(n)?;
                self.store_popped(home, stack)?;
            }
            O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc => {
                let n = Self::var_index(ins)?;
                let home = self.local_home(n)?;
                self.store_popped(home, stack)?;
            }
            O::LdargaS | O::Ldarga => {
                let home = self.arg_home(Self::var_index(ins)?)?;
                let a = self.home_addr(home)?;
                stack.push((a, StackType::Ptr));
            }
            O::LdlocaS | O::Ldloca => {
                let home = self.local_home(Self::var_index(ins)?)?;
                let a = self.home_addr(home)?;
                stack.push((a, StackType::Ptr));
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// Pushes the value of `home` (naming it for [`super::check_facts`]).
    fn push_loaded(&mut self, home: Home, stack: &mut Stack) {
        let loaded = self.load_home(home);
        if let Home::Var(var, _) = home {
            self.facts.note_load(loaded.0, var);
        }
        stack.push(loaded);
    }

    /// The home of argument `value` (of IL type `ty`): a struct argument is already the
    /// address of a copy this method owns.
    pub(super) fn new_arg_home(&mut self, ty: IlType, value: Value, address_taken: bool) -> Home {
        match ty {
            IlType::Struct(layout) => Home::Struct(value, layout),
            IlType::Val(kind) => {
                let home = self.new_home(kind, address_taken);
                self.store_home(home, value);
                home
            }
        }
    }

    /// The home of a local of IL type `ty`, zeroed (`.locals init`).
    pub(super) fn new_local_home(&mut self, ty: IlType, address_taken: bool) -> Home {
        match ty {
            IlType::Struct(layout) => {
                let addr = self.struct_temp(layout);
                self.zero_struct(addr, layout);
                Home::Struct(addr, layout)
            }
            IlType::Val(kind) => {
                let home = self.new_home(kind, address_taken);
                let zero = self.zero(kind.machine());
                self.store_home(home, zero);
                home
            }
        }
    }

    /// Splits the entry block's parameters into the IL arguments and the hidden struct
    /// return buffer (after `this`), which it keeps for `ret`.
    pub(super) fn take_return_buffer(&mut self, mut params: Vec<Value>) -> Res<Vec<Value>> {
        if self.input.shape.struct_return().is_some() {
            let at = usize::from(self.input.shape.has_this);
            if at >= params.len() {
                return Err(Reject::unlocated("internal: no return buffer parameter"));
            }
            self.ret_buffer = Some(params.remove(at));
        }
        Ok(params)
    }

    /// `ret`: the value popped and returned (coerced), or copied to the return buffer.
    pub(super) fn emit_return(&mut self, stack: &mut Stack) -> Res<()> {
        self.pop_record();
        match (self.input.shape.ret, self.ret_buffer) {
            (None, _) => {
                self.b.ins().return_(&[]);
            }
            (Some(IlType::Struct(layout)), Some(buffer)) => {
                let entry = stack.pop1()?;
                self.store_value(IlType::Struct(layout), entry, buffer)?;
                self.b.ins().return_(&[]);
            }
            (Some(IlType::Val(kind)), _) => {
                let (v, t) = stack.pop1()?;
                let v = self.coerce(v, t, kind)?;
                self.b.ins().return_(&[v]);
            }
            (Some(IlType::Struct(_)), None) => {
                return Err(Reject::new("internal: struct return without a buffer"));
            }
        }
        Ok(())
    }

    pub(super) fn new_home(&mut self, kind: ValKind, address_taken: bool) -> Home {
        if address_taken {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                8,
                3,
            ));
            // Zero the full 8 bytes so narrower loads through pointers see clean bytes.
            let zero = self.b.ins().iconst(I64, 0);
            self.b.ins().stack_store(I64, zero, slot, 0);
            Home::Slot(slot, kind)
        } else {
            let var = self.b.declare_var(clif_type(kind.machine()));
            Home::Var(var, kind)
        }
    }

    /// Debug scenario: keys the stack slot of a variable's home with the variable, so the
    /// DWARF writer finds it in Cranelift's frame layout (`backend/debuginfo/variables.rs`).
    pub(super) fn tag_variable_slot(&mut self, home: Home, variable: VariableKey) {
        if let Home::Slot(slot, _) = home {
            self.b.func.sized_stack_slots[slot].key = Some(variable.slot_key());
        }
    }

    pub(super) fn zero(&mut self, m: MachineType) -> Value {
        match m {
            MachineType::I32 => self.b.ins().iconst(I32, 0),
            MachineType::I64 => self.b.ins().iconst(I64, 0),
            MachineType::F32 => self.b.ins().f32const(0.0),
            MachineType::F64 => self.b.ins().f64const(0.0),
        }
    }

    /// `starg`/`stloc`: pops the value and stores it, coerced to the variable's kind (a
    /// struct is copied).
    fn store_popped(&mut self, home: Home, stack: &mut Stack) -> Res<()> {
        let entry = stack.pop1()?;
        let kind = match home {
            Home::Var(_, k) | Home::Slot(_, k) | Home::At(_, k) => k,
            Home::Struct(addr, layout) => {
                return self.store_value(IlType::Struct(layout), entry, addr);
            }
        };
        let v = self.coerce(entry.0, entry.1, kind)?;
        self.store_home(home, v);
        Ok(())
    }

    /// Stores `value` into a home: of the home's machine type, or for a struct home the
    /// address of a struct to copy in.
    pub(super) fn store_home(&mut self, home: Home, value: Value) {
        match home {
            Home::Var(var, _) => {
                self.facts.note_store(var);
                self.b.def_var(var, value)
            }
            Home::Slot(slot, kind) => {
                let addr = self.b.ins().stack_addr(I64, slot, 0);
                self.store_kind(kind, value, addr, trusted());
            }
            Home::At(addr, kind) => self.store_kind(kind, value, addr, trusted()),
            Home::Struct(addr, layout) => self.copy_bytes(addr, value, layout.size),
        }
    }

    fn load_home(&mut self, home: Home) -> (Value, StackType) {
        match home {
            Home::Var(var, kind) => (self.b.use_var(var), StackType::of(kind)),
            Home::Slot(slot, kind) => {
                let addr = self.b.ins().stack_addr(I64, slot, 0);
                (self.load_kind(kind, addr, trusted()), StackType::of(kind))
            }
            Home::At(addr, kind) => (self.load_kind(kind, addr, trusted()), StackType::of(kind)),
            Home::Struct(addr, layout) => self.load_value(IlType::Struct(layout), addr),
        }
    }

    /// The argument or local number of a variable instruction: fixed by the opcode for
    /// `ldarg.0`-`.3`, `ldloc.0`-`.3` and `stloc.0`-`.3`, else the operand.
    pub(super) fn var_index(ins: &Instruction<'_>) -> Res<u16> {
        use Opcode as O;
        match (ins.opcode, ins.operand) {
            (O::Ldarg0 | O::Ldloc0 | O::Stloc0, _) => Ok(0),
            (O::Ldarg1 | O::Ldloc1 | O::Stloc1, _) => Ok(1),
            (O::Ldarg2 | O::Ldloc2 | O::Stloc2, _) => Ok(2),
            (O::Ldarg3 | O::Ldloc3 | O::Stloc3, _) => Ok(3),
            (_, Operand::Variable(n)) => Ok(n),
            _ => Err(Reject::new("missing variable operand")),
        }
    }

    fn arg_home(&self, n: u16) -> Res<Home> {
        self.args
            .get(n as usize)
            .copied()
            .ok_or_else(|| Reject::new(format!("argument {n} out of range")))
    }

    fn local_home(&self, n: u16) -> Res<Home> {
        self.locals
            .get(n as usize)
            .copied()
            .ok_or_else(|| Reject::new(format!("local {n} out of range")))
    }

    fn home_addr(&mut self, home: Home) -> Res<Value> {
        match home {
            Home::Slot(slot, _) => Ok(self.b.ins().stack_addr(I64, slot, 0)),
            Home::Struct(addr, _) | Home::At(addr, _) => Ok(addr),
            Home::Var(..) => Err(Reject::new("internal: address of a register variable")),
        }
    }

    /// Truncates/extends an `I32` to the small integer `kind` (CIL store semantics).
    pub(super) fn normalize(&mut self, v: Value, kind: ValKind) -> Value {
        match kind {
            ValKind::I1 => {
                let n = self.b.ins().ireduce(I8, v);
                self.b.ins().sextend(I32, n)
            }
            ValKind::U1 | ValKind::Bool => self.b.ins().band_imm_u(v, 0xff),
            ValKind::I2 => {
                let n = self.b.ins().ireduce(I16, v);
                self.b.ins().sextend(I32, n)
            }
            ValKind::U2 | ValKind::Char => self.b.ins().band_imm_u(v, 0xffff),
            _ => v,
        }
    }

    /// Converts a stack value to the machine representation of `kind` (store/argument/return).
    pub(super) fn coerce(&mut self, v: Value, t: StackType, kind: ValKind) -> Res<Value> {
        let bad = || {
            Err(Reject::new(format!(
                "cannot store {} as {:?}",
                t.name(),
                kind
            )))
        };
        Ok(match kind.machine() {
            MachineType::I32 => {
                let v32 = match t {
                    StackType::I4 => v,
                    StackType::I8 | StackType::I => self.b.ins().ireduce(I32, v),
                    _ => return bad(),
                };
                self.normalize(v32, kind)
            }
            MachineType::I64 => match (t, kind) {
                (
                    StackType::I8 | StackType::I | StackType::Ptr,
                    ValKind::I8 | ValKind::U8 | ValKind::I | ValKind::U | ValKind::Ptr,
                ) => v,
                (StackType::O, ValKind::Ref | ValKind::Ptr) => v,
                // `this` of a class's instance method is typed as a pointer (the declaring
                // type's kind is not looked up); both are the same machine word.
                (StackType::Ptr, ValKind::Ref) => v,
                (StackType::I, ValKind::Ref) => v,
                (StackType::I4, ValKind::U8 | ValKind::U) => self.b.ins().uextend(I64, v),
                (StackType::I4, ValKind::I8 | ValKind::I | ValKind::Ptr) => {
                    self.b.ins().sextend(I64, v)
                }
                _ => return bad(),
            },
            MachineType::F32 => match t {
                StackType::F4 => v,
                StackType::F8 => self.b.ins().fdemote(F32, v),
                _ => return bad(),
            },
            MachineType::F64 => match t {
                StackType::F8 => v,
                StackType::F4 => self.b.ins().fpromote(F64, v),
                _ => return bad(),
            },
        })
    }
}
