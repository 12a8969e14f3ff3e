//! Differential test: `CompareTo(T)` and `Equals(T)` of every primitive type against mono 6.8
//! (the small types return differences, floats order NaN first and equal to itself), through
//! the `extern "C"` entry points.

use ngen_corlib::primitives as p;
use ngen_tests::mono_fixture_stdout;

fn show((compare, equals): (i32, i32)) -> String {
    format!("{compare}\t{}", if equals != 0 { "True" } else { "False" })
}

fn ours(ty: &str, a: &str, b: &str) -> String {
    let int = |s: &str| s.parse::<i64>().expect("integer");
    let (x, y) = (|| int(a), || int(b));
    let d = |s: &str| f64::from_bits(u64::from_str_radix(s, 16).expect("double bits"));
    let f = |s: &str| f32::from_bits(u32::from_str_radix(s, 16).expect("float bits"));
    show(match ty {
        "SByte" => {
            let v = x() as i8;
            (
                p::sbyte_compare_to(&v, y() as i8 as i32),
                p::sbyte_equals(&v, y() as i8 as i32),
            )
        }
        "Byte" => {
            let v = x() as u8;
            (
                p::byte_compare_to(&v, y() as u8 as i32),
                p::byte_equals(&v, y() as u8 as i32),
            )
        }
        "Int16" => {
            let v = x() as i16;
            (
                p::int16_compare_to(&v, y() as i16 as i32),
                p::int16_equals(&v, y() as i16 as i32),
            )
        }
        "UInt16" => {
            let v = x() as u16;
            (
                p::uint16_compare_to(&v, y() as u16 as i32),
                p::uint16_equals(&v, y() as u16 as i32),
            )
        }
        "Char" => {
            let v = x() as u16;
            (
                p::char_compare_to(&v, y() as u16 as i32),
                p::char_equals(&v, y() as u16 as i32),
            )
        }
        "Int32" => {
            let v = x() as i32;
            (
                p::int32_compare_to(&v, y() as i32),
                p::int32_equals(&v, y() as i32),
            )
        }
        "UInt32" => {
            let v = x() as u32;
            (
                p::uint32_compare_to(&v, y() as u32 as i32),
                p::uint32_equals(&v, y() as u32 as i32),
            )
        }
        "Int64" => {
            let v = x();
            (p::int64_compare_to(&v, y()), p::int64_equals(&v, y()))
        }
        "UInt64" => {
            let v = x() as u64;
            (p::uint64_compare_to(&v, y()), p::uint64_equals(&v, y()))
        }
        "Boolean" => {
            let v = u8::from(x() != 0);
            let other = i32::from(y() != 0);
            (
                p::boolean_compare_to(&v, other),
                p::boolean_equals(&v, other),
            )
        }
        "Double" => {
            let v = d(a);
            (p::double_compare_to(&v, d(b)), p::double_equals(&v, d(b)))
        }
        "Single" => {
            let v = f(a);
            (p::single_compare_to(&v, f(b)), p::single_equals(&v, f(b)))
        }
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
    assert!(checked > 2_000, "only {checked} results checked");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} differ: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(20)]
    );
}
