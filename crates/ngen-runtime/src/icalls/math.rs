//! `System.Math`'s icalls (`icall-def.h` `MATH_*`, Mono's `mono/metadata/sysmath.c`): each
//! calls the C library function Mono calls, so results are bit-identical to mono's internal
//! calls. These serve every call mono's JIT does not turn into an instruction: a program's
//! `Math.Tan`, `Pow`, `Exp`, ..., mscorlib's own code (`Round(value, digits)`,
//! `IEEERemainder`, `Log(a, b)`, `Truncate` call `Round`, `Log` and `ModF` here), and calls
//! through delegates or reflection. The calls mono's JIT expands (`Sin`/`Cos` as x87
//! `fsin`/`fcos`, `Sqrt`, `Abs(double)`, `Round`/`Floor`/`Ceiling` as `roundsd` in a program,
//! integer `Min`/`Max`) are the compiler's intrinsics (`ngen_compiler::math_intrinsics`), and
//! the x87 instructions are helpers ([`crate::helpers`]).
//!
//! Depends on: libm (`cbrt` looked up dynamically, see [`math_cbrt`]).

unsafe extern "C" {
    fn acos(x: f64) -> f64;
    fn acosh(x: f64) -> f64;
    fn asin(x: f64) -> f64;
    fn asinh(x: f64) -> f64;
    fn atan(x: f64) -> f64;
    fn atan2(y: f64, x: f64) -> f64;
    fn atanh(x: f64) -> f64;
    fn ceil(x: f64) -> f64;
    fn cos(x: f64) -> f64;
    fn cosh(x: f64) -> f64;
    fn exp(x: f64) -> f64;
    fn floor(x: f64) -> f64;
    fn fmod(x: f64, y: f64) -> f64;
    fn log(x: f64) -> f64;
    fn log10(x: f64) -> f64;
    fn modf(x: f64, integral: *mut f64) -> f64;
    fn pow(x: f64, y: f64) -> f64;
    fn sin(x: f64) -> f64;
    fn sinh(x: f64) -> f64;
    fn sqrt(x: f64) -> f64;
    fn tan(x: f64) -> f64;
    fn tanh(x: f64) -> f64;
}

/// Defines `extern "C"` icall entry points over libm functions of one `f64`.
macro_rules! unary {
    ($($name:ident => $function:ident;)*) => {
        $(extern "C" fn $name(x: f64) -> f64 {
            // SAFETY: C library math functions are pure and defined for every input.
            unsafe { $function(x) }
        })*
    };
}

unary! {
    math_acos => acos;
    math_acosh => acosh;
    math_asin => asin;
    math_asinh => asinh;
    math_atan => atan;
    math_atanh => atanh;
    math_ceiling => ceil;
    math_cos => cos;
    math_cosh => cosh;
    math_exp => exp;
    math_floor => floor;
    math_log => log;
    math_log10 => log10;
    math_sin => sin;
    math_sinh => sinh;
    math_sqrt => sqrt;
    math_tan => tan;
    math_tanh => tanh;
}

extern "C" fn math_atan2(y: f64, x: f64) -> f64 {
    // SAFETY: as above.
    unsafe { atan2(y, x) }
}

extern "C" fn math_fmod(x: f64, y: f64) -> f64 {
    // SAFETY: as above.
    unsafe { fmod(x, y) }
}

extern "C" fn math_pow(x: f64, y: f64) -> f64 {
    // SAFETY: as above.
    unsafe { pow(x, y) }
}

/// `double ModF(double x, double* intptr)`.
extern "C" fn math_modf(x: f64, integral: *mut f64) -> f64 {
    let mut whole = 0.0;
    // SAFETY: modf writes the integral part into a local.
    let fraction = unsafe { modf(x, &mut whole) };
    if !integral.is_null() {
        // SAFETY: mscorlib passes the address of a local double.
        unsafe { integral.write(whole) };
    }
    fraction
}

extern "C" fn math_abs_double(x: f64) -> f64 {
    x.abs()
}

extern "C" fn math_abs_single(x: f32) -> f32 {
    x.abs()
}

/// `double Round(double)`: `ves_icall_System_Math_Round`: integral values unchanged, else
/// `floor(x + 0.5)`, one less on an odd result of an exact half, with `x`'s sign.
extern "C" fn math_round(x: f64) -> f64 {
    if x == x as i64 as f64 {
        return x;
    }
    // SAFETY: as above.
    let mut rounded = unsafe { floor(x + 0.5) };
    if x == unsafe { floor(x) } + 0.5 && unsafe { fmod(rounded, 2.0) } != 0.0 {
        rounded -= 1.0;
    }
    rounded.copysign(x)
}

/// `double Cbrt(double)`: glibc's `cbrt`, as mono's internal call.
///
/// Rust's `compiler_builtins` defines its own `cbrt` (a port of musl's, different in the last
/// bit for many inputs) and the static linker prefers it over libm's, so the C library's
/// function is looked up dynamically instead.
extern "C" fn math_cbrt(x: f64) -> f64 {
    type Cbrt = extern "C" fn(f64) -> f64;
    static GLIBC_CBRT: std::sync::OnceLock<Option<Cbrt>> = std::sync::OnceLock::new();
    let glibc = GLIBC_CBRT.get_or_init(|| {
        // SAFETY: dlsym with a NUL-terminated name only reads; a non-null result is the
        // address of libm's `double cbrt(double)`.
        unsafe {
            let address = libc::dlsym(libc::RTLD_DEFAULT, c"cbrt".as_ptr());
            (!address.is_null()).then(|| std::mem::transmute::<*mut libc::c_void, Cbrt>(address))
        }
    });
    match glibc {
        Some(function) => function(x),
        None => x.cbrt(),
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Abs(double)", math_abs_double as *const ()),
        ("Abs(single)", math_abs_single as *const ()),
        ("Acos", math_acos as *const ()),
        ("Acosh", math_acosh as *const ()),
        ("Asin", math_asin as *const ()),
        ("Asinh", math_asinh as *const ()),
        ("Atan", math_atan as *const ()),
        ("Atan2", math_atan2 as *const ()),
        ("Atanh", math_atanh as *const ()),
        ("Cbrt", math_cbrt as *const ()),
        ("Ceiling", math_ceiling as *const ()),
        ("Cos", math_cos as *const ()),
        ("Cosh", math_cosh as *const ()),
        ("Exp", math_exp as *const ()),
        ("FMod", math_fmod as *const ()),
        ("Floor", math_floor as *const ()),
        ("Log", math_log as *const ()),
        ("Log10", math_log10 as *const ()),
        ("ModF", math_modf as *const ()),
        ("Pow", math_pow as *const ()),
        ("Round", math_round as *const ()),
        ("Sin", math_sin as *const ()),
        ("Sinh", math_sinh as *const ()),
        ("Sqrt", math_sqrt as *const ()),
        ("Tan", math_tan as *const ()),
        ("Tanh", math_tanh as *const ()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_monos_internal_call() {
        assert_eq!(math_round(2.5), 2.0);
        assert_eq!(math_round(3.5), 4.0);
        assert_eq!(math_round(-2.5), -2.0);
        assert!(math_round(-0.4).is_sign_negative());
        // The internal call, unlike the JIT's roundsd: x + 0.5 rounds up to 1.
        assert_eq!(math_round(0.49999999999999994), 1.0);
        let mut whole = 0.0;
        assert_eq!(math_modf(2.75, &mut whole), 0.75);
        assert_eq!(whole, 2.0);
    }
}
