//! Crash-safe file-system primitives: write to a temporary file, fsync, rename into place,
//! fsync the directory. Nothing is ever modified in place, so a process killed at any point
//! leaves either the old file or the new one. Directories this module creates get mode 0755 and
//! files 0644 whatever the umask (the runtime refuses images others can write; see
//! `ngen_image::trust`), and an image is always written with its BLAKE3 digest
//! ([`write_image_with_digest`], the one writer the cache and `ngen-build compile` share).
//!
//! Fault injection for tests (documented in docs/cache-layout.md): `NGEN_BUILD_FAULT=disk-full`
//! makes every cache write fail with ENOSPC, `NGEN_BUILD_FAULT=read-only` with EROFS, as a
//! full or read-only disk would. Root ignores permissions, so tests cannot rely on chmod alone.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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

/// Mode of every directory the cache creates.
pub const DIR_MODE: u32 = 0o755;
/// Mode of every file the cache writes.
pub const FILE_MODE: u32 = 0o644;

/// Creates `dir` and its missing parents, each with mode 0755 whatever the umask. Directories
/// that already exist are left as they are.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
            .map_err(|e| CacheError::io("cannot set permissions of", dir, e)),
        // Another process created it meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(CacheError::io("cannot create directory", dir, e)),
    }
}

/// The largest single write of a file's contents. Linux caches a file written in one large
/// `write` in folios as large as 2 MiB (ext4, XFS), and a process that maps the file and
/// touches one page of such a folio is charged the whole folio: a hello world mapped a
/// freshly written mscorlib image with 14.8 MB resident instead of 3.1 MB. Written in pieces
/// no larger than the kernel's fault-around window, the pages a run maps are the ones it
/// uses (docs/BENCHMARKS.md section 22).
const WRITE_PIECE: usize = 64 << 10;

/// Writes `bytes` to a new file `path` (which must not be visible to readers yet) with mode
/// 0644 whatever the umask, in pieces of [`WRITE_PIECE`], and fsyncs it.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(e) = injected_fault() {
        return Err(CacheError::io("cannot write", path, e));
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(|e| CacheError::io("cannot write", path, e))?;
    f.set_permissions(fs::Permissions::from_mode(FILE_MODE))
        .and_then(|_| {
            bytes
                .chunks(WRITE_PIECE)
                .try_for_each(|piece| f.write_all(piece))
        })
        .and_then(|_| f.sync_all())
        .map_err(|e| CacheError::io("cannot write", path, e))
}

/// Writes the image `file_name` into `dir` with its digest file (`<file_name>.blake3`, see
/// `ngen_image::digest`), each atomically (temporary name in `dir`, fsync, rename), and returns
/// the image's BLAKE3 in hex. The digest is written first: a reader that sees the new image
/// sees its digest, and one that sees the old image with the new digest rejects it.
pub fn write_image_with_digest(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<String> {
    let line = ngen_image::digest::digest_line(bytes, file_name);
    let image = dir.join(file_name);
    write_atomic(
        &ngen_image::digest::digest_path(&image),
        line.as_bytes(),
        dir,
    )?;
    write_atomic(&image, bytes, dir)?;
    Ok(line[..64].to_string())
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
    let tmp = tmp_dir.join(unique_name(".tmp"));
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
