//! `System.Globalization.CultureInfo`'s icalls (`icall-def.h` `CULINF_*`, Mono's `locales.c`):
//! the current locale's culture name, constructing a culture by name or LCID, and listing
//! them, all from the culture table ([`crate::cultures`]).
//!
//! `get_current_locale_name` derives a name from `LC_ALL`/`LANG` as mono does (`en_US.UTF-8`
//! → `en-us`), whether or not the C library has that locale; `CreateSpecificCulture` then
//! finds it in the table (or a shorter prefix), else `ConstructCurrentCulture` falls back to
//! the invariant culture (`C.UTF-8`'s `c`, `xx_YY`), exactly as under mono. Under `LANG=C`,
//! `LANG=C.UTF-8` (a name too short for any culture) or with no locale the table is never read.
//!
//! Depends on: [`crate::cultures`], [`super::culture_fields`], [`crate::alloc`] (strings),
//! libc (`setlocale`).

use super::culture_fields::Mirror;
use crate::cultures::Culture;

const CULTURE_INFO: &str = "Globalization.CultureInfo";

/// The locale the environment selects, as mono's `get_posix_locale`: `$LC_ALL`, else `$LANG`,
/// else the C library's `setlocale(LC_ALL, NULL)`; `None` for `C` (English only).
fn posix_locale() -> Option<String> {
    let locale = std::env::var_os("LC_ALL")
        .or_else(|| std::env::var_os("LANG"))
        .map(|v| v.to_string_lossy().into_owned())
        .or_else(|| {
            // SAFETY: setlocale with a null locale only queries; the result is copied at once.
            let p = unsafe { libc::setlocale(libc::LC_ALL, std::ptr::null()) };
            (!p.is_null()).then(|| {
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            })
        })?;
    (locale != "C").then_some(locale)
}

/// Mono's culture name for a POSIX locale: the codeset (`.UTF-8`) and modifier (`@euro`) cut
/// off, the first `_` made `-`, all lowercased (`get_current_locale_name`).
fn culture_name(locale: &str) -> String {
    let base = locale.split('.').next().unwrap_or("");
    let base = base.split('@').next().unwrap_or("");
    base.replacen('_', "-", 1).to_ascii_lowercase()
}

/// `string get_current_locale_name()`: null for the C locale.
extern "C" fn get_current_locale_name() -> u64 {
    match posix_locale() {
        Some(locale) => crate::alloc::string_from_str(&culture_name(&locale)) as u64,
        None => 0,
    }
}

/// Stores `culture` into the `CultureInfo` `this`, as mono's `construct_culture`.
fn construct(this: u64, culture: &Culture) {
    let ci = Mirror {
        obj: this,
        class: CULTURE_INFO,
    };
    ci.int("cultureID", culture.lcid);
    ci.string("m_name", Some(&culture.name));
    ci.string("englishname", Some(&culture.english_name));
    ci.string("nativename", Some(&culture.native_name));
    ci.string("win3lang", Some(&culture.win3_lang));
    ci.string("iso3lang", Some(&culture.iso3_lang));
    ci.string("iso2lang", Some(&culture.iso2_lang));
    if let Some(territory) = &culture.territory {
        ci.string("territory", Some(territory));
    }
    ci.strings("native_calendar_names", &culture.native_calendar_names);
    ci.int("parent_lcid", culture.parent_lcid);
    ci.int("datetime_index", culture.datetime_index);
    ci.int("number_index", culture.number_index);
    ci.int("default_calendar_type", culture.calendar_type);
    // The table lives for the process's life, so the boxed struct's address stays valid.
    ci.pointer("textinfo_data", &*culture.text_info as *const _ as u64);
}

/// `bool construct_internal_locale_from_name(string name)` (instance; `name` lowercased).
extern "C" fn construct_internal_locale_from_name(this: u64, name: u64) -> i32 {
    let Some(name) = crate::alloc::string_to_rust(name as *const _) else {
        return 0;
    };
    if name.len() < crate::cultures::SHORTEST_NAME {
        return 0;
    }
    match crate::cultures::table().by_name(&name) {
        Some(culture) => {
            construct(this, culture);
            1
        }
        None => 0,
    }
}

/// `bool construct_internal_locale_from_lcid(int lcid)` (instance).
extern "C" fn construct_internal_locale_from_lcid(this: u64, lcid: i32) -> i32 {
    match crate::cultures::table().by_lcid(lcid) {
        Some(culture) => {
            construct(this, culture);
            1
        }
        None => 0,
    }
}

/// `CultureInfo[] internal_get_cultures(bool neutral, bool specific, bool installed)`
/// (static): the table's cultures of the kinds asked for, in table order, each constructed
/// and with `m_useUserOverride` set; a null first slot stands for the invariant culture when
/// neutral ones are asked for (the caller fills it). `installed` changes nothing, as in mono.
extern "C" fn internal_get_cultures(neutral: i32, specific: i32, _installed: i32) -> u64 {
    let (neutral, specific) = (neutral as u8 != 0, specific as u8 != 0);
    let table = crate::cultures::table();
    let chosen: Vec<&Culture> = table
        .all()
        .filter(|c| {
            if c.territory.is_none() {
                neutral
            } else {
                specific
            }
        })
        .collect();
    let first = usize::from(neutral);
    let array = crate::state::objects::new_core_vector(CULTURE_INFO, first + chosen.len())
        .unwrap_or_else(|e| crate::state::fatal(&format!("CultureInfo[]: {e}")));
    for (slot, culture) in chosen.into_iter().enumerate() {
        let ci = crate::state::objects::new_core_instance(CULTURE_INFO)
            .unwrap_or_else(|e| crate::state::fatal(&format!("CultureInfo: {e}")));
        // Mono runs the private parameterless constructor, whose only work is this.
        let mirror = Mirror {
            obj: ci,
            class: CULTURE_INFO,
        };
        mirror.byte("constructed", 1);
        construct(ci, culture);
        mirror.byte("m_useUserOverride", 1);
        let at = array + ngen_abi::object::ARRAY_DATA_OFFSET as u64 + 8 * (first + slot) as u64;
        // SAFETY: `array` is a fresh `CultureInfo[]` of `first + chosen.len()` references.
        unsafe { (at as *mut u64).write(ci) };
    }
    array
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "construct_internal_locale_from_lcid",
            construct_internal_locale_from_lcid as *const (),
        ),
        (
            "construct_internal_locale_from_name",
            construct_internal_locale_from_name as *const (),
        ),
        (
            "get_current_locale_name",
            get_current_locale_name as *const (),
        ),
        ("internal_get_cultures", internal_get_cultures as *const ()),
    ]
}

#[cfg(test)]
mod tests {
    use super::culture_name;

    #[test]
    fn locale_names_become_monos_culture_names() {
        assert_eq!(culture_name("C.UTF-8"), "c");
        assert_eq!(culture_name("en_US.UTF-8"), "en-us");
        assert_eq!(culture_name("de_DE@euro"), "de-de");
        assert_eq!(culture_name("POSIX"), "posix");
    }
}
