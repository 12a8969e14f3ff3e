//! The x87 instructions mono's JIT emits for `Math.Sin` and `Math.Cos` on x86-64
//! (`OP_SIN`/`OP_COS`, `EMIT_SSE2_FPFUNC` in mono/mini/mini-amd64.c: store the SSE register,
//! `fld`, `fsin`/`fcos`, `fstp`), as the `SinX87`/`CosX87` helpers the compiler calls for
//! them (Cranelift has no x87 instructions). Their results differ from libm's: `fsin`
//! reduces its argument with a 66-bit pi and returns arguments beyond 2^63 unchanged. The
//! precision control does not apply to these instructions, so the result is the extended
//! one rounded to double by `fstp`, whatever mode the thread runs in.
//!
//! Depends on: nothing (inline assembly; on other targets, the C library).

/// Helper `SinX87`.
pub(crate) extern "C" fn sin_x87(x: f64) -> f64 {
    imp::sin(x)
}

/// Helper `CosX87`.
pub(crate) extern "C" fn cos_x87(x: f64) -> f64 {
    imp::cos(x)
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::asm;

    /// Applies one x87 instruction to `x` at extended precision and rounds back to double.
    macro_rules! x87_unary {
        ($name:ident, $instruction:literal) => {
            pub(super) fn $name(x: f64) -> f64 {
                let mut value = x;
                // SAFETY: loads the double at `value` onto the (empty) x87 stack, applies the
                // instruction and pops the result back into `value`; the stack is empty again
                // afterwards and every x87 register is declared clobbered.
                unsafe {
                    asm!(
                        "fld qword ptr [{p}]",
                        $instruction,
                        "fstp qword ptr [{p}]",
                        p = in(reg) &raw mut value,
                        out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                        out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                        options(nostack),
                    );
                }
                value
            }
        };
    }

    x87_unary!(sin, "fsin");
    x87_unary!(cos, "fcos");
}

/// Without x87, the C library (results may differ from mono in the last bits).
#[cfg(not(target_arch = "x86_64"))]
mod imp {
    pub(super) fn sin(x: f64) -> f64 {
        x.sin()
    }

    pub(super) fn cos(x: f64) -> f64 {
        x.cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x87_results_are_not_libms() {
        // fsin returns arguments beyond 2^63 unchanged (C2 set), unlike libm.
        assert_eq!(sin_x87(1e22), 1e22);
        assert_eq!(cos_x87(1e22), 1e22);
        assert_eq!(sin_x87(0.0), 0.0);
        assert!(sin_x87(-0.0).is_sign_negative());
        assert_eq!(cos_x87(0.0), 1.0);
        assert!(sin_x87(f64::NAN).is_nan());
        assert!(sin_x87(f64::INFINITY).is_nan());
        // Within range, close to libm's.
        assert!((sin_x87(1.0) - 1.0f64.sin()).abs() < 1e-15);
    }
}
