//! Shared by the type system's integration tests: finding Mono's tools, compiling C# fixtures
//! with `mcs` into a temporary directory, and a context over Mono's framework plus that
//! directory. Tests skip loudly (eprintln + return) when Mono is not installed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ngen_typesystem::{DirectoryResolver, TypeSystem};

/// Mono's framework directory (Debian's mono packages).
pub const FRAMEWORK: &str = "/usr/lib/mono/4.5";

/// True when `tool` runs; otherwise prints why the test is skipped.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        eprintln!("SKIPPED: `{tool}` is not installed (tests/setup.sh installs mono-devel)");
    }
    found && Path::new(FRAMEWORK).join("mscorlib.dll").is_file()
}

/// The path of a fixture source in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Compiles `sources` with `mcs` into `dir/out`; `extra` are more mcs arguments.
pub fn mcs(dir: &Path, out: &str, sources: &[&str], extra: &[&str]) -> PathBuf {
    let out_path = dir.join(out);
    let mut cmd = Command::new("mcs");
    cmd.arg("-nologo")
        .arg(format!("-out:{}", out_path.display()));
    if out.ends_with(".dll") {
        cmd.arg("-target:library");
    }
    cmd.args(extra);
    for s in sources {
        cmd.arg(fixture(s));
    }
    let o = cmd.output().expect("mcs runs");
    assert!(
        o.status.success(),
        "mcs failed for {sources:?}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out_path
}

/// A context over Mono's framework and `dir`.
pub fn context(dir: &Path) -> TypeSystem {
    let resolver = DirectoryResolver::new([
        dir.to_path_buf(),
        PathBuf::from(FRAMEWORK),
        Path::new(FRAMEWORK).join("Facades"),
    ]);
    TypeSystem::new(Box::new(resolver), "mscorlib").expect("mscorlib loads")
}
