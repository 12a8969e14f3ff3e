//! `System.Math`, with mono 6.8's semantics.
//!
//! Most transcendental functions go to the C library, as mono's internal calls do (both use
//! glibc's libm on Linux), so results are bit-identical. Where mono's JIT inlines an
//! instruction instead (`Sin`/`Cos` become x87 `fsin`/`fcos`; `Floor`/`Ceiling`/`Truncate`/
//! `Round` become SSE4.1 `roundsd`), we reproduce the instruction's results, which the
//! differential test against mono checks bit for bit. Managed parts of mono's `Math` (NaN handling
//! of `Min`/`Max`/`Sign`/`Log(a, b)`, `Round(value, digits)`) are reproduced from its IL.
//!
//! Small integer overloads (`sbyte`, `short`, ...) travel as `i32` (see [`mod@crate::resolve`]),
//! so one `i32` function serves every overload whose result fits the same comparison.
//!
//! Depends on: [`crate::exceptions`], [`crate::number_format`] (`Clamp`'s error message).

use crate::exceptions::throw;
use ngen_abi::exceptions::ExceptionKind;

const NEGATE_MIN_MESSAGE: &str =
    "Negating the minimum value of a twos complement number is invalid.";

fn negate_min_overflow() -> ! {
    throw(ExceptionKind::Overflow, Some(NEGATE_MIN_MESSAGE))
}

/// `Math.Abs(sbyte)`.
pub extern "C" fn abs_i1(value: i32) -> i32 {
    if value == i32::from(i8::MIN) {
        negate_min_overflow();
    }
    value.abs()
}

/// `Math.Abs(short)`.
pub extern "C" fn abs_i2(value: i32) -> i32 {
    if value == i32::from(i16::MIN) {
        negate_min_overflow();
    }
    value.abs()
}

/// `Math.Abs(int)`.
pub extern "C" fn abs_i4(value: i32) -> i32 {
    value.checked_abs().unwrap_or_else(|| negate_min_overflow())
}

/// `Math.Abs(long)`.
pub extern "C" fn abs_i8(value: i64) -> i64 {
    value.checked_abs().unwrap_or_else(|| negate_min_overflow())
}

/// `Math.Abs(float)`.
pub extern "C" fn abs_r4(value: f32) -> f32 {
    value.abs()
}

/// `Math.Abs(double)`.
pub extern "C" fn abs_r8(value: f64) -> f64 {
    value.abs()
}

/// `Math.Max` for every overload passed as a signed or zero-extended `i32`.
pub extern "C" fn max_i4(a: i32, b: i32) -> i32 {
    a.max(b)
}

/// `Math.Max(uint, uint)`.
pub extern "C" fn max_u4(a: i32, b: i32) -> i32 {
    (a as u32).max(b as u32) as i32
}

/// `Math.Max(long, long)`.
pub extern "C" fn max_i8(a: i64, b: i64) -> i64 {
    a.max(b)
}

/// `Math.Max(ulong, ulong)`.
pub extern "C" fn max_u8(a: i64, b: i64) -> i64 {
    (a as u64).max(b as u64) as i64
}

/// `Math.Min` for every overload passed as a signed or zero-extended `i32`.
pub extern "C" fn min_i4(a: i32, b: i32) -> i32 {
    a.min(b)
}

/// `Math.Min(uint, uint)`.
pub extern "C" fn min_u4(a: i32, b: i32) -> i32 {
    (a as u32).min(b as u32) as i32
}

/// `Math.Min(long, long)`.
pub extern "C" fn min_i8(a: i64, b: i64) -> i64 {
    a.min(b)
}

/// `Math.Min(ulong, ulong)`.
pub extern "C" fn min_u8(a: i64, b: i64) -> i64 {
    (a as u64).min(b as u64) as i64
}

/// `Math.Max(double, double)`: `a > b ? a : IsNaN(a) ? a : b` (so `Max(0.0, -0.0)` is `-0.0`).
pub extern "C" fn max_r8(a: f64, b: f64) -> f64 {
    if a > b || a.is_nan() { a } else { b }
}

/// `Math.Max(float, float)`, same rule as [`max_r8`].
pub extern "C" fn max_r4(a: f32, b: f32) -> f32 {
    if a > b || a.is_nan() { a } else { b }
}

/// `Math.Min(double, double)`: `a < b ? a : IsNaN(a) ? a : b`.
pub extern "C" fn min_r8(a: f64, b: f64) -> f64 {
    if a < b || a.is_nan() { a } else { b }
}

/// `Math.Min(float, float)`, same rule as [`min_r8`].
pub extern "C" fn min_r4(a: f32, b: f32) -> f32 {
    if a < b || a.is_nan() { a } else { b }
}

/// `Math.Sign` for `sbyte`, `short`, `int`.
pub extern "C" fn sign_i4(value: i32) -> i32 {
    value.signum()
}

/// `Math.Sign(long)`.
pub extern "C" fn sign_i8(value: i64) -> i32 {
    value.signum() as i32
}

const NAN_SIGN_MESSAGE: &str = "Function does not accept floating point Not-a-Number values.";

/// `Math.Sign(double)`: NaN raises `ArithmeticException`.
pub extern "C" fn sign_r8(value: f64) -> i32 {
    if value < 0.0 {
        -1
    } else if value > 0.0 {
        1
    } else if value == 0.0 {
        0
    } else {
        throw(ExceptionKind::Arithmetic, Some(NAN_SIGN_MESSAGE))
    }
}

/// `Math.Sign(float)`.
pub extern "C" fn sign_r4(value: f32) -> i32 {
    sign_r8(f64::from(value))
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
    let alternative = regular - y.abs() * f64::from(sign_r8(x));
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

/// Stores the remainder through `DivRem`'s `out` parameter.
fn store_remainder<T>(target: *mut T, value: T) {
    if target.is_null() {
        throw(ExceptionKind::NullReference, None);
    }
    // SAFETY: compiled code passes the address of a live local, argument or field of type T.
    unsafe { target.write_unaligned(value) }
}

/// `Math.DivRem(int, int, out int)`: quotient, remainder through `result`; division by zero
/// and `int.MinValue / -1` raise as the division itself does.
pub extern "C" fn div_rem_i4(a: i32, b: i32, result: *mut i32) -> i32 {
    if b == 0 {
        throw(ExceptionKind::DivideByZero, None);
    }
    let Some(quotient) = a.checked_div(b) else {
        throw(ExceptionKind::Overflow, None)
    };
    store_remainder(result, a.wrapping_sub(quotient.wrapping_mul(b)));
    quotient
}

/// `Math.DivRem(long, long, out long)`.
pub extern "C" fn div_rem_i8(a: i64, b: i64, result: *mut i64) -> i64 {
    if b == 0 {
        throw(ExceptionKind::DivideByZero, None);
    }
    let Some(quotient) = a.checked_div(b) else {
        throw(ExceptionKind::Overflow, None)
    };
    store_remainder(result, a.wrapping_sub(quotient.wrapping_mul(b)));
    quotient
}

/// `Math.Clamp`'s `ArgumentException` when `min > max`, naming both with their `ToString()`.
fn clamp_bounds_error(min: &str, max: &str) -> ! {
    throw(
        ExceptionKind::Argument,
        Some(&format!("'{min}' cannot be greater than {max}.")),
    )
}

/// `value < min ? min : value > max ? max : value`, after mono's `min > max` check.
fn clamp<T: PartialOrd + Copy>(value: T, min: T, max: T, show: fn(T) -> String) -> T {
    if min > max {
        clamp_bounds_error(&show(min), &show(max));
    }
    if value < min {
        min
    } else if value > max {
        max
    } else {
        value
    }
}

/// `Math.Clamp` for `sbyte`, `byte`, `short`, `ushort`, `int` (sign- or zero-extended `i32`).
pub extern "C" fn clamp_i4(value: i32, min: i32, max: i32) -> i32 {
    clamp(value, min, max, |v| v.to_string())
}

/// `Math.Clamp(uint, uint, uint)`.
pub extern "C" fn clamp_u4(value: i32, min: i32, max: i32) -> i32 {
    clamp(value as u32, min as u32, max as u32, |v| v.to_string()) as i32
}

/// `Math.Clamp(long, long, long)`.
pub extern "C" fn clamp_i8(value: i64, min: i64, max: i64) -> i64 {
    clamp(value, min, max, |v| v.to_string())
}

/// `Math.Clamp(ulong, ulong, ulong)`.
pub extern "C" fn clamp_u8(value: i64, min: i64, max: i64) -> i64 {
    clamp(value as u64, min as u64, max as u64, |v| v.to_string()) as i64
}

/// `Math.Clamp(float, float, float)`.
pub extern "C" fn clamp_r4(value: f32, min: f32, max: f32) -> f32 {
    clamp(value, min, max, crate::number_format::format_single)
}

/// `Math.Clamp(double, double, double)`.
pub extern "C" fn clamp_r8(value: f64, min: f64, max: f64) -> f64 {
    clamp(value, min, max, crate::number_format::format_double)
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

/// `Math.BigMul(int, int)`.
pub extern "C" fn big_mul(a: i32, b: i32) -> i64 {
    i64::from(a) * i64::from(b)
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
    fn min_max_follow_monos_nan_and_zero_rules() {
        assert!(max_r8(f64::NAN, 1.0).is_nan());
        assert!(max_r8(1.0, f64::NAN).is_nan());
        assert!(max_r8(0.0, -0.0).is_sign_negative());
        assert!(min_r8(f64::NAN, 1.0).is_nan());
        assert!(min_r8(1.0, f64::NAN).is_nan());
        assert_eq!(max_u4(-1, 1), -1);
        assert_eq!(min_u8(-1, 1), 1);
    }

    #[test]
    fn log_base_special_cases() {
        assert!(log_base(8.0, 1.0).is_nan());
        assert!(log_base(8.0, 0.0).is_nan());
        assert_eq!(log_base(1.0, 0.0), 0.0);
        assert_eq!(log_base(8.0, 2.0), 3.0);
    }
}
