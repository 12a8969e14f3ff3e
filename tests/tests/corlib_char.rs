//! Differential test: mscorlib's `System.Char` classification (`GetUnicodeCategory` and the
//! `Is*` predicates, through `CharUnicodeInfo`'s table, a manifest resource of mscorlib) from
//! native images against mono 6.8, for all 65,536 UTF-16 code units.

mod corlib_common;

#[test]
fn unicode_categories_match_mono_for_every_code_unit() {
    corlib_common::assert_fixture_like_mono("CharCategories.cs", &["table"], None, 100, 20);
}

#[test]
fn char_predicates_match_mono_for_every_code_unit() {
    corlib_common::assert_fixture_like_mono("CharCategories.cs", &["predicates"], None, 65_536, 20);
}
