//! The profile scenario (issue 12): images compiled for it, and the JIT of a run in it, call
//! the enter and leave hooks on every managed method; `NGEN_PROFILE=calls:FILE` writes one
//! line per method, `COUNT<TAB>inclusive<TAB>exclusive<TAB>Namespace.Type::Method(sig)`,
//! whose counts equal the ENTER lines of `mono -O=-inline --trace=program` (differential, per
//! method); `NGEN_PERF_MAP=1` lets `perf report` name JIT-compiled methods.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ngen_tests::{fixture_with_images, ngen_build, skip_loudly};

struct Program {
    dir: tempfile::TempDir,
    exe: PathBuf,
    /// Images compiled for the profile scenario.
    images: PathBuf,
}

fn program(file: &str) -> Program {
    let (dir, exe, images) = fixture_with_images("profile", file, &[], "profile");
    Program { dir, exe, images }
}

/// Calls per method in mono's trace: `[…] ENTER: Demo.Fib:F (int)(15)` counts for
/// `Demo.Fib::F(int)`; runtime wrappers are not methods of the program.
fn mono_trace_counts(exe: &Path, args: &[&str]) -> BTreeMap<String, u64> {
    let out = Command::new("mono")
        .args(["-O=-inline", "--trace=program"])
        .arg(exe)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((_, entered)) = line.split_once("ENTER: ") else {
            continue;
        };
        if entered.starts_with("(wrapper") {
            continue;
        }
        // `Type:Method (sig)(argument values)`: the signature is the first parenthesis.
        let (name, rest) = entered.split_once(" (").unwrap();
        let sig = &rest[..rest.find(')').unwrap()];
        let (owner, method) = name.rsplit_once(':').unwrap();
        *counts
            .entry(format!("{owner}::{method}({sig})"))
            .or_insert(0) += 1;
    }
    counts
}

/// Runs the program under ngen-build with `NGEN_PROFILE=calls:FILE` and returns the profile's
/// lines, checking their format and order.
fn ngen_profile(p: &Program, jit: &str, args: &[&str]) -> Vec<(u64, String)> {
    let file = p.dir.path().join(format!("calls-{jit}.txt"));
    let out = ngen_build()
        .arg("run")
        .args(["--scenario", "profile", "--images"])
        .arg(&p.images)
        .arg("--images")
        .arg(ngen_tests::profile_framework_images())
        .args(["--jit", jit])
        .arg(&p.exe)
        .args(args)
        .env("NGEN_PROFILE", format!("calls:{}", file.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "{line:?}");
        let count: u64 = fields[0].parse().unwrap();
        let inclusive: f64 = fields[1].parse().unwrap();
        let exclusive: f64 = fields[2].parse().unwrap();
        assert!(exclusive <= inclusive + 0.001, "{line:?}");
        lines.push((count, fields[3].to_string()));
    }
    let mut sorted = lines.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(lines, sorted, "the profile is sorted by count, then name");
    lines.retain(|(_, name)| is_program_method(name));
    lines
}

/// Whether a profiled method is the fixture program's own, not the class libraries' (mscorlib's
/// images of the profile scenario are profiled too; mono's trace is compared for the program).
fn is_program_method(name: &str) -> bool {
    !["System.", "Mono.", "Microsoft."]
        .iter()
        .any(|framework| name.starts_with(framework))
}

#[test]
fn fib_15_is_1973_calls_from_images_and_from_the_jit() {
    let p = program("Fib.cs");
    for jit in ["never", "always"] {
        let lines = ngen_profile(&p, jit, &[]);
        assert_eq!(
            lines,
            [
                (1973, "Demo.Fib::F(int)".to_string()),
                (1, "Demo.Fib::Main()".to_string())
            ],
            "--jit {jit}"
        );
    }
}

#[test]
fn call_counts_equal_monos_trace() {
    for (file, args) in [
        ("Fib.cs", &[][..]),
        ("Calls.cs", &[][..]),
        ("Hot.cs", &["1000"][..]),
    ] {
        let p = program(file);
        let expected = mono_trace_counts(&p.exe, args);
        assert!(expected.len() >= 2, "{file}: {expected:?}");
        for jit in ["never", "always", "fallback"] {
            let counts: BTreeMap<String, u64> = ngen_profile(&p, jit, args)
                .into_iter()
                .map(|(count, name)| (name, count))
                .collect();
            assert_eq!(counts, expected, "{file} --jit {jit}");
        }
    }
}

#[test]
fn other_scenarios_have_no_hooks() {
    let p = program("Fib.cs");
    let file = p.dir.path().join("calls.txt");
    let out = ngen_build()
        .arg("run")
        .args(["--jit", "always"])
        .arg(&p.exe)
        .env("NGEN_PROFILE", format!("calls:{}", file.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "610\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("NGEN_PROFILE needs --scenario profile"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
    // Profile images are refused by a default-scenario run (their methods are JIT-compiled).
    let out = ngen_build()
        .arg("run")
        .arg("--images")
        .arg(&p.images)
        .args(["--jit", "never"])
        .arg(&p.exe)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("compiled for the profile scenario"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_perf_map_lists_each_jit_compiled_method_once() {
    let p = program("Calls.cs");
    let child = ngen_build()
        .args(["run", "--jit", "always"])
        .arg(&p.exe)
        .env("NGEN_PERF_MAP", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let out = child.wait_with_output().unwrap();
    let text = std::fs::read_to_string(&map).unwrap_or_default();
    let _ = std::fs::remove_file(&map);
    assert!(out.status.success());
    let mut names = Vec::new();
    for line in text.lines() {
        let mut fields = line.splitn(3, ' ');
        let start = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
        let size = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
        assert!(start > 0 && size > 0, "{line}");
        names.push(fields.next().unwrap().to_string());
    }
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "{text}");
    // Named as image symbols are, `Type::Method#rid`: the overloads of Twice stay apart.
    for method in [
        "Prof.Program::Main#",
        "Prof.Square::Area#",
        "Prof.Counter::.cctor#",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(method)),
            "{method} missing from:\n{text}"
        );
    }
    let twice = names
        .iter()
        .filter(|n| n.starts_with("Prof.Program::Twice#"));
    assert_eq!(twice.count(), 2, "{text}");
    // Without the variable there is no map.
    let child = ngen_build()
        .args(["run", "--jit", "always"])
        .arg(&p.exe)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    child.wait_with_output().unwrap();
    assert!(!map.exists());
}

#[test]
fn perf_report_names_jit_compiled_methods() {
    let perf_works = Command::new("perf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !perf_works {
        skip_loudly(
            "perf_report_names_jit_compiled_methods",
            "perf is not installed (Debian: apt-get install linux-perf)",
        );
        return;
    }
    let p = program("Hot.cs");
    let data = p.dir.path().join("perf.data");
    let record = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-o"])
        .arg(&data)
        .arg("--")
        .arg(ngen_tests::ngen_build_bin())
        .args(["run", "--jit", "always"])
        .arg(&p.exe)
        .arg("300000000")
        .env("NGEN_PERF_MAP", "1")
        .output()
        .unwrap();
    if !record.status.success() {
        skip_loudly(
            "perf_report_names_jit_compiled_methods",
            &format!(
                "perf record failed: {}",
                String::from_utf8_lossy(&record.stderr)
            ),
        );
        return;
    }
    assert_eq!(String::from_utf8_lossy(&record.stdout), "done\n");
    let report = Command::new("perf")
        .args(["report", "--stdio", "--sort", "pid,symbol", "-i"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&report.stdout);
    // The map perf read is /tmp/perf-PID.map of the profiled process: remove it.
    for line in text.lines().filter(|l| l.contains("ngen-build")) {
        if let Some(pid) = line
            .split_whitespace()
            .find_map(|w| w.split(':').next()?.parse::<u32>().ok())
        {
            let _ = std::fs::remove_file(format!("/tmp/perf-{pid}.map"));
        }
    }
    let hot = text
        .lines()
        .find(|l| l.contains("Hot::Work"))
        .unwrap_or_else(|| panic!("perf report does not name Hot::Work:\n{text}"));
    let share: f64 = hot
        .split_whitespace()
        .next()
        .and_then(|p| p.trim_end_matches('%').parse().ok())
        .unwrap();
    assert!(share > 30.0, "{hot}");
}

#[test]
fn the_profile_of_a_stack_overflow_is_written() {
    let (dir, exe, images) = fixture_with_images("faults", "Recursion.cs", &[], "profile");
    let file = dir.path().join("calls.txt");
    for jit in ["never", "always"] {
        let out = ngen_build()
            .args(["run", "--scenario", "profile", "--images"])
            .arg(&images)
            .arg("--images")
            .arg(ngen_tests::profile_framework_images())
            .args(["--jit", jit])
            .arg(&exe)
            .env("NGEN_PROFILE", format!("calls:{}", file.display()))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("StackOverflowException"));
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines = text
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|fields| fields.len() == 4 && is_program_method(fields[3]));
        let down = lines.next().unwrap();
        assert_eq!(down[3], "Recursion::Down(int)", "{text}");
        assert!(down[0].parse::<u64>().unwrap() > 100_000, "{text}");
        assert_eq!(lines.next().unwrap()[3], "Recursion::Main()", "{text}");
    }
}
