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
