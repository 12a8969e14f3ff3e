//! Differential test: `System.Math` from native images against mono 6.8, bit for bit: the
//! internal calls as mono's JIT runs them (the BCL surface's remaining members: `Sin`/`Cos` as
//! x87 `fsin`/`fcos`, `Round`/`Floor`/`Ceiling`/`Truncate` as `roundsd`, the rest through
//! glibc), mscorlib's own managed members (`Abs` of integers, `Min`, `Max`, `Sign`, `Clamp`,
//! `BigMul`, `DivRem`, with their exceptions caught), and the `Double`/`Single` predicates.
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
