//! Differential test: the ordinal `System.String` members of ngen-corlib (`Substring`,
//! `IndexOf`, `LastIndexOf`, `Contains`, `Trim`, `Replace`, `PadLeft`/`PadRight`,
//! `CompareOrdinal`, `IsNullOrWhiteSpace`, `ToCharArray`) against mono 6.8, including the
//! exceptions' types and messages.

use ngen_corlib::exceptions::ManagedException;
use ngen_corlib::string::{self as s, StringResult};
use ngen_tests::{assert_no_mismatches, mono_fixture_stdout};

fn decode(field: &str) -> Option<Vec<u16>> {
    let hex = field.strip_prefix('x')?;
    Some(
        hex.as_bytes()
            .chunks(4)
            .map(|c| u16::from_str_radix(std::str::from_utf8(c).expect("hex"), 16).expect("hex"))
            .collect(),
    )
}

fn hex(units: &[u16]) -> String {
    std::iter::once("x".to_string())
        .chain(units.iter().map(|u| format!("{u:04x}")))
        .collect()
}

fn text(input: &[u16], result: Result<StringResult, ManagedException>) -> String {
    match result {
        Ok(StringResult::Same) => format!("ok:{}", hex(input)),
        Ok(StringResult::New(units)) => format!("ok:{}", hex(&units)),
        Err(e) => format!("ex:{}", e.describe().replace('\n', "\\n")),
    }
}

fn value<T: ToString>(result: Result<T, ManagedException>) -> String {
    match result {
        Ok(v) => format!("ok:{}", v.to_string()),
        Err(e) => format!("ex:{}", e.describe().replace('\n', "\\n")),
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn ours(op: &str, input: Option<&[u16]>, args: &str) -> String {
    let int = |x: &str| x.parse::<i32>().expect("integer argument");
    let pair = || {
        let (a, b) = args.split_once(',').expect("two arguments");
        (int(a), int(b))
    };
    let needle = || decode(args);
    if op == "IsNullOrWhiteSpace" {
        return format!("ok:{}", bool_text(s::is_null_or_white_space_text(input)));
    }
    let input = input.expect("non-null receiver");
    match op {
        "Substring1" => text(input, s::substring_from(input, int(args))),
        "Substring2" => {
            let (start, length) = pair();
            text(input, s::substring(input, start, length))
        }
        "IndexOfFrom" => {
            let (c, start) = pair();
            value(s::index_of(input, c as u16, start))
        }
        "IndexOf" => value(s::index_of(input, int(args) as u16, 0)),
        "LastIndexOf" => format!("ok:{}", s::last_index_of(input, int(args) as u16)),
        "ReplaceChar" => text(
            input,
            Ok(s::replace_char(input, int(args) as u16, u16::from(b'#'))),
        ),
        "PadLeft" => text(input, s::pad(input, int(args), u16::from(b' '), true)),
        "PadRight" => text(input, s::pad(input, int(args), u16::from(b'*'), false)),
        "Contains" => value(s::contains(input, needle().as_deref()).map(bool_text)),
        "Replace" => {
            let replacement: Vec<u16> = "<>".encode_utf16().collect();
            text(
                input,
                s::replace_string(input, needle().as_deref(), Some(&replacement)),
            )
        }
        "ReplaceNull" => text(input, s::replace_string(input, needle().as_deref(), None)),
        "CompareOrdinal" => format!(
            "ok:{}",
            s::compare_ordinal(Some(input), needle().as_deref())
        ),
        "CompareOrdinalReversed" => {
            format!(
                "ok:{}",
                s::compare_ordinal(needle().as_deref(), Some(input))
            )
        }
        "Trim" => text(input, Ok(s::trim(input))),
        "ToCharArray" => format!("ok:{}", hex(input)),
        other => panic!("unknown operation {other}"),
    }
}

#[test]
fn ordinal_string_members_match_mono() {
    let output = mono_fixture_stdout("corlib", "StringCases.cs", &[]);
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [op, input, args, expected] = fields[..] else {
            panic!("malformed fixture line {line:?}");
        };
        let input = decode(input);
        let actual = ours(op, input.as_deref(), args);
        if actual != expected {
            mismatches.push(format!(
                "{op} {input:?} {args}: mono {expected:?}, ours {actual:?}"
            ));
        }
        checked += 1;
    }
    assert_no_mismatches(checked, 2_500, &mismatches, 20);
}
