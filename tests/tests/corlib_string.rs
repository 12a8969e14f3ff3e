//! Differential test: mscorlib's ordinal `System.String` members (`Substring`, `IndexOf`,
//! `LastIndexOf`, `Contains`, `Trim`, `Replace`, `PadLeft`/`PadRight`, `CompareOrdinal`,
//! `IsNullOrWhiteSpace`, `ToCharArray`) from native images against mono 6.8, exceptions'
//! types and messages included.

mod corlib_common;

#[test]
fn ordinal_string_members_match_mono() {
    corlib_common::assert_fixture_like_mono("StringCases.cs", &[], None, 2_500, 20);
}
