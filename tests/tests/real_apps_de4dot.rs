//! de4dot (Debian's `de4dot` with `libdnlib2.1-cil`), a third-party .NET deobfuscator over the
//! dnlib metadata library: it reads assemblies, detects obfuscators, rewrites method bodies
//! block by block, renames unreadable symbols and writes new assemblies. Built with
//! `ngen-build init` and `build` from its package's folder (dnlib beside it, where the AppBase
//! probe finds it), run with `ngen-build run`, it must print what mono prints, exit as mono
//! exits and write the same assemblies byte for byte. Nothing is masked: de4dot prints no times
//! and dnlib writes deterministic files.
//!
//! Runs in the default mode and under `--jit never`: de4dot's closure reaches
//! System.Configuration and `Mono.Security` (through System's configuration), which the shared
//! framework images do not hold, so its `--jit never` runs also search the application
//! framework images ([`ngen_tests::framework_images::application_framework_images`]).
//!
//! Fetched with `apt-get download` at test time ([`ngen_tests::debian_apps`]); skipped loudly
//! when it cannot be had.

use std::path::{Path, PathBuf};

use ngen_tests::debian_apps::{
    Observation, assert_same_observation, debian_packages, init_and_build, mono_command,
    ngen_run_command, observe, stage,
};
use ngen_tests::framework_images::framework_image_path;

/// de4dot's own assemblies, as its package installs them in `/usr/lib/de4dot/`.
const DE4DOT_FILES: &[&str] = &[
    "AssemblyData.dll",
    "de4dot.blocks.dll",
    "de4dot.code.dll",
    "de4dot.cui.dll",
    "de4dot.exe",
    "de4dot.exe.config",
    "de4dot.mdecrypt.dll",
];

/// de4dot's publish folder and its inputs, built: de4dot's assemblies and dnlib staged from
/// the packages, `ngen-build init` and `build` run there (asserting de4dot.code's and dnlib's
/// images were compiled), the inputs compiled into `inputs/`. `None` (after a loud skip) when
/// a package cannot be had.
fn built_de4dot(test: &str) -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let roots = match debian_packages(&["de4dot", "libdnlib2.1-cil"]) {
        Ok(roots) => roots,
        Err(why) => {
            ngen_tests::skip_loudly(test, &why);
            return None;
        }
    };
    let dir = ngen_tests::temp_dir();
    let app = dir.path().join("de4dot");
    let mut files: Vec<(PathBuf, &str)> = DE4DOT_FILES
        .iter()
        .map(|f| (roots[0].join("usr/lib/de4dot").join(f), *f))
        .collect();
    files.push((
        roots[1].join("usr/lib/cli/dnlib-2.1/dnlib.dll"),
        "dnlib.dll",
    ));
    stage(&app, &files);
    let build = init_and_build(&app);
    let build_log = String::from_utf8_lossy(&build.stderr);
    for image in ["de4dot.code", "dnlib"] {
        assert!(
            build_log.contains(&format!("Compiled {image} ")),
            "the build compiled {image}:\n{build_log}"
        );
    }
    // The inputs: a C# program (mcs) and an assembly with obfuscators' unprintable names (ilasm).
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let fixtures = ngen_tests::workspace_root().join("tests/fixtures/real_apps");
    ngen_tests::mcs(
        &[&fixtures.join("Shapes.cs")],
        &inputs.join("Shapes.exe"),
        &[],
    );
    ngen_tests::ilasm(
        &fixtures.join("Scrambled.il"),
        &inputs.join("Scrambled.exe"),
    );
    Some((dir, app, inputs))
}

/// Copies the inputs into a run's work directory.
fn write_inputs(inputs: &Path, work: &Path) {
    for name in ["Shapes.exe", "Scrambled.exe"] {
        std::fs::copy(inputs.join(name), work.join(name)).expect("copy an input");
    }
}

/// The runs compared: de4dot's arguments.
const RUNS: [&[&str]; 2] = [
    // Detect, clean, rename and save both (as `<Name>-cleaned.exe`).
    &["Shapes.exe", "Scrambled.exe"],
    // Detection only: nothing is written.
    &["-d", "Shapes.exe", "Scrambled.exe"],
];

/// Runs each of [`RUNS`] under mono (checking the oracle did its work), then under
/// `ngen-build run` in each of `modes`, comparing with mono's run.
fn compare_with_mono(test: &str, modes: &[&str]) {
    let Some((dir, app, inputs)) = built_de4dot(test) else {
        return;
    };
    let exe = app.join("de4dot.exe");
    let work = dir.path().join("work");
    let prepare = |work: &Path| write_inputs(&inputs, work);
    for args in RUNS {
        let expected = observe(&work, &prepare, &mut mono_command(&exe, args));
        check_oracle(args, &expected);
        for mode in modes {
            let mut command = ngen_run_command(&exe, mode, args);
            if *mode == "never" {
                command.env("NGEN_IMAGE_PATH", framework_image_path());
            }
            let ours = observe(&work, &prepare, &mut command);
            assert_same_observation(&format!("de4dot {args:?} (--jit {mode})"), &ours, &expected);
        }
    }
}

#[test]
fn de4dot_cleans_assemblies_as_under_mono() {
    compare_with_mono(
        "de4dot_cleans_assemblies_as_under_mono",
        &["default", "never"],
    );
}

/// The oracle did the work the comparison relies on, so an empty comparison cannot pass.
fn check_oracle(args: &[&str], mono: &Observation) {
    assert_eq!(mono.exit_code, Some(0), "mono's run: {}", mono.stderr);
    assert!(
        mono.stdout.contains("Detected Unknown Obfuscator"),
        "{}",
        mono.stdout
    );
    if args[0] != "-d" {
        for cleaned in ["Shapes-cleaned.exe", "Scrambled-cleaned.exe"] {
            assert!(
                mono.files.contains_key(cleaned),
                "mono's run wrote {cleaned}: {:?}",
                mono.files.keys()
            );
        }
    }
}
