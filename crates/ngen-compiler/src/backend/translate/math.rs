//! `System.Math` calls as machine instructions ([`crate::math_intrinsics`] decides which, as
//! mono's JIT does on x86-64): `Sqrt` is Cranelift's `sqrt`, `Abs(double)` its `fabs`, the
//! integer `Min`/`Max` a compare and a `select`, `Sin`/`Cos` a call of the runtime's x87
//! helper, and `Round`/`Floor`/`Ceiling` `roundsd`'s results computed with baseline SSE2
//! (images target baseline x86-64, without SSE4.1; see [`Translator::round_to_integral`]).
//! The expanded call cannot throw, so it needs no pending-exception check.
//!
//! Depends on: [`crate::math_intrinsics`], [`super::place`] (argument coercion), the helper
//! table (`SinX87`, `CosX87`).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_abi::helpers::HelperId;
use ngen_metadata::Token;

use super::stack::Stack;
use super::{Res, Translator};
use crate::math_intrinsics::{MathIntrinsic, Rounding, X87Function};
use crate::types::{StackType, ValKind};

/// 2^52: from it on, every double is an integer; below it, adding and subtracting it rounds
/// to an integer in the current (nearest-even) rounding mode.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

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
            MathIntrinsic::RoundToIntegral(rounding) => {
                let (v, t) = stack.pop1()?;
                let x = self.coerce(v, t, ValKind::R8)?;
                let r = self.round_to_integral(x, rounding);
                stack.push((r, StackType::F8));
            }
            MathIntrinsic::X87(function) => {
                let (v, t) = stack.pop1()?;
                let x = self.coerce(v, t, ValKind::R8)?;
                let helper = match function {
                    X87Function::Sin => HelperId::SinX87,
                    X87Function::Cos => HelperId::CosX87,
                };
                let f = self.helper(helper);
                let sig = self.helper_sig(helper);
                let call = self.b.ins().call_indirect(sig, f, &[x]);
                let r = self.b.inst_results(call)[0];
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

    /// `roundsd x, x, mode`'s result with SSE2 only: below 2^52 in magnitude, `(|x| + 2^52) -
    /// 2^52` rounds to the nearest integer, ties to even; floor and ceiling step from there
    /// when it overshot; the sign is `x`'s (so `-0.3` gives `-0.0`, as `roundsd` does). From
    /// 2^52 on (infinities included) `x` is already integral, and a NaN comes back quieted:
    /// both are `x + 0.0` there.
    fn round_to_integral(&mut self, x: Value, rounding: Rounding) -> Value {
        let magnitude = self.b.ins().fabs(x);
        let shift = self.b.ins().f64const(TWO_POW_52);
        let shifted = self.b.ins().fadd(magnitude, shift);
        let nearest_magnitude = self.b.ins().fsub(shifted, shift);
        let nearest = self.b.ins().fcopysign(nearest_magnitude, x);
        let one = self.b.ins().f64const(1.0);
        let integral = match rounding {
            Rounding::NearestEven => nearest,
            Rounding::Floor => {
                let overshot = self.b.ins().fcmp(FloatCC::GreaterThan, nearest, x);
                let below = self.b.ins().fsub(nearest, one);
                self.b.ins().select(overshot, below, nearest)
            }
            Rounding::Ceiling => {
                let undershot = self.b.ins().fcmp(FloatCC::LessThan, nearest, x);
                let above = self.b.ins().fadd(nearest, one);
                self.b.ins().select(undershot, above, nearest)
            }
        };
        let signed = self.b.ins().fcopysign(integral, x);
        let zero = self.b.ins().f64const(0.0);
        let unchanged = self.b.ins().fadd(x, zero);
        let small = self.b.ins().fcmp(FloatCC::LessThan, magnitude, shift);
        self.b.ins().select(small, signed, unchanged)
    }
}
