//! Real third-party Mono applications from Debian's archive, fetched at test time and never
//! committed, and the differential run of one against mono.
//!
//! Model: `apt-get download PKG` (no root needed: it writes into the working directory) fetches
//! each package's `.deb` into `target/debian-apps/<package>/`, and `dpkg-deb -x` extracts it
//! into `root/` there, once per target directory (a scratch directory renamed into place, so a
//! killed fetch leaves nothing half-written) under a lock, so concurrent test binaries fetch
//! once. The assemblies are read from the extracted tree as the package installs them
//! (`/usr/lib/<app>/`, `/usr/lib/cli/<lib>/`); nothing is installed on the machine. When a
//! package cannot be had the caller gets the reason and must skip **loudly**
//! ([`crate::skip_loudly`]).
//!
//! A run is observed in a work directory at one fixed path for both sides (the inputs written
//! afresh before each run), so absolute paths the programs print or write are the same and
//! need no masking: its stdout, stderr, exit code and every file it leaves behind
//! ([`observe`]). Runs are bounded by coreutils' `timeout`, so a hang fails the test instead of
//! stalling the suite.
//!
//! Depends on: `apt-get`, `dpkg-deb`, `timeout` (Debian's base system), [`crate::ngen_build`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::mono_sources::target_dir;
use crate::{files_under, ngen_build, run_ok};

/// How long one run of an application may take (a debug build JIT-compiling most of it).
const RUN_TIMEOUT_SECONDS: u32 = 600;

/// The extracted tree (`usr/...`) of Debian package `package`, downloading and extracting it
/// on first use, or why it cannot be had.
pub fn debian_package(package: &str) -> Result<PathBuf, String> {
    let cache = target_dir().join("debian-apps");
    let dir = cache.join(package);
    let root = dir.join("root");
    if root.is_dir() {
        return Ok(root);
    }
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let lock_file = std::fs::File::create(cache.join(".lock"))
        .map_err(|e| format!("cannot create the fetch lock: {e}"))?;
    lock_file
        .lock()
        .map_err(|e| format!("cannot take the fetch lock: {e}"))?;
    if root.is_dir() {
        return Ok(root);
    }
    fetch_into(package, &dir)?;
    Ok(root)
}

/// The extracted trees of `packages`, in order, or why one cannot be had.
pub fn debian_packages(packages: &[&str]) -> Result<Vec<PathBuf>, String> {
    packages.iter().map(|p| debian_package(p)).collect()
}

/// Downloads `package` into a scratch directory, extracts it, and renames the scratch
/// directory to `dir`.
fn fetch_into(package: &str, dir: &Path) -> Result<(), String> {
    let parent = dir.parent().expect("a package directory has a parent");
    let scratch = tempfile::Builder::new()
        .prefix(&format!("{package}-"))
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    crate::fetch_steps::run(
        Command::new("apt-get")
            .args(["download", "-qq", package])
            .current_dir(scratch.path()),
        &format!("apt-get download {package}"),
        "no network or no Debian archive?",
    )?;
    let deb = crate::fetch_steps::file_named(
        scratch.path(),
        |n| n.ends_with(".deb"),
        &format!("`apt-get download {package}` wrote no .deb"),
    )?;
    crate::fetch_steps::run(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(scratch.path().join("root")),
        &format!("dpkg-deb -x {}", deb.display()),
        "",
    )?;
    let scratch = scratch.keep();
    std::fs::rename(&scratch, dir).map_err(|e| format!("cannot move {package} into place: {e}"))
}

/// Copies each `(source, name)` into `folder` as `folder/name` (creating its directories): an
/// application's publish folder laid out as its package installs it.
pub fn stage(folder: &Path, files: &[(PathBuf, &str)]) {
    for (source, name) in files {
        let target = folder.join(name);
        std::fs::create_dir_all(target.parent().expect("a staged file has a parent"))
            .expect("create the publish folder");
        std::fs::copy(source, &target)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", source.display(), target.display()));
    }
}

/// `ngen-build init <folder>` then `ngen-build build` in it (both must succeed): the
/// application's images in `<folder>/target/ngen`, where `ngen-build run` of a program in the
/// folder finds them (the nearest `ngen.toml`). Returns `build`'s output.
pub fn init_and_build(folder: &Path) -> Output {
    run_ok(ngen_build().arg("init").arg(folder));
    run_ok(ngen_build().current_dir(folder).arg("build"))
}

/// What one run of a program did: its output, exit code and the files in its work directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i32>,
    /// Every file of the work directory after the run, by path relative to it, with its text
    /// (binary files as lossy UTF-8 plus their BLAKE3 digest, so any byte difference shows).
    pub files: BTreeMap<String, String>,
}

impl Observation {
    /// This observation with `mask` applied to its stdout, stderr and every file's text.
    pub fn masked(&self, mask: impl Fn(&str) -> String) -> Observation {
        Observation {
            stdout: mask(&self.stdout),
            stderr: mask(&self.stderr),
            exit_code: self.exit_code,
            files: self
                .files
                .iter()
                .map(|(name, text)| (name.clone(), mask(text)))
                .collect(),
        }
    }
}

/// Empties `work`, lets `prepare` write the run's inputs into it, runs `command` there (bounded
/// by [`RUN_TIMEOUT_SECONDS`]) and observes the result.
pub fn observe(work: &Path, prepare: &dyn Fn(&Path), command: &mut Command) -> Observation {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).expect("create the work directory");
    prepare(work);
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let mut bounded = Command::new("timeout");
    bounded
        .arg("--kill-after=10")
        .arg(RUN_TIMEOUT_SECONDS.to_string())
        .arg(program)
        .args(args)
        .current_dir(work);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => bounded.env(key, value),
            None => bounded.env_remove(key),
        };
    }
    let out = bounded
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert_ne!(
        out.status.code(),
        Some(124),
        "{command:?} did not finish in {RUN_TIMEOUT_SECONDS}s"
    );
    let mut files = BTreeMap::new();
    for path in files_under(work, &[]) {
        let bytes = std::fs::read(&path).expect("read a file the run left");
        let name = path
            .strip_prefix(work)
            .expect("under the work directory")
            .to_string_lossy()
            .into_owned();
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let digest = blake3::hash(e.as_bytes());
                format!(
                    "(binary, BLAKE3 {digest})\n{}",
                    String::from_utf8_lossy(e.as_bytes())
                )
            }
        };
        files.insert(name, text);
    }
    Observation {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        exit_code: out.status.code(),
        files,
    }
}

/// `mono <exe> <args>` as a command (the oracle).
pub fn mono_command(exe: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("mono");
    command.arg(exe).args(args);
    command
}

/// `ngen-build run [--jit <mode>] <exe> <args>` as a command (`mode` "default" passes no
/// `--jit`); the images are the application's cache (found from the exe) and the shared
/// framework images ([`crate::framework_images`], through `NGEN_IMAGE_PATH`).
pub fn ngen_run_command(exe: &Path, mode: &str, args: &[&str]) -> Command {
    let mut command = ngen_build();
    command.arg("run");
    if mode != "default" {
        command.args(["--jit", mode]);
    }
    command.arg(exe).args(args);
    command
}

/// Asserts `ours` is `mono`'s observation, field by field, naming the run and showing both.
pub fn assert_same_observation(what: &str, ours: &Observation, mono: &Observation) {
    assert_eq!(
        ours.stdout, mono.stdout,
        "{what}: stdout differs from mono's (ours first); stderr:\n{}",
        ours.stderr
    );
    assert_eq!(
        ours.stderr, mono.stderr,
        "{what}: stderr differs from mono's (ours first)"
    );
    assert_eq!(
        ours.exit_code, mono.exit_code,
        "{what}: exit code differs from mono's (ours first)"
    );
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        mono.files.keys().collect::<Vec<_>>(),
        "{what}: the files written differ from mono's (ours first)"
    );
    for (name, text) in &mono.files {
        assert_eq!(
            &ours.files[name], text,
            "{what}: {name} differs from mono's (ours first)"
        );
    }
}
