//! Differential test: `Parse(string)` of every primitive type in ngen-corlib against mono 6.8.
//!
//! The fixture prints, for ~150 hand-written edge cases and 20,000 generated inputs (white
//! space, signs, leading zeros, group separators, fractions, exponents, garbage, NULs, long
//! digit strings), the input as UTF-16 hex and the outcome of each `Parse`: the value (floats
//! as bits) or the exception type and message. We decode the input, parse it with the Rust
//! implementation and compare outcome by outcome.

use ngen_corlib::number_parse::{self, ParseError};
use ngen_tests::mono_fixture_stdout;

/// Runs a `tests/fixtures/corlib` program under mono and returns its stdout.
fn decode_hex_utf16(hex: &str) -> Vec<u16> {
    hex.as_bytes()
        .chunks(4)
        .map(|chunk| {
            let text = std::str::from_utf8(chunk).expect("ASCII hex");
            u16::from_str_radix(text, 16).expect("hex code unit")
        })
        .collect()
}

/// The fixture's rendering of an outcome.
fn outcome<T>(result: Result<T, ParseError>, show: impl Fn(T) -> String) -> String {
    match result {
        Ok(value) => format!("ok:{}", show(value)),
        Err(ParseError::Format(message)) => format!("ex:System.FormatException: {message}"),
        Err(ParseError::Overflow(message)) => format!(
            "ex:System.OverflowException: {}",
            // The fixture prints Message and the inner Message, not the stack-trace marker.
            message.replace("\n   --- End of inner exception stack trace ---", "")
        ),
    }
}

fn our_outcomes(input: &[u16]) -> Vec<String> {
    vec![
        outcome(number_parse::parse_int32(input), |v| v.to_string()),
        outcome(number_parse::parse_uint32(input), |v| v.to_string()),
        outcome(number_parse::parse_int64(input), |v| v.to_string()),
        outcome(number_parse::parse_uint64(input), |v| v.to_string()),
        outcome(number_parse::parse_int16(input), |v| v.to_string()),
        outcome(number_parse::parse_uint16(input), |v| v.to_string()),
        outcome(number_parse::parse_byte(input), |v| v.to_string()),
        outcome(number_parse::parse_sbyte(input), |v| v.to_string()),
        outcome(number_parse::parse_double(input), |v| {
            format!("{:016x}", v.to_bits())
        }),
        outcome(number_parse::parse_single(input), |v| {
            format!("{:08x}", v.to_bits())
        }),
        outcome(number_parse::parse_boolean(input), |v| {
            if v { "True" } else { "False" }.to_string()
        }),
        outcome(number_parse::parse_char(input), |v| v.to_string()),
        our_try_parses(Some(input)),
    ]
}

/// The fixture's `TryParse` column: `<True|False>:<value>` for each type, zero on failure.
fn our_try_parses(input: Option<&[u16]>) -> String {
    fn show<T: Default>(
        input: Option<&[u16]>,
        parse: fn(&[u16]) -> Result<T, ParseError>,
        text: fn(T) -> String,
    ) -> String {
        match input.map(parse) {
            Some(Ok(value)) => format!("True:{}", text(value)),
            _ => format!("False:{}", text(T::default())),
        }
    }
    [
        show(input, number_parse::parse_int32, |v| v.to_string()),
        show(input, number_parse::parse_uint32, |v| v.to_string()),
        show(input, number_parse::parse_int64, |v| v.to_string()),
        show(input, number_parse::parse_uint64, |v| v.to_string()),
        show(input, number_parse::parse_int16, |v| v.to_string()),
        show(input, number_parse::parse_uint16, |v| v.to_string()),
        show(input, number_parse::parse_byte, |v| v.to_string()),
        show(input, number_parse::parse_sbyte, |v| v.to_string()),
        show(input, number_parse::parse_double, |v| {
            format!("{:016x}", v.to_bits())
        }),
        show(input, number_parse::parse_single, |v| {
            format!("{:08x}", v.to_bits())
        }),
        show(input, number_parse::parse_boolean, |v| {
            if v { "True" } else { "False" }.to_string()
        }),
        show(input, number_parse::parse_char, |v| v.to_string()),
    ]
    .join(",")
}

const PARSERS: [&str; 13] = [
    "Int32", "UInt32", "Int64", "UInt64", "Int16", "UInt16", "Byte", "SByte", "Double", "Single",
    "Boolean", "Char", "TryParse",
];

#[test]
fn every_primitive_parse_matches_mono() {
    // NGEN_CORLIB_PARSE_COUNT=<n> runs a deeper comparison by hand (the default stays fast).
    let count = std::env::var("NGEN_CORLIB_PARSE_COUNT").unwrap_or_else(|_| "20000".into());
    let output = mono_fixture_stdout("corlib", "ParseCases.cs", &[&count]);
    let mut inputs = 0;
    let mut outcomes = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let mut fields = line.split('|');
        let input_field = fields.next().expect("input field");
        let expected: Vec<&str> = fields.collect();
        if input_field == "null" {
            assert_eq!(expected, [our_try_parses(None).as_str()], "TryParse(null)");
            continue;
        }
        let input = decode_hex_utf16(input_field);
        assert_eq!(expected.len(), PARSERS.len(), "malformed line {line:?}");
        for ((parser, expected), actual) in PARSERS.iter().zip(expected).zip(our_outcomes(&input)) {
            if expected != actual {
                mismatches.push(format!(
                    "{parser}.Parse({:?}): mono {expected:?}, ours {actual:?}",
                    String::from_utf16_lossy(&input)
                ));
            }
            outcomes += 1;
        }
        inputs += 1;
    }
    assert!(inputs > 20_000, "only {inputs} inputs checked");
    assert!(
        mismatches.is_empty(),
        "{} of {outcomes} outcomes differ, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(25)]
    );
}
