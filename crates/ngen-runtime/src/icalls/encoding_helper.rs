//! `System.Text.EncodingHelper`'s icalls (`icall-def.h` `ENCHELP_*`): the encoding the console
//! and `Encoding.Default` use, from the C library's locale as mono finds it.

use std::ffi::CStr;
use std::sync::OnceLock;

/// Mono's aliases, grouped by the code it hands back to `EncodingHelper` (1 ASCII, 2 UTF-7,
/// 3 UTF-8, 4 UTF-16LE, 5 UTF-16BE, 6 Latin-1), compared with the charset lowercased and with
/// `-` turned into `_` (`ves_icall_System_Text_EncodingHelper_InternalCodePage`).
const ALIASES: &[(i32, &[&str])] = &[
    (
        1,
        &[
            "ascii",
            "us_ascii",
            "us",
            "ansi_x3.4_1968",
            "ansi_x3.4_1986",
            "cp367",
            "csascii",
            "ibm367",
            "iso_ir_6",
            "iso646_us",
            "iso_646.irv:1991",
        ],
    ),
    (
        2,
        &[
            "utf_7",
            "csunicode11utf7",
            "unicode_1_1_utf_7",
            "unicode_2_0_utf_7",
            "x_unicode_1_1_utf_7",
            "x_unicode_2_0_utf_7",
        ],
    ),
    (
        3,
        &[
            "utf_8",
            "unicode_1_1_utf_8",
            "unicode_2_0_utf_8",
            "x_unicode_1_1_utf_8",
            "x_unicode_2_0_utf_8",
        ],
    ),
    // Mono's table spells this one in capitals, so it never matches a lowercased name.
    (
        4,
        &["utf_16", "UTF_16LE", "ucs_2", "unicode", "iso_10646_ucs2"],
    ),
    (5, &["unicodefffe", "utf_16be"]),
    (6, &["iso_8859_1"]),
];

/// The locale's character set, as mono's `g_get_charset` reports it: `nl_langinfo(CODESET)`
/// under the environment's locale (mono's driver calls `setlocale(LC_ALL, "")` at startup).
fn charset() -> &'static str {
    static CHARSET: OnceLock<String> = OnceLock::new();
    CHARSET.get_or_init(|| {
        // SAFETY: setlocale with "" reads the environment; nl_langinfo returns a pointer to a
        // NUL-terminated string the C library owns, copied at once. Only the C library's
        // character classification depends on LC_CTYPE; the runtime's own code does not.
        unsafe {
            libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
            let p = libc::nl_langinfo(libc::CODESET);
            if p.is_null() {
                "ANSI_X3.4-1968".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
    })
}

/// Mono's code for `charset` (see [`ALIASES`]), -1 when it has none, with bit 28 set for any
/// UTF-8 name.
fn code_of(charset: &str) -> i32 {
    let normalised: String = charset
        .chars()
        .map(|c| match c {
            '-' => '_',
            c if c.is_ascii_alphabetic() => c.to_ascii_lowercase(),
            c => c,
        })
        .collect();
    let mut code = ALIASES
        .iter()
        .find(|(_, names)| names.contains(&normalised.as_str()))
        .map_or(-1, |(code, _)| *code);
    if normalised.contains("utf_8") {
        code |= 0x1000_0000;
    }
    code
}

/// `string InternalCodePage(ref int code_page)`: stores the locale's code; when the caller
/// asked for a name (`code_page` non-zero on entry) and there is no code, returns the charset.
extern "C" fn internal_code_page(code_page: *mut i32) -> u64 {
    if code_page.is_null() {
        return 0;
    }
    let charset = charset();
    let code = code_of(charset);
    // SAFETY: a `ref int` argument: the address of a live, aligned i32.
    let want_name = unsafe { code_page.read() } != 0;
    unsafe { code_page.write(code) };
    if want_name && code == -1 {
        crate::alloc::string_from_str(charset) as u64
    } else {
        0
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("InternalCodePage", internal_code_page as *const ())]
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn charsets_map_to_monos_codes() {
        assert_eq!(code_of("UTF-8"), 3 | 0x1000_0000);
        assert_eq!(code_of("ANSI_X3.4-1968"), 1);
        assert_eq!(code_of("ISO-8859-1"), 6);
        assert_eq!(code_of("UTF-16LE"), -1);
        assert_eq!(code_of("KOI8-R"), -1);
    }
}
