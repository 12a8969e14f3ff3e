//! Coco/R (Debian's `coco-cs`), a third-party parser generator: grammar in, C# scanner and
//! parser out. Built with `ngen-build init` and `build` from its package's folder, run with
//! `ngen-build run` from its images (and mscorlib's, under `--jit never`), it must print what
//! mono prints, exit as mono exits and write the same files byte for byte: the generated
//! `Parser.cs` and `Scanner.cs` and the trace of every table (`trace.txt`). Nothing is masked:
//! the tool prints no times or machine facts.
//!
//! Fetched with `apt-get download` at test time ([`ngen_tests::debian_apps`]); skipped loudly
//! when it cannot be had.

use std::path::{Path, PathBuf};

use ngen_tests::debian_apps::{
    Observation, assert_same_observation, debian_package, init_and_build, mono_command,
    ngen_run_command, observe, stage,
};

/// The package's frame files, which the generator fills in (next to `Coco.exe`).
const FRAMES: &[&str] = &["Copyright.frame", "Parser.frame", "Scanner.frame"];

/// The fixture grammars (`tests/fixtures/real_apps/`) written into the work directory, and an
/// empty `out/` for the generated files.
fn write_grammars(work: &Path) {
    let fixtures = ngen_tests::workspace_root().join("tests/fixtures/real_apps");
    for grammar in ["Calc.atg", "Broken.atg"] {
        std::fs::copy(fixtures.join(grammar), work.join(grammar)).expect("copy a grammar");
    }
    std::fs::create_dir_all(work.join("out")).expect("create out/");
}

/// Coco/R's publish folder, built: `Coco.exe` and its frames staged from the package under a
/// fresh temporary directory, `ngen-build init` and `build` run there (asserting Coco.exe's
/// image was compiled). `None` (after a loud skip) when the package cannot be had.
fn built_coco(test: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let root = match debian_package("coco-cs") {
        Ok(root) => root,
        Err(why) => {
            ngen_tests::skip_loudly(test, &why);
            return None;
        }
    };
    let dir = ngen_tests::temp_dir();
    let app = dir.path().join("coco");
    let share = root.join("usr/share/coco-cs");
    let mut files = vec![(share.join("Coco.exe"), "Coco.exe")];
    files.extend(FRAMES.iter().map(|f| (share.join(f), *f)));
    stage(&app, &files);
    let build = init_and_build(&app);
    let build_log = String::from_utf8_lossy(&build.stderr);
    assert!(
        build_log.contains("Compiled Coco ") && app.join("ngen.toml").is_file(),
        "init wrote ngen.toml and the build compiled Coco.exe:\n{build_log}"
    );
    Some((dir, app))
}

/// The runs compared: (grammar, Coco's arguments), given the folder holding the frames.
fn runs(frames: &str) -> [(&'static str, Vec<&str>); 2] {
    [
        // Every trace table, a namespace, #line directives, an output directory.
        (
            "Calc.atg",
            vec![
                "Calc.atg",
                "-frames",
                frames,
                "-trace",
                "AFGIJPSX",
                "-namespace",
                "CalcNs",
                "-o",
                "out",
                "-lines",
            ],
        ),
        // Semantic errors: reported with exit code 1, nothing generated.
        (
            "Broken.atg",
            vec!["Broken.atg", "-frames", frames, "-o", "out"],
        ),
    ]
}

/// Runs each of [`runs`] under mono (checking the oracle did its work), then under
/// `ngen-build run` in each of `modes`, comparing with mono's run.
fn compare_with_mono(test: &str, modes: &[&str]) {
    let Some((dir, app)) = built_coco(test) else {
        return;
    };
    let exe = app.join("Coco.exe");
    let work = dir.path().join("work");
    for (grammar, args) in runs(app.to_str().expect("UTF-8 temp path")) {
        let expected = observe(&work, &write_grammars, &mut mono_command(&exe, &args));
        check_oracle(grammar, &expected);
        for mode in modes {
            let ours = observe(
                &work,
                &write_grammars,
                &mut ngen_run_command(&exe, mode, &args),
            );
            assert_same_observation(&format!("Coco {grammar} (--jit {mode})"), &ours, &expected);
        }
    }
}

#[test]
fn coco_generates_what_it_generates_under_mono() {
    compare_with_mono(
        "coco_generates_what_it_generates_under_mono",
        &["default", "never"],
    );
}

/// The oracle did the work the comparison relies on, so an empty comparison cannot pass.
fn check_oracle(grammar: &str, mono: &Observation) {
    if grammar == "Calc.atg" {
        assert_eq!(mono.exit_code, Some(0), "mono's run: {}", mono.stdout);
        for generated in ["out/Parser.cs", "out/Scanner.cs", "trace.txt"] {
            assert!(
                mono.files.get(generated).is_some_and(|t| t.len() > 1000),
                "mono's run wrote {generated}: {:?}",
                mono.files.keys()
            );
        }
    } else {
        assert_eq!(mono.exit_code, Some(1), "mono's run: {}", mono.stdout);
        assert!(mono.stdout.contains("No production for Missing"));
    }
}
