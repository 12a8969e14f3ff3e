//! Crash-safe file-system primitives: write to a temporary file, fsync, rename into place,
//! fsync the directory. Nothing is ever modified in place, so a process killed at any point
//! leaves either the old file or the new one.
//!
//! Fault injection for tests (documented in docs/cache-layout.md): `NGEN_BUILD_FAULT=disk-full`
//! makes every cache write fail with ENOSPC, `NGEN_BUILD_FAULT=read-only` with EROFS, as a
//! full or read-only disk would. Root ignores permissions, so tests cannot rely on chmod alone.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::{CacheError, Result};

/// Returns the injected write fault, if any.
fn injected_fault() -> Option<std::io::Error> {
    match std::env::var("NGEN_BUILD_FAULT").ok()?.as_str() {
        "disk-full" => Some(std::io::Error::from_raw_os_error(28)), // ENOSPC
        "read-only" => Some(std::io::Error::from_raw_os_error(30)), // EROFS
        _ => None,
    }
}

/// Creates `dir` and its parents.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| CacheError::io("cannot create directory", dir, e))
}

/// Writes `bytes` to a new file `path` (which must not be visible to readers yet) and fsyncs it.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(e) = injected_fault() {
        return Err(CacheError::io("cannot write", path, e));
    }
    let mut f = File::create(path).map_err(|e| CacheError::io("cannot write", path, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| CacheError::io("cannot write", path, e))
}

/// Fsyncs a directory so a rename inside it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CacheError::io("cannot sync directory", dir, e))
}

/// Replaces `path` with `bytes` atomically: temp file in `tmp_dir`, fsync, rename, fsync parent.
pub fn write_atomic(path: &Path, bytes: &[u8], tmp_dir: &Path) -> Result<()> {
    create_dir_all(tmp_dir)?;
    let tmp = tmp_dir.join(unique_name("file"));
    write_new_file(&tmp, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(CacheError::io("cannot rename into", path, e));
    }
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// A name unique within this machine for temporary files and directories.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes a directory tree, ignoring "not found".
pub fn remove_tree(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CacheError::io("cannot remove", path, e)),
    }
}
