//! The icalls filling the formatting data of a culture from the culture table
//! ([`crate::cultures`]), as mono's `locales.c` does from its C tables:
//! `CultureData.fill_culture_data` (time designators and patterns, first day of week),
//! `CultureData.fill_number_data` (the `NumberFormatInfo` values), and
//! `CalendarData.fill_calendar_data` (date patterns, day and month names).
//!
//! The indices come from the `CultureInfo` the table constructed, so an unknown one is a
//! runtime defect, reported as mono's `g_assert` would be.
//!
//! Depends on: [`crate::cultures`], [`super::culture_fields`].

use super::culture_fields::Mirror;

/// `void fill_culture_data(int datetimeIndex)` (instance).
extern "C" fn fill_culture_data(this: u64, datetime_index: i32) {
    let Some(time) = crate::cultures::table().time_format(datetime_index) else {
        crate::state::fatal(&format!(
            "fill_culture_data: no datetime index {datetime_index}"
        ));
    };
    let data = Mirror {
        obj: this,
        class: "Globalization.CultureData",
    };
    data.string("sAM1159", Some(&time.am_designator));
    data.string("sPM2359", Some(&time.pm_designator));
    data.string("sTimeSeparator", Some(&time.time_separator));
    data.strings("saLongTimes", &time.long_times);
    data.strings("saShortTimes", &time.short_times);
    data.int("iFirstDayOfWeek", time.first_day_of_week);
    data.int("iFirstWeekOfYear", time.calendar_week_rule);
}

/// `static byte* fill_number_data(int index, ref NumberFormatEntryManaged nfe)`: fills the
/// entry (integers, and offsets of the string values) and returns the base the offsets are
/// relative to (NUL-terminated UTF-8 strings).
extern "C" fn fill_number_data(number_index: i32, entry: *mut i32) -> u64 {
    let Some(number) = crate::cultures::table().number_format(number_index) else {
        crate::state::fatal(&format!("fill_number_data: no number index {number_index}"));
    };
    // SAFETY: `entry` is a `ref NumberFormatEntryManaged`: 23 sequential `int`s.
    unsafe { std::ptr::copy_nonoverlapping(number.entry.as_ptr(), entry, number.entry.len()) };
    // The table lives for the process's life, so the strings stay where they are.
    number.strings.as_ptr() as u64
}

/// `bool fill_calendar_data(string localeName, int calendarId)` (instance): mono looks the
/// culture up by its lowercased name and fills its Gregorian data whatever the calendar id.
extern "C" fn fill_calendar_data(this: u64, name: u64, _calendar_id: i32) -> i32 {
    let table = crate::cultures::table();
    let Some(name) = crate::alloc::string_to_rust(name as *const _) else {
        return 0;
    };
    let Some(culture) = table.by_name(&name) else {
        return 0;
    };
    let Some(names) = table.calendar_names(culture.datetime_index) else {
        return 0;
    };
    let data = Mirror {
        obj: this,
        class: "Globalization.CalendarData",
    };
    // Mono gives the calendar the culture's native name.
    data.string("sNativeName", Some(&culture.native_name));
    data.strings("saShortDates", &names.short_dates);
    data.strings("saYearMonths", &names.year_months);
    data.strings("saLongDates", &names.long_dates);
    data.string("sMonthDay", Some(&names.month_day));
    data.strings("saDayNames", &names.day_names);
    data.strings("saAbbrevDayNames", &names.abbreviated_day_names);
    data.strings("saSuperShortDayNames", &names.super_short_day_names);
    data.strings("saMonthNames", &names.month_names);
    data.strings("saAbbrevMonthNames", &names.abbreviated_month_names);
    data.strings("saMonthGenitiveNames", &names.genitive_month_names);
    data.strings(
        "saAbbrevMonthGenitiveNames",
        &names.genitive_abbreviated_month_names,
    );
    1
}

/// `bool construct_internal_region_from_name(string name)` (`RegionInfo`, instance; `name`
/// uppercased by the caller).
extern "C" fn construct_internal_region_from_name(this: u64, name: u64) -> i32 {
    let Some(name) = crate::alloc::string_to_rust(name as *const _) else {
        return 0;
    };
    let Some(region) = crate::cultures::table().region(&name) else {
        return 0;
    };
    let info = Mirror {
        obj: this,
        class: "Globalization.RegionInfo",
    };
    info.int("regionId", region.geo_id);
    info.string("iso2Name", Some(&region.iso2_name));
    info.string("iso3Name", Some(&region.iso3_name));
    info.string("win3Name", Some(&region.win3_name));
    info.string("englishName", Some(&region.english_name));
    info.string("nativeName", Some(&region.native_name));
    info.string("currencySymbol", Some(&region.currency_symbol));
    info.string("isoCurrencySymbol", Some(&region.iso_currency_symbol));
    info.string("currencyEnglishName", Some(&region.currency_english_name));
    info.string("currencyNativeName", Some(&region.currency_native_name));
    1
}

pub(super) fn culture_data_methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("fill_culture_data", fill_culture_data as *const ()),
        ("fill_number_data", fill_number_data as *const ()),
    ]
}

pub(super) fn calendar_data_methods() -> Vec<(&'static str, *const ())> {
    vec![("fill_calendar_data", fill_calendar_data as *const ())]
}

pub(super) fn region_info_methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "construct_internal_region_from_name",
        construct_internal_region_from_name as *const (),
    )]
}
