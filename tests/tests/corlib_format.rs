//! Differential test: mscorlib's `double.ToString()` / `float.ToString()` (CoreFX's
//! `Number.Formatting` over the `Interop/Sys.DoubleToString` icall) from native images against
//! mono 6.8.
//!
//! The fixture prints `d <bits> <text>` / `f <bits> <text>` for special values and ~100,000
//! generated ones (random bit patterns, decimals, rounding edges of G15, neighbours of powers
//! of ten, floats). `NGEN_CORLIB_FORMAT_COUNT=<n>` runs a deeper comparison by hand.

mod corlib_common;

#[test]
fn float_and_double_to_string_match_mono() {
    let count = std::env::var("NGEN_CORLIB_FORMAT_COUNT").unwrap_or_else(|_| "100000".into());
    corlib_common::assert_fixture_like_mono("FloatFormat.cs", &[&count], None, 100_000, 20);
}
