//! Native images of the framework assemblies, built once per test run and shared by every
//! test binary.
//!
//! Differential tests run programs whose calls reach Mono's class libraries, so they need
//! `mscorlib`'s image (and, as programs grow, System's and System.Core's). Compiling those in
//! every test binary would cost each binary the same minutes; instead the first binary that
//! asks builds them under `target/test-framework-images/<key>/`, and the others wait on a
//! lock and reuse the result. The key names the identity images are stamped with (`ngen-build
//! --version`'s `images:` and `codegen:` lines: the compiler's source digest and code generator,
//! which the runtime validates images against) and the framework files, so a stale set is never
//! used, while a rebuild that changed only the runtime or the CLI keeps the set it can still
//! load; older sets are deleted when a new one is built. The set is staged in a temporary directory and
//! renamed into place, so a test run killed half-way leaves no half-built set behind.
//! Debug-scenario runs need images compiled for that scenario: [`debug_framework_images`]
//! builds that set the same way, under `target/test-framework-images-debug/<key>/`. The real
//! applications reach further into the framework (System.Configuration, Mono.Security, ...):
//! [`application_framework_images`] builds those assemblies' images on first use, under
//! `target/test-framework-images-apps/<key>/`, so only the tests that need them pay for them.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use crate::{
    FRAMEWORK_DIR, ngen_build_bin, ngen_build_without_framework_images, run_ok, workspace_root,
};

/// The framework assemblies whose images the tests share, by file name under
/// [`FRAMEWORK_DIR`].
/// System, System.Core, System.Xml and System.Xml.Linq serve `codegen_system`'s programs (LINQ,
/// `Regex`, `Uri`, XML) under `--jit never`; the rest of their closure (System.Configuration,
/// Mono.Security, ...) is JIT-compiled when reached.
pub const FRAMEWORK_ASSEMBLIES: &[&str] = &[
    "mscorlib.dll",
    "System.dll",
    "System.Core.dll",
    "System.Xml.dll",
    "System.Xml.Linq.dll",
];

/// Framework assemblies beyond [`FRAMEWORK_ASSEMBLIES`] that the real applications' closures
/// reach (de4dot's and NUnit's configuration, remoting and security code), by file name under
/// [`FRAMEWORK_DIR`].
pub const APPLICATION_FRAMEWORK_ASSEMBLIES: &[&str] = &[
    "System.Configuration.dll",
    "Mono.Security.dll",
    "System.Runtime.Remoting.dll",
];

/// The directory holding the shared framework images (`<Name>.ni.so` and digest files), built
/// on first use in this test run. Pass it to `ngen-build run --images` next to the program's
/// own image directory.
pub fn framework_images() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_once("default")).clone()
}

/// The framework images of the debug scenario (`compile --scenario debug`), for
/// `ngen-build run --scenario debug --jit never`: mscorlib only (the debug and profile
/// fixtures use nothing else, and each set costs build time once per test run).
pub fn debug_framework_images() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_once("debug")).clone()
}

/// The framework images of the profile scenario (mscorlib only), for
/// `ngen-build run --scenario profile --jit never`.
pub fn profile_framework_images() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_once("profile")).clone()
}

/// The images of [`APPLICATION_FRAMEWORK_ASSEMBLIES`] (default scenario), built on first use
/// in this test run. `NGEN_IMAGE_PATH` names it after [`framework_images`] for a real
/// application's `--jit never` run ([`framework_image_path`]).
pub fn application_framework_images() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_set("apps", "default", APPLICATION_FRAMEWORK_ASSEMBLIES))
        .clone()
}

/// `NGEN_IMAGE_PATH`'s value for a program whose closure reaches the application framework
/// assemblies: the shared framework images, then [`application_framework_images`].
pub fn framework_image_path() -> std::ffi::OsString {
    std::env::join_paths([framework_images(), application_framework_images()])
        .expect("image directories without colons")
}

fn build_once(scenario: &str) -> PathBuf {
    let assemblies = if scenario == "default" {
        FRAMEWORK_ASSEMBLIES
    } else {
        &FRAMEWORK_ASSEMBLIES[..1]
    };
    build_set(scenario, scenario, assemblies)
}

/// Builds (once per compiler binary and framework files) the images of `assemblies` compiled
/// for `scenario`, under `target/test-framework-images[-<set>]/<key>/`.
fn build_set(set: &str, scenario: &str, assemblies: &[&str]) -> PathBuf {
    let root = workspace_root().join(match set {
        "default" => "target/test-framework-images".to_string(),
        other => format!("target/test-framework-images-{other}"),
    });
    fs::create_dir_all(&root).expect("create the framework images directory");
    let key = key(assemblies);
    let dir = root.join(&key);
    // Other test binaries build the same set at the same time: one builds, the rest wait.
    let lock = File::create(root.join(".lock")).expect("create the framework images lock");
    lock.lock().expect("lock the framework images");
    if !dir.join(".complete").exists() {
        let staging = root.join(format!("{key}.staging"));
        let _ = fs::remove_dir_all(&staging);
        for name in assemblies {
            run_ok(
                ngen_build_without_framework_images()
                    .arg("compile")
                    .arg(Path::new(FRAMEWORK_DIR).join(name))
                    .args(["--scenario", scenario, "--out"])
                    .arg(&staging),
            );
        }
        File::create(staging.join(".complete")).expect("mark the framework images complete");
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&staging, &dir).expect("move the framework images into place");
        remove_other_sets(&root, &key);
    }
    drop(lock);
    dir
}

/// Identifies the compiler the images were built by (its image identity) and the framework
/// files they were built from.
fn key(assemblies: &[&str]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(image_identity().as_bytes());
    let mut add_file = |path: &Path| {
        let meta = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.update(&meta.len().to_le_bytes());
        hasher.update(&mtime.to_le_bytes());
    };
    for name in assemblies {
        add_file(&Path::new(FRAMEWORK_DIR).join(name));
    }
    hasher.finalize().to_hex()[..16].to_string()
}

/// The `images:` and `codegen:` lines of `ngen-build --version`: what an image is stamped with
/// and validated against. Asked once per test binary.
fn image_identity() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let out = run_ok(std::process::Command::new(ngen_build_bin()).arg("--version"));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let identity: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("images: ") || l.starts_with("codegen: "))
            .collect();
        assert_eq!(
            identity.len(),
            2,
            "ngen-build --version names no image identity:\n{text}"
        );
        identity.join("\n")
    })
}

/// Deletes image sets built by earlier compiler binaries (they are never used again).
fn remove_other_sets(root: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if entry.path().is_dir() && name != keep {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
