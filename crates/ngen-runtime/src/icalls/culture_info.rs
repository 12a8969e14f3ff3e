//! `System.Globalization.CultureInfo`'s icalls (`icall-def.h` `CULINF_*`, Mono's `locales.c`):
//! the current locale's culture name, and constructing a culture from Mono's built-in tables.
//!
//! The tables (`culture-info-tables.h`) are not carried: `construct_internal_locale_from_*`
//! find no culture, so `CultureInfo.CreateSpecificCulture` throws `CultureNotFoundException`,
//! which `ConstructCurrentCulture` catches, falling back to the invariant culture. Under `LANG=C`
//! (no name), `LANG=C.UTF-8` (name `c`, which mono's tables lack too) and with `LANG` unset this
//! is exactly mono's behaviour; a real culture such as `en-US` is invariant here (a documented
//! deviation, docs/mono-behaviour.md).
//!
//! Depends on: [`crate::alloc`] (strings), libc (`setlocale`).

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

/// `bool construct_internal_locale_from_name(string name)` (instance): no table, no culture.
extern "C" fn construct_internal_locale_from_name(_this: u64, _name: u64) -> i32 {
    0
}

/// `bool construct_internal_locale_from_lcid(int lcid)` (instance): no table, no culture.
extern "C" fn construct_internal_locale_from_lcid(_this: u64, _lcid: i32) -> i32 {
    0
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
