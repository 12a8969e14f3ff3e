//! Differential test: `Console.Write`/`WriteLine` of ngen-corlib against mono 6.8.
//!
//! The fixture writes every primitive type, strings (non-ASCII, astral, lone surrogates, null)
//! and char arrays; a child process (this test binary re-executed with
//! `NGEN_CORLIB_CONSOLE_CHILD` set) writes the same through ngen-corlib's `extern "C"` entry
//! points. Both run under several locales: UTF-8, none (mono then writes ASCII with `?`), and
//! a UTF-8 name that may not be installed (mono asks the C library, so does ngen-corlib).

use ngen_corlib::console;
use ngen_corlib::objects::{alloc_char_array, string_from_str};
use ngen_tests::{between_markers, compile_fixture_exe, rerun_test_as_child, with_locale};
use std::process::Command;

const CHILD_VARIABLE: &str = "NGEN_CORLIB_CONSOLE_CHILD";
const CHILD_TEST: &str = "child_process_entry_for_console_cases";

/// The fixture's xorshift64, so both sides generate the same values.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn utf16(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

/// The same sequence of calls as `ConsoleCases.cs`.
fn write_cases() {
    let text = |s: &str| string_from_str(s).cast_const();
    console::write_string(text("BEGIN"));
    console::write_line();
    console::write_bool(1);
    console::write_line_bool(0);
    for c in [
        0x61u16, 0xe9, 0x2603, 0xd800, 0xdc00, 0, 0x09, 0x7e, 0x7f, 0x80,
    ] {
        console::write_char(i32::from(c));
        console::write_line_char(i32::from(c));
    }
    let high = 0xd83d;
    let low = 0xde00;
    let units = |u: &[u16]| ngen_corlib::objects::alloc_string(u).cast_const();
    console::write_char(high);
    console::write_char(low);
    console::write_line();
    console::write_string(units(&[high as u16]));
    console::write_string(units(&[low as u16, u16::from(b'x')]));
    console::write_line();
    console::write_char(high);
    console::write_line();
    console::write_char(high);
    console::write_i4(42);
    console::write_line();
    console::write_string(units(&[high as u16]));
    console::write_string(units(&[]));
    console::write_string(units(&[low as u16]));
    console::write_line();
    let mut mixed = utf16("h\u{e9}llo \u{2603} \u{1F600} a");
    mixed.push(0xd800);
    mixed.extend(utf16("b "));
    mixed.extend([0xdc00, 0xd800]);
    mixed.extend(utf16(" tab\t end"));
    console::write_line_string(ngen_corlib::objects::alloc_string(&mixed).cast_const());
    console::write_string(std::ptr::null());
    console::write_line_string(std::ptr::null());
    console::write_line_string(text(""));
    console::write_chars(alloc_char_array(&utf16("x\u{e9}y")).cast_const());
    console::write_line_chars(alloc_char_array(&utf16("z")).cast_const());
    console::write_line_chars(std::ptr::null());
    console::write_line_chars(alloc_char_array(&[]).cast_const());
    console::write_line_i4(i32::MIN);
    console::write_line_i4(i32::MAX);
    console::write_line_u4(u32::MAX as i32);
    console::write_line_i8(i64::MIN);
    console::write_line_i8(i64::MAX);
    console::write_line_u8(u64::MAX as i64);
    console::write_line_r8(-0.0);
    console::write_line_r8(f64::NAN);
    console::write_line_r4(f32::NEG_INFINITY);
    let mut random = XorShift(0x8F14E45FCEEA167A);
    let space = || console::write_char(i32::from(b' '));
    for _ in 0..300 {
        let r = random.next();
        console::write_i4(r as i32);
        space();
        console::write_u4(r as u32 as i32);
        space();
        console::write_i8(r as i64);
        space();
        console::write_u8(r as i64);
        space();
        console::write_r8(f64::from_bits(r));
        space();
        console::write_r4(f32::from_bits((r >> 32) as u32));
        space();
        console::write_line_r8((r >> 40) as i64 as f64 / 1000.0);
        console::write_line_i4((r >> 40) as i32);
        console::write_line_u4((r >> 3) as u32 as i32);
        console::write_line_i8(r as i64);
        console::write_line_u8(r as i64);
        console::write_line_r4(((r >> 45) as i64 as f64 / 100.0) as f32);
    }
    console::write_string(text("END"));
    // Dropped at exit, as mono drops it.
    console::write_char(high);
    console::flush_stdout();
}

/// Not a test of its own: the body of the child process. Without the variable it does nothing.
#[test]
fn child_process_entry_for_console_cases() {
    if std::env::var_os(CHILD_VARIABLE).is_some() {
        write_cases();
    }
}

#[test]
fn console_output_matches_mono_in_utf8_and_ascii_locales() {
    let (_dir, exe) = compile_fixture_exe("corlib", "ConsoleCases.cs");
    // en_US.UTF-8 is usually not installed on CI machines: mono then writes ASCII, and so
    // must we (where it is installed, both write UTF-8).
    for lang in [Some("C.UTF-8"), None, Some("en_US.UTF-8"), Some("C")] {
        let mut mono = Command::new("mono");
        mono.arg(&exe);
        with_locale(&mut mono, lang);
        let expected = mono.output().expect("mono runs");
        assert!(expected.status.success(), "mono failed under {lang:?}");

        let mut child = rerun_test_as_child(CHILD_TEST);
        child.env(CHILD_VARIABLE, "1");
        with_locale(&mut child, lang);
        let actual = child.output().expect("re-run the test binary");

        let expected = between_markers(&expected.stdout);
        let actual = between_markers(&actual.stdout);
        if expected != actual {
            let expected = String::from_utf8_lossy(&expected);
            let actual = String::from_utf8_lossy(&actual);
            let first_difference = expected
                .lines()
                .zip(actual.lines())
                .enumerate()
                .find(|(_, (e, a))| e != a);
            panic!(
                "console output differs under LANG={lang:?}; first differing line: {first_difference:?}"
            );
        }
    }
}
