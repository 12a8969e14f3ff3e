//! `System.MathF`'s icalls (`icall-def.h` `MATHF_*`): each calls the C library function Mono's
//! `mono/metadata/sysmath.c` calls, so results are bit-identical to mono's. Three of them
//! use the double-precision function there (`Atan`, `Sinh`, `Tanh`: the float is widened and
//! the result narrowed), and so do these. `ModF(single,single*)` (an overload-qualified name)
//! is not implemented yet.

unsafe extern "C" {
    fn acosf(x: f32) -> f32;
    fn acoshf(x: f32) -> f32;
    fn asinf(x: f32) -> f32;
    fn asinhf(x: f32) -> f32;
    fn atan(x: f64) -> f64;
    fn atan2f(y: f32, x: f32) -> f32;
    fn atanhf(x: f32) -> f32;
    fn cbrtf(x: f32) -> f32;
    fn ceilf(x: f32) -> f32;
    fn cosf(x: f32) -> f32;
    fn coshf(x: f32) -> f32;
    fn expf(x: f32) -> f32;
    fn floorf(x: f32) -> f32;
    fn fmodf(x: f32, y: f32) -> f32;
    fn logf(x: f32) -> f32;
    fn log10f(x: f32) -> f32;
    fn powf(x: f32, y: f32) -> f32;
    fn sinf(x: f32) -> f32;
    fn sinh(x: f64) -> f64;
    fn sqrtf(x: f32) -> f32;
    fn tanf(x: f32) -> f32;
    fn tanh(x: f64) -> f64;
}

/// Defines `extern "C"` icall entry points over libm functions of one or two `f32`s, each
/// as Mono's `ves_icall_System_MathF_*` calls them.
macro_rules! unary {
    ($($name:ident => $body:expr;)*) => {
        $(extern "C" fn $name(x: f32) -> f32 {
            // SAFETY: C library math functions are pure and defined for every input.
            unsafe { $body(x) }
        })*
    };
}

unary! {
    mathf_acos => acosf;
    mathf_acosh => acoshf;
    mathf_asin => asinf;
    mathf_asinh => asinhf;
    mathf_atanh => atanhf;
    mathf_cbrt => cbrtf;
    mathf_ceiling => ceilf;
    mathf_cos => cosf;
    mathf_cosh => coshf;
    mathf_exp => expf;
    mathf_floor => floorf;
    mathf_log => logf;
    mathf_log10 => log10f;
    mathf_sin => sinf;
    mathf_sqrt => sqrtf;
    mathf_tan => tanf;
    mathf_atan => |x: f32| atan(f64::from(x)) as f32;
    mathf_sinh => |x: f32| sinh(f64::from(x)) as f32;
    mathf_tanh => |x: f32| tanh(f64::from(x)) as f32;
}

extern "C" fn mathf_atan2(y: f32, x: f32) -> f32 {
    // SAFETY: as above.
    unsafe { atan2f(y, x) }
}

extern "C" fn mathf_fmod(x: f32, y: f32) -> f32 {
    // SAFETY: as above.
    unsafe { fmodf(x, y) }
}

extern "C" fn mathf_pow(x: f32, y: f32) -> f32 {
    // SAFETY: as above.
    unsafe { powf(x, y) }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Acos", mathf_acos as *const ()),
        ("Acosh", mathf_acosh as *const ()),
        ("Asin", mathf_asin as *const ()),
        ("Asinh", mathf_asinh as *const ()),
        ("Atan", mathf_atan as *const ()),
        ("Atan2", mathf_atan2 as *const ()),
        ("Atanh", mathf_atanh as *const ()),
        ("Cbrt", mathf_cbrt as *const ()),
        ("Ceiling", mathf_ceiling as *const ()),
        ("Cos", mathf_cos as *const ()),
        ("Cosh", mathf_cosh as *const ()),
        ("Exp", mathf_exp as *const ()),
        ("FMod", mathf_fmod as *const ()),
        ("Floor", mathf_floor as *const ()),
        ("Log", mathf_log as *const ()),
        ("Log10", mathf_log10 as *const ()),
        ("Pow", mathf_pow as *const ()),
        ("Sin", mathf_sin as *const ()),
        ("Sinh", mathf_sinh as *const ()),
        ("Sqrt", mathf_sqrt as *const ()),
        ("Tan", mathf_tan as *const ()),
        ("Tanh", mathf_tanh as *const ()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_double_precision_ones_narrow_as_mono_does() {
        assert_eq!(mathf_atan(1.0), std::f64::consts::FRAC_PI_4 as f32);
        assert_eq!(mathf_sqrt(16.0), 4.0);
        assert_eq!(mathf_pow(2.0, 10.0), 1024.0);
        assert!(mathf_log(-1.0).is_nan());
    }
}
