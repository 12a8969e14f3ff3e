//! Differential test: mscorlib's `Parse` / `TryParse` of every primitive type (CoreFX's
//! `Number.Parsing`) from native images against mono 6.8, over ~20,000 inputs: white space of
//! every kind (classified through `CharUnicodeInfo`'s table, a manifest resource of mscorlib),
//! signs, overflow, exponents, `NaN`/`Infinity`, nulls, and the exceptions' types and
//! messages. `NGEN_CORLIB_PARSE_COUNT=<n>` runs a deeper comparison by hand.

mod corlib_common;

#[test]
fn parse_and_try_parse_match_mono() {
    let count = std::env::var("NGEN_CORLIB_PARSE_COUNT").unwrap_or_else(|_| "20000".into());
    corlib_common::assert_fixture_like_mono("ParseCases.cs", &[&count], None, 20_000, 20);
}
