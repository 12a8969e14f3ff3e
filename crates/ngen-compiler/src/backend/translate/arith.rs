//! Arithmetic, bitwise and comparison instructions on the CIL stack types, with the operand
//! tables of ECMA-335 III.1.5 (binary numeric, integer, shift and comparison operations;
//! managed-pointer arithmetic): `add` (III.3.1), `add.ovf*` (III.3.2), `and` (III.3.3),
//! `ceq`/`cgt*`/`clt*` (III.3.21-3.23, 3.25-3.26), `ckfinite` (III.3.24), `div*`
//! (III.3.31-3.32), `mul*` (III.3.48-3.49), `neg` (III.3.50), `not` (III.3.52), `or` (III.3.53),
//! `rem*` (III.3.55-3.56), `shl`/`shr*` (III.3.58-3.60), `sub*` (III.3.64-3.65), `xor`
//! (III.3.67). Division and checked operations raise through cold throw blocks; float `rem`
//! calls the `Fmod*` helpers (as rustc_codegen_cranelift's `num.rs` calls `fmod`).
//!
//! Depends on: cranelift-frontend, [`super::eh`] for the throws.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, InstructionData, Opcode as ClifOpcode, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator};
use crate::backend::abi::clif_type;
use crate::types::StackType;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    DivUn,
    Rem,
    RemUn,
    And,
    Or,
    Xor,
    AddOvf,
    AddOvfUn,
    SubOvf,
    SubOvfUn,
    MulOvf,
    MulOvfUn,
}

/// A comparison, as `ceq`/`cgt`/`clt` and the conditional branches name it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    NeUn,
    Ge,
    GeUn,
    Gt,
    GtUn,
    Le,
    LeUn,
    Lt,
    LtUn,
}

impl<'a, 'f> Translator<'a, 'f> {
    /// The value of `v` when an `iconst` defines it (an `i32` sign-extended).
    pub(super) fn constant(&self, v: Value) -> Option<i64> {
        let inst = self.b.func.dfg.value_def(v).inst()?;
        let bits = match self.b.func.dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: ClifOpcode::Iconst,
                imm,
            } => imm.bits(),
            _ => return None,
        };
        Some(match self.b.func.dfg.value_type(v) {
            I32 => bits as i32 as i64,
            _ => bits,
        })
    }

    /// Binary operations, shifts, `neg`, `not`, `ceq`/`cgt*`/`clt*`, `ckfinite`.
    pub(super) fn translate_arith(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Add => self.binary(Bin::Add, stack, ins)?,
            O::Sub => self.binary(Bin::Sub, stack, ins)?,
            O::Mul => self.binary(Bin::Mul, stack, ins)?,
            O::Div => self.binary(Bin::Div, stack, ins)?,
            O::DivUn => self.binary(Bin::DivUn, stack, ins)?,
            O::Rem => self.binary(Bin::Rem, stack, ins)?,
            O::RemUn => self.binary(Bin::RemUn, stack, ins)?,
            O::And => self.binary(Bin::And, stack, ins)?,
            O::Or => self.binary(Bin::Or, stack, ins)?,
            O::Xor => self.binary(Bin::Xor, stack, ins)?,
            O::AddOvf => self.binary(Bin::AddOvf, stack, ins)?,
            O::AddOvfUn => self.binary(Bin::AddOvfUn, stack, ins)?,
            O::SubOvf => self.binary(Bin::SubOvf, stack, ins)?,
            O::SubOvfUn => self.binary(Bin::SubOvfUn, stack, ins)?,
            O::MulOvf => self.binary(Bin::MulOvf, stack, ins)?,
            O::MulOvfUn => self.binary(Bin::MulOvfUn, stack, ins)?,
            O::Shl | O::Shr | O::ShrUn => {
                let (amount, at_) = stack.pop1()?;
                let (v, t) = stack.pop1()?;
                if !t.is_integer() || !matches!(at_, StackType::I4 | StackType::I) {
                    return Err(Reject::new(format!(
                        "shift of {} by {}",
                        t.name(),
                        at_.name()
                    )));
                }
                let r = match ins.opcode {
                    O::Shl => self.b.ins().ishl(v, amount),
                    O::Shr => self.b.ins().sshr(v, amount),
                    _ => self.b.ins().ushr(v, amount),
                };
                stack.push((r, t));
            }
            O::Neg => {
                let (v, t) = stack.pop1()?;
                let r = if t.is_float() {
                    self.b.ins().fneg(v)
                } else if t.is_integer() {
                    self.b.ins().ineg(v)
                } else {
                    return Err(Reject::new(format!("neg of {}", t.name())));
                };
                stack.push((r, t));
            }
            O::Not => {
                let (v, t) = stack.pop1()?;
                if !t.is_integer() {
                    return Err(Reject::new(format!("not of {}", t.name())));
                }
                let r = self.b.ins().bnot(v);
                stack.push((r, t));
            }
            O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn => {
                let cmp = match ins.opcode {
                    O::Ceq => Cmp::Eq,
                    O::Cgt => Cmp::Gt,
                    O::CgtUn => Cmp::GtUn,
                    O::Clt => Cmp::Lt,
                    _ => Cmp::LtUn,
                };
                let (a, b) = stack.pop2()?;
                let c = self.compare(cmp, a, b)?;
                let r = self.b.ins().uextend(I32, c);
                stack.push((r, StackType::I4));
            }
            O::Ckfinite => {
                let (v, t) = stack.pop1()?;
                if !t.is_float() {
                    return Err(Reject::new(format!("ckfinite of {}", t.name())));
                }
                // x - x is NaN exactly when x is NaN or infinite.
                let d = self.b.ins().fsub(v, v);
                let bad = self.b.ins().fcmp(FloatCC::Unordered, d, d);
                self.throw_if(bad, ExceptionKind::Arithmetic);
                stack.push((v, t));
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// Brings two integer operands to a common type per ECMA-335 III.1.5 table 2.
    fn int_operands(
        &mut self,
        a: (Value, StackType),
        b: (Value, StackType),
    ) -> Option<(Value, Value, StackType)> {
        use StackType as S;
        match (a.1, b.1) {
            (S::I4, S::I4) => Some((a.0, b.0, S::I4)),
            (S::I8, S::I8) => Some((a.0, b.0, S::I8)),
            (S::I, S::I) => Some((a.0, b.0, S::I)),
            (S::I4, S::I) => Some((self.b.ins().sextend(I64, a.0), b.0, S::I)),
            (S::I, S::I4) => Some((a.0, self.b.ins().sextend(I64, b.0), S::I)),
            _ => None,
        }
    }

    fn float_operands(
        &mut self,
        a: (Value, StackType),
        b: (Value, StackType),
    ) -> Option<(Value, Value, StackType)> {
        use StackType as S;
        match (a.1, b.1) {
            (S::F4, S::F4) => Some((a.0, b.0, S::F4)),
            (S::F8, S::F8) => Some((a.0, b.0, S::F8)),
            (S::F4, S::F8) => Some((self.b.ins().fpromote(F64, a.0), b.0, S::F8)),
            (S::F8, S::F4) => Some((a.0, self.b.ins().fpromote(F64, b.0), S::F8)),
            _ => None,
        }
    }

    fn binary(&mut self, op: Bin, stack: &mut Stack, ins: &Instruction<'_>) -> Res<()> {
        let (a, b) = stack.pop2()?;
        let bad = || {
            Err(Reject::new(format!(
                "{} on {} and {}",
                ins.opcode.name(),
                a.1.name(),
                b.1.name()
            )))
        };
        if a.1.is_float() || b.1.is_float() {
            let Some((x, y, t)) = self.float_operands(a, b) else {
                return bad();
            };
            let r = match op {
                Bin::Add => self.b.ins().fadd(x, y),
                Bin::Sub => self.b.ins().fsub(x, y),
                Bin::Mul => self.b.ins().fmul(x, y),
                Bin::Div => self.b.ins().fdiv(x, y),
                Bin::Rem => {
                    let helper = if t == StackType::F4 {
                        HelperId::FmodF32
                    } else {
                        HelperId::FmodF64
                    };
                    let f = self.helper(helper);
                    let sig = self.helper_sig(helper);
                    let call = self.b.ins().call_indirect(sig, f, &[x, y]);
                    self.b.inst_results(call)[0]
                }
                _ => return bad(),
            };
            stack.push((r, t));
            return Ok(());
        }
        // Pointer arithmetic: & +/- int, int + &, & - &, native int - &.
        if a.1 == StackType::Ptr || b.1 == StackType::Ptr {
            let widen = |t: &mut Self, v: (Value, StackType)| match v.1 {
                StackType::I4 => Some(t.b.ins().sextend(I64, v.0)),
                StackType::I | StackType::Ptr => Some(v.0),
                _ => None,
            };
            let (Some(x), Some(y)) = (widen(self, a), widen(self, b)) else {
                return bad();
            };
            let r = match (op, a.1, b.1) {
                (Bin::Add | Bin::AddOvfUn, _, _)
                    if !(a.1 == StackType::Ptr && b.1 == StackType::Ptr) =>
                {
                    (self.b.ins().iadd(x, y), StackType::Ptr)
                }
                (Bin::Sub | Bin::SubOvfUn, StackType::Ptr, StackType::Ptr) => {
                    (self.b.ins().isub(x, y), StackType::I)
                }
                (Bin::Sub | Bin::SubOvfUn, StackType::Ptr, _) => {
                    (self.b.ins().isub(x, y), StackType::Ptr)
                }
                // An unmanaged pointer loaded as `native int` minus one typed `T*` (a field or
                // local): mscorlib's encoders do this; mono's JIT types both as pointers.
                (Bin::Sub | Bin::SubOvfUn, StackType::I, StackType::Ptr) => {
                    (self.b.ins().isub(x, y), StackType::I)
                }
                _ => return bad(),
            };
            stack.push(r);
            return Ok(());
        }
        let Some((x, y, t)) = self.int_operands(a, b) else {
            return bad();
        };
        let ty = clif_type(t.machine());
        let r = match op {
            Bin::Add => self.b.ins().iadd(x, y),
            Bin::Sub => self.b.ins().isub(x, y),
            Bin::Mul => self.b.ins().imul(x, y),
            Bin::And => self.b.ins().band(x, y),
            Bin::Or => self.b.ins().bor(x, y),
            Bin::Xor => self.b.ins().bxor(x, y),
            // A constant divisor other than 0 and -1 cannot trap: no checks (and Cranelift
            // turns the division into shifts and multiplies).
            Bin::Div | Bin::Rem if self.constant(y).is_some_and(|d| d != 0 && d != -1) => {
                if op == Bin::Div {
                    self.b.ins().sdiv(x, y)
                } else {
                    self.b.ins().srem(x, y)
                }
            }
            Bin::DivUn | Bin::RemUn if self.constant(y).is_some_and(|d| d != 0) => {
                if op == Bin::DivUn {
                    self.b.ins().udiv(x, y)
                } else {
                    self.b.ins().urem(x, y)
                }
            }
            Bin::Div | Bin::Rem => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                self.throw_if(zero, ExceptionKind::DivideByZero);
                let min = if ty == I32 { i32::MIN as i64 } else { i64::MIN };
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let both = self.b.ins().band(is_min, is_m1);
                self.throw_if(both, ExceptionKind::Overflow);
                if op == Bin::Div {
                    self.b.ins().sdiv(x, y)
                } else {
                    self.b.ins().srem(x, y)
                }
            }
            Bin::DivUn | Bin::RemUn => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                self.throw_if(zero, ExceptionKind::DivideByZero);
                if op == Bin::DivUn {
                    self.b.ins().udiv(x, y)
                } else {
                    self.b.ins().urem(x, y)
                }
            }
            Bin::AddOvf
            | Bin::AddOvfUn
            | Bin::SubOvf
            | Bin::SubOvfUn
            | Bin::MulOvf
            | Bin::MulOvfUn => {
                let (r, of) = match op {
                    Bin::AddOvf => self.b.ins().sadd_overflow(x, y),
                    Bin::AddOvfUn => self.b.ins().uadd_overflow(x, y),
                    Bin::SubOvf => self.b.ins().ssub_overflow(x, y),
                    Bin::SubOvfUn => self.b.ins().usub_overflow(x, y),
                    Bin::MulOvf => self.b.ins().smul_overflow(x, y),
                    _ => self.b.ins().umul_overflow(x, y),
                };
                self.throw_if(of, ExceptionKind::Overflow);
                r
            }
        };
        stack.push((r, t));
        Ok(())
    }

    /// Compares two stack values; returns an `I8` truth value.
    pub(super) fn compare(
        &mut self,
        cmp: Cmp,
        a: (Value, StackType),
        b: (Value, StackType),
    ) -> Res<Value> {
        if a.1.is_float() || b.1.is_float() {
            let Some((x, y, _)) = self.float_operands(a, b) else {
                return Err(Reject::new(format!(
                    "comparison of {} and {}",
                    a.1.name(),
                    b.1.name()
                )));
            };
            let cc = match cmp {
                Cmp::Eq => FloatCC::Equal,
                Cmp::NeUn => FloatCC::NotEqual,
                Cmp::Ge => FloatCC::GreaterThanOrEqual,
                Cmp::GeUn => FloatCC::UnorderedOrGreaterThanOrEqual,
                Cmp::Gt => FloatCC::GreaterThan,
                Cmp::GtUn => FloatCC::UnorderedOrGreaterThan,
                Cmp::Le => FloatCC::LessThanOrEqual,
                Cmp::LeUn => FloatCC::UnorderedOrLessThanOrEqual,
                Cmp::Lt => FloatCC::LessThan,
                Cmp::LtUn => FloatCC::UnorderedOrLessThan,
            };
            return Ok(self.b.ins().fcmp(cc, x, y));
        }
        use StackType as S;
        let (x, y) = match (a.1, b.1) {
            (S::O, S::O) | (S::Ptr, S::Ptr) | (S::Ptr, S::I) | (S::I, S::Ptr) => (a.0, b.0),
            (S::O, S::I) | (S::I, S::O) | (S::O, S::Ptr) | (S::Ptr, S::O) => (a.0, b.0),
            _ => match self.int_operands(a, b) {
                Some((x, y, _)) => (x, y),
                None => {
                    return Err(Reject::new(format!(
                        "comparison of {} and {}",
                        a.1.name(),
                        b.1.name()
                    )));
                }
            },
        };
        let cc = match cmp {
            Cmp::Eq => IntCC::Equal,
            Cmp::NeUn => IntCC::NotEqual,
            Cmp::Ge => IntCC::SignedGreaterThanOrEqual,
            Cmp::GeUn => IntCC::UnsignedGreaterThanOrEqual,
            Cmp::Gt => IntCC::SignedGreaterThan,
            Cmp::GtUn => IntCC::UnsignedGreaterThan,
            Cmp::Le => IntCC::SignedLessThanOrEqual,
            Cmp::LeUn => IntCC::UnsignedLessThanOrEqual,
            Cmp::Lt => IntCC::SignedLessThan,
            Cmp::LtUn => IntCC::UnsignedLessThan,
        };
        Ok(self.b.ins().icmp(cc, x, y))
    }
}
