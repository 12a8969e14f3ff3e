//! Mono's own test sources (`mono/mini/*.cs`, `*.il`), fetched at test time from Debian's
//! `mono` source package and never committed.
//!
//! `apt-get source --download-only mono` needs a `deb-src` entry, which `tests/setup.sh` adds
//! (mirroring the Debian entry). The archive is 117 MB; only `mono/mini/` is extracted, once
//! per target directory (`target/mono-sources/`), under a lock so concurrent test binaries do
//! not fetch twice. When anything fails the caller gets the reason and must skip **loudly**.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory holding Mono's `mono/mini` sources, fetching them on first use, or why they
/// cannot be had.
pub fn mono_mini_sources() -> Result<PathBuf, String> {
    let cache = target_dir().join("mono-sources");
    let mini = cache.join("mono/mini");
    if mini.join("basic.cs").is_file() {
        return Ok(mini);
    }
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let lock_file = std::fs::File::create(cache.join(".lock"))
        .map_err(|e| format!("cannot create the fetch lock: {e}"))?;
    lock_file
        .lock()
        .map_err(|e| format!("cannot take the fetch lock: {e}"))?;
    if mini.join("basic.cs").is_file() {
        return Ok(mini);
    }
    fetch_into(&cache)?;
    Ok(mini)
}

/// Downloads the source package into a scratch directory and extracts `mono/mini/` into
/// `cache` (renamed into place, so a killed fetch leaves nothing half-written).
fn fetch_into(cache: &Path) -> Result<(), String> {
    let scratch = tempfile::Builder::new()
        .prefix("mono-source-")
        .tempdir_in(cache)
        .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    crate::fetch_steps::run(
        Command::new("apt-get")
            .args(["source", "--download-only", "-qq", "mono"])
            .current_dir(scratch.path()),
        "apt-get source --download-only mono",
        "is there a deb-src entry? tests/setup.sh adds one",
    )?;
    let tarball = crate::fetch_steps::file_named(
        scratch.path(),
        |n| n.ends_with(".orig.tar.xz"),
        "apt-get source downloaded no .orig.tar.xz",
    )?;
    crate::fetch_steps::run(
        Command::new("tar")
            .arg("-xJf")
            .arg(&tarball)
            .args(["--wildcards", "--strip-components=1", "*/mono/mini/*"])
            .current_dir(scratch.path()),
        "tar -xJf (mono/mini)",
        "",
    )?;
    let extracted = scratch.path().join("mono");
    if !extracted.join("mini/basic.cs").is_file() {
        return Err("the source package has no mono/mini/basic.cs".into());
    }
    std::fs::rename(&extracted, cache.join("mono"))
        .map_err(|e| format!("cannot move the sources into place: {e}"))
}

/// `target/` of this build (the test binary lives in `target/<profile>/deps/`); also where
/// [`crate::debian_apps`] keeps its packages.
pub(crate) fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors()
        .nth(3)
        .expect("test binary lives in target/<profile>/deps")
        .to_path_buf()
}
