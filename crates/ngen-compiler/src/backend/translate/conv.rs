//! Numeric conversions: `conv.<to type>` (ECMA-335 III.3.27), `conv.ovf.<to type>` (III.3.28)
//! and `conv.ovf.<to type>.un` (III.3.29), as rustc_codegen_cranelift's `cast.rs`. Unchecked
//! float-to-integer conversions follow x86-64 `cvttsd2si` exactly as mono's JIT emits it
//! (out-of-range values and NaN give the "integer indefinite" value), not Rust's saturation.
//!
//! Depends on: cranelift-frontend, [`super::place`] (small-integer normalisation),
//! [`super::eh`] (`OverflowException`).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator};
use crate::types::{StackType, ValKind};

/// Target of a `conv.*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ConvTo {
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    I,
    U,
}

impl ConvTo {
    fn result(self) -> StackType {
        match self {
            Self::I8 | Self::U8 => StackType::I8,
            Self::I | Self::U => StackType::I,
            _ => StackType::I4,
        }
    }
}

impl<'a, 'f> Translator<'a, 'f> {
    /// `conv.*`, `conv.ovf.*`, `conv.ovf.*.un`, `conv.r*`.
    pub(super) fn translate_conv(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::ConvI1 => self.conv(ConvTo::I1, false, false, stack, ins)?,
            O::ConvU1 => self.conv(ConvTo::U1, false, false, stack, ins)?,
            O::ConvI2 => self.conv(ConvTo::I2, false, false, stack, ins)?,
            O::ConvU2 => self.conv(ConvTo::U2, false, false, stack, ins)?,
            O::ConvI4 => self.conv(ConvTo::I4, false, false, stack, ins)?,
            O::ConvU4 => self.conv(ConvTo::U4, false, false, stack, ins)?,
            O::ConvI8 => self.conv(ConvTo::I8, false, false, stack, ins)?,
            O::ConvU8 => self.conv(ConvTo::U8, false, false, stack, ins)?,
            O::ConvI => self.conv(ConvTo::I, false, false, stack, ins)?,
            O::ConvU => self.conv(ConvTo::U, false, false, stack, ins)?,
            O::ConvOvfI1 => self.conv(ConvTo::I1, true, false, stack, ins)?,
            O::ConvOvfU1 => self.conv(ConvTo::U1, true, false, stack, ins)?,
            O::ConvOvfI2 => self.conv(ConvTo::I2, true, false, stack, ins)?,
            O::ConvOvfU2 => self.conv(ConvTo::U2, true, false, stack, ins)?,
            O::ConvOvfI4 => self.conv(ConvTo::I4, true, false, stack, ins)?,
            O::ConvOvfU4 => self.conv(ConvTo::U4, true, false, stack, ins)?,
            O::ConvOvfI8 => self.conv(ConvTo::I8, true, false, stack, ins)?,
            O::ConvOvfU8 => self.conv(ConvTo::U8, true, false, stack, ins)?,
            O::ConvOvfI => self.conv(ConvTo::I, true, false, stack, ins)?,
            O::ConvOvfU => self.conv(ConvTo::U, true, false, stack, ins)?,
            O::ConvOvfI1Un => self.conv(ConvTo::I1, true, true, stack, ins)?,
            O::ConvOvfU1Un => self.conv(ConvTo::U1, true, true, stack, ins)?,
            O::ConvOvfI2Un => self.conv(ConvTo::I2, true, true, stack, ins)?,
            O::ConvOvfU2Un => self.conv(ConvTo::U2, true, true, stack, ins)?,
            O::ConvOvfI4Un => self.conv(ConvTo::I4, true, true, stack, ins)?,
            O::ConvOvfU4Un => self.conv(ConvTo::U4, true, true, stack, ins)?,
            O::ConvOvfI8Un => self.conv(ConvTo::I8, true, true, stack, ins)?,
            O::ConvOvfU8Un => self.conv(ConvTo::U8, true, true, stack, ins)?,
            O::ConvOvfIUn => self.conv(ConvTo::I, true, true, stack, ins)?,
            O::ConvOvfUUn => self.conv(ConvTo::U, true, true, stack, ins)?,
            O::ConvR4 | O::ConvR8 | O::ConvRUn => {
                let (v, t) = stack.pop1()?;
                let r = match (ins.opcode, t) {
                    (O::ConvR4, StackType::F4) => (v, StackType::F4),
                    (O::ConvR4, StackType::F8) => (self.b.ins().fdemote(F32, v), StackType::F4),
                    (O::ConvR8 | O::ConvRUn, StackType::F8) => (v, StackType::F8),
                    (O::ConvR8 | O::ConvRUn, StackType::F4) => {
                        (self.b.ins().fpromote(F64, v), StackType::F8)
                    }
                    (O::ConvR4, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_sint(F32, v), StackType::F4)
                    }
                    (O::ConvR8, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_sint(F64, v), StackType::F8)
                    }
                    (O::ConvRUn, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_uint(F64, v), StackType::F8)
                    }
                    _ => {
                        return Err(Reject::new(format!(
                            "{} of {}",
                            ins.opcode.name(),
                            t.name()
                        )));
                    }
                };
                stack.push(r);
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    fn conv(
        &mut self,
        to: ConvTo,
        ovf: bool,
        unsigned_src: bool,
        stack: &mut Stack,
        ins: &Instruction<'_>,
    ) -> Res<()> {
        let (v, t) = stack.pop1()?;
        let r = match t {
            StackType::F4 | StackType::F8 => {
                let x = if t == StackType::F4 {
                    self.b.ins().fpromote(F64, v)
                } else {
                    v
                };
                if ovf {
                    self.float_to_int_checked(x, to)
                } else {
                    self.float_to_int_x86(x, to)
                }
            }
            StackType::I4 | StackType::I8 | StackType::I | StackType::Ptr => {
                let src = if t == StackType::Ptr { StackType::I } else { t };
                if ovf {
                    self.int_to_int_checked(v, src, to, unsigned_src)
                } else {
                    self.int_to_int(v, src, to)
                }
            }
            // `fixed (char* p = str)`: C# pins the string in a pinned local and takes its
            // address with `conv.u` (or `conv.i`), then adds `OffsetToStringData`. The
            // collector never moves objects (Boehm), so pinning needs nothing and the
            // reference is the address (ECMA-335 III.1.6.1, II.7.1.2).
            StackType::O if !ovf && matches!(to, ConvTo::I | ConvTo::U) => v,
            StackType::O => {
                return Err(Reject::new(format!(
                    "{} of an object reference",
                    ins.opcode.name()
                )));
            }
            StackType::Struct(_) => {
                return Err(Reject::new(format!(
                    "{} of a value type",
                    ins.opcode.name()
                )));
            }
        };
        stack.push((r, to.result()));
        Ok(())
    }

    /// Truncating/extending integer conversion (no checks).
    fn int_to_int(&mut self, v: Value, src: StackType, to: ConvTo) -> Value {
        let v32 = |t: &mut Self| {
            if src == StackType::I4 {
                v
            } else {
                t.b.ins().ireduce(I32, v)
            }
        };
        match to {
            ConvTo::I1 => {
                let x = v32(self);
                self.normalize(x, ValKind::I1)
            }
            ConvTo::U1 => {
                let x = v32(self);
                self.normalize(x, ValKind::U1)
            }
            ConvTo::I2 => {
                let x = v32(self);
                self.normalize(x, ValKind::I2)
            }
            ConvTo::U2 => {
                let x = v32(self);
                self.normalize(x, ValKind::U2)
            }
            ConvTo::I4 | ConvTo::U4 => v32(self),
            ConvTo::I8 | ConvTo::I => {
                if src == StackType::I4 {
                    self.b.ins().sextend(I64, v)
                } else {
                    v
                }
            }
            ConvTo::U8 | ConvTo::U => {
                if src == StackType::I4 {
                    self.b.ins().uextend(I64, v)
                } else {
                    v
                }
            }
        }
    }

    /// Checked integer conversion: `unsigned_src` treats the source as unsigned (`.un`).
    fn int_to_int_checked(
        &mut self,
        v: Value,
        src: StackType,
        to: ConvTo,
        unsigned_src: bool,
    ) -> Value {
        // Inclusive range of the target, as i128 to compare in either signedness.
        let (lo, hi): (i128, i128) = match to {
            ConvTo::I1 => (i8::MIN as i128, i8::MAX as i128),
            ConvTo::U1 => (0, u8::MAX as i128),
            ConvTo::I2 => (i16::MIN as i128, i16::MAX as i128),
            ConvTo::U2 => (0, u16::MAX as i128),
            ConvTo::I4 => (i32::MIN as i128, i32::MAX as i128),
            ConvTo::U4 => (0, u32::MAX as i128),
            ConvTo::I8 | ConvTo::I => (i64::MIN as i128, i64::MAX as i128),
            ConvTo::U8 | ConvTo::U => (0, u64::MAX as i128),
        };
        let bits: u32 = if src == StackType::I4 { 32 } else { 64 };
        // Source range in its interpretation.
        let (src_lo, src_hi): (i128, i128) = match (bits, unsigned_src) {
            (32, false) => (i32::MIN as i128, i32::MAX as i128),
            (32, true) => (0, u32::MAX as i128),
            (_, false) => (i64::MIN as i128, i64::MAX as i128),
            (_, true) => (0, u64::MAX as i128),
        };
        let to_imm = |x: i128| -> i64 {
            // Reinterpret within the source width.
            if bits == 32 {
                x as u32 as i32 as i64
            } else {
                x as u64 as i64
            }
        };
        let mut bad: Option<Value> = None;
        if lo > src_lo {
            let cc = if unsigned_src {
                IntCC::UnsignedLessThan
            } else {
                IntCC::SignedLessThan
            };
            let c = self.b.ins().icmp_imm_s(cc, v, to_imm(lo));
            bad = Some(c);
        }
        if hi < src_hi {
            let cc = if unsigned_src {
                IntCC::UnsignedGreaterThan
            } else {
                IntCC::SignedGreaterThan
            };
            let c = self.b.ins().icmp_imm_s(cc, v, to_imm(hi));
            bad = Some(match bad {
                Some(b) => self.b.ins().bor(b, c),
                None => c,
            });
        }
        if let Some(bad) = bad {
            self.throw_if(bad, ExceptionKind::Overflow);
        }
        // In range: the plain conversion gives the value (extension per source signedness).
        match to {
            ConvTo::I8 | ConvTo::I | ConvTo::U8 | ConvTo::U if src == StackType::I4 => {
                if unsigned_src {
                    self.b.ins().uextend(I64, v)
                } else {
                    self.b.ins().sextend(I64, v)
                }
            }
            _ => self.int_to_int(v, src, to),
        }
    }

    /// x86-64 `cvttsd2si` semantics as mono uses them (out of range and NaN give the
    /// "integer indefinite" value); see the conversion tests for the observed table.
    fn cvtt(&mut self, x: Value, ty: Type) -> Value {
        let (lo, hi, indefinite) = if ty == I32 {
            (-2147483648.0f64, 2147483648.0f64, i32::MIN as i64)
        } else {
            (
                -9223372036854775808.0f64,
                9223372036854775808.0f64,
                i64::MIN,
            )
        };
        let sat = self.b.ins().fcvt_to_sint_sat(ty, x);
        let lo_v = self.b.ins().f64const(lo);
        let hi_v = self.b.ins().f64const(hi);
        let ge = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo_v);
        let lt = self.b.ins().fcmp(FloatCC::LessThan, x, hi_v);
        let ok = self.b.ins().band(ge, lt);
        let ind = self.b.ins().iconst(ty, indefinite);
        self.b.ins().select(ok, sat, ind)
    }

    fn float_to_int_x86(&mut self, x: Value, to: ConvTo) -> Value {
        match to {
            ConvTo::I1 | ConvTo::U1 | ConvTo::I2 | ConvTo::U2 => {
                let v = self.cvtt(x, I32);
                self.int_to_int(v, StackType::I4, to)
            }
            ConvTo::I4 => self.cvtt(x, I32),
            ConvTo::U4 => {
                let v = self.cvtt(x, I64);
                self.b.ins().ireduce(I32, v)
            }
            ConvTo::I8 | ConvTo::I => self.cvtt(x, I64),
            ConvTo::U8 | ConvTo::U => {
                // x < 2^63 ? cvtt(x) : cvtt(x - 2^63) ^ 2^63 (NaN takes the second arm).
                let two63 = self.b.ins().f64const(9223372036854775808.0);
                let small = self.b.ins().fcmp(FloatCC::LessThan, x, two63);
                let a = self.cvtt(x, I64);
                let shifted = self.b.ins().fsub(x, two63);
                let b0 = self.cvtt(shifted, I64);
                let b = self.b.ins().bxor_imm_s(b0, i64::MIN);
                self.b.ins().select(small, a, b)
            }
        }
    }

    fn float_to_int_checked(&mut self, x: Value, to: ConvTo) -> Value {
        // Exclusive bounds: valid iff lo < x < hi (after truncation toward zero), or for
        // the 64-bit signed case lo <= x.
        let (lo, hi, lo_inclusive) = match to {
            ConvTo::I1 => (-129.0, 128.0, false),
            ConvTo::U1 => (-1.0, 256.0, false),
            ConvTo::I2 => (-32769.0, 32768.0, false),
            ConvTo::U2 => (-1.0, 65536.0, false),
            ConvTo::I4 => (-2147483649.0, 2147483648.0, false),
            ConvTo::U4 => (-1.0, 4294967296.0, false),
            ConvTo::I8 | ConvTo::I => (-9223372036854775808.0, 9223372036854775808.0, true),
            ConvTo::U8 | ConvTo::U => (-1.0, 18446744073709551616.0, false),
        };
        let lo_v = self.b.ins().f64const(lo);
        let hi_v = self.b.ins().f64const(hi);
        let above = self.b.ins().fcmp(
            if lo_inclusive {
                FloatCC::GreaterThanOrEqual
            } else {
                FloatCC::GreaterThan
            },
            x,
            lo_v,
        );
        let below = self.b.ins().fcmp(FloatCC::LessThan, x, hi_v);
        let ok = self.b.ins().band(above, below);
        let bad = self.b.ins().bxor_imm_s(ok, 1);
        self.throw_if(bad, ExceptionKind::Overflow);
        match to {
            ConvTo::I1 | ConvTo::U1 | ConvTo::I2 | ConvTo::U2 | ConvTo::I4 => {
                self.b.ins().fcvt_to_sint_sat(I32, x)
            }
            ConvTo::U4 => self.b.ins().fcvt_to_uint_sat(I32, x),
            ConvTo::I8 | ConvTo::I => self.b.ins().fcvt_to_sint_sat(I64, x),
            ConvTo::U8 | ConvTo::U => self.b.ins().fcvt_to_uint_sat(I64, x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{compile, shape};
    use crate::types::ValKind;

    #[test]
    fn float_to_int_conversions_follow_x86_like_mono() {
        let s = shape(&[ValKind::R8], Some(ValKind::I8));
        // ldarg.0; conv.u8; ret
        let u8f = compile(&[0x02, 0x6E, 0x2A], &s, &[]).unwrap();
        // ldarg.0; conv.i4; conv.i8; ret
        let i4f = compile(&[0x02, 0x69, 0x6A, 0x2A], &s, &[]).unwrap();
        // ldarg.0; conv.u4; conv.u8; ret
        let u4f = compile(&[0x02, 0x6D, 0x6E, 0x2A], &s, &[]).unwrap();
        let as_fn = |p: *const u8| {
            // SAFETY: each function was compiled with signature (f64) -> i64.
            unsafe { std::mem::transmute::<*const u8, extern "C" fn(f64) -> i64>(p) }
        };
        let (u8f, i4f, u4f) = (as_fn(u8f), as_fn(i4f), as_fn(u4f));
        // Values observed under mono 6.8 on x86-64.
        assert_eq!(u8f(f64::NAN) as u64, 0);
        assert_eq!(u8f(f64::NEG_INFINITY) as u64, 9223372036854775808);
        assert_eq!(u8f(1e19) as u64, 10000000000000000000);
        assert_eq!(u8f(2e19) as u64, 0);
        assert_eq!(u8f(-1.0) as u64, u64::MAX);
        assert_eq!(i4f(f64::NAN), i32::MIN as i64);
        assert_eq!(i4f(3e9), i32::MIN as i64);
        assert_eq!(i4f(-1.5), -1);
        assert_eq!(u4f(-3e9), 1294967296);
        assert_eq!(u4f(5e18), 1156841472);
        assert_eq!(u4f(f64::NAN), 0);
    }
}
