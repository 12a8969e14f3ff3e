//! Shared set-up for the integrity tests (integrity_*.rs): `Prog.exe → ProgLib.dll` from
//! tests/fixtures/integrity, compiled once per test binary with mcs and copied into a fresh
//! directory with an `ngen.toml`, plus running it and finding its cached images. Every method
//! of both compiles into the images, so `--jit never` runs image code only.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use ngen_tests::{mcs, workspace_root};

fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ngen-integrity-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let src = workspace_root().join("tests/fixtures/integrity");
        mcs(&[&src.join("ProgLib.cs")], &dir.join("ProgLib.dll"), &[]);
        mcs(
            &[&src.join("Prog.cs")],
            &dir.join("Prog.exe"),
            &[&format!("-r:{}", dir.join("ProgLib.dll").display())],
        );
        dir
    })
}

/// A fresh directory with Prog.exe, ProgLib.dll and an ngen.toml rooted at Prog.exe.
pub fn prog() -> tempfile::TempDir {
    let dir = ngen_tests::temp_dir();
    for f in ["Prog.exe", "ProgLib.dll"] {
        std::fs::copy(template().join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("ngen.toml"),
        "[[root]]\npath = \"Prog.exe\"\n",
    )
    .unwrap();
    dir
}

/// What mono prints for Prog.exe (and its exit code, 3).
pub const EXPECTED_STDOUT: &str = "385\nfrom native images\n";
pub const EXPECTED_EXIT: i32 = 3;

/// `ngen-build run [extra] Prog.exe` in `dir`, with `NGEN_LOG=binding` when `log`.
pub fn run_prog(dir: &Path, extra: &[&str], log: bool) -> Output {
    let mut command = ngen_tests::ngen_build();
    command
        .current_dir(dir)
        .arg("run")
        .args(extra)
        .arg("Prog.exe");
    if log {
        command.env("NGEN_LOG", "binding");
    }
    command.output().unwrap()
}

/// The one default-scenario image of assembly `name` in the cache of `dir`.
pub fn cached_image(dir: &Path, name: &str) -> PathBuf {
    let file = format!("{name}.ni.so");
    let found: Vec<PathBuf> = ngen_tests::files_under(&dir.join("target/ngen/default"), &[])
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == file.as_str()))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}
