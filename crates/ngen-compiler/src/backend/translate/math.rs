//! `System.Math` calls as machine instructions ([`crate::math_intrinsics`] decides which, as
//! mono's JIT does on x86-64): `Sqrt` is Cranelift's `sqrt`, `Abs(double)` its `fabs`, the
//! integer `Min`/`Max` a compare and a `select`. The expanded call cannot throw, so it needs
//! no pending-exception check.
//!
//! Depends on: [`crate::math_intrinsics`], [`super::place`] (argument coercion).

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::IntCC;
use ngen_metadata::Token;

use super::stack::Stack;
use super::{Res, Translator};
use crate::math_intrinsics::MathIntrinsic;
use crate::types::{StackType, ValKind};

impl<'a, 'f> Translator<'a, 'f> {
    /// Expands `call token` when it is a math intrinsic; whether it did.
    pub(super) fn expand_math_call(&mut self, token: Token, stack: &mut Stack) -> Res<bool> {
        let Some(intrinsic) = self.env.math_intrinsic(token) else {
            return Ok(false);
        };
        match intrinsic {
            MathIntrinsic::Sqrt | MathIntrinsic::AbsR8 => {
                let (v, t) = stack.pop1()?;
                let x = self.coerce(v, t, ValKind::R8)?;
                let r = match intrinsic {
                    MathIntrinsic::Sqrt => self.b.ins().sqrt(x),
                    _ => self.b.ins().fabs(x),
                };
                stack.push((r, StackType::F8));
            }
            MathIntrinsic::MinMax {
                max,
                unsigned,
                wide,
            } => {
                let kind = match (unsigned, wide) {
                    (false, false) => ValKind::I4,
                    (true, false) => ValKind::U4,
                    (false, true) => ValKind::I8,
                    (true, true) => ValKind::U8,
                };
                let ((a, ta), (b, tb)) = stack.pop2()?;
                let a = self.coerce(a, ta, kind)?;
                let b = self.coerce(b, tb, kind)?;
                // Mono's IL: `Min` is `a <= b ? a : b`, `Max` is `a >= b ? a : b`.
                let cc = match (max, unsigned) {
                    (false, false) => IntCC::SignedLessThanOrEqual,
                    (false, true) => IntCC::UnsignedLessThanOrEqual,
                    (true, false) => IntCC::SignedGreaterThanOrEqual,
                    (true, true) => IntCC::UnsignedGreaterThanOrEqual,
                };
                let pick_a = self.b.ins().icmp(cc, a, b);
                let r = self.b.ins().select(pick_a, a, b);
                stack.push((r, StackType::of(kind)));
            }
        }
        self.inline.expanded_call = true;
        Ok(true)
    }
}
