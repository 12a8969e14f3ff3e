//! Differential test: named cultures and the user's locale (issue 7), from native images
//! under `--jit never`, `always` and the default against mono 6.8, line for line: culture
//! identity and `RegionInfo`, number/currency/percent/date formatting and parsing, day and
//! month names, `TextInfo` casing, culture-aware comparison, `GetCultures`, mono's
//! `CultureNotFoundException`s, and `CurrentCulture`/`CurrentUICulture` from `LANG` and
//! `LC_ALL`. Also checks that the runtime's culture table
//! (`crates/ngen-runtime/data/cultures.txt`) is what its dumper writes under this machine's
//! mono (drift).
//!
//! Fixtures: `tests/fixtures/corlib/NamedCultures.cs`, `CurrentCulture.cs`.

mod corlib_common;

use std::process::Command;

use corlib_common::Locale;

use ngen_tests::{skip_loudly, temp_dir, workspace_root};

#[test]
fn named_cultures_format_parse_and_compare_like_mono() {
    // C.UTF-8 so that both sides write UTF-8 (the names are not ASCII).
    corlib_common::assert_fixture_like_mono("NamedCultures.cs", &[], Some("C.UTF-8"), 1800, 30);
}

#[test]
fn the_current_culture_follows_lang_and_lc_all_like_mono() {
    corlib_common::assert_fixture_like_mono_in_locales(
        "CurrentCulture.cs",
        &[],
        &[
            Locale::lang(Some("en_US.UTF-8")),
            Locale::lang(Some("de_DE.UTF-8")),
            Locale::lang(Some("fr_FR.UTF-8")),
            Locale::lang(Some("ja_JP.UTF-8")),
            Locale::lang(Some("ar_SA.UTF-8")),
            Locale::lang(Some("en_GB")),
            Locale::lang(Some("de_DE@euro")),
            Locale::lang(Some("C")),
            Locale::lang(Some("C.UTF-8")),
            Locale::lang(None),
            Locale::lang(Some("xx_YY.UTF-8")),
            Locale::lang(Some("fr_ZZ.UTF-8")),
            // LC_ALL wins over LANG, also when it is C.
            Locale {
                lang: Some("en_US.UTF-8"),
                lc_all: Some("de_DE.UTF-8"),
            },
            Locale {
                lang: Some("de_DE.UTF-8"),
                lc_all: Some("C"),
            },
            Locale {
                lang: None,
                lc_all: Some("ru_RU.UTF-8"),
            },
        ],
        5,
        10,
    );
}

#[test]
fn the_culture_table_is_what_mono_dumps_today() {
    if Command::new("mono").arg("--version").output().is_err() {
        skip_loudly(
            "the_culture_table_is_what_mono_dumps_today",
            "mono is not installed",
        );
        return;
    }
    let data = workspace_root().join("crates/ngen-runtime/data");
    let dir = temp_dir();
    let fresh = dir.path().join("cultures.txt");
    let status = Command::new(data.join("regenerate.sh"))
        .arg(&fresh)
        .status()
        .expect("run regenerate.sh");
    assert!(status.success(), "regenerate.sh failed");
    let committed = std::fs::read(data.join("cultures.txt")).expect("committed cultures.txt");
    let regenerated = std::fs::read(&fresh).expect("regenerated cultures.txt");
    assert!(
        committed == regenerated,
        "crates/ngen-runtime/data/cultures.txt differs from what mono dumps now: run \
         crates/ngen-runtime/data/regenerate.sh and review the difference"
    );
}
