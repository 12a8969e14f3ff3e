//! Differential test: `System.Char` classification of ngen-corlib against mono 6.8 over all
//! 65,536 UTF-16 code units, and the generated category table against mono's
//! `char.GetUnicodeCategory`. `NGEN_CORLIB_WRITE_CHAR_TABLE=1` regenerates the table file.

use ngen_corlib::char_info;
use ngen_tests::{compile_fixture_exe, mono, successful_stdout, workspace_root};

fn mono_outputs() -> (String, String) {
    let (_dir, exe) = compile_fixture_exe("corlib", "CharCategories.cs");
    let run = |mode: &str| successful_stdout(mono(&exe, &[mode]));
    (run("table"), run("predicates"))
}

/// The generated Rust source for a table printed by the fixture.
fn table_source(table: &str) -> String {
    let entries: Vec<String> = table
        .lines()
        .map(|line| {
            let (start, category) = line.split_once(' ').expect("start and category");
            format!("(0x{start}, {category})")
        })
        .collect();
    let body: Vec<String> = entries
        .chunks(8)
        .map(|chunk| format!("    {},", chunk.join(", ")))
        .collect();
    format!(
        "//! Generated data: the runs of mono 6.8's `char.GetUnicodeCategory` over every UTF-16 code\n\
         //! unit, as printed by `tests/fixtures/corlib/CharCategories.cs table`. The `corlib_char`\n\
         //! test compares this table with mono and can rewrite it (`NGEN_CORLIB_WRITE_CHAR_TABLE=1`).\n\
         //!\n\
         //! Each entry is (first code unit of a run, `System.Globalization.UnicodeCategory` value).\n\
         \n\
         #[rustfmt::skip]\n\
         pub(super) static CATEGORY_RUNS: [(u16, u8); {}] = [\n{}\n];\n",
        entries.len(),
        body.join("\n")
    )
}

#[test]
fn char_classification_matches_mono_for_every_code_unit() {
    let (table, predicates) = mono_outputs();
    if std::env::var_os("NGEN_CORLIB_WRITE_CHAR_TABLE").is_some() {
        let path = workspace_root().join("crates/ngen-corlib/src/char_info/unicode_categories.rs");
        std::fs::write(&path, table_source(&table)).expect("write the table");
    }
    assert!(
        char_info::category_table_text() == table,
        "the generated category table is stale: rerun with NGEN_CORLIB_WRITE_CHAR_TABLE=1"
    );
    let checks: [fn(u16) -> bool; 14] = [
        char_info::is_digit,
        char_info::is_letter,
        char_info::is_letter_or_digit,
        char_info::is_white_space,
        char_info::is_upper,
        char_info::is_lower,
        char_info::is_number,
        char_info::is_punctuation,
        char_info::is_symbol,
        char_info::is_separator,
        char_info::is_control,
        char_info::is_surrogate,
        char_info::is_high_surrogate,
        char_info::is_low_surrogate,
    ];
    let mut mismatches = Vec::new();
    let lines: Vec<&str> = predicates.lines().collect();
    assert_eq!(lines.len(), 65536);
    for (unit, line) in lines.iter().enumerate() {
        let expected = u32::from_str_radix(line, 16).expect("hex mask");
        let actual = checks.iter().enumerate().fold(0u32, |mask, (bit, check)| {
            mask | (u32::from(check(unit as u16)) << bit)
        });
        if actual != expected {
            mismatches.push(format!(
                "U+{unit:04X}: mono {expected:#06x}, ours {actual:#06x}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} code units differ, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(20)]
    );
}
