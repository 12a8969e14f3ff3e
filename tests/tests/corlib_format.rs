//! Differential test: `double.ToString()` / `float.ToString()` of ngen-corlib against mono 6.8.
//!
//! The fixture prints `d <bits> <text>` / `f <bits> <text>` for special values and ~100,000
//! generated ones (random bit patterns, decimals, rounding edges of G15, neighbours of powers
//! of ten, floats); we format the same bits with the Rust implementation and compare.

use ngen_tests::{assert_no_mismatches, mono_fixture_stdout};

/// Runs a `tests/fixtures/corlib` program under mono and returns its stdout.
#[test]
fn float_and_double_to_string_match_mono() {
    // NGEN_CORLIB_FORMAT_COUNT=<n> runs a deeper comparison by hand (the default stays fast).
    let count = std::env::var("NGEN_CORLIB_FORMAT_COUNT").unwrap_or_else(|_| "100000".into());
    let output = mono_fixture_stdout("corlib", "FloatFormat.cs", &[&count]);
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(kind), Some(bits), Some(expected)) = (parts.next(), parts.next(), parts.next())
        else {
            panic!("malformed fixture line {line:?}");
        };
        let actual = match kind {
            "d" => {
                let bits = u64::from_str_radix(bits, 16).expect("hex bits");
                ngen_corlib::number_format::format_double(f64::from_bits(bits))
            }
            "f" => {
                let bits = u32::from_str_radix(bits, 16).expect("hex bits");
                ngen_corlib::number_format::format_single(f32::from_bits(bits))
            }
            other => panic!("unknown kind {other:?}"),
        };
        if actual != expected {
            mismatches.push(format!("{kind} {bits}: mono {expected:?}, ours {actual:?}"));
        }
        checked += 1;
    }
    assert_no_mismatches(checked, 100_000, &mismatches, 20);
}
