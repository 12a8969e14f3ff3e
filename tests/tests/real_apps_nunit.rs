//! NUnit 2.6's console runner (Debian's `nunit-console` with the `libnunit-*2.6.3-cil`
//! assemblies), third-party: it loads a test assembly written here, discovers its fixtures by
//! reflection over NUnit's attributes, runs them (on a thread of its own, or with `-nothread`
//! on the main one) and writes a console report and an XML report. Built with `ngen-build
//! init` and `build` from its package's folder (the libraries in `lib/`, as the runner's
//! `privatePath` names), run with `ngen-build run`, it must print what mono prints, exit as
//! mono exits (the count of failed tests) and write the same XML report.
//!
//! Masked, because they differ from run to run under mono itself: the elapsed seconds of the
//! summary line (`Time: 0.71 seconds`) and the report's `date`, `time` (of day, and each test's
//! duration) attributes.
//!
//! `-domain:None`: the runner's default loads the tests into a second AppDomain, which this
//! runtime does not create (one domain per process); `None` is NUnit's documented way to run
//! them in the runner's own domain.
//!
//! Runs in the default mode and under `--jit never`. Where the machine's GAC holds NUnit 2.6
//! (mono's own packages install it there), the runner's libraries bind to the GAC, as under
//! mono; they are not part of the framework profile, so `build` compiles them with the app
//! (docs/build-tool.md, "What gets an image"). The test assembly is a second root of the
//! manifest, as a release engineer building the tests with the runner would list it, so it
//! and nunit.framework, which it references, get images too. System.Configuration and
//! System.Runtime.Remoting, which the runner also reaches, are among the application
//! framework images ([`ngen_tests::framework_images::application_framework_images`]), which
//! the `--jit never` runs search.
//!
//! Fetched with `apt-get download` at test time ([`ngen_tests::debian_apps`]); skipped loudly
//! when it cannot be had.

use std::path::{Path, PathBuf};

use ngen_tests::debian_apps::{
    Observation, assert_same_observation, debian_packages, mono_command, ngen_run_command, observe,
    stage,
};
use ngen_tests::framework_images::framework_image_path;

/// The runner and its libraries: (package, file in its tree, name in the publish folder).
const NUNIT_FILES: &[(&str, &str, &str)] = &[
    (
        "nunit-console",
        "usr/lib/nunit/nunit-console.exe",
        "nunit-console.exe",
    ),
    (
        "nunit-console",
        "usr/lib/nunit/nunit-console.exe.config",
        "nunit-console.exe.config",
    ),
    (
        "libnunit-console-runner2.6.3-cil",
        "usr/lib/cli/nunit-console-runner-2.6.3/nunit-console-runner.dll",
        "lib/nunit-console-runner.dll",
    ),
    (
        "libnunit-core2.6.3-cil",
        "usr/lib/cli/nunit.core-2.6.3/nunit.core.dll",
        "lib/nunit.core.dll",
    ),
    (
        "libnunit-core-interfaces2.6.3-cil",
        "usr/lib/cli/nunit.core.interfaces-2.6.3/nunit.core.interfaces.dll",
        "lib/nunit.core.interfaces.dll",
    ),
    (
        "libnunit-util2.6.3-cil",
        "usr/lib/cli/nunit.util-2.6.3/nunit.util.dll",
        "lib/nunit.util.dll",
    ),
    (
        "libnunit-framework2.6.3-cil",
        "usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll",
        "lib/nunit.framework.dll",
    ),
];

/// NUnit's publish folder and the test assembly, built: the runner and its libraries staged
/// from the packages, the test assembly compiled into `inputs/` beside the package's
/// nunit.framework, `ngen-build init` run in the folder and the test assembly added as a
/// second root, then `build` (asserting the runner's, its libraries' and the tests' images
/// were compiled, wherever the libraries bind: the folder, or the machine's GAC).
/// `None` (after a loud skip) when a package cannot be had.
fn built_nunit(test: &str) -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let mut packages: Vec<&str> = NUNIT_FILES.iter().map(|(p, _, _)| *p).collect();
    packages.dedup();
    let roots = match debian_packages(&packages) {
        Ok(roots) => roots,
        Err(why) => {
            ngen_tests::skip_loudly(test, &why);
            return None;
        }
    };
    let root_of = |package: &str| -> &PathBuf {
        &roots[packages
            .iter()
            .position(|p| *p == package)
            .expect("fetched")]
    };
    let dir = ngen_tests::temp_dir();
    let app = dir.path().join("nunit");
    let files: Vec<(PathBuf, &str)> = NUNIT_FILES
        .iter()
        .map(|(package, file, name)| (root_of(package).join(file), *name))
        .collect();
    stage(&app, &files);
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let framework = app.join("lib/nunit.framework.dll");
    std::fs::copy(&framework, inputs.join("nunit.framework.dll")).unwrap();
    let source = ngen_tests::workspace_root().join("tests/fixtures/real_apps/LibraryTests.cs");
    let reference = format!("-r:{}", framework.display());
    ngen_tests::mcs(&[&source], &inputs.join("LibraryTests.dll"), &[&reference]);
    ngen_tests::run_ok(ngen_tests::ngen_build().arg("init").arg(&app));
    let manifest = app.join("ngen.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("init wrote ngen.toml");
    text.push_str("\n[[root]]\npath = \"../inputs/LibraryTests.dll\"\n");
    std::fs::write(&manifest, text).expect("add the test assembly's root");
    let build = ngen_tests::run_ok(ngen_tests::ngen_build().current_dir(&app).arg("build"));
    let build_log = String::from_utf8_lossy(&build.stderr);
    for image in [
        "nunit-console",
        "nunit-console-runner",
        "nunit.core",
        "nunit.core.interfaces",
        "nunit.util",
        "LibraryTests",
        "nunit.framework",
    ] {
        assert!(
            build_log.contains(&format!("Compiled {image} ")),
            "the build compiled {image}:\n{build_log}"
        );
    }
    Some((dir, app, inputs))
}

/// Copies the test assembly and nunit.framework into a run's work directory.
fn write_inputs(inputs: &Path, work: &Path) {
    for name in ["LibraryTests.dll", "nunit.framework.dll"] {
        std::fs::copy(inputs.join(name), work.join(name)).expect("copy an input");
    }
}

/// The runs compared: the runner's arguments.
const RUNS: [&[&str]; 2] = [
    // Every test, on the runner's test thread; TestResult.xml.
    &["LibraryTests.dll", "-nologo", "-domain:None"],
    // One fixture on the main thread, each test labelled; a named report.
    &[
        "LibraryTests.dll",
        "-nologo",
        "-domain:None",
        "-nothread",
        "-labels",
        "-run=Library.Tests.ShelfTests",
        "-result=shelf.xml",
    ],
];

/// Runs each of [`RUNS`] under mono (checking the oracle did its work), then under
/// `ngen-build run` in each of `modes`, comparing with mono's run (both masked).
fn compare_with_mono(test: &str, modes: &[&str]) {
    let Some((dir, app, inputs)) = built_nunit(test) else {
        return;
    };
    let exe = app.join("nunit-console.exe");
    let work = dir.path().join("work");
    let prepare = |work: &Path| write_inputs(&inputs, work);
    for args in RUNS {
        let expected = observe(&work, &prepare, &mut mono_command(&exe, args)).masked(mask);
        check_oracle(&expected);
        for mode in modes {
            let mut command = ngen_run_command(&exe, mode, args);
            if *mode == "never" {
                command.env("NGEN_IMAGE_PATH", framework_image_path());
            }
            let ours = observe(&work, &prepare, &mut command).masked(mask);
            let what = format!("nunit-console {args:?} (--jit {mode})");
            assert_same_observation(&what, &ours, &expected);
        }
    }
}

#[test]
fn nunit_console_runs_a_test_assembly_as_under_mono() {
    compare_with_mono(
        "nunit_console_runs_a_test_assembly_as_under_mono",
        &["default", "never"],
    );
}

/// The oracle did the work the comparison relies on, so an empty comparison cannot pass.
fn check_oracle(mono: &Observation) {
    assert!(
        mono.stdout.contains("Tests run: "),
        "mono's run: {}{}",
        mono.stdout,
        mono.stderr
    );
    assert!(
        mono.files.keys().any(|f| f.ends_with(".xml")),
        "mono's run wrote a report: {:?}",
        mono.files.keys()
    );
    assert!(mono.exit_code.is_some_and(|c| c > 0), "some tests fail");
}

/// `text` with what differs between two runs under mono itself replaced by `*`: the summary's
/// elapsed seconds and the XML report's `date` and `time` attributes.
fn mask(text: &str) -> String {
    let text = mask_between(text, "Time: ", " seconds");
    let text = mask_between(&text, " date=\"", "\"");
    mask_between(&text, " time=\"", "\"")
}

/// `text` with everything between each `start` and the next `end` after it replaced by `*`.
fn mask_between(text: &str, start: &str, end: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        let value_start = at + start.len();
        let Some(length) = rest[value_start..].find(end) else {
            break;
        };
        masked.push_str(&rest[..value_start]);
        masked.push('*');
        rest = &rest[value_start + length..];
    }
    masked.push_str(rest);
    masked
}

#[test]
fn masking_hides_only_times() {
    assert_eq!(
        mask(
            "Tests run: 2, Time: 0.71 seconds\n<r date=\"2026-01-02\" time=\"05:40:05\" n=\"x\"/>"
        ),
        "Tests run: 2, Time: * seconds\n<r date=\"*\" time=\"*\" n=\"x\"/>"
    );
    assert_eq!(mask("no times here"), "no times here");
}
