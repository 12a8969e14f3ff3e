//! The collector reclaims garbage and keeps live objects: `tests/fixtures/gc/churn.cs`
//! allocates about 0.9 GB of short-lived arrays and strings with a live set of a few hundred
//! bytes. Its output (checksums over the live objects) must be mono's in every JIT mode, and
//! under `NGEN_LOG=gc` the runtime must report collections and a peak resident set far below
//! what the program allocates (without a collector it passes a gigabyte).

use std::path::Path;
use std::process::Output;

use ngen_tests::{
    Observed, compile_fixture_exe, framework_images, mono, ngen_build, ngen_compile, temp_dir,
};

/// Iterations of the churn loop: about 1.5 KB of garbage each.
const ITERATIONS: &str = "600000";

/// Peak resident set the run must stay under; the program allocates about 0.9 GB in total.
const PEAK_RSS_LIMIT_KIB: u64 = 200 * 1024;

fn run(exe: &Path, images: &Path, mode: &str, log_gc: bool) -> Output {
    let mut cmd = ngen_build();
    // The framework's images too: under `--jit never`, Console is mscorlib's compiled code.
    cmd.arg("run")
        .arg("--images")
        .arg(images)
        .arg("--images")
        .arg(framework_images())
        .arg("--jit")
        .arg(mode)
        .arg(exe)
        .arg(ITERATIONS);
    if log_gc {
        cmd.env("NGEN_LOG", "gc");
    }
    cmd.output().expect("run ngen-build run")
}

/// The `key=value` figure from the `ngen[gc]:` summary line.
fn gc_figure(stderr: &str, key: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("ngen[gc]:"))
        .unwrap_or_else(|| panic!("no ngen[gc] summary in stderr:\n{stderr}"));
    line.split_whitespace()
        .find_map(|field| field.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
}

#[test]
fn churn_matches_mono_and_stays_small_in_every_mode() {
    let (_src, exe) = compile_fixture_exe("gc", "churn.cs");
    let images = temp_dir();
    ngen_compile(&exe, images.path());
    let expected = Observed::from(&mono(&exe, &[ITERATIONS]));
    assert_eq!(expected.exit_code, Some(0), "mono failed: {expected:?}");

    for mode in ["never", "always", "fallback"] {
        let plain = run(&exe, images.path(), mode, false);
        assert_eq!(Observed::from(&plain), expected, "--jit {mode}");
        assert!(plain.stderr.is_empty(), "--jit {mode}: stderr not empty");
    }

    let logged = run(&exe, images.path(), "never", true);
    let stderr = String::from_utf8_lossy(&logged.stderr);
    assert_eq!(
        String::from_utf8_lossy(&logged.stdout),
        expected.stdout,
        "NGEN_LOG=gc changed stdout"
    );
    let allocated = gc_figure(&stderr, "allocated_bytes");
    assert!(
        allocated > 800 << 20,
        "the fixture should allocate ~0.9 GB, the collector saw {allocated} bytes"
    );
    assert!(gc_figure(&stderr, "collections") > 10, "{stderr}");
    let peak = gc_figure(&stderr, "peak_rss_kib");
    assert!(
        peak < PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB after allocating {allocated} bytes: garbage is not reclaimed"
    );
}
