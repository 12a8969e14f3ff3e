//! Differential test: `ToString(string format)` of every numeric type against mono 6.8.
//!
//! The fixture prints `<type>\t<value>\t<format>\t<result>` for ~110 standard and custom
//! format strings over special, boundary and generated values of all ten numeric types
//! (~90,000 results). Mono runs with a UTF-8 locale so `¤` and `‰` survive the console.

use ngen_corlib::number_format::standard::{
    FloatType, IntegerType, InvalidFormatSpecifier, format_float, format_integer,
};
use ngen_tests::{assert_no_mismatches, compile_fixture_exe, successful_stdout, with_locale};
use std::process::Command;

fn mono_output_utf8(fixture: &str) -> String {
    let (_dir, exe) = compile_fixture_exe("corlib", fixture);
    let out = with_locale(Command::new("mono").arg(&exe), Some("C.UTF-8"))
        .output()
        .expect("mono runs");
    successful_stdout(out)
}

fn ours(ty: &str, value: &str, format: &[char]) -> Result<String, InvalidFormatSpecifier> {
    let integer = |ty| format_integer(value.parse::<i128>().expect("integer value"), ty, format);
    match ty {
        "Double" => {
            let bits = u64::from_str_radix(value, 16).expect("double bits");
            format_float(f64::from_bits(bits), FloatType::Double, format)
        }
        "Single" => {
            let bits = u32::from_str_radix(value, 16).expect("float bits");
            format_float(f64::from(f32::from_bits(bits)), FloatType::Single, format)
        }
        "SByte" => integer(IntegerType::SByte),
        "Byte" => integer(IntegerType::Byte),
        "Int16" => integer(IntegerType::Int16),
        "UInt16" => integer(IntegerType::UInt16),
        "Int32" => integer(IntegerType::Int32),
        "UInt32" => integer(IntegerType::UInt32),
        "Int64" => integer(IntegerType::Int64),
        "UInt64" => integer(IntegerType::UInt64),
        other => panic!("unknown type {other}"),
    }
}

#[test]
fn numeric_format_strings_match_mono() {
    let output = mono_output_utf8("FormatStrings.cs");
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [ty, value, format, expected] = fields[..] else {
            panic!("malformed fixture line {line:?}");
        };
        let format: Vec<char> = format.chars().collect();
        let actual = match ours(ty, value, &format) {
            Ok(text) => text,
            Err(InvalidFormatSpecifier) => format!(
                "ex:System.FormatException: {}",
                InvalidFormatSpecifier::MESSAGE
            ),
        };
        if actual != expected {
            mismatches.push(format!(
                "{ty} {value} {:?}: mono {expected:?}, ours {actual:?}",
                format.iter().collect::<String>()
            ));
        }
        checked += 1;
    }
    assert_no_mismatches(checked, 80_000, &mismatches, 40);
}
