//! Differential test: `System.Math` of ngen-corlib against mono 6.8, bit for bit.
//!
//! Also covers the `Double`/`Single` classification predicates and mono's JIT constant
//! folding of `Math` calls on literals (`fold_constant_call`). The fixture prints `<function>\t<arguments>\t<result>` for special arguments (zeros, halves,
//! NaN, infinities, extremes) and thousands of generated ones; doubles and floats travel as bit
//! patterns, integers in decimal, exceptions as `ex:<type>: <message>`.

use ngen_corlib::{CorlibMethodRef, ValueKind, floating_point as fp, fold_constant_call, math};
use ngen_tests::mono_fixture_stdout;

/// Runs a `tests/fixtures/corlib` program under mono and returns its stdout.
fn d(arg: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(arg, 16).expect("double bits"))
}

fn f(arg: &str) -> f32 {
    f32::from_bits(u32::from_str_radix(arg, 16).expect("float bits"))
}

fn i(arg: &str) -> i64 {
    arg.parse().expect("integer argument")
}

fn bd(value: f64) -> String {
    format!("{:016x}", value.to_bits())
}

fn bf(value: f32) -> String {
    format!("{:08x}", value.to_bits())
}

/// `DivRem` outcomes: the exceptions the entry points raise, else `quotient,remainder`.
fn div_rem(a: i64, b: i64, min: i64, run: impl Fn(i64, i64) -> String) -> String {
    if b == 0 {
        "ex:System.DivideByZeroException: Attempted to divide by zero.".to_string()
    } else if a == min && b == -1 {
        "ex:System.OverflowException: Arithmetic operation resulted in an overflow.".to_string()
    } else {
        run(a, b)
    }
}

/// CIL bools as the fixture joins them: `True,False,...`.
fn classify(results: &[i32]) -> String {
    results
        .iter()
        .map(|&b| if b != 0 { "True" } else { "False" })
        .collect::<Vec<_>>()
        .join(",")
}

/// What our implementation gives for one fixture line, in the fixture's notation. Functions
/// that raise are evaluated through the same checks the entry points use, without exiting.
fn ours(name: &str, args: &[&str]) -> String {
    const NEGATE_MIN: &str = "ex:System.OverflowException: Negating the minimum value of a twos complement number is invalid.";
    let nan_sign = format!(
        "ex:System.ArithmeticException: {}",
        "Function does not accept floating point Not-a-Number values."
    );
    match (name, args) {
        ("Sqrt", [x]) => bd(math::sqrt(d(x))),
        ("Abs", [x]) => bd(math::abs_r8(d(x))),
        ("Floor", [x]) => bd(math::floor(d(x))),
        ("Ceiling", [x]) => bd(math::ceiling(d(x))),
        ("Round", [x]) => bd(math::round(d(x))),
        ("Truncate", [x]) => bd(math::truncate(d(x))),
        ("Sin", [x]) => bd(math::sin(d(x))),
        ("Cos", [x]) => bd(math::cos(d(x))),
        ("Tan", [x]) => bd(math::tan(d(x))),
        ("Asin", [x]) => bd(math::asin(d(x))),
        ("Acos", [x]) => bd(math::acos(d(x))),
        ("Atan", [x]) => bd(math::atan(d(x))),
        ("Sinh", [x]) => bd(math::sinh(d(x))),
        ("Cosh", [x]) => bd(math::cosh(d(x))),
        ("Tanh", [x]) => bd(math::tanh(d(x))),
        ("Exp", [x]) => bd(math::exp(d(x))),
        ("Log", [x]) => bd(math::log(d(x))),
        ("Log10", [x]) => bd(math::log10(d(x))),
        ("Sign", [x]) if d(x).is_nan() => nan_sign,
        ("Sign", [x]) => math::sign_r8(d(x)).to_string(),
        ("Classify", [x]) => {
            let x = d(x);
            classify(&[
                fp::double_is_nan(x),
                fp::double_is_infinity(x),
                fp::double_is_positive_infinity(x),
                fp::double_is_negative_infinity(x),
                fp::double_is_finite(x),
                fp::double_is_negative(x),
                fp::double_is_normal(x),
                fp::double_is_subnormal(x),
            ])
        }
        ("ClassifyF", [x]) => {
            let x = f(x);
            classify(&[
                fp::single_is_nan(x),
                fp::single_is_infinity(x),
                fp::single_is_positive_infinity(x),
                fp::single_is_negative_infinity(x),
                fp::single_is_finite(x),
                fp::single_is_negative(x),
                fp::single_is_normal(x),
                fp::single_is_subnormal(x),
            ])
        }
        ("Asinh", [x]) => bd(math::asinh(d(x))),
        ("Acosh", [x]) => bd(math::acosh(d(x))),
        ("Atanh", [x]) => bd(math::atanh(d(x))),
        ("Cbrt", [x]) => bd(math::cbrt(d(x))),
        ("IEEERemainder", [x, y]) => bd(math::ieee_remainder(d(x), d(y))),
        ("Clamp", [x, y]) if -1.5 > d(y) => format!(
            "ex:System.ArgumentException: '-1.5' cannot be greater than {}.",
            ngen_corlib::number_format::format_double(d(y))
        ),
        ("Clamp", [x, y]) => bd(math::clamp_r8(d(x), -1.5, d(y))),
        ("DivRemI4", [a, b]) => div_rem(i(a) as i32 as i64, i(b) as i32 as i64, i32::MIN.into(), |a, b| {
            let mut r = 0;
            let q = math::div_rem_i4(a as i32, b as i32, &mut r);
            format!("{q},{r}")
        }),
        ("DivRemI8", [a, b]) => div_rem(i(a), i(b), i64::MIN, |a, b| {
            let mut r = 0;
            let q = math::div_rem_i8(a, b, &mut r);
            format!("{q},{r}")
        }),
        ("ClampI4", [a, b]) if i(a) > i(b) => format!(
            "ex:System.ArgumentException: '{}' cannot be greater than {}.",
            i(a),
            i(b)
        ),
        ("ClampI4", [a, b]) => math::clamp_i4(7, i(a) as i32, i(b) as i32).to_string(),
        ("ClampU8", [a, b]) if i(a) as u64 > i(b) as u64 => format!(
            "ex:System.ArgumentException: '{}' cannot be greater than {}.",
            i(a) as u64,
            i(b) as u64
        ),
        ("ClampU8", [a, b]) => (math::clamp_u8(7, i(a), i(b)) as u64).to_string(),
        (fold, [x]) if fold.starts_with("Fold") => {
            let method = &fold["Fold".len()..];
            let m = CorlibMethodRef {
                namespace: "System",
                type_name: "Math",
                method,
                has_this: false,
                params: &[ValueKind::R8],
                ret: ValueKind::R8,
            };
            let runtime = ngen_corlib::resolve(&m).expect("Math method in the surface");
            // SAFETY: the entry point of Math.<method>(double) -> double.
            let call: extern "C" fn(f64) -> f64 = unsafe { std::mem::transmute(runtime) };
            bd(fold_constant_call(&m, d(x)).unwrap_or_else(|| call(d(x))))
        }
        ("AbsF", [x]) => bf(math::abs_r4(f(x))),
        ("SignF", [x]) if f(x).is_nan() => nan_sign,
        ("SignF", [x]) => math::sign_r4(f(x)).to_string(),
        ("Pow", [x, y]) => bd(math::pow(d(x), d(y))),
        ("Atan2", [x, y]) => bd(math::atan2(d(x), d(y))),
        ("LogBase", [x, y]) => bd(math::log_base(d(x), d(y))),
        ("Max", [x, y]) => bd(math::max_r8(d(x), d(y))),
        ("Min", [x, y]) => bd(math::min_r8(d(x), d(y))),
        ("MaxF", [x, y]) => bf(math::max_r4(f(x), f(y))),
        ("MinF", [x, y]) => bf(math::min_r4(f(x), f(y))),
        ("RoundDigits", [_, digits]) if !(0..=15).contains(&i(digits)) => {
            "ex:System.ArgumentOutOfRangeException: Rounding digits must be between 0 and 15, inclusive.\\nParameter name: digits".to_string()
        }
        ("RoundDigits", [x, digits]) => bd(math::round_digits(d(x), i(digits) as i32)),
        ("AbsI4", [a]) if i(a) == i64::from(i32::MIN) => NEGATE_MIN.to_string(),
        ("AbsI4", [a]) => math::abs_i4(i(a) as i32).to_string(),
        ("AbsI8", [a]) if i(a) == i64::MIN => NEGATE_MIN.to_string(),
        ("AbsI8", [a]) => math::abs_i8(i(a)).to_string(),
        ("AbsI2", [a]) if i(a) == i64::from(i16::MIN) => NEGATE_MIN.to_string(),
        ("AbsI2", [a]) => math::abs_i2(i(a) as i32).to_string(),
        ("AbsI1", [a]) if i(a) == i64::from(i8::MIN) => NEGATE_MIN.to_string(),
        ("AbsI1", [a]) => math::abs_i1(i(a) as i32).to_string(),
        ("MaxI4", [a, b]) => math::max_i4(i(a) as i32, i(b) as i32).to_string(),
        ("MinI4", [a, b]) => math::min_i4(i(a) as i32, i(b) as i32).to_string(),
        ("MaxU4", [a, b]) => (math::max_u4(i(a) as i32, i(b) as i32) as u32).to_string(),
        ("MinU4", [a, b]) => (math::min_u4(i(a) as i32, i(b) as i32) as u32).to_string(),
        ("MaxI8", [a, b]) => math::max_i8(i(a), i(b)).to_string(),
        ("MinI8", [a, b]) => math::min_i8(i(a), i(b)).to_string(),
        ("MaxU8", [a, b]) => (math::max_u8(i(a), i(b)) as u64).to_string(),
        ("MinU8", [a, b]) => (math::min_u8(i(a), i(b)) as u64).to_string(),
        ("SignI4", [a]) => math::sign_i4(i(a) as i32).to_string(),
        ("SignI8", [a]) => math::sign_i8(i(a)).to_string(),
        ("BigMul", [a, b]) => math::big_mul(i(a) as i32, i(b) as i32).to_string(),
        _ => panic!("unknown fixture line {name} {args:?}"),
    }
}

#[test]
fn math_matches_mono_bit_for_bit() {
    let output = mono_fixture_stdout("corlib", "MathCases.cs", &["3000"]);
    let mut checked = 0;
    let mut mismatches = Vec::new();
    let mut by_function = std::collections::BTreeMap::<String, usize>::new();
    for line in output.lines() {
        let mut fields = line.split('\t');
        let (Some(name), Some(args), Some(expected)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("malformed fixture line {line:?}");
        };
        let args: Vec<&str> = args.split(' ').collect();
        let actual = ours(name, &args);
        if actual != expected {
            let seen = by_function.entry(name.to_string()).or_default();
            *seen += 1;
            // A few examples per function keep the report readable.
            if *seen <= 3 {
                mismatches.push(format!("{name}{args:?}: mono {expected}, ours {actual}"));
            }
        }
        checked += 1;
    }
    assert!(checked > 100_000, "only {checked} results checked");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} results differ ({by_function:?}), examples: {:#?}",
        by_function.values().sum::<usize>(),
        &mismatches[..mismatches.len().min(60)]
    );
}
