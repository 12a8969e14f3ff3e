//! Differential test: `CompareTo(T)` and `Equals(T)` of every primitive type against mono 6.8
//! (the small types return differences, floats order NaN first and equal to itself), through
//! the `extern "C"` entry points.

use ngen_corlib::primitives as p;
use ngen_tests::{assert_no_mismatches, mono_fixture_stdout};

fn show((compare, equals): (i32, i32)) -> String {
    format!("{compare}\t{}", if equals != 0 { "True" } else { "False" })
}

/// Calls a type's `CompareTo` and `Equals` entry points with the receiver `this` (passed by
/// reference, as the runtime does) and the argument `other`.
macro_rules! compare_and_equals {
    ($compare_to:path, $equals:path, $this:expr, $other:expr) => {{
        let (this, other) = ($this, $other);
        ($compare_to(&this, other), $equals(&this, other))
    }};
}

fn ours(ty: &str, a: &str, b: &str) -> String {
    let int = |s: &str| s.parse::<i64>().expect("integer");
    let (x, y) = (|| int(a), || int(b));
    let d = |s: &str| f64::from_bits(u64::from_str_radix(s, 16).expect("double bits"));
    let f = |s: &str| f32::from_bits(u32::from_str_radix(s, 16).expect("float bits"));
    use compare_and_equals as both;
    show(match ty {
        "SByte" => both!(
            p::sbyte_compare_to,
            p::sbyte_equals,
            x() as i8,
            y() as i8 as i32
        ),
        "Byte" => both!(
            p::byte_compare_to,
            p::byte_equals,
            x() as u8,
            y() as u8 as i32
        ),
        "Int16" => both!(
            p::int16_compare_to,
            p::int16_equals,
            x() as i16,
            y() as i16 as i32
        ),
        "UInt16" => both!(
            p::uint16_compare_to,
            p::uint16_equals,
            x() as u16,
            y() as u16 as i32
        ),
        "Char" => both!(
            p::char_compare_to,
            p::char_equals,
            x() as u16,
            y() as u16 as i32
        ),
        "Int32" => both!(p::int32_compare_to, p::int32_equals, x() as i32, y() as i32),
        "UInt32" => both!(
            p::uint32_compare_to,
            p::uint32_equals,
            x() as u32,
            y() as u32 as i32
        ),
        "Int64" => both!(p::int64_compare_to, p::int64_equals, x(), y()),
        "UInt64" => both!(p::uint64_compare_to, p::uint64_equals, x() as u64, y()),
        "Boolean" => both!(
            p::boolean_compare_to,
            p::boolean_equals,
            u8::from(x() != 0),
            i32::from(y() != 0)
        ),
        "Double" => both!(p::double_compare_to, p::double_equals, d(a), d(b)),
        "Single" => both!(p::single_compare_to, p::single_equals, f(a), f(b)),
        other => panic!("unknown type {other}"),
    })
}

#[test]
fn compare_to_and_equals_match_mono() {
    let output = mono_fixture_stdout("corlib", "CompareEquals.cs", &[]);
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [ty, a, b, expected] = fields[..] else {
            panic!("malformed fixture line {line:?}");
        };
        let actual = ours(ty, a, b);
        if actual != expected {
            mismatches.push(format!("{ty} {a} {b}: mono {expected:?}, ours {actual:?}"));
        }
        checked += 1;
    }
    assert_no_mismatches(checked, 2_000, &mismatches, 20);
}
