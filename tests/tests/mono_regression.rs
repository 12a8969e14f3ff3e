//! Mono's own JIT regression suite (`mono/mini/*.cs`, mono-runtime.md §6), run from native
//! images under `--jit never`: the ladder issue 7 climbs.
//!
//! The sources come from Debian's `mono` source package at test time (never committed;
//! [`ngen_tests::mono_sources`]); without them the test is skipped loudly. Each file is
//! built as Mono's Makefile builds it (`mcs -unsafe -r:TestDriver.dll`, `-define:ARCH_64` for
//! builtin-types, `generics-variant-types.il` for generics). Mono is the oracle twice over: its
//! own `TestDriver` run of the file must report every test passing, and the set of tests is
//! the one `TestDriver` would run, listed by reflection under mono.
//!
//! `TestDriver` finds and invokes tests by reflection, which our runtime cannot do yet, so the
//! harness writes a reflection-free driver into the test class: `Main` calls
//! `__ngen_run(args)`, which calls test number `args[0]` directly and prints its result. Every
//! test runs in a process of its own (a test the compiler excluded is fatal under
//! `--jit never`, and must not take the others with it), with a timeout.
//!
//! The assertion is a ratchet: each file must pass at least as many tests as recorded in
//! [`FLOOR`]. Raise a floor when the compiler learns more; the printed table shows where each
//! file stands against the issue's target (98% of all tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ngen_tests::mono_sources::mono_mini_sources;
use ngen_tests::{framework_images, ngen_build, ngen_compile, skip_loudly, temp_dir};

/// The suite: file stem and the minimum number of its tests that must pass from images.
const FLOOR: &[(&str, usize)] = &[
    ("basic", 134),
    ("basic-long", 97),
    ("basic-float", 58),
    ("basic-calls", 27),
    ("basic-math", 27),
    ("objects", 104),
    ("arrays", 36),
    ("exceptions", 85),
    ("generics", 78),
    ("gshared", 84),
    ("builtin-types", 84),
];

/// How long one test may run before it counts as failed (hangs are failures, not stalls).
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Lists the static parameterless `test_*` methods of a type, as `TestDriver` would run them.
const LISTER: &str = r#"
using System;
using System.Reflection;
class Lister {
    static int Main (string[] args) {
        var type = Assembly.LoadFrom (args [0]).GetType (args [1], true);
        foreach (var m in type.GetMethods (BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)) {
            if (m.Name.StartsWith ("test_", StringComparison.Ordinal) && m.GetParameters ().Length == 0)
                Console.WriteLine (m.Name);
        }
        return 0;
    }
}
"#;

#[test]
fn mono_mini_regression_suite_from_images() {
    let mini = match mono_mini_sources() {
        Ok(dir) => dir,
        Err(why) => {
            skip_loudly("mono_mini_regression_suite_from_images", &why);
            return;
        }
    };
    let work = temp_dir();
    let dir = work.path();
    let images = dir.join("images");
    build_support(&mini, dir);

    let mut table = Vec::new();
    let mut regressions = Vec::new();
    let (mut passed_total, mut tests_total) = (0, 0);
    for &(stem, floor) in FLOOR {
        let suite = build_suite(&mini, dir, stem);
        ngen_compile(&suite.exe, &images);
        let passed = run_tests(&suite, &images);
        let failed: Vec<&str> = suite
            .tests
            .iter()
            .zip(&passed)
            .filter(|(_, ok)| !**ok)
            .map(|(t, _)| t.as_str())
            .collect();
        let count = passed.iter().filter(|ok| **ok).count();
        passed_total += count;
        tests_total += suite.tests.len();
        table.push(format!(
            "{stem:>14}: {count:>3} of {:>3} pass from images (floor {floor}); first failing: {}",
            suite.tests.len(),
            failed
                .iter()
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if count < floor {
            regressions.push(format!("{stem}: {count} < floor {floor}"));
        }
    }
    let summary = format!(
        "Mono mini regression suite, --jit never: {passed_total} of {tests_total} pass\n{}",
        table.join("\n")
    );
    // Shown whether or not the test passes: this is the issue's progress figure.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{summary}");
    assert!(
        regressions.is_empty(),
        "fewer tests pass than the recorded floor:\n{}\n{summary}",
        regressions.join("\n")
    );
}

/// One built regression file: the exe with the generated driver, and its tests in driver order.
struct Suite {
    exe: PathBuf,
    tests: Vec<String>,
}

/// `TestDriver.dll` (with `TestHelpers.cs`), `generics-variant-types.dll` and the lister.
fn build_support(mini: &Path, dir: &Path) {
    run_checked(
        Command::new("mcs")
            .args(["-nologo", "-target:library", "-unsafe"])
            .arg(format!("-out:{}", dir.join("TestDriver.dll").display()))
            .arg(mini.join("TestDriver.cs"))
            .arg(mini.join("TestHelpers.cs")),
        "mcs TestDriver.dll",
    );
    run_checked(
        Command::new("ilasm")
            .arg("-dll")
            .arg(format!(
                "-output:{}",
                dir.join("generics-variant-types.dll").display()
            ))
            .arg(mini.join("generics-variant-types.il")),
        "ilasm generics-variant-types.dll",
    );
    let lister = dir.join("lister.cs");
    std::fs::write(&lister, LISTER).unwrap();
    run_checked(
        Command::new("mcs")
            .arg("-nologo")
            .arg(format!("-out:{}", dir.join("lister.exe").display()))
            .arg(&lister),
        "mcs lister.exe",
    );
}

/// The mcs arguments Mono's Makefile uses for `stem` (beyond `-unsafe -r:TestDriver.dll`).
fn extra_flags(stem: &str, dir: &Path) -> Vec<String> {
    match stem {
        "builtin-types" => vec!["-define:ARCH_64".into()],
        "generics" => vec![
            format!("-r:{}", dir.join("generics-variant-types.dll").display()),
            "-r:System.Core.dll".into(),
        ],
        _ => vec![],
    }
}

fn mcs_suite(source: &Path, out: &Path, stem: &str, dir: &Path) {
    run_checked(
        Command::new("mcs")
            .args(["-nologo", "-unsafe", "-nowarn:0219,0169,0414,0649,0618"])
            .arg(format!("-r:{}", dir.join("TestDriver.dll").display()))
            .args(extra_flags(stem, dir))
            .arg(format!("-out:{}", out.display()))
            .arg(source),
        &format!("mcs {stem}"),
    );
}

/// Builds `stem` as Mono does, checks mono passes it, lists its tests, and builds the
/// reflection-free variant whose `Main` runs one test by number.
fn build_suite(mini: &Path, dir: &Path, stem: &str) -> Suite {
    let source = std::fs::read_to_string(mini.join(format!("{stem}.cs"))).unwrap();
    let original = dir.join(format!("{stem}.orig.exe"));
    mcs_suite(&mini.join(format!("{stem}.cs")), &original, stem, dir);

    let class = if stem == "builtin-types" {
        "BuiltinTests"
    } else {
        "Tests"
    };
    let oracle = run_checked(
        Command::new("mono").arg(&original).current_dir(dir),
        &format!("mono {stem}"),
    );
    let report = String::from_utf8_lossy(&oracle.stdout);
    assert!(
        report.contains(", 0 failed"),
        "mono itself fails {stem}: {report}"
    );

    let listed = run_checked(
        Command::new("mono")
            .arg(dir.join("lister.exe"))
            .arg(&original)
            .arg(class),
        &format!("list {stem}"),
    );
    let mut tests: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    tests.sort();
    assert!(!tests.is_empty(), "no tests listed in {stem}");

    let call = format!("TestDriver.RunTests (typeof ({class}), args)");
    assert!(source.contains(&call), "{stem}.cs has no `{call}`");
    let mut driver = String::from(
        "\tstatic int __ngen_run (string[] args) {\n\t\tswitch (int.Parse (args [0])) {\n",
    );
    for (i, test) in tests.iter().enumerate() {
        driver.push_str(&format!(
            "\t\tcase {i}: System.Console.WriteLine ({test} ()); return 0;\n"
        ));
    }
    driver.push_str("\t\t}\n\t\treturn 255;\n\t}\n\n");
    // The driver goes just before the line declaring the Main that calls TestDriver (its
    // spelling varies: `public static int Main (string[] args) {`, `static int Main (String[]
    // args)` ...), so it lands in the same class and under the same `#if`.
    let call_at = source.find(&call).expect("checked above");
    let main_at = source[..call_at]
        .rfind("static int Main")
        .unwrap_or_else(|| panic!("{stem}.cs: no `static int Main` before `{call}`"));
    let line_start = source[..main_at].rfind('\n').map_or(0, |n| n + 1);
    let generated = format!(
        "{}{driver}{}",
        &source[..line_start],
        source[line_start..].replacen(&call, "__ngen_run (args)", 1)
    );
    let generated_path = dir.join(format!("{stem}.cs"));
    std::fs::write(&generated_path, generated).unwrap();
    let exe = dir.join(format!("{stem}.exe"));
    mcs_suite(&generated_path, &exe, stem, dir);
    Suite { exe, tests }
}

/// Runs every test of `suite` from images (two at a time); `true` where it printed the
/// value its name expects and exited 0.
fn run_tests(suite: &Suite, images: &Path) -> Vec<bool> {
    let next = AtomicUsize::new(0);
    let results: Vec<AtomicUsize> = suite.tests.iter().map(|_| AtomicUsize::new(0)).collect();
    // `NGEN_REGRESSION_DETAILS=1` prints why each failing test failed (the whole list, not
    // just the first four the table shows).
    let details = std::env::var_os("NGEN_REGRESSION_DETAILS").is_some();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(test) = suite.tests.get(i) else {
                        break;
                    };
                    let expected = test.split('_').nth(1).unwrap_or_default();
                    let mut cmd = ngen_build();
                    cmd.arg("run")
                        .arg("--images")
                        .arg(images)
                        .arg("--images")
                        .arg(framework_images())
                        .args(["--jit", "never"])
                        .arg(&suite.exe)
                        .arg(i.to_string());
                    let output = run_with_timeout(&mut cmd);
                    let ok = output.as_ref().is_some_and(|out| {
                        out.status.success()
                            && String::from_utf8_lossy(&out.stdout).trim() == expected
                    });
                    if details && !ok {
                        eprintln!("FAILED {test}: {}", failure_reason(output.as_ref()));
                    }
                    results[i].store(usize::from(ok), Ordering::Relaxed);
                }
            });
        }
    });
    results
        .iter()
        .map(|r| r.load(Ordering::Relaxed) == 1)
        .collect()
}

/// One line saying why a test failed: timeout, or its exit status, stdout and last stderr line.
fn failure_reason(output: Option<&Output>) -> String {
    let Some(out) = output else {
        return format!("timed out after {TEST_TIMEOUT:?}");
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join(" | ");
    format!(
        "{}; stdout {:?}; stderr: {last}",
        out.status,
        String::from_utf8_lossy(&out.stdout).trim()
    )
}

/// Runs `cmd`, killing it after [`TEST_TIMEOUT`]; `None` when it timed out.
fn run_with_timeout(cmd: &mut Command) -> Option<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ngen-build");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("collect output"));
        }
        if start.elapsed() > TEST_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run_checked(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
