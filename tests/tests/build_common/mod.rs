//! Shared set-up for the build-tool end-to-end tests (build_*.rs, ngen_actions_*.rs): the
//! fixture assemblies of tests/fixtures/build compiled once per test binary with mcs, copied
//! into a fresh directory per test, and small helpers to run ngen-build and read its cache.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use ngen_tests::{mcs, ngen_build, run_ok, workspace_root};

pub fn fixture_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/build")
}

/// Compiled fixtures: Leaf.dll, Lib.dll (strong-named), App.exe, Tool.exe, plus `v2/Lib.dll`
/// (same identity, one more method) and `v2/Leaf.dll`.
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ngen-build-fixtures-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("v2")).unwrap();
        let key = dir.join("key.snk");
        run_ok(Command::new("sn").arg("-q").arg("-k").arg(&key));
        let f = fixture_dir();
        let keyfile = format!("-keyfile:{}", key.display());
        let src = |n: &str| f.join(n);
        let r = |p: PathBuf| format!("-r:{}", p.display());
        mcs(&[&src("Leaf.cs")], &dir.join("Leaf.dll"), &[&keyfile]);
        mcs(
            &[&src("Lib.cs")],
            &dir.join("Lib.dll"),
            &[&keyfile, &r(dir.join("Leaf.dll"))],
        );
        mcs(
            &[&src("App.cs")],
            &dir.join("App.exe"),
            &[&r(dir.join("Lib.dll")), &r(dir.join("Leaf.dll"))],
        );
        mcs(
            &[&src("Tool.cs")],
            &dir.join("Tool.exe"),
            &[&r(dir.join("Leaf.dll"))],
        );
        mcs(
            &[&src("Lib.cs")],
            &dir.join("v2/Lib.dll"),
            &[&keyfile, "-define:V2", &r(dir.join("Leaf.dll"))],
        );
        mcs(
            &[&src("Leaf.cs")],
            &dir.join("v2/Leaf.dll"),
            &[&keyfile, "-define:V2"],
        );
        dir
    })
}

/// The public key token of the fixture key, as in Lib's display name.
pub fn lib_token() -> String {
    let out = Command::new("sn")
        .arg("-T")
        .arg(template().join("Lib.dll"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("Public Key Token:")
        .nth(1)
        .map(|t| t.trim().to_lowercase())
        .expect("sn -T prints the token")
}

/// A fresh app directory with the v1 fixtures and the fixture ngen.toml.
pub fn app() -> tempfile::TempDir {
    let dir = ngen_tests::temp_dir();
    for f in ["Leaf.dll", "Lib.dll", "App.exe", "Tool.exe"] {
        std::fs::copy(template().join(f), dir.path().join(f)).unwrap();
    }
    std::fs::copy(
        fixture_dir().join("ngen.toml"),
        dir.path().join("ngen.toml"),
    )
    .unwrap();
    dir
}

/// Replaces `name` in `dir` with its v2 build.
pub fn upgrade(dir: &Path, name: &str) {
    std::fs::copy(template().join("v2").join(name), dir.join(name)).unwrap();
}

/// Writes App.exe.config redirecting Lib's versions `old` to 1.0.0.0.
pub fn write_redirect(dir: &Path, old: &str) {
    let text = std::fs::read_to_string(fixture_dir().join("App.exe.config.in"))
        .unwrap()
        .replace("@TOKEN@", &lib_token())
        .replace("@OLD@", old);
    std::fs::write(dir.join("App.exe.config"), text).unwrap();
}

/// `ngen-build args...` in `dir`.
fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = ngen_build();
    command.current_dir(dir).args(args);
    command
}

/// `ngen-build args...` in `dir` against the cache `cache` (via NGEN_CACHE, as installers do).
fn command_with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut command = command_in(dir, args);
    command.env("NGEN_CACHE", cache);
    command
}

/// Runs `ngen-build args...` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("run ngen-build")
}

/// Like [`run_in`], asserting success.
pub fn ok_in(dir: &Path, args: &[&str]) -> Output {
    run_ok(&mut command_in(dir, args))
}

/// Runs `ngen-build args...` in `dir` against the cache `cache` (via NGEN_CACHE, as installers
/// do).
pub fn run_with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    command_with_cache(dir, cache, args)
        .output()
        .expect("run ngen-build")
}

/// Like [`run_with_cache`], asserting success.
pub fn ok_with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    run_ok(&mut command_with_cache(dir, cache, args))
}

/// `build --message-format json` in `dir`: the (name, scenario) of images compiled, and of
/// images fresh, and the final `build-finished` object.
pub struct JsonBuild {
    pub compiled: Vec<(String, String)>,
    pub fresh: Vec<(String, String)>,
    pub reasons: Vec<(String, Vec<String>)>,
    pub finished: serde_json::Value,
}

pub fn json_build(dir: &Path, extra: &[&str]) -> JsonBuild {
    let mut args = vec!["build", "--message-format", "json"];
    args.extend_from_slice(extra);
    let out = ok_in(dir, &args);
    parse_json_build(&out)
}

pub fn parse_json_build(out: &Output) -> JsonBuild {
    let mut b = JsonBuild {
        compiled: vec![],
        fresh: vec![],
        reasons: vec![],
        finished: serde_json::Value::Null,
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    for v in &lines {
        let key = (
            v["name"].as_str().unwrap_or("").to_string(),
            v["scenario"].as_str().unwrap_or("").to_string(),
        );
        match v["reason"].as_str() {
            Some("native-image") if v["fresh"] == true => b.fresh.push(key),
            Some("native-image") => {
                let reasons = v["dirty_reasons"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|r| r.as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                b.reasons.push((key.0.clone(), reasons));
                b.compiled.push(key);
            }
            _ => {}
        }
    }
    b.finished = lines.last().cloned().unwrap_or_default();
    assert_eq!(
        b.finished["reason"], "build-finished",
        "build-finished must come last"
    );
    b.compiled.sort();
    b.fresh.sort();
    b
}

pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// BLAKE3 over every file and directory under `root` except `.local`, by sorted relative path.
pub fn tree_hash(root: &Path) -> String {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Option<Vec<u8>>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel == ".local" {
                continue;
            }
            if p.is_dir() {
                out.push((rel, None));
                walk(&p, root, out);
            } else {
                out.push((rel, Some(std::fs::read(&p).unwrap())));
            }
        }
    }
    let mut entries = Vec::new();
    walk(root, root, &mut entries);
    entries.sort();
    let mut h = blake3::Hasher::new();
    for (rel, content) in entries {
        h.update(rel.as_bytes());
        h.update(&[0]);
        if let Some(c) = content {
            h.update(&(c.len() as u64).to_le_bytes());
            h.update(&c);
        }
    }
    h.finalize().to_hex().to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The queue's pending items, as `queue status` counts them.
pub fn pending(dir: &Path, cache: &Path) -> usize {
    stdout(&ok_with_cache(dir, cache, &["queue", "status"]))
        .lines()
        .find_map(|l| l.strip_prefix("Pending items: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("queue status prints the pending count")
}

/// `ngen-build build` in `dir` with every cache write failing as on a full disk.
pub fn build_on_a_full_disk(dir: &Path) -> Output {
    command_in(dir, &["build"])
        .env("NGEN_BUILD_FAULT", "disk-full")
        .output()
        .expect("run ngen-build")
}
