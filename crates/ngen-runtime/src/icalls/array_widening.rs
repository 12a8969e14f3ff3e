//! The primitive conversions `Array.SetValue` makes when a boxed primitive is stored into an
//! array of another primitive type (`Array.Copy` between element types goes through it too):
//! Mono's `array_set_value_impl` rules (`mono/metadata/icall.c`, not `ENABLE_NETCORE`, with
//! `strict_signs` as both `SetValue` and `SetValueImpl` pass it): a conversion that widens is
//! made; one that does not is ArgumentException ("not a widening conversion"); a value that is
//! not numeric at all is InvalidCastException. Enums count as their underlying type.
//!
//! Depends on: nothing (a pure function over `ngen_compiler::runtime_types::Primitive`).

use ngen_compiler::runtime_types::Primitive;

/// What storing a boxed primitive into a primitive array element comes to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Widened {
    /// Store these bytes (little-endian, the element's size of them).
    Bits(u64),
    /// ArgumentException: the conversion would lose information.
    NotWidening,
    /// InvalidCastException.
    InvalidCast,
}

/// Bytes of a primitive value.
pub(super) fn primitive_size(p: Primitive) -> u32 {
    use Primitive as P;
    match p {
        P::Void => 0,
        P::Boolean | P::I1 | P::U1 => 1,
        P::Char | P::I2 | P::U2 => 2,
        P::I4 | P::U4 | P::R4 => 4,
        P::I8 | P::U8 | P::R8 | P::I | P::U => 8,
    }
}

/// How Mono reads a value before converting it.
#[derive(Clone, Copy)]
enum Read {
    Unsigned(u64),
    Signed(i64),
    Real(f64),
    Boolean,
    /// Native integers and the like: no conversion applies.
    Other,
}

fn read(p: Primitive, bits: u64) -> Read {
    use Primitive as P;
    match p {
        P::U1 => Read::Unsigned(bits & 0xff),
        P::U2 | P::Char => Read::Unsigned(bits & 0xffff),
        P::U4 => Read::Unsigned(bits & 0xffff_ffff),
        P::U8 => Read::Unsigned(bits),
        P::I1 => Read::Signed(i64::from(bits as u8 as i8)),
        P::I2 => Read::Signed(i64::from(bits as u16 as i16)),
        P::I4 => Read::Signed(i64::from(bits as u32 as i32)),
        P::I8 => Read::Signed(bits as i64),
        P::R4 => Read::Real(f64::from(f32::from_bits(bits as u32))),
        P::R8 => Read::Real(f64::from_bits(bits)),
        P::Boolean => Read::Boolean,
        _ => Read::Other,
    }
}

/// The conversion of the boxed `value` (its type and its bytes, zero-extended) into an element
/// of type `element`, as Mono makes it.
pub(super) fn widen(value: Primitive, bits: u64, element: Primitive) -> Widened {
    use Primitive as P;
    let (vsize, esize) = (primitive_size(value), primitive_size(element));
    let numeric = |p: Primitive| {
        matches!(
            p,
            P::Char | P::U1 | P::U2 | P::U4 | P::U8 | P::I1 | P::I2 | P::I4 | P::I8 | P::R4 | P::R8
        )
    };
    let fits = |extra: u32| esize >= vsize + extra;
    match (read(value, bits), element) {
        (Read::Boolean, e) | (_, e @ P::Boolean) => {
            if numeric(e) || (e == P::Boolean && numeric(value)) {
                Widened::NotWidening
            } else {
                Widened::InvalidCast
            }
        }
        (Read::Unsigned(u), P::Char | P::U1 | P::U2 | P::U4 | P::U8) => {
            if fits(0) {
                Widened::Bits(u)
            } else {
                Widened::NotWidening
            }
        }
        (Read::Signed(_) | Read::Real(_), P::Char | P::U1 | P::U2 | P::U4 | P::U8) => {
            Widened::NotWidening
        }
        (Read::Signed(i), P::I1 | P::I2 | P::I4 | P::I8) => {
            if fits(0) {
                Widened::Bits(i as u64)
            } else {
                Widened::NotWidening
            }
        }
        (Read::Unsigned(u), P::I1 | P::I2 | P::I4 | P::I8) => {
            if fits(1) {
                Widened::Bits(u)
            } else {
                Widened::NotWidening
            }
        }
        (Read::Real(_), P::I1 | P::I2 | P::I4 | P::I8) => Widened::NotWidening,
        (read, P::R4 | P::R8) => {
            let real = match read {
                Read::Real(r) if fits(0) => r,
                Read::Real(_) => return Widened::NotWidening,
                Read::Signed(i) => i as f64,
                Read::Unsigned(u) => u as f64,
                _ => return Widened::InvalidCast,
            };
            if element == P::R4 {
                Widened::Bits(u64::from((real as f32).to_bits()))
            } else {
                Widened::Bits(real.to_bits())
            }
        }
        _ => Widened::InvalidCast,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Primitive as P;

    #[test]
    fn widening_conversions_follow_monos_table() {
        assert_eq!(
            widen(P::I4, (-5i32) as u32 as u64, P::I8),
            Widened::Bits(-5i64 as u64)
        );
        assert_eq!(widen(P::I8, 5, P::I4), Widened::NotWidening);
        assert_eq!(widen(P::U1, 200, P::I4), Widened::Bits(200));
        // An unsigned value needs a strictly larger signed element.
        assert_eq!(widen(P::U4, 7, P::I4), Widened::NotWidening);
        assert_eq!(widen(P::U4, 7, P::I8), Widened::Bits(7));
        // Signed into unsigned never widens (strict signs).
        assert_eq!(widen(P::I1, 1, P::U8), Widened::NotWidening);
        assert_eq!(widen(P::Char, 65, P::U2), Widened::Bits(65));
        assert_eq!(widen(P::I4, 3, P::R8), Widened::Bits(3.0f64.to_bits()));
        assert_eq!(
            widen(P::R4, u64::from(1.5f32.to_bits()), P::R8),
            Widened::Bits(1.5f64.to_bits())
        );
        assert_eq!(widen(P::R8, 0, P::R4), Widened::NotWidening);
        assert_eq!(widen(P::R8, 0, P::I8), Widened::NotWidening);
        assert_eq!(widen(P::Boolean, 1, P::I4), Widened::NotWidening);
        assert_eq!(widen(P::I4, 1, P::Boolean), Widened::NotWidening);
        assert_eq!(widen(P::I, 1, P::I8), Widened::InvalidCast);
        assert_eq!(widen(P::I4, 1, P::I), Widened::InvalidCast);
    }
}
