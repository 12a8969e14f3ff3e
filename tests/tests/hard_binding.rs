//! Hard binding (issue 8): an image whose reference has the effective hint `always`
//! (`DefaultDependency(LoadHint.Always)` on the library, or the manifest's `always`) calls its
//! dependency's image directly, names it in `DT_NEEDED` and records its identity in the header;
//! it runs like mono from images alone; a rebuilt dependency rebuilds it; a swapped or missing
//! dependency image makes the runtime reject it with the reason logged (the JIT then runs the
//! program, and `--jit never` fails naming the reason); `sometimes` or no hint stays soft; and
//! the images are byte-identical whatever the directory they were built in.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ngen_tests::{Observed, mcs, mono, ngen_build, run_ok, temp_dir, workspace_root};

fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/hardbind").join(name)
}

/// A fresh directory with HardLib.dll (`v2`: its V2 build), PlainLib.dll, App.exe and the
/// fixture manifest, plus `hints` appended to it as a `[hints]` table.
fn app(hints: &[(&str, &str)], v2: bool) -> tempfile::TempDir {
    let dir = temp_dir();
    let d = dir.path();
    let define: &[&str] = if v2 { &["-define:V2"] } else { &[] };
    mcs(&[&fixture("HardLib.cs")], &d.join("HardLib.dll"), define);
    mcs(&[&fixture("PlainLib.cs")], &d.join("PlainLib.dll"), &[]);
    let refs = [
        format!("-r:{}", d.join("HardLib.dll").display()),
        format!("-r:{}", d.join("PlainLib.dll").display()),
    ];
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    mcs(&[&fixture("App.cs")], &d.join("App.exe"), &refs);
    let mut manifest = std::fs::read_to_string(fixture("ngen.toml")).unwrap();
    if !hints.is_empty() {
        manifest.push_str("\n[hints]\n");
        for (name, hint) in hints {
            manifest.push_str(&format!("{name} = \"{hint}\"\n"));
        }
    }
    std::fs::write(d.join("ngen.toml"), manifest).unwrap();
    dir
}

fn ngen_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = ngen_build();
    command.current_dir(dir).args(args);
    command
}

fn build(dir: &Path) -> String {
    let out = run_ok(&mut ngen_in(dir, &["build", "-v"]));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The image of `name` in the manifest cache of `dir` (its only image directory).
fn image(dir: &Path, name: &str) -> PathBuf {
    let root = dir.join("target/ngen/default").join(name);
    let version = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut fingerprints: Vec<PathBuf> = std::fs::read_dir(&version)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(fingerprints.len(), 1, "{fingerprints:?}");
    fingerprints.remove(0).join(format!("{name}.ni.so"))
}

/// `readelf -d`'s `NEEDED` entries of an image.
fn needed(image: &Path) -> Vec<String> {
    let out = run_ok(Command::new("readelf").arg("-d").arg(image));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1)?.split(']').next().map(str::to_string))
        .collect()
}

/// The names in the image header's `hard_bindings` (the header is JSON in `.rodata`, read
/// through `ngen-build inspect`-free means: the JSON key is searched in the file).
fn hard_bindings(image: &Path) -> Vec<String> {
    let bytes = std::fs::read(image).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let Some(at) = text.find("\"hard_bindings\":[") else {
        return Vec::new();
    };
    let list = &text[at..];
    let list = &list[..list.find(']').unwrap()];
    list.split("\"name\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .collect()
}

/// `ngen-build run App.exe` from the manifest's cache in `dir`, with `NGEN_LOG=binding`.
fn run(dir: &Path, jit: Option<&str>) -> Output {
    let mut command = ngen_in(dir, &["run"]);
    command.env("NGEN_LOG", "binding");
    if let Some(mode) = jit {
        command.args(["--jit", mode]);
    }
    command.arg(dir.join("App.exe")).output().unwrap()
}

/// The run's stdout, exit code and first stderr line of the program itself (not the log).
fn observed(out: &Output) -> Observed {
    let mut observed = Observed::from(out);
    observed.stderr_first_line = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| !l.starts_with("ngen["))
        .unwrap_or("")
        .to_string();
    observed
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn default_dependency_always_hard_binds_and_runs_like_mono_from_images() {
    let dir = app(&[], false);
    build(dir.path());
    let app_image = image(dir.path(), "App");
    assert_eq!(needed(&app_image), vec!["HardLib.ni.so".to_string()]);
    assert_eq!(hard_bindings(&app_image), vec!["HardLib".to_string()]);
    // The libraries bind to nothing but mscorlib, which is never hard-bound to.
    assert!(needed(&image(dir.path(), "HardLib")).is_empty());
    assert!(needed(&image(dir.path(), "PlainLib")).is_empty());

    let expected = Observed::from(&mono(&dir.path().join("App.exe"), &[]));
    assert!(
        expected.stdout.contains("caught negative: -3"),
        "{expected:?}"
    );
    for mode in [Some("never"), None] {
        let out = run(dir.path(), mode);
        assert_eq!(observed(&out), expected, "--jit {mode:?}\n{}", stderr(&out));
        let log = stderr(&out);
        assert!(
            log.contains("App: hard-bound to the image of HardLib")
                && log.contains("App: using image"),
            "{log}"
        );
    }
}

#[test]
fn manifest_always_hard_binds_and_sometimes_or_no_hint_stays_soft() {
    let dir = app(&[("PlainLib", "always")], false);
    build(dir.path());
    let app_image = image(dir.path(), "App");
    assert_eq!(
        needed(&app_image),
        vec!["HardLib.ni.so".to_string(), "PlainLib.ni.so".to_string()]
    );
    assert_eq!(
        hard_bindings(&app_image),
        vec!["HardLib".to_string(), "PlainLib".to_string()]
    );
    let out = run(dir.path(), Some("never"));
    assert_eq!(
        observed(&out),
        Observed::from(&mono(&dir.path().join("App.exe"), &[])),
        "{}",
        stderr(&out)
    );

    // The manifest's hint wins over DefaultDependency: `sometimes` is soft.
    let soft = app(&[("HardLib", "sometimes")], false);
    build(soft.path());
    let soft_image = image(soft.path(), "App");
    assert!(needed(&soft_image).is_empty());
    assert!(hard_bindings(&soft_image).is_empty());
    let out = run(soft.path(), Some("never"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hard-bound"), "{}", stderr(&out));
}

#[test]
fn a_rebuilt_dependency_rebuilds_the_hard_bound_image() {
    let dir = app(&[], false);
    build(dir.path());
    let before = std::fs::read(image(dir.path(), "App")).unwrap();
    // HardLib rebuilt from changed source (new MVID, new image).
    mcs(
        &[&fixture("HardLib.cs")],
        &dir.path().join("HardLib.dll"),
        &["-define:V2"],
    );
    let explain =
        String::from_utf8_lossy(&run_ok(&mut ngen_in(dir.path(), &["explain", "App"])).stdout)
            .into_owned();
    assert!(
        explain.starts_with("Dirty App (default): dependency HardLib changed")
            && explain.contains("the image of HardLib it is hard-bound to changed"),
        "{explain}"
    );
    let log = build(dir.path());
    assert!(log.contains("Dirty App (default)"), "{log}");
    assert!(log.contains("Fresh PlainLib (default)"), "{log}");
    let after = std::fs::read(image(dir.path(), "App")).unwrap();
    assert_ne!(before, after);
    let out = run(dir.path(), Some("never"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("version 2"),
        "{}",
        stderr(&out)
    );
}

/// Replaces HardLib's image in the cache by another valid image of the same assembly (one
/// more byte at the end, which the loader ignores, and a digest file to match), or removes it.
fn tamper_with_hardlib_image(dir: &Path, remove: bool) {
    let lib = image(dir, "HardLib");
    let digest = PathBuf::from(format!("{}.blake3", lib.display()));
    if remove {
        std::fs::remove_file(&lib).unwrap();
        std::fs::remove_file(&digest).unwrap();
        return;
    }
    let mut bytes = std::fs::read(&lib).unwrap();
    bytes.push(0);
    std::fs::write(&lib, &bytes).unwrap();
    std::fs::write(
        &digest,
        format!("{}  HardLib.ni.so\n", blake3::hash(&bytes).to_hex()),
    )
    .unwrap();
}

#[test]
fn a_swapped_or_missing_dependency_image_rejects_the_dependent_and_the_jit_runs_it() {
    for remove in [false, true] {
        let dir = app(&[], false);
        build(dir.path());
        tamper_with_hardlib_image(dir.path(), remove);
        let reason = if remove {
            "hard-bound to the image of HardLib, which has no valid image in this run"
        } else {
            "the image of HardLib it is hard-bound to changed"
        };
        let out = run(dir.path(), None);
        let log = stderr(&out);
        assert!(
            log.contains("App: rejected image") && log.contains(reason),
            "remove={remove}:\n{log}"
        );
        assert_eq!(
            observed(&out),
            Observed::from(&mono(&dir.path().join("App.exe"), &[])),
            "remove={remove}:\n{log}"
        );
        if !remove {
            assert!(log.contains("HardLib: using image"), "{log}");
        }
        let never = run(dir.path(), Some("never"));
        assert!(!never.status.success());
        assert!(
            stderr(&never).contains(reason),
            "--jit never must name the reason:\n{}",
            stderr(&never)
        );
    }
}

#[test]
fn hard_bound_images_are_identical_whatever_the_directory() {
    let one = app(&[("PlainLib", "always")], false);
    let two = app(&[("PlainLib", "always")], false);
    build(one.path());
    build(two.path());
    for name in ["App", "HardLib", "PlainLib"] {
        let a = image(one.path(), name);
        let b = image(two.path(), name);
        assert_eq!(
            a.strip_prefix(one.path()).unwrap(),
            b.strip_prefix(two.path()).unwrap(),
            "{name}: same fingerprint directory"
        );
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{name}.ni.so differs between the two directories"
        );
    }
}
