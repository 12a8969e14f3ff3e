//! Differential test: mscorlib's `System.Convert` from native images against mono 6.8
//! (rounding of `ToInt32(double)`, the internal-call `Round` in `ToInt64(double)`, range
//! checks, null strings, and the exceptions' types and messages), ~50,000 results.

mod corlib_common;

#[test]
fn convert_matches_mono() {
    corlib_common::assert_fixture_like_mono("ConvertCases.cs", &[], None, 30_000, 30);
}
