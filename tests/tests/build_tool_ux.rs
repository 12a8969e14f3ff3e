//! The build tool's rough edges from issue 10, each reproduced: everything after `run`'s
//! program path belongs to the program; `uninstall` cancels a queued `install`; `package`
//! refuses stale images and compresses by extension; every error line starts with `error:`.

mod build_common;

use std::path::Path;
use std::process::Output;

use build_common::*;
use ngen_tests::{compile_fixture_exe, ngen_build};

/// `ngen-build run <flags> EchoArgs.exe <program args>` under the JIT alone.
fn run_echo(exe: &Path, program_args: &[&str]) -> Output {
    ngen_build()
        .arg("run")
        .args(["--jit", "always"])
        .arg(exe)
        .args(program_args)
        .output()
        .expect("run ngen-build")
}

#[test]
fn everything_after_the_program_path_belongs_to_the_program() {
    let (_dir, exe) = compile_fixture_exe("cli", "EchoArgs.cs");
    let program_args = [
        "--version",
        "-h",
        "--help",
        "--jit",
        "never",
        "--images=x",
        "-V",
        "--",
        "plain",
    ];
    let out = run_echo(&exe, &program_args);
    let expected: String = program_args.iter().map(|a| format!("[{a}]\n")).collect();
    assert_eq!(stdout(&out), expected, "stderr:\n{}", stderr(&out));
    assert_eq!(out.status.code(), Some(program_args.len() as i32));

    // Options before the program path are still ngen-build's, in both spellings.
    let out = ngen_build()
        .args(["run", "--jit=always", "--scenario", "default"])
        .arg(&exe)
        .arg("--version")
        .output()
        .expect("run ngen-build");
    assert_eq!(stdout(&out), "[--version]\n", "stderr:\n{}", stderr(&out));

    // ngen-build's own --version and --help still work before the program path.
    let out = ngen_build().args(["run", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Usage"), "{}", stdout(&out));
}

#[test]
fn uninstall_cancels_a_queued_install_and_the_service_never_sees_it() {
    let dir = app();
    let cache = dir.path().join("cache");
    // By path, as a package's maintainer scripts do; the files are gone before the removal
    // script runs, and the script runs under `set -e`.
    let script = format!(
        "set -e\n\
         '{ngen}' install App.exe /queue:1\n\
         '{ngen}' install Tool.exe /queue:2\n\
         rm App.exe\n\
         '{ngen}' uninstall App.exe\n\
         echo removal-finished\n",
        ngen = ngen_tests::ngen_build_bin().display()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("NGEN_CACHE", &cache)
        .env("NGEN_SERVICE_AUTOSTART", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert!(stdout(&out).contains("removal-finished"));
    assert!(
        stderr(&out).contains("Cancelled queued install") && stderr(&out).contains("App.exe"),
        "uninstall says what it did:\n{}",
        stderr(&out)
    );
    assert_eq!(
        pending(dir.path(), &cache),
        1,
        "only Tool.exe's install stays"
    );

    // By simple name, in the scenario it was queued in only.
    ok_with_cache(
        dir.path(),
        &cache,
        &["install", "Tool.exe", "/queue:1", "/debug"],
    );
    let out = run_with_cache(dir.path(), &cache, &["uninstall", "Tool", "/profile"]);
    assert_eq!(out.status.code(), Some(1), "no profile install is queued");
    ok_with_cache(dir.path(), &cache, &["uninstall", "Tool", "/debug"]);
    assert_eq!(
        pending(dir.path(), &cache),
        1,
        "the default-scenario install stays"
    );

    // What is left runs cleanly and logs only Tool.exe.
    ok_with_cache(dir.path(), &cache, &["executeQueuedItems"]);
    let log = std::fs::read_to_string(cache.join(".local/queue.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains("Tool.exe (default)") && log.contains("\"ok\":true"),
        "{log}"
    );
}

/// The first `<Name>.ni.so` under the cache's `default` scenario whose name starts with `name`.
fn image_file(cache: &Path, name: &str) -> std::path::PathBuf {
    walk(&cache.join("default"))
        .into_iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|f| f == format!("{name}.ni.so").as_str())
        })
        .unwrap_or_else(|| panic!("no {name}.ni.so under {}", cache.display()))
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn package_refuses_images_a_failed_build_left_stale_or_missing() {
    let dir = app();
    json_build(dir.path(), &[]);
    upgrade(dir.path(), "Lib.dll");
    let failed = build_on_a_full_disk(dir.path());
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));

    let out = run_in(dir.path(), &["package", "--out", "images.tar"]);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Lib") && err.contains("stale"), "{err}");
    assert!(
        err.contains("ngen-build build"),
        "says how to fix it:\n{err}"
    );
    assert!(
        !dir.path().join("images.tar").exists(),
        "nothing is written"
    );

    // Once built, it packages.
    ok_in(dir.path(), &["build"]);
    ok_in(dir.path(), &["package", "--out", "images.tar"]);

    // A missing image file is refused too, with or without the manifest.
    let cache = dir.path().join("target/ngen");
    std::fs::remove_file(image_file(&cache, "Lib")).unwrap();
    for args in [
        &["package", "--out", "images.tar"][..],
        &[
            "package",
            "--out",
            "images.tar",
            "--cache-dir",
            "target/ngen",
        ][..],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}:\n{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("Lib") && err.contains("missing") && err.contains("ngen-build build"),
            "{args:?}:\n{err}"
        );
    }
}

#[test]
fn package_compresses_by_extension_reproducibly() {
    let dir = app();
    ok_in(dir.path(), &["build"]);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for out in ["a.tar", "a.tar.gz", "sub/b.tgz", "a.tar.zst"] {
        ok_in(dir.path(), &["package", "--out", out]);
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let tar = read("a.tar");
    let gz = read("a.tar.gz");
    let zst = read("a.tar.zst");
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");
    assert_eq!(gz[3] & 0x08, 0, "no file name in the gzip header");
    assert_eq!(&gz[4..8], &[0, 0, 0, 0], "no timestamp in the gzip header");
    assert_eq!(
        gz,
        read("sub/b.tgz"),
        "same bytes whatever the name and directory"
    );
    assert_eq!(&zst[..4], &[0x28, 0xb5, 0x2f, 0xfd], "zstd magic");
    assert!(gz.len() < tar.len() && zst.len() < tar.len());
    let mut gunzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.as_slice()),
        &mut gunzipped,
    )
    .unwrap();
    assert_eq!(gunzipped, tar);
    assert_eq!(zstd::decode_all(zst.as_slice()).unwrap(), tar);

    // Another copy of the app elsewhere packs to the same bytes.
    let other = app();
    ok_in(other.path(), &["build"]);
    ok_in(other.path(), &["package", "--out", "a.tar.gz"]);
    assert_eq!(std::fs::read(other.path().join("a.tar.gz")).unwrap(), gz);

    // An archive format it does not write is a usage error, not a mislabelled tar.
    let out = run_in(dir.path(), &["package", "--out", "a.tar.xz"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(".tar.gz"), "{}", stderr(&out));
}

/// The stderr lines that name a problem (not snippets, help or progress).
fn lines_with_error(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.contains("error")).collect()
}

#[test]
fn every_error_starts_a_line_with_error_and_json_carries_manifest_errors() {
    let dir = app();
    // Manifest errors, in both formats: an unknown key stops the check; missing roots are
    // each reported.
    let manifest = dir.path().join("ngen.toml");
    std::fs::write(&manifest, "rots = 1\n").unwrap();
    let err = stderr(&run_in(dir.path(), &["build"]));
    let first = "error: unknown key `rots` in ngen.toml [ngen::manifest::unknown_key]";
    assert_eq!(err.lines().next(), Some(first), "{err}");
    assert!(!err.contains('×'), "{err}");

    std::fs::write(
        &manifest,
        "[[root]]\npath = \"Missing.exe\"\n[[root]]\npath = \"Gone.exe\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["build"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for line in [
        "error: root `Missing.exe` does not exist [ngen::manifest::missing_file]",
        "error: root `Gone.exe` does not exist [ngen::manifest::missing_file]",
    ] {
        assert!(err.lines().any(|l| l == line), "no line {line:?}:\n{err}");
    }

    let out = run_in(dir.path(), &["build", "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let messages: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect();
    let manifest_errors: Vec<&serde_json::Value> = messages
        .iter()
        .filter(|m| m["reason"] == "manifest-error")
        .collect();
    assert_eq!(manifest_errors.len(), 2, "{messages:?}");
    for (m, line) in manifest_errors.iter().zip([2, 4]) {
        assert_eq!(m["code"], "ngen::manifest::missing_file", "{m}");
        assert_eq!(m["line"], line, "{m}");
        assert_eq!(m["column"], 8, "{m}");
        assert!(m["file"].as_str().unwrap().ends_with("ngen.toml"), "{m}");
    }
    assert_eq!(messages.last().unwrap()["reason"], "build-finished");
    assert!(
        stderr(&out).is_empty(),
        "JSON mode keeps stderr quiet:\n{}",
        stderr(&out)
    );

    // A failed build ends with a failure line that counts the failures.
    let dir = app();
    json_build(dir.path(), &[]);
    upgrade(dir.path(), "Lib.dll");
    let out = build_on_a_full_disk(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("error: build failed: "),
        "{err}"
    );
    // A root that no longer resolves fails the build without stopping it.
    std::fs::remove_file(dir.path().join("Lib.dll")).unwrap();
    let out = run_in(dir.path(), &["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.trim_end().lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: build failed: 0 of ") && last.ends_with("root unresolved"),
        "{err}"
    );
    for line in lines_with_error(&err) {
        assert!(
            line.starts_with("error: ") || line.starts_with("  help:") || line.starts_with(' '),
            "an error line that does not start with `error:`: {line:?}\n{err}"
        );
    }
}

#[test]
fn display_hides_inert_options_init_usage_errors_exit_2_and_explain_names_an_unresolved_root() {
    let dir = app();
    let cache = dir.path().join("cache");
    let help = stdout(&ok_with_cache(dir.path(), &cache, &["display", "--help"]));
    assert!(
        !help.contains("--jobs") && !help.contains("--verbose"),
        "{help}"
    );
    // Still accepted, as Ngen's scripts pass them.
    ok_with_cache(dir.path(), &cache, &["display", "/verbose"]);

    let out = run_in(dir.path(), &["init", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run_in(dir.path(), &["init", "."]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "ngen.toml exists: {}",
        stderr(&out)
    );

    std::fs::remove_file(dir.path().join("Lib.dll")).unwrap();
    let out = run_in(dir.path(), &["explain", "App"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("not an assembly of any root"), "{err}");
    assert!(
        err.contains("App.exe") && err.contains("does not resolve") && err.contains("deps"),
        "{err}"
    );
}
