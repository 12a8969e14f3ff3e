//! Differential test: `System.Convert` of ngen-corlib against mono 6.8 (rounding of
//! `ToInt32(double)`, mscorlib's internal-call `Round` in `ToInt64(double)`, range checks,
//! null strings, and the exception types and messages).

use ngen_corlib::convert;
use ngen_corlib::exceptions::ManagedException;
use ngen_corlib::number_format::{format_double, format_single};
use ngen_tests::{assert_no_mismatches, mono_fixture_stdout};

fn outcome<T: ToString>(result: Result<T, ManagedException>) -> String {
    match result {
        Ok(value) => format!("ok:{}", value.to_string()),
        Err(e) => format!("ex:{}", e.describe()),
    }
}

fn bits(value: f64) -> String {
    format!("{:016x}", value.to_bits())
}

fn bool_text(value: bool) -> String {
    if value { "True" } else { "False" }.to_string()
}

fn ours(function: &str, argument: &str) -> String {
    let d = || f64::from_bits(u64::from_str_radix(argument, 16).expect("double bits"));
    let l = || argument.parse::<i64>().expect("long argument");
    let s = || -> Option<Vec<u16>> {
        (argument != "null").then(|| {
            argument
                .trim_matches('"')
                .encode_utf16()
                .collect::<Vec<u16>>()
        })
    };
    match function {
        "ToInt32(double)" => outcome(convert::double_to_int32(d())),
        "ToInt64(double)" => outcome(convert::double_to_int64(d())),
        "ToInt32(float)" => outcome(convert::double_to_int32(f64::from(d() as f32))),
        "ToInt64(float)" => outcome(convert::double_to_int64(f64::from(d() as f32))),
        "ToBoolean(double)" => format!("ok:{}", bool_text(convert::to_boolean_r8(d()) != 0)),
        "ToString(double)" => format!("ok:{}", format_double(d())),
        "ToString(float)" => format!("ok:{}", format_single(d() as f32)),
        "ToDouble(float)" => format!("ok:{}", bits(convert::to_double_r4(d() as f32))),
        "ToInt32(long)" => outcome(convert::int64_to_int32(l())),
        "ToInt32(uint)" => outcome(convert::unsigned_to_int32(u64::from(l() as u32))),
        "ToInt32(ulong)" => outcome(convert::unsigned_to_int32(l() as u64)),
        "ToInt64(ulong)" => outcome(convert::uint64_to_int64(l() as u64)),
        "ToDouble(long)" => format!("ok:{}", bits(convert::to_double_i8(l()))),
        "ToDouble(int)" => format!("ok:{}", bits(convert::to_double_i4(l() as i32))),
        "ToBoolean(int)" => format!("ok:{}", bool_text(convert::to_boolean_i4(l() as i32) != 0)),
        "ToString(int)" => format!("ok:{}", l() as i32),
        "ToString(long)" => format!("ok:{}", l()),
        "ToInt32(string)" => outcome(convert::string_to_int32(s().as_deref())),
        "ToInt64(string)" => outcome(convert::string_to_int64(s().as_deref())),
        "ToDouble(string)" => outcome(convert::string_to_double(s().as_deref()).map(bits)),
        "ToBoolean(string)" => outcome(convert::string_to_boolean(s().as_deref()).map(bool_text)),
        other => panic!("unknown function {other}"),
    }
}

#[test]
fn convert_matches_mono() {
    let output = mono_fixture_stdout("corlib", "ConvertCases.cs", &[]);
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.splitn(3, '\t').collect();
        let [function, argument, expected] = fields[..] else {
            panic!("malformed fixture line {line:?}");
        };
        let actual = ours(function, argument);
        if actual != expected {
            mismatches.push(format!(
                "{function} {argument}: mono {expected:?}, ours {actual:?}"
            ));
        }
        checked += 1;
    }
    assert_no_mismatches(checked, 30_000, &mismatches, 30);
}
