//! The culture table's records, one type per kind of mono table entry, and its lookups
//! (as mono's `locales.c` searches its tables: names by exact byte comparison with the already
//! lowercased request, LCIDs to the culture `CultureInfo(lcid)` finds under mono).

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

/// Every table of the dump: its records in dump order, each with its key, read when first
/// asked for. Lookups scan (a few hundred short keys, once or twice per culture a program
/// uses), which keeps the first use down to splitting the dump's lines.
#[derive(Debug, Default)]
pub(crate) struct CultureTable {
    /// In mono's table order (the order `internal_get_cultures` returns them), keyed by name.
    pub cultures: Vec<Lazy<Culture>>,
    /// LCID → the name of the culture mono finds for it.
    pub lcids: Vec<(i32, &'static str)>,
    pub time_formats: Vec<(i32, Lazy<TimeFormat>)>,
    pub calendar_names: Vec<(i32, Lazy<CalendarNames>)>,
    pub number_formats: Vec<(i32, Lazy<NumberFormat>)>,
    /// Keyed by uppercase ISO name (`US`).
    pub regions: Vec<Lazy<Region>>,
}

impl CultureTable {
    /// The culture named `name`, which must already be lowercase (mono compares it byte for
    /// byte with its lowercased table names, so `en-US` finds nothing).
    pub(crate) fn by_name(&self, name: &str) -> Option<&Culture> {
        let lowercase_key = |key: &str| {
            key.len() == name.len()
                && key
                    .bytes()
                    .zip(name.bytes())
                    .all(|(k, n)| k.to_ascii_lowercase() == n)
        };
        read(self.cultures.iter().find(|r| lowercase_key(r.key)))
    }

    pub(crate) fn by_lcid(&self, lcid: i32) -> Option<&Culture> {
        let &(_, name) = self.lcids.iter().find(|(l, _)| *l == lcid)?;
        read(self.cultures.iter().find(|r| r.key == name))
    }

    /// Every culture, in mono's table order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Culture> {
        self.cultures.iter().filter_map(|record| read(Some(record)))
    }

    pub(crate) fn time_format(&self, datetime_index: i32) -> Option<&TimeFormat> {
        read(by_index(&self.time_formats, datetime_index))
    }

    pub(crate) fn calendar_names(&self, datetime_index: i32) -> Option<&CalendarNames> {
        read(by_index(&self.calendar_names, datetime_index))
    }

    pub(crate) fn number_format(&self, number_index: i32) -> Option<&NumberFormat> {
        read(by_index(&self.number_formats, number_index))
    }

    /// The region named `name` (mono's callers pass it uppercased).
    pub(crate) fn region(&self, name: &str) -> Option<&Region> {
        read(self.regions.iter().find(|r| r.key == name))
    }

    /// Reads every record and checks every LCID names a culture, for the test that the
    /// committed dump is well formed.
    #[cfg(test)]
    pub(crate) fn read_all(&self) -> Result<(), String> {
        let error = |e: super::parse::ParseError| e.to_string();
        for record in &self.cultures {
            record.get().map_err(error)?;
        }
        for (_, record) in &self.time_formats {
            record.get().map_err(error)?;
        }
        for (_, record) in &self.calendar_names {
            record.get().map_err(error)?;
        }
        for (_, record) in &self.number_formats {
            record.get().map_err(error)?;
        }
        for record in &self.regions {
            record.get().map_err(error)?;
        }
        for &(lcid, name) in &self.lcids {
            if !self.cultures.iter().any(|r| r.key == name) {
                return Err(format!("LCID {lcid} names {name}, which is not a culture"));
            }
        }
        Ok(())
    }
}

fn by_index<T>(records: &[(i32, Lazy<T>)], index: i32) -> Option<&Lazy<T>> {
    records.iter().find(|(i, _)| *i == index).map(|(_, r)| r)
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
