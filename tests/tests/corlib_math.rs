//! Differential test: `System.Math` from native images against mono 6.8, bit for bit: the
//! calls mono's JIT expands, as the compiler's intrinsics (`Sin`/`Cos` as x87 `fsin`/`fcos`,
//! `Round`/`Floor`/`Ceiling` as `roundsd`, `Sqrt`, `Abs(double)`, integer `Min`/`Max`), the
//! internal calls through glibc (`Tan`, `Pow`, ..., and the same members through delegates),
//! mscorlib's own managed members (`Truncate`, `Abs` of integers, `Min`, `Max`, `Sign`,
//! `Clamp`, `BigMul`, `DivRem`, `Round` with digits and `MidpointRounding`, with their
//! exceptions caught), the `Double`/`Single` predicates, and edge cases (arguments beyond 2^63,
//! NaN payloads, `-0.0`, midpoints, `Pow`/`Log` corners).
//!
//! The fixture prints `<function>\t<arguments>\t<result>` for special arguments (zeros, halves,
//! NaN, infinities, extremes) and thousands of generated ones; doubles and floats travel as bit
//! patterns, integers in decimal, exceptions as `ex:<type>: <message>`. Mono's folding of
//! `Math` calls on literals is tested by `codegen_differential`.

mod corlib_common;

#[test]
fn math_matches_mono_bit_for_bit() {
    corlib_common::assert_fixture_like_mono("MathCases.cs", &["3000"], None, 100_000, 30);
}
