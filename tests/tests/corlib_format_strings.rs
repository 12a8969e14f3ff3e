//! Differential test: mscorlib's `ToString(string format)` of every numeric type from native
//! images against mono 6.8.
//!
//! The fixture prints `<type>\t<value>\t<format>\t<result>` for ~110 standard and custom
//! format strings over special, boundary and generated values of all ten numeric types
//! (~90,000 results). Both run with a UTF-8 locale so `¤` and `‰` survive the console.

mod corlib_common;

#[test]
fn numeric_format_strings_match_mono() {
    corlib_common::assert_fixture_like_mono("FormatStrings.cs", &[], Some("C.UTF-8"), 80_000, 40);
}
