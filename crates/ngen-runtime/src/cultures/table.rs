//! The culture table's records, one type per kind of mono table entry, and its lookups
//! (as mono's `locales.c` searches its tables: names by exact byte comparison with the already
//! lowercased request, LCIDs by the culture `CultureInfo(lcid)` finds).

use std::collections::HashMap;

use super::parse::Lazy;

/// `CultureInfo.Data`, the struct `textinfo_data` points at (`GetTextInfoData` reads it).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextInfoData {
    pub ansi: i32,
    pub ebcdic: i32,
    pub mac: i32,
    pub oem: i32,
    pub right_to_left: u8,
    pub list_separator: u8,
}

/// One culture: what `construct_internal_locale_from_*` stores into a `CultureInfo`.
#[derive(Debug)]
pub(crate) struct Culture {
    pub name: String,
    pub lcid: i32,
    pub parent_lcid: i32,
    pub calendar_type: i32,
    pub datetime_index: i32,
    pub number_index: i32,
    pub english_name: String,
    pub native_name: String,
    pub win3_lang: String,
    pub iso3_lang: String,
    pub iso2_lang: String,
    /// `None` for a neutral culture.
    pub territory: Option<String>,
    pub native_calendar_names: Vec<String>,
    /// Boxed so the address handed to managed code stays put for the process's life.
    pub text_info: Box<TextInfoData>,
}

/// `CultureData.fill_culture_data`'s time data of one datetime index.
#[derive(Debug)]
pub(crate) struct TimeFormat {
    pub am_designator: String,
    pub pm_designator: String,
    pub time_separator: String,
    pub long_times: Vec<String>,
    pub short_times: Vec<String>,
    pub first_day_of_week: i32,
    pub calendar_week_rule: i32,
}

/// `CalendarData.fill_calendar_data`'s patterns and names of one datetime index.
#[derive(Debug)]
pub(crate) struct CalendarNames {
    pub short_dates: Vec<String>,
    pub year_months: Vec<String>,
    pub long_dates: Vec<String>,
    pub month_day: String,
    pub day_names: Vec<String>,
    pub abbreviated_day_names: Vec<String>,
    pub super_short_day_names: Vec<String>,
    pub month_names: Vec<String>,
    pub abbreviated_month_names: Vec<String>,
    pub genitive_month_names: Vec<String>,
    pub genitive_abbreviated_month_names: Vec<String>,
}

/// Fields of `CultureData.NumberFormatEntryManaged` (in its declaration order).
pub(crate) const NUMBER_FIELDS: usize = 23;

/// Which of those fields are strings: for them the entry holds an offset into
/// [`CultureTable::number_strings`].
pub(crate) const NUMBER_STRING_FIELDS: [usize; 12] = [1, 2, 7, 8, 9, 10, 12, 13, 17, 20, 21, 22];

/// `CultureData.fill_number_data`'s entry of one number index, exactly as the managed struct
/// receives it, and the strings its string fields point into (NUL-terminated UTF-8).
#[derive(Debug)]
pub(crate) struct NumberFormat {
    pub entry: [i32; NUMBER_FIELDS],
    pub strings: Vec<u8>,
}

/// `RegionInfo.construct_internal_region_from_name`'s region.
#[derive(Debug)]
pub(crate) struct Region {
    pub geo_id: i32,
    pub iso2_name: String,
    pub iso3_name: String,
    pub win3_name: String,
    pub english_name: String,
    pub native_name: String,
    pub currency_symbol: String,
    pub iso_currency_symbol: String,
    pub currency_english_name: String,
    pub currency_native_name: String,
}

/// Every table of the dump, its records indexed and read when first asked for.
#[derive(Debug, Default)]
pub(crate) struct CultureTable {
    /// In mono's table order (the order `internal_get_cultures` returns them).
    pub cultures: Vec<Lazy<Culture>>,
    /// Lowercased culture name → index in `cultures`.
    pub by_name: HashMap<String, usize>,
    /// LCID → index in `cultures` of the culture mono finds for it.
    pub by_lcid: HashMap<i32, usize>,
    pub time_formats: HashMap<i32, Lazy<TimeFormat>>,
    pub calendar_names: HashMap<i32, Lazy<CalendarNames>>,
    pub number_formats: HashMap<i32, Lazy<NumberFormat>>,
    /// By uppercase ISO name (`US`).
    pub regions: HashMap<String, Lazy<Region>>,
}

impl CultureTable {
    /// The culture named `name`, which must already be lowercase (as mono's callers pass it).
    pub(crate) fn by_name(&self, name: &str) -> Option<&Culture> {
        read(self.by_name.get(name).map(|&i| &self.cultures[i]))
    }

    pub(crate) fn by_lcid(&self, lcid: i32) -> Option<&Culture> {
        read(self.by_lcid.get(&lcid).map(|&i| &self.cultures[i]))
    }

    /// Every culture, in mono's table order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Culture> {
        self.cultures.iter().filter_map(|record| read(Some(record)))
    }

    pub(crate) fn time_format(&self, datetime_index: i32) -> Option<&TimeFormat> {
        read(self.time_formats.get(&datetime_index))
    }

    pub(crate) fn calendar_names(&self, datetime_index: i32) -> Option<&CalendarNames> {
        read(self.calendar_names.get(&datetime_index))
    }

    pub(crate) fn number_format(&self, number_index: i32) -> Option<&NumberFormat> {
        read(self.number_formats.get(&number_index))
    }

    /// The region named `name` (mono's callers pass it uppercased).
    pub(crate) fn region(&self, name: &str) -> Option<&Region> {
        read(self.regions.get(name))
    }

    /// Reads every record, for the test that the committed dump is well formed.
    #[cfg(test)]
    pub(crate) fn read_all(&self) -> Result<(), super::parse::ParseError> {
        self.time_formats
            .values()
            .try_for_each(|r| r.get().map(drop))?;
        self.calendar_names
            .values()
            .try_for_each(|r| r.get().map(drop))?;
        self.number_formats
            .values()
            .try_for_each(|r| r.get().map(drop))?;
        self.regions.values().try_for_each(|r| r.get().map(drop))
    }
}

/// A record's value; one that does not parse is a build defect (the committed dump is
/// checked by a unit test), so it stops the program with the reason.
fn read<T>(record: Option<&Lazy<T>>) -> Option<&T> {
    record.map(|record| {
        record
            .get()
            .unwrap_or_else(|error| crate::state::fatal(&format!("culture table: {error}")))
    })
}
