//! The build tool's rough edges from issue 10, each reproduced: everything after `run`'s
//! program path belongs to the program; `uninstall` cancels a queued `install`; `package`
//! refuses stale images and compresses by extension; every error line starts with `error:`.

use std::path::Path;
use std::process::Output;

use ngen_tests::{compile_fixture_exe, ngen_build};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

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
