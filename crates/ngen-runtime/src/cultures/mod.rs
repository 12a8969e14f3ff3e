//! The culture tables mscorlib's globalization icalls fill `CultureInfo`, `CultureData`,
//! `CalendarData`, `NumberFormatInfo` and `RegionInfo` from: what mono 6.8 keeps in its C
//! runtime (`culture-info-tables.h`), here derived from mono's *behaviour* rather than copied
//! from its source.
//!
//! `data/cultures.txt` is produced by `data/CultureDump.cs`, which runs under mono, lists every
//! culture `CultureInfo.GetCultures` knows and calls mono's own icalls through reflection,
//! writing down what they fill (`data/regenerate.sh` rebuilds it; the `corlib_cultures`
//! test fails when mono would now write something else). The text is compiled into the
//! runtime; the first time a culture is asked for, its cultures and LCIDs are read and its
//! other records indexed, each read when first asked for (a program formats in one culture,
//! not 339). A program that only ever sees the invariant culture (`LANG=C`, no `LANG`) never
//! reads it at all.
//!
//! Depends on: nothing in the runtime (plain data); the icalls that use it are
//! `icalls::culture_info`, `icalls::culture_data` and `icalls::region_info`.

mod parse;
mod table;

use std::sync::OnceLock;

pub(crate) use table::{Culture, CultureTable};

/// The dump, as committed (see the module doc).
const DUMP: &str = include_str!("../../data/cultures.txt");

/// No culture in the table has a shorter name (ISO 639 codes have two or three letters; the
/// invariant culture is found by LCID): a shorter name, such as the `c` of `LANG=C.UTF-8`, is
/// answered without reading the table (the unit test below checks the dump).
pub(crate) const SHORTEST_NAME: usize = 2;

/// The culture table, parsed on first use. A dump that does not parse is a build defect (the
/// unit test below parses the committed one), so it stops the program with the reason.
pub(crate) fn table() -> &'static CultureTable {
    static TABLE: OnceLock<CultureTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse::parse(DUMP)
            .unwrap_or_else(|error| crate::state::fatal(&format!("culture table: {error}")))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_dump_parses() {
        let table = super::parse::parse(super::DUMP).expect("cultures.txt parses");
        table
            .read_all()
            .expect("every record of cultures.txt parses");
        let en_us = table.by_name("en-us").expect("en-US");
        assert_eq!(en_us.name, "en-US");
        assert_eq!(table.by_lcid(0x409).map(|c| c.name.as_str()), Some("en-US"));
        assert!(table.time_format(en_us.datetime_index).is_some());
        assert!(table.calendar_names(en_us.datetime_index).is_some());
        assert!(table.number_format(en_us.number_index).is_some());
        assert_eq!(
            table.region("US").map(|r| r.iso3_name.as_str()),
            Some("USA")
        );
        assert!(
            table.by_name("en-US").is_none(),
            "names match as mono's strcmp does"
        );
    }

    #[test]
    fn no_culture_name_is_shorter_than_the_shortcut_assumes() {
        let table = super::parse::parse(super::DUMP).expect("cultures.txt parses");
        let shortest = table.all().map(|c| c.name.len()).min();
        assert_eq!(shortest, Some(super::SHORTEST_NAME));
    }
}
