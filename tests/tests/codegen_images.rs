//! Native image properties: rejected images when a dependency changed, exclusions (not crashes)
//! for malformed IL, byte-identical images from identical inputs, and `run` finding a
//! build's images without `--images` (per scenario).

use std::path::{Path, PathBuf};
use std::process::Output;

use ngen_tests::{
    Observed, framework_images, mcs, mono, ngen_build, ngen_compile, temp_dir, workspace_root,
};

fn fixture_source(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/codegen")
        .join(format!("{name}.cs"))
}

#[test]
fn image_of_an_app_whose_dependency_was_rebuilt_is_rejected_and_the_app_still_runs() {
    let dir = temp_dir();
    let bin = dir.path().join("bin");
    let images = dir.path().join("images");
    std::fs::create_dir_all(&bin).unwrap();
    let lib = bin.join("MathLib.dll");
    mcs(&[&fixture_source("mathlib")], &lib, &[]);
    let exe = bin.join("crossasm.exe");
    mcs(
        &[&fixture_source("crossasm")],
        &exe,
        &[&format!("-r:{}", lib.display())],
    );
    ngen_compile(&lib, &images);
    ngen_compile(&exe, &images);

    // Rebuild the dependency from a changed source: same API, new MVID.
    let changed = dir.path().join("mathlib_v2.cs");
    let source = std::fs::read_to_string(fixture_source("mathlib")).unwrap();
    std::fs::write(
        &changed,
        format!("{source}\n// rebuilt\nclass Rebuilt {{}}\n"),
    )
    .unwrap();
    mcs(&[&changed], &lib, &[]);

    let out = ngen_build()
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg(&exe)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("crossasm: rejected image")
            && stderr.contains("dependency MathLib changed"),
        "the app's image must be rejected because MathLib changed:\n{stderr}"
    );
    assert!(
        stderr.contains("MathLib: rejected image") && stderr.contains("MathLib changed"),
        "MathLib's own image must be rejected:\n{stderr}"
    );
    let expected = Observed::from(&mono(&exe, &[]));
    let mut actual = Observed::from(&out);
    // The log lines come first on stderr; compare the program's own stderr.
    actual.stderr_first_line = stderr
        .lines()
        .find(|l| !l.starts_with("ngen[binding]"))
        .unwrap_or("")
        .to_string();
    assert_eq!(actual, expected);

    // With images only, the run fails and names a method.
    let never = ngen_build()
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg("--jit")
        .arg("never")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(!never.status.success());
    assert!(String::from_utf8_lossy(&never.stderr).contains("App::Main"));
}

/// Replaces the only occurrence of `pattern` in `bytes`.
fn patch(bytes: &mut [u8], pattern: &[u8], replacement: &[u8]) {
    assert_eq!(pattern.len(), replacement.len());
    let positions: Vec<usize> = bytes
        .windows(pattern.len())
        .enumerate()
        .filter(|(_, w)| *w == pattern)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions.len(), 1, "pattern {pattern:02x?} must occur once");
    bytes[positions[0]..positions[0] + pattern.len()].copy_from_slice(replacement);
}

#[test]
fn malformed_il_is_excluded_with_a_reason_not_a_crash() {
    let dir = temp_dir();
    let src = dir.path().join("malformed.cs");
    std::fs::write(
        &src,
        r#"
static class Malformed
{
    static int Underflow() { return 0x12345678; }
    static long MidBranch() { return 0x1122334455667788; }
    static int BadToken() { return 0x7EADBEEF; }
    static int Main() { System.Console.WriteLine(7); return 0; }
}
"#,
    )
    .unwrap();
    let exe = dir.path().join("malformed.exe");
    mcs(&[&src], &exe, &[]);
    let mut bytes = std::fs::read(&exe).unwrap();
    // ldc.i4 0x12345678; ret  ->  add; nop x4; ret (stack underflow at IL_0000)
    patch(
        &mut bytes,
        &[0x20, 0x78, 0x56, 0x34, 0x12, 0x2A],
        &[0x58, 0x00, 0x00, 0x00, 0x00, 0x2A],
    );
    // ldc.i8 ...; ret  ->  br.s +1 (into the ldc.i4 operand); ldc.i4 0; ret; ret; ret
    patch(
        &mut bytes,
        &[0x21, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x2A],
        &[0x2B, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x2A, 0x2A],
    );
    // ldc.i4 0x7EADBEEF; ret  ->  call 0x0600FFFF (no such method); ret
    patch(
        &mut bytes,
        &[0x20, 0xEF, 0xBE, 0xAD, 0x7E, 0x2A],
        &[0x28, 0xFF, 0xFF, 0x00, 0x06, 0x2A],
    );
    let patched = dir.path().join("patched").join("malformed.exe");
    std::fs::create_dir_all(patched.parent().unwrap()).unwrap();
    std::fs::write(&patched, &bytes).unwrap();

    let images = dir.path().join("images");
    ngen_compile(&patched, &images);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(images.join("malformed.ni.report.json")).unwrap())
            .unwrap();
    let reason = |name: &str| -> String {
        report["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} not excluded: {report}"))["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reason("Malformed::Underflow"), "stack underflow at IL_0000");
    assert_eq!(
        reason("Malformed::MidBranch"),
        "branch into the middle of an instruction (IL_0003) at IL_0000"
    );
    assert_eq!(
        reason("Malformed::BadToken"),
        "bad token 0x0600ffff at IL_0000"
    );
    let compiled: Vec<&str> = report["compiled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(compiled.contains(&"Malformed::Main"), "{report}");

    // The healthy part still runs from the image (mscorlib's from the framework images).
    let out = ngen_build()
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg("--images")
        .arg(framework_images())
        .arg("--jit")
        .arg("never")
        .arg(&patched)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "7\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn compiling_twice_in_different_directories_gives_identical_images() {
    let dir = temp_dir();
    let mut images = Vec::new();
    // Different directories and different thread counts: output order is fixed by token.
    for (run, threads) in [("first", "1"), ("second/nested", "0")] {
        let bin = dir.path().join(run).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let exe = bin.join("control.exe");
        mcs(&[&fixture_source("control")], &exe, &[]);
        let out = dir.path().join(run).join("images");
        let status = ngen_build()
            .arg("compile")
            .arg(&exe)
            .arg("--out")
            .arg(&out)
            .arg("--threads")
            .arg(threads)
            .status()
            .unwrap();
        assert!(status.success());
        images.push((
            std::fs::read(out.join("control.ni.so")).unwrap(),
            std::fs::read(out.join("control.ni.report.json")).unwrap(),
        ));
    }
    assert!(images[0].0 == images[1].0, "images differ");
    assert_eq!(images[0].1, images[1].1, "reports differ");
    // No build path leaks into the image.
    let text = String::from_utf8_lossy(&images[0].0);
    assert!(!text.contains(dir.path().to_str().unwrap()));
    assert!(!text.contains("/tmp"));
}

/// `ngen-build run` of the hello-app sample, built into a temporary copy of the sample.
struct SampleRun<'a> {
    gac: &'a Path,
}

impl SampleRun<'_> {
    /// Runs `ngen-build <args> <exe> 21` from `cwd` with `NGEN_LOG=binding`.
    fn run(&self, cwd: &Path, args: &[&str], exe: &Path) -> Output {
        // Image discovery is what this test checks: only the directories it names (the
        // shared framework images too, where a run passes them with --images).
        ngen_build()
            .env_remove("NGEN_IMAGE_PATH")
            .current_dir(cwd)
            .env("MONO_GAC_PREFIX", self.gac)
            .env("NGEN_LOG", "binding")
            .arg("run")
            .args(args)
            .arg(exe)
            .arg("21")
            .output()
            .expect("run ngen-build run")
    }
}

/// Lines of the binding log saying which image each assembly used.
fn used_images(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(": using image "))
        .map(str::to_string)
        .collect()
}

#[test]
fn run_finds_the_manifest_cache_without_images_and_honours_the_scenario() {
    let sample = workspace_root().join("samples/hello-app");
    let work = temp_dir();
    let app = work.path().join("hello-app");
    std::fs::create_dir_all(&app).unwrap();
    let manifest = std::fs::read_to_string(sample.join("ngen.toml"))
        .unwrap()
        .replace(
            "scenarios = [\"default\"]",
            "scenarios = [\"default\", \"debug\"]",
        )
        // The framework stays uncompiled here (mscorlib in two scenarios would cost minutes
        // in a debug build); `--jit never` below takes the shared framework images instead.
        .replace("compile-framework = true", "compile-framework = false");
    assert!(manifest.contains("\"debug\""), "sample manifest changed");
    assert!(
        manifest.contains("compile-framework = false"),
        "sample manifest changed"
    );
    std::fs::write(app.join("ngen.toml"), manifest).unwrap();
    let out = app.join("out");
    let built = std::process::Command::new("bash")
        .arg(sample.join("build.sh"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let gac = out.join("gac");
    let build = ngen_build()
        .current_dir(work.path())
        .env("MONO_GAC_PREFIX", &gac)
        .arg("build")
        .arg("--manifest-path")
        .arg(app.join("ngen.toml"))
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let expected = std::process::Command::new("mono")
        .env("MONO_GAC_PREFIX", &gac)
        .arg(out.join("App.exe"))
        .arg("21")
        .output()
        .unwrap();
    let expected = Observed::from(&expected);
    let sample_run = SampleRun { gac: &gac };
    let exe = Path::new("out/App.exe");

    // From the sample's directory, no --images: the manifest's cache, every image used.
    // App's `[BypassNGen] CollatzSteps` is never in an image, so the default mode (JIT
    // fallback) runs it; `--jit never` must stop exactly there, with mono's output before it.
    let fallback = sample_run.run(&app, &[], exe);
    let log = String::from_utf8_lossy(&fallback.stderr);
    assert_eq!(Observed::from(&fallback).stdout, expected.stdout, "{log}");
    assert_eq!(fallback.status.code(), expected.exit_code, "{log}");
    let used = used_images(&log);
    for name in ["App", "Greeter", "MathLib", "Checksum"] {
        let dir = format!("target/ngen/default/{name}/");
        assert!(
            used.iter().any(
                |l| l.starts_with(&format!("ngen[binding]: {name}: using image "))
                    && l.contains(&dir)
            ),
            "{name} did not use an image under {dir}:\n{log}"
        );
    }
    // Of the program's assemblies only CollatzSteps is JIT-compiled (the framework is left
    // uncompiled above, so mscorlib's methods are JIT-compiled too).
    let jitted: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("JIT-compiled") && !l.starts_with("ngen[binding]: mscorlib:"))
        .collect();
    assert_eq!(
        jitted,
        ["ngen[binding]: App: JIT-compiled HelloApp.Program::CollatzSteps"],
        "{log}"
    );
    // Under --jit never mscorlib needs its image: the shared framework images, searched next
    // to the manifest's cache named explicitly.
    let framework = framework_images();
    let never = sample_run.run(
        &app,
        &[
            "--jit",
            "never",
            "--images",
            framework.to_str().unwrap(),
            "--manifest-path",
            "ngen.toml",
        ],
        exe,
    );
    let stdout = String::from_utf8_lossy(&never.stdout);
    let before_collatz = expected
        .stdout
        .split("collatz steps")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(stdout, before_collatz);
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(
        stderr.contains("CollatzSteps") && stderr.contains("BypassNGenAttribute"),
        "{stderr}"
    );

    // --scenario debug uses the debug images (the runtime accepts the debug stamp).
    let debug = sample_run.run(&app, &["--scenario", "debug"], exe);
    let log = String::from_utf8_lossy(&debug.stderr);
    assert_eq!(Observed::from(&debug).stdout, expected.stdout, "{log}");
    let used = used_images(&log);
    assert_eq!(used.len(), 4, "{log}");
    assert!(
        used.iter()
            .all(|l| l.contains("target/ngen/debug/") && !l.contains("/default/")),
        "{log}"
    );

    // Debug images offered to a default-scenario run are rejected, with the reason.
    let mismatched = sample_run.run(&app, &["--images", "target/ngen/debug"], exe);
    let log = String::from_utf8_lossy(&mismatched.stderr);
    assert_eq!(Observed::from(&mismatched).stdout, expected.stdout, "{log}");
    assert!(used_images(&log).is_empty(), "{log}");
    assert!(
        log.contains("App: rejected image target/ngen/debug/App/1.0.0.0/")
            && log.contains(
                "App.ni.so: compiled for the debug scenario, this run needs the default scenario"
            ),
        "{log}"
    );

    // A copy of the program outside the sample finds no ngen.toml: --cache-dir and
    // --manifest-path name the cache explicitly.
    let elsewhere = work.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("bin")).unwrap();
    for file in [
        "App.exe",
        "App.exe.config",
        "Greeter.dll",
        "bin/MathLib.dll",
    ] {
        std::fs::copy(out.join(file), elsewhere.join(file)).unwrap();
    }
    let copy = elsewhere.join("App.exe");
    let none = sample_run.run(work.path(), &[], &copy);
    assert!(used_images(&String::from_utf8_lossy(&none.stderr)).is_empty());
    let never = sample_run.run(work.path(), &["--jit", "never"], &copy);
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(!never.status.success());
    assert!(
        stderr.contains("warning: no default image directory found")
            && stderr.contains("HelloApp.Program::Main is not in a valid native image (no image directories to search)"),
        "{stderr}"
    );
    let cache = app.join("target/ngen");
    for args in [
        vec!["--cache-dir".to_string(), cache.display().to_string()],
        vec![
            "--manifest-path".to_string(),
            app.join("ngen.toml").display().to_string(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let found = sample_run.run(work.path(), &args, &copy);
        let log = String::from_utf8_lossy(&found.stderr);
        assert_eq!(
            Observed::from(&found).stdout,
            expected.stdout,
            "{args:?}: {log}"
        );
        assert_eq!(used_images(&log).len(), 4, "{args:?}: {log}");
    }
}
