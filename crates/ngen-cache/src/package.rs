//! Reproducible archives and tree hashes of a cache.
//!
//! [`write_package`] makes a tar (GNU format) of everything but `.local/`: entries sorted by
//! path, directories before their contents, mtime fixed (`SOURCE_DATE_EPOCH` or 0), uid/gid 0,
//! no user or group names, modes 0755 for directories and 0644 for files. Same tree, same
//! bytes. Extracted anywhere, `<dir>/<scenario>` is an image directory for `ngen-build run`.
//!
//! Depends on [`crate::error`], [`crate::fsutil`], [`crate::layout`] and the tar crate.

use std::path::{Path, PathBuf};

use crate::error::{CacheError, Result};
use crate::layout::LOCAL_DIR;

/// Every file and directory of the cache except `.local`, as sorted relative paths.
fn entries(root: &Path) -> Result<Vec<(String, PathBuf, bool)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| CacheError::io("cannot read", &dir, e))?;
        for e in rd.flatten() {
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if rel == LOCAL_DIR || rel.starts_with(&format!("{LOCAL_DIR}/")) {
                continue;
            }
            let is_dir = path.is_dir();
            if is_dir {
                stack.push(path.clone());
            }
            out.push((rel, path, is_dir));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// BLAKE3 over the sorted (path, kind, content) of the cache tree, `.local` excluded: equal
/// for byte-identical trees.
pub fn tree_hash(root: &Path) -> Result<String> {
    let mut h = blake3::Hasher::new();
    for (rel, path, is_dir) in entries(root)? {
        h.update(rel.as_bytes());
        h.update(&[0, u8::from(is_dir)]);
        if !is_dir {
            let bytes =
                std::fs::read(&path).map_err(|e| CacheError::io("cannot read", &path, e))?;
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

/// The archive's fixed mtime: `SOURCE_DATE_EPOCH` when set, else 0.
pub fn fixed_mtime() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Writes a reproducible tar of the cache at `root` to `out` (atomically); returns the number
/// of entries.
pub fn write_package(root: &Path, out: &Path) -> Result<usize> {
    let mtime = fixed_mtime();
    let mut builder = tar::Builder::new(Vec::new());
    let list = entries(root)?;
    for (rel, path, is_dir) in &list {
        let mut header = tar::Header::new_gnu();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        let fail = |e: std::io::Error| CacheError::io("cannot archive", path, e);
        if *is_dir {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder
                .append_data(&mut header, format!("{rel}/"), std::io::empty())
                .map_err(fail)?;
        } else {
            let bytes = std::fs::read(path).map_err(|e| CacheError::io("cannot read", path, e))?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(bytes.len() as u64);
            builder
                .append_data(&mut header, rel, bytes.as_slice())
                .map_err(fail)?;
        }
    }
    let bytes = builder
        .into_inner()
        .map_err(|e| CacheError::io("cannot archive", root, e))?;
    let tmp_dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let tmp = tmp_dir.join(format!(".{}", crate::fsutil::unique_name("package")));
    // A full disk part-way through leaves no partial archive behind, and `out` untouched.
    if let Err(e) = crate::fsutil::write_new_file(&tmp, &bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CacheError::io("cannot write", out, e)
    })?;
    Ok(list.len())
}
