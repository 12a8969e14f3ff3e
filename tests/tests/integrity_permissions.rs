//! Cache permissions: the runtime and the cache refuse an image, image directory or cache
//! directory that other users can write (group- or world-writable, or owned by another user
//! who is not root), with a message saying what to run, as ssh does for loose key files. The
//! cache creates directories 0755 and files 0644 whatever the umask.
//!
//! The tests run as root in CI, where permissions do not stop writes, so they set modes with
//! chmod and owners with chown (skipped, loudly, when not root).

mod build_common;
mod integrity_common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use build_common::{json_build, stderr, stdout};
use integrity_common::*;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn app_image(dir: &Path) -> PathBuf {
    cached_image(dir, "Prog")
}

fn run_app(dir: &Path, jit: &str) -> std::process::Output {
    run_prog(dir, &["--jit", jit], false)
}

/// The runtime refuses the image with a warning naming what to fix, runs Prog's methods with
/// the JIT, and `--jit never` fails naming the image (Main has no code: exit code 1).
fn assert_run_refuses(dir: &Path, image: &Path, what: &str) {
    let fallback = run_app(dir, "fallback");
    let err = stderr(&fallback);
    assert_eq!(fallback.status.code(), Some(EXPECTED_EXIT), "{err}");
    assert_eq!(stdout(&fallback), EXPECTED_STDOUT, "{err}");
    assert!(
        err.contains(&format!(
            "ngen-build run: warning: not using native image {}: {what}",
            image.display()
        )),
        "{err}"
    );
    let never = run_app(dir, "never");
    assert_eq!(never.status.code(), Some(1), "{}", stderr(&never));
    assert!(
        stderr(&never).contains(&image.display().to_string()),
        "{}",
        stderr(&never)
    );
}

/// `build` refuses the cache, exit code 1, with `what` in the message.
fn assert_build_refuses(dir: &Path, what: &str) {
    let out = ngen_tests::ngen_build()
        .current_dir(dir)
        .arg("build")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(what), "{}", stderr(&out));
}

#[test]
fn fixture_prints_what_the_assertions_expect() {
    let dir = prog();
    let out = ngen_tests::mono(&dir.path().join("Prog.exe"), &[]);
    assert_eq!(stdout(&out), EXPECTED_STDOUT);
    assert_eq!(out.status.code(), Some(EXPECTED_EXIT));
}

#[test]
fn world_writable_image_is_refused() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let image = app_image(dir.path());
    chmod(&image, 0o666);
    let what = format!(
        "permissions 0666 for '{0}' are too open: other users could replace the native code it \
         holds; run `chmod go-w '{0}'`",
        image.display()
    );
    assert_run_refuses(dir.path(), &image, &what);
    assert_build_refuses(dir.path(), &format!("refusing the cache: {what}"));
    chmod(&image, 0o644);
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
    assert_eq!(stdout(&run_app(dir.path(), "never")), EXPECTED_STDOUT);
}

#[test]
fn group_writable_directories_are_refused() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let image = app_image(dir.path());
    // The image's own directory, then the scenario directory (the root `run` searches).
    for d in [
        image.parent().unwrap().to_path_buf(),
        dir.path().join("target/ngen/default"),
    ] {
        chmod(&d, 0o775);
        let what = format!("permissions 0775 for '{}' are too open", d.display());
        assert_run_refuses(dir.path(), &image, &what);
        assert_build_refuses(dir.path(), &what);
        chmod(&d, 0o755);
    }
    // The cache directory itself: build refuses it.
    let cache = dir.path().join("target/ngen");
    chmod(&cache, 0o777);
    assert_build_refuses(
        dir.path(),
        &format!(
            "permissions 0777 for '{0}' are too open: other users could replace the native code \
             it holds; run `chmod go-w '{0}'`",
            cache.display()
        ),
    );
    chmod(&cache, 0o755);
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
}

#[test]
fn image_owned_by_another_user_is_refused() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let image = app_image(dir.path());
    let chown = std::process::Command::new("chown")
        .arg("nobody")
        .arg(&image)
        .output()
        .unwrap();
    if !chown.status.success() {
        ngen_tests::skip_loudly(
            "image_owned_by_another_user_is_refused",
            &format!(
                "cannot chown to nobody ({}); run the tests as root",
                stderr(&chown).trim()
            ),
        );
        return;
    }
    let owner = std::fs::metadata(&image).unwrap().uid();
    let what = format!(
        "'{}' is owned by uid {owner}, not by this user",
        image.display()
    );
    assert_run_refuses(dir.path(), &image, &what);
    assert_build_refuses(dir.path(), &what);
}

#[test]
fn the_cache_sets_its_modes_whatever_the_umask() {
    let dir = prog();
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .args(["-c", "umask 077 && exec \"$0\" build"])
        .arg(ngen_tests::ngen_build_bin())
        .env_remove("NGEN_CACHE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = dir.path().join("target/ngen");
    let mut checked = 0;
    let mut entries = vec![cache.clone()];
    while let Some(p) = entries.pop() {
        let mode = std::fs::metadata(&p).unwrap().mode() & 0o7777;
        if p.is_dir() {
            assert_eq!(mode, 0o755, "{}", p.display());
            entries.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
        } else {
            assert_eq!(mode, 0o644, "{}", p.display());
        }
        checked += 1;
    }
    assert!(checked > 20, "only {checked} entries");
    // And the program runs from those images.
    assert_eq!(stdout(&run_app(dir.path(), "never")), EXPECTED_STDOUT);
}
