//! `System.Double`/`System.Single` classification predicates (`IsNaN`, `IsInfinity`, ...) and
//! `System.BitConverter`'s bit casts between floating-point values and integers.
//!
//! corefx defines the predicates on the bit pattern; Rust's classification methods agree with
//! them (e.g. `IsNegative` is the sign bit, so it is true for `-0.0` and for negative NaNs).
//!
//! Depends on: nothing else in this crate.

/// Defines `extern "C"` predicates over one floating-point type; results are CIL bools.
macro_rules! predicates {
    ($ty:ty: $($name:ident => $doc:literal, $test:expr;)*) => {
        $(
            #[doc = $doc]
            pub extern "C" fn $name(value: $ty) -> i32 {
                let test: fn($ty) -> bool = $test;
                i32::from(test(value))
            }
        )*
    };
}

predicates! { f64:
    double_is_nan => "`Double.IsNaN(double)`.", f64::is_nan;
    double_is_infinity => "`Double.IsInfinity(double)`.", f64::is_infinite;
    double_is_positive_infinity => "`Double.IsPositiveInfinity(double)`.", |v| v == f64::INFINITY;
    double_is_negative_infinity => "`Double.IsNegativeInfinity(double)`.", |v| v == f64::NEG_INFINITY;
    double_is_finite => "`Double.IsFinite(double)`.", f64::is_finite;
    double_is_negative => "`Double.IsNegative(double)`: the sign bit.", f64::is_sign_negative;
    double_is_normal => "`Double.IsNormal(double)`.", f64::is_normal;
    double_is_subnormal => "`Double.IsSubnormal(double)`.", f64::is_subnormal;
}

predicates! { f32:
    single_is_nan => "`Single.IsNaN(float)`.", f32::is_nan;
    single_is_infinity => "`Single.IsInfinity(float)`.", f32::is_infinite;
    single_is_positive_infinity => "`Single.IsPositiveInfinity(float)`.", |v| v == f32::INFINITY;
    single_is_negative_infinity => "`Single.IsNegativeInfinity(float)`.", |v| v == f32::NEG_INFINITY;
    single_is_finite => "`Single.IsFinite(float)`.", f32::is_finite;
    single_is_negative => "`Single.IsNegative(float)`: the sign bit.", f32::is_sign_negative;
    single_is_normal => "`Single.IsNormal(float)`.", f32::is_normal;
    single_is_subnormal => "`Single.IsSubnormal(float)`.", f32::is_subnormal;
}

/// `BitConverter.DoubleToInt64Bits(double)`.
pub extern "C" fn double_to_int64_bits(value: f64) -> i64 {
    value.to_bits() as i64
}

/// `BitConverter.Int64BitsToDouble(long)`.
pub extern "C" fn int64_bits_to_double(bits: i64) -> f64 {
    f64::from_bits(bits as u64)
}

/// `BitConverter.SingleToInt32Bits(float)`.
pub extern "C" fn single_to_int32_bits(value: f32) -> i32 {
    value.to_bits() as i32
}

/// `BitConverter.Int32BitsToSingle(int)`.
pub extern "C" fn int32_bits_to_single(bits: i32) -> f32 {
    f32::from_bits(bits as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_the_bit_pattern() {
        assert_eq!(double_is_negative(-0.0), 1);
        assert_eq!(double_is_negative(f64::from_bits(0xfff8_0000_0000_0000)), 1);
        assert_eq!(double_is_nan(f64::NAN), 1);
        assert_eq!(double_is_finite(f64::INFINITY), 0);
        assert_eq!(double_is_subnormal(5e-324), 1);
        assert_eq!(double_is_normal(0.0), 0);
        assert_eq!(single_is_negative_infinity(f32::NEG_INFINITY), 1);
        assert_eq!(double_to_int64_bits(1.0), 0x3ff0_0000_0000_0000);
        assert_eq!(int32_bits_to_single(0x3f80_0000), 1.0);
    }
}
