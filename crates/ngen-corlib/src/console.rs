//! `System.Console`: `Write`/`WriteLine` over a buffered stdout.
//!
//! Output is buffered in memory and written to fd 1 when the buffer fills, when the runtime
//! calls [`flush_stdout`] at process exit, before any stderr output (the unhandled-exception
//! report), and in `Environment.Exit`. Mono writes each call through immediately; buffering is
//! invisible to the tests as long as those flush points hold, and it is much faster.
//!
//! Encoding follows mono: UTF-8 when the locale the environment selects is installed and its
//! codeset is UTF-8, with U+FFFD for lone surrogates; otherwise ASCII with `?` for every UTF-16
//! code unit outside it. Numbers are formatted with invariant (en-US) conventions.
//!
//! Depends on: [`crate::objects`] (reading strings), [`crate::number_format`].

use crate::number_format;
use crate::objects::{char_array_as_utf16, string_as_utf16};
use ngen_abi::object::{ArrayObject, StringObject};

use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// Flush once this many bytes are pending.
const BUFFER_LIMIT: usize = 64 * 1024;

/// Bytes not yet written to fd 1, and the encoder's state between writes.
struct StdoutState {
    bytes: Vec<u8>,
    /// A high surrogate that ended the previous write: mono's UTF-8 encoder keeps it until the
    /// next character (a low surrogate completes the pair; anything else turns it into
    /// U+FFFD). One still pending at exit is dropped, as mono drops it.
    pending_high_surrogate: Option<u16>,
}

static STDOUT: Mutex<StdoutState> = Mutex::new(StdoutState {
    bytes: Vec::new(),
    pending_high_surrogate: None,
});

fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..0xDC00).contains(&unit)
}

/// How managed text becomes bytes on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleEncoding {
    Utf8,
    Ascii,
}

/// The encoding for a C library codeset name (`nl_langinfo(CODESET)`), as mono picks it.
pub fn encoding_for_codeset(codeset: Option<&str>) -> ConsoleEncoding {
    match codeset {
        Some(name) if name.eq_ignore_ascii_case("UTF-8") || name.eq_ignore_ascii_case("utf8") => {
            ConsoleEncoding::Utf8
        }
        _ => ConsoleEncoding::Ascii,
    }
}

/// The codeset of the locale the environment selects (`LC_ALL`, `LC_*`, `LANG`), or `None`
/// when that locale is not installed: mono runs `setlocale(LC_ALL, "")` and asks for the
/// codeset, so `LANG=en_US.UTF-8` without that locale installed means ASCII. We ask the C
/// library the same question without changing this process's locale.
fn environment_codeset() -> Option<String> {
    use std::ffi::{CStr, c_char, c_int, c_void};
    unsafe extern "C" {
        fn newlocale(category_mask: c_int, locale: *const c_char, base: *mut c_void)
        -> *mut c_void;
        fn nl_langinfo_l(item: c_int, locale: *mut c_void) -> *const c_char;
        fn freelocale(locale: *mut c_void);
    }
    /// glibc's `LC_ALL_MASK`: every category (`1 << LC_x`) except `LC_ALL` (6) itself.
    const LC_ALL_MASK: c_int = 0x1fbf;
    /// glibc's `CODESET` item of `LC_CTYPE`.
    const CODESET: c_int = 14;
    // SAFETY: newlocale reads the environment and a NUL-terminated name; a non-null result is
    // a locale object we query and free exactly once; nl_langinfo_l returns a NUL-terminated
    // string owned by that object, copied before it is freed.
    unsafe {
        let locale = newlocale(LC_ALL_MASK, c"".as_ptr(), std::ptr::null_mut());
        if locale.is_null() {
            return None;
        }
        let name = nl_langinfo_l(CODESET, locale);
        let codeset =
            (!name.is_null()).then(|| CStr::from_ptr(name).to_string_lossy().into_owned());
        freelocale(locale);
        codeset
    }
}

fn console_encoding() -> ConsoleEncoding {
    static ENCODING: OnceLock<ConsoleEncoding> = OnceLock::new();
    *ENCODING.get_or_init(|| encoding_for_codeset(environment_codeset().as_deref()))
}

/// Encodes UTF-16 text the way mono's console encoder does.
pub fn encode(text: &[u16], encoding: ConsoleEncoding, out: &mut Vec<u8>) {
    match encoding {
        ConsoleEncoding::Utf8 => {
            for c in char::decode_utf16(text.iter().copied()) {
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        ConsoleEncoding::Ascii => {
            out.extend(text.iter().map(|&u| if u < 0x80 { u as u8 } else { b'?' }));
        }
    }
}

/// Appends UTF-16 text to the stdout buffer.
fn write_utf16(text: &[u16]) {
    let encoding = console_encoding();
    let mut state = lock_state();
    let StdoutState {
        bytes,
        pending_high_surrogate,
    } = &mut *state;
    match encoding {
        ConsoleEncoding::Utf8 => {
            let mut units: Vec<u16> = pending_high_surrogate.take().into_iter().collect();
            units.extend_from_slice(text);
            if units.last().is_some_and(|&u| is_high_surrogate(u)) {
                *pending_high_surrogate = units.pop();
            }
            encode(&units, encoding, bytes);
        }
        ConsoleEncoding::Ascii => encode(text, encoding, bytes),
    }
    if bytes.len() >= BUFFER_LIMIT {
        drain(bytes);
    }
}

/// Appends ASCII text (formatted numbers, newlines) to the stdout buffer.
fn write_ascii(text: &str) {
    let mut state = lock_state();
    if state.pending_high_surrogate.take().is_some() {
        // Not followed by its low surrogate: the encoder replaces it.
        state.bytes.extend_from_slice(
            char::REPLACEMENT_CHARACTER
                .encode_utf8(&mut [0; 4])
                .as_bytes(),
        );
    }
    state.bytes.extend_from_slice(text.as_bytes());
    if state.bytes.len() >= BUFFER_LIMIT {
        drain(&mut state.bytes);
    }
}

fn lock_state() -> std::sync::MutexGuard<'static, StdoutState> {
    // A panic while holding the lock leaves plain bytes behind: still safe to use.
    STDOUT.lock().unwrap_or_else(|e| e.into_inner())
}

fn drain(buffer: &mut Vec<u8>) {
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (e.g. `| head`) must not kill the program; mono ignores it too.
    let _ = stdout.write_all(buffer);
    let _ = stdout.flush();
    buffer.clear();
}

/// Writes everything buffered so far to fd 1. The runtime calls this at process exit.
/// (A pending high surrogate stays pending, as in mono's encoder.)
pub fn flush_stdout() {
    drain(&mut lock_state().bytes);
}

/// Like [`flush_stdout`], but gives up when the buffer is in use: a fault handler must not
/// wait for a lock its own thread may hold. Returns whether it flushed.
pub fn try_flush_stdout() -> bool {
    match STDOUT.try_lock() {
        Ok(mut state) => drain(&mut state.bytes),
        Err(std::sync::TryLockError::Poisoned(p)) => drain(&mut p.into_inner().bytes),
        Err(std::sync::TryLockError::WouldBlock) => return false,
    }
    true
}

/// `extern "C"` form of [`flush_stdout`] for the runtime's helper table.
pub extern "C" fn ngen_corlib_flush_stdout() {
    flush_stdout();
}

/// Decodes bytes read from stdin the way mono's console reader does: UTF-8 with U+FFFD for
/// each maximal invalid subsequence, or ASCII with `?` for every byte above 0x7F.
pub fn decode(bytes: &[u8], encoding: ConsoleEncoding) -> Vec<u16> {
    match encoding {
        ConsoleEncoding::Utf8 => String::from_utf8_lossy(bytes).encode_utf16().collect(),
        ConsoleEncoding::Ascii => bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    u16::from(b)
                } else {
                    u16::from(b'?')
                }
            })
            .collect(),
    }
}

/// Reads one line from `input`: the bytes before `\n`, `\r` or `\r\n` (consumed), or the
/// rest at end of input; `None` at end of input with nothing read.
pub fn read_line_bytes(input: &mut impl std::io::BufRead) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut read_any = false;
    while let Some(&byte) = input
        .fill_buf()
        .ok()
        .and_then(|available| available.first())
    {
        read_any = true;
        input.consume(1);
        match byte {
            b'\n' => return Some(line),
            b'\r' => {
                if input
                    .fill_buf()
                    .is_ok_and(|rest| rest.first() == Some(&b'\n'))
                {
                    input.consume(1);
                }
                return Some(line);
            }
            other => line.push(other),
        }
    }
    read_any.then_some(line)
}

/// `Console.ReadLine()`: the next line of stdin, or null at its end. Stdout is flushed first
/// so that a prompt written with `Console.Write` appears before the program blocks.
pub extern "C" fn read_line() -> *mut StringObject {
    flush_stdout();
    static STDIN: Mutex<Option<std::io::BufReader<std::io::Stdin>>> = Mutex::new(None);
    let mut reader = STDIN.lock().unwrap_or_else(|e| e.into_inner());
    let input = reader.get_or_insert_with(|| std::io::BufReader::new(std::io::stdin()));
    match read_line_bytes(input) {
        Some(bytes) => crate::objects::alloc_string(&decode(&bytes, console_encoding())),
        None => std::ptr::null_mut(),
    }
}

fn bool_text(value: i32) -> &'static str {
    if value != 0 { "True" } else { "False" }
}

/// Defines `write_X` and `write_line_X` for one parameter type.
macro_rules! write_pair {
    ($write:ident, $write_line:ident, $arg:ident : $ty:ty => $body:expr) => {
        #[doc = concat!("`Console.Write(", stringify!($ty), ")`.")]
        pub extern "C" fn $write($arg: $ty) {
            $body;
        }
        #[doc = concat!("`Console.WriteLine(", stringify!($ty), ")`.")]
        pub extern "C" fn $write_line($arg: $ty) {
            $body;
            write_ascii("\n");
        }
    };
}

/// `Console.WriteLine()`.
pub extern "C" fn write_line() {
    write_ascii("\n");
}

write_pair!(write_bool, write_line_bool, value: i32 => write_ascii(bool_text(value)));
write_pair!(write_char, write_line_char, value: i32 => write_utf16(&[value as u16]));
write_pair!(write_i4, write_line_i4, value: i32 => write_ascii(&number_format::format_i64(value.into())));
write_pair!(write_u4, write_line_u4, value: i32 => write_ascii(&number_format::format_u64(u64::from(value as u32))));
write_pair!(write_i8, write_line_i8, value: i64 => write_ascii(&number_format::format_i64(value)));
write_pair!(write_u8, write_line_u8, value: i64 => write_ascii(&number_format::format_u64(value as u64)));
write_pair!(write_r4, write_line_r4, value: f32 => write_ascii(&number_format::format_single(value)));
write_pair!(write_r8, write_line_r8, value: f64 => write_ascii(&number_format::format_double(value)));
write_pair!(write_string, write_line_string, value: *const StringObject => write_utf16(string_as_utf16(value)));
write_pair!(write_chars, write_line_chars, value: *const ArrayObject => write_utf16(char_array_as_utf16(value)));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeset_picks_encoding_like_mono() {
        assert_eq!(encoding_for_codeset(Some("UTF-8")), ConsoleEncoding::Utf8);
        assert_eq!(
            encoding_for_codeset(Some("ANSI_X3.4-1968")),
            ConsoleEncoding::Ascii
        );
        assert_eq!(encoding_for_codeset(None), ConsoleEncoding::Ascii);
    }

    #[test]
    fn lines_end_at_any_newline_convention() {
        let mut input: &[u8] = b"a\r\nb\rc\n\nlast";
        let mut lines = Vec::new();
        while let Some(line) = read_line_bytes(&mut input) {
            lines.push(line);
        }
        assert_eq!(lines, [&b"a"[..], b"b", b"c", b"", b"last"]);
        assert_eq!(
            decode(b"d\xc3\xa9\xff\xe2\x82e", ConsoleEncoding::Utf8),
            "d\u{e9}\u{fffd}\u{fffd}e"
                .encode_utf16()
                .collect::<Vec<u16>>()
        );
        assert_eq!(
            decode(b"d\xc3", ConsoleEncoding::Ascii),
            [u16::from(b'd'), u16::from(b'?')]
        );
    }

    #[test]
    fn encoders_replace_what_they_cannot_encode() {
        let text: Vec<u16> = "a\u{e9}".encode_utf16().chain([0xD800, 0x62]).collect();
        let mut utf8 = Vec::new();
        encode(&text, ConsoleEncoding::Utf8, &mut utf8);
        assert_eq!(utf8, "a\u{e9}\u{fffd}b".as_bytes());
        let mut ascii = Vec::new();
        encode(&text, ConsoleEncoding::Ascii, &mut ascii);
        assert_eq!(ascii, b"a??b");
    }
}
