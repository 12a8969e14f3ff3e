//! `System.Math`, with mono 6.8's semantics.
//!
//! Most transcendental functions go to the C library, as mono's internal calls do (both use
//! glibc's libm on Linux), so results are bit-identical. Where mono's JIT inlines an
//! instruction instead (`Sin`/`Cos` become x87 `fsin`/`fcos`; `Floor`/`Ceiling`/`Truncate`/
//! `Round` become SSE4.1 `roundsd`), we reproduce the instruction's results, which the
//! differential test against mono checks bit for bit. Two managed members whose IL calls the
//! `Round` internal call (`Round(value, digits)`, `IEEERemainder`) and `Log(a, b)` are kept
//! here with them; the rest of `Math` (`Abs` of integers, `Min`, `Max`, `Sign`, `Clamp`,
//! `BigMul`, `DivRem`) is mscorlib's own IL.
//!
//! Depends on: [`crate::exceptions`].

use crate::exceptions::throw;
use ngen_abi::exceptions::ExceptionKind;

/// `Math.Abs(float)`.
pub extern "C" fn abs_r4(value: f32) -> f32 {
    value.abs()
}

/// `Math.Abs(double)`.
pub extern "C" fn abs_r8(value: f64) -> f64 {
    value.abs()
}

/// `Math.Round(double)`: mono's JIT turns it into SSE4.1 `roundsd` (round half to even), so
/// `Round(0.49999999999999994)` is 0 and a signaling NaN comes back quieted.
pub extern "C" fn round(x: f64) -> f64 {
    quiet(x.round_ties_even())
}

/// 2^63: below it, the cast to int64 in mono's `Math.Round` internal call is exact.
const TWO_POW_63: f64 = (1u64 << 63) as f64;

/// Mono's `Math.Round(double)` internal call, which mscorlib's own code reaches (only user code
/// gets the `roundsd` intrinsic): half to even computed as `floor(x + 0.5)` corrected on exact
/// ties, so the double just below 0.5 rounds to 1 because `x + 0.5` rounds up.
fn round_internal_call(x: f64) -> f64 {
    // Integers (mono's shortcut via a cast to int64) are returned unchanged.
    if x.abs() < TWO_POW_63 && x == x.trunc() {
        return x;
    }
    let mut floor = (x + 0.5).floor();
    if x == floor - 0.5 && floor % 2.0 != 0.0 {
        floor -= 1.0;
    }
    floor.copysign(x)
}

/// Powers of ten for [`round_digits`], as in mono's `Math.roundPower10Double`.
const ROUND_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `Math.Round(double, int)` (midpoint to even): scale, round with the internal call, unscale,
/// as mono's managed implementation does.
pub extern "C" fn round_digits(value: f64, digits: i32) -> f64 {
    let Some(&power) = usize::try_from(digits)
        .ok()
        .and_then(|d| ROUND_POWERS_OF_TEN.get(d))
    else {
        throw(
            ExceptionKind::ArgumentOutOfRange,
            Some("Rounding digits must be between 0 and 15, inclusive.\nParameter name: digits"),
        )
    };
    if value.abs() < 1e16 {
        round_internal_call(value * power) / power
    } else {
        value
    }
}

/// `Math.Truncate(double)` (`roundsd` in mono: signaling NaNs come back quieted).
pub extern "C" fn truncate(x: f64) -> f64 {
    quiet(x.trunc())
}

/// `Math.Floor(double)` (`roundsd` in mono).
pub extern "C" fn floor(x: f64) -> f64 {
    quiet(x.floor())
}

/// `Math.Ceiling(double)` (`roundsd` in mono).
pub extern "C" fn ceiling(x: f64) -> f64 {
    quiet(x.ceil())
}

/// A NaN with its quiet bit set, as SSE instructions return it; other values unchanged.
fn quiet(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | QUIET_NAN_BIT)
    } else {
        x
    }
}

const QUIET_NAN_BIT: u64 = 1 << 51;

/// The NaN mono's managed `Math` code returns (`ldc.r8` of the x86 default NaN, sign set).
pub const MONO_NAN: f64 = f64::from_bits(0xfff8_0000_0000_0000);

/// `Math.Sin(double)`: mono's JIT emits the x87 `fsin` instruction (not libm), whose
/// argument reduction uses a 66-bit pi and which returns arguments beyond 2^63 unchanged.
pub extern "C" fn sin(x: f64) -> f64 {
    x87::sin(x)
}

/// `Math.Cos(double)`: x87 `fcos`, as in mono (see [`sin`]).
pub extern "C" fn cos(x: f64) -> f64 {
    x87::cos(x)
}

/// The x87 transcendental instructions mono's JIT uses for `Math.Sin`/`Math.Cos`.
#[cfg(target_arch = "x86_64")]
mod x87 {
    use std::arch::asm;

    /// Applies one x87 instruction to `x` at extended precision and rounds back to double.
    macro_rules! x87_unary {
        ($name:ident, $instruction:literal) => {
            pub fn $name(x: f64) -> f64 {
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
mod x87 {
    pub fn sin(x: f64) -> f64 {
        super::libm::sin(x)
    }

    pub fn cos(x: f64) -> f64 {
        super::libm::cos(x)
    }
}

/// `Math.Sqrt(double)`.
pub extern "C" fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

/// `Math.Log(double, double)`, with mono's special cases before `Log(a) / Log(newBase)`.
pub extern "C" fn log_base(a: f64, new_base: f64) -> f64 {
    if a.is_nan() {
        return a;
    }
    if new_base.is_nan() {
        return new_base;
    }
    if new_base == 1.0 {
        return MONO_NAN;
    }
    if a != 1.0 && (new_base == 0.0 || new_base == f64::INFINITY) {
        return MONO_NAN;
    }
    libm::log(a) / libm::log(new_base)
}

/// `Math.IEEERemainder(double, double)`: mono's managed implementation over `fmod`, choosing
/// between the remainder and its alternative with the internal-call `Round`.
pub extern "C" fn ieee_remainder(x: f64, y: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if y.is_nan() {
        return y;
    }
    let regular = x % y;
    if regular.is_nan() {
        return MONO_NAN;
    }
    if regular == 0.0 && x.is_sign_negative() {
        return -0.0;
    }
    // `Math.Sign(x)`: x is not NaN here.
    let sign = if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    };
    let alternative = regular - y.abs() * sign;
    if alternative.abs() == regular.abs() {
        let quotient = x / y;
        if round_internal_call(quotient).abs() > quotient.abs() {
            alternative
        } else {
            regular
        }
    } else if alternative.abs() < regular.abs() {
        alternative
    } else {
        regular
    }
}

/// The value mono's JIT computes at compile time for `Math.<method>(c)` when the argument is
/// an `ldc.r8` literal right before the call (its default optimizations fold the intrinsic).
/// Folding uses the C library, which differs from the run-time instruction for three methods:
/// `Round` folds with C `round` (half away from zero: `Math.Round(2.5)` prints 3, while
/// `Math.Round(x)` with `x = 2.5` prints 2), `Sin`/`Cos` fold with libm instead of x87.
/// `None` for every other method: folding them gives what the entry point computes.
pub fn jit_folded_constant(method: &str, argument: f64) -> Option<f64> {
    match method {
        "Round" => Some(argument.round()),
        "Sin" => Some(libm::sin(argument)),
        "Cos" => Some(libm::cos(argument)),
        _ => None,
    }
}

/// The C library's math functions, which mono's `Math` internal calls use.
mod libm {
    unsafe extern "C" {
        pub safe fn sin(x: f64) -> f64;
        pub safe fn cos(x: f64) -> f64;
        pub safe fn tan(x: f64) -> f64;
        pub safe fn asin(x: f64) -> f64;
        pub safe fn acos(x: f64) -> f64;
        pub safe fn atan(x: f64) -> f64;
        pub safe fn atan2(y: f64, x: f64) -> f64;
        pub safe fn sinh(x: f64) -> f64;
        pub safe fn cosh(x: f64) -> f64;
        pub safe fn tanh(x: f64) -> f64;
        pub safe fn asinh(x: f64) -> f64;
        pub safe fn acosh(x: f64) -> f64;
        pub safe fn atanh(x: f64) -> f64;
        pub safe fn exp(x: f64) -> f64;
        pub safe fn log(x: f64) -> f64;
        pub safe fn log10(x: f64) -> f64;
        pub safe fn pow(x: f64, y: f64) -> f64;
    }
}

/// `Math.Cbrt(double)`: glibc's `cbrt`, as mono's internal call.
///
/// Rust's `compiler_builtins` defines its own `cbrt` (a port of musl's, different in the last
/// bit for many inputs) and the static linker prefers it over libm's, so the C library's
/// function is looked up dynamically instead.
pub extern "C" fn cbrt(x: f64) -> f64 {
    static GLIBC_CBRT: std::sync::OnceLock<Option<extern "C" fn(f64) -> f64>> =
        std::sync::OnceLock::new();
    let glibc = GLIBC_CBRT.get_or_init(|| {
        unsafe extern "C" {
            fn dlsym(
                handle: *mut std::ffi::c_void,
                symbol: *const std::ffi::c_char,
            ) -> *mut std::ffi::c_void;
        }
        /// glibc's `RTLD_DEFAULT`: search the global scope (the C library is part of it).
        const RTLD_DEFAULT: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: dlsym with a NUL-terminated name only reads; a non-null result is the
        // address of libm's `double cbrt(double)`.
        unsafe {
            let address = dlsym(RTLD_DEFAULT, c"cbrt".as_ptr());
            (!address.is_null()).then(|| {
                std::mem::transmute::<*mut std::ffi::c_void, extern "C" fn(f64) -> f64>(address)
            })
        }
    });
    match glibc {
        Some(function) => function(x),
        None => x.cbrt(),
    }
}

/// Defines `extern "C"` wrappers that forward to the C library.
macro_rules! libm_forward {
    ($($name:ident ( $($arg:ident),* ) => $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub extern "C" fn $name($($arg: f64),*) -> f64 {
                libm::$name($($arg),*)
            }
        )*
    };
}

libm_forward! {
    tan(x) => "`Math.Tan(double)`.";
    asin(x) => "`Math.Asin(double)`.";
    acos(x) => "`Math.Acos(double)`.";
    atan(x) => "`Math.Atan(double)`.";
    atan2(y, x) => "`Math.Atan2(double, double)`.";
    sinh(x) => "`Math.Sinh(double)`.";
    cosh(x) => "`Math.Cosh(double)`.";
    tanh(x) => "`Math.Tanh(double)`.";
    asinh(x) => "`Math.Asinh(double)`.";
    acosh(x) => "`Math.Acosh(double)`.";
    atanh(x) => "`Math.Atanh(double)`.";
    exp(x) => "`Math.Exp(double)`.";
    log(x) => "`Math.Log(double)`.";
    log10(x) => "`Math.Log10(double)`.";
    pow(x, y) => "`Math.Pow(double, double)`.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_even_with_monos_quirk() {
        assert_eq!(round(2.5), 2.0);
        assert_eq!(round(3.5), 4.0);
        assert_eq!(round(-2.5), -2.0);
        assert!(round(-0.4).is_sign_negative());
        assert_eq!(round(4503599627370497.0), 4503599627370497.0);
        assert_eq!(round(0.49999999999999994), 0.0);
        assert!(round(f64::NAN).is_nan());
        assert_eq!(round_digits(2.345, 2), 2.35);
        assert_eq!(round_digits(0.49999999999999994, 0), 1.0);
    }

    #[test]
    fn log_base_special_cases() {
        assert!(log_base(8.0, 1.0).is_nan());
        assert!(log_base(8.0, 0.0).is_nan());
        assert_eq!(log_base(1.0, 0.0), 0.0);
        assert_eq!(log_base(8.0, 2.0), 3.0);
    }
}
