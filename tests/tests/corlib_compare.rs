//! Differential test: mscorlib's `CompareTo(T)` and `Equals(T)` of every primitive type from
//! native images against mono 6.8 (NaN, signed zeros, boundaries).

mod corlib_common;

#[test]
fn compare_to_and_equals_match_mono() {
    corlib_common::assert_fixture_like_mono("CompareEquals.cs", &[], None, 2_000, 20);
}
