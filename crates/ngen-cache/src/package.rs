//! Reproducible archives and tree hashes of a cache.
//!
//! [`write_package`] makes a tar (GNU format) of everything but `.local/`: entries sorted by
//! path, directories before their contents, mtime fixed (`SOURCE_DATE_EPOCH` or 0), uid/gid 0,
//! no user or group names, modes 0755 for directories and 0644 for files. Same tree, same
//! bytes. Extracted anywhere, `<dir>/<scenario>` is an image directory for `ngen-build run`.
//!
//! The archive's name picks its compression ([`ArchiveFormat::from_path`]): `.tar.gz`/`.tgz`
//! is gzip (best compression, a header without file name or timestamp, OS byte "unknown"),
//! `.tar.zst`/`.tzst` zstd (level 19, no content-size-dependent options), anything else a
//! plain tar. Either way the bytes depend only on the tree, never on the name or directory.
//!
//! Depends on [`crate::error`], [`crate::fsutil`], [`crate::layout`] and the tar, flate2 and
//! zstd crates.

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

/// How the archive is compressed, chosen by its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// A plain tar.
    Tar,
    /// gzip-compressed tar (`.tar.gz`, `.tgz`).
    Gzip,
    /// zstd-compressed tar (`.tar.zst`, `.tzst`).
    Zstd,
}

/// Suffixes of archive formats not written here: refused rather than written as a plain tar
/// under a misleading name.
const UNSUPPORTED: &[&str] = &[
    ".bz2", ".tbz2", ".xz", ".txz", ".lz", ".lzma", ".zip", ".7z",
];

/// gzip's "unknown" operating system byte (RFC 1952), the same on every machine.
const GZIP_OS_UNKNOWN: u8 = 255;

/// zstd level for packages: written once per release, extracted on many machines.
const ZSTD_LEVEL: i32 = 19;

impl ArchiveFormat {
    /// The format for an output path: `.gz`/`.tgz` gzip, `.zst`/`.tzst` zstd, else tar; a
    /// suffix of another archive format is a [`CacheError::Usage`].
    pub fn from_path(out: &Path) -> Result<ArchiveFormat> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".gz") || name.ends_with(".tgz") {
            Ok(ArchiveFormat::Gzip)
        } else if name.ends_with(".zst") || name.ends_with(".tzst") {
            Ok(ArchiveFormat::Zstd)
        } else if let Some(suffix) = UNSUPPORTED.iter().find(|s| name.ends_with(*s)) {
            Err(CacheError::Usage(format!(
                "{}: `{suffix}` archives are not supported; name it .tar, .tar.gz or .tar.zst",
                out.display()
            )))
        } else {
            Ok(ArchiveFormat::Tar)
        }
    }

    /// Compresses a tar's bytes.
    fn encode(self, tar: Vec<u8>) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        match self {
            ArchiveFormat::Tar => Ok(tar),
            ArchiveFormat::Gzip => {
                let mut encoder = flate2::GzBuilder::new()
                    .mtime(0)
                    .operating_system(GZIP_OS_UNKNOWN)
                    .write(Vec::new(), flate2::Compression::best());
                encoder.write_all(&tar)?;
                encoder.finish()
            }
            ArchiveFormat::Zstd => zstd::encode_all(tar.as_slice(), ZSTD_LEVEL),
        }
    }
}

/// Writes a reproducible archive of the cache at `root` to `out` (atomically), compressed as
/// its name says ([`ArchiveFormat::from_path`]); returns the number of entries.
pub fn write_package(root: &Path, out: &Path) -> Result<usize> {
    let format = ArchiveFormat::from_path(out)?;
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
        .and_then(|tar| format.encode(tar))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_picks_the_compression() {
        let format = |name: &str| ArchiveFormat::from_path(Path::new(name));
        assert_eq!(format("dist/a.tar").unwrap(), ArchiveFormat::Tar);
        assert_eq!(format("a.TAR.GZ").unwrap(), ArchiveFormat::Gzip);
        assert_eq!(format("a.tgz").unwrap(), ArchiveFormat::Gzip);
        assert_eq!(format("a.tar.zst").unwrap(), ArchiveFormat::Zstd);
        assert_eq!(format("a.tzst").unwrap(), ArchiveFormat::Zstd);
        assert!(matches!(format("a.tar.xz"), Err(CacheError::Usage(_))));
        assert!(matches!(format("a.zip"), Err(CacheError::Usage(_))));
    }

    #[test]
    fn gzip_output_has_no_name_or_time_and_round_trips() {
        let tar = b"tar bytes ".repeat(100);
        let gz = ArchiveFormat::Gzip.encode(tar.clone()).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        assert_eq!(gz[3], 0, "no FNAME, FCOMMENT or FEXTRA");
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "MTIME 0");
        assert_eq!(gz[9], GZIP_OS_UNKNOWN);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut back)
            .unwrap();
        assert_eq!(back, tar);
        let zst = ArchiveFormat::Zstd.encode(tar.clone()).unwrap();
        assert_eq!(zstd::decode_all(zst.as_slice()).unwrap(), tar);
    }
}
