//! Reproducible archives and tree hashes of a cache.
//!
//! [`write_package`] makes a tar (GNU format) of everything but `.local/`: entries sorted by
//! path, directories before their contents, mtime fixed (`SOURCE_DATE_EPOCH` or 0), uid/gid 0,
//! no user or group names, modes 0755 for directories and 0644 for files. Same tree, same
//! bytes. Extracted anywhere, `<dir>/<scenario>` is an image directory for `ngen-build run`.
//!
//! With a prefix ([`write_package_under`], `package --prefix usr/lib/app/ngen`) every entry
//! sits under that directory, whose own directories come first: the archive extracts straight
//! into an installer's staging root (`dpkg-deb`'s, rpm's buildroot).
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
    write_package_under(root, out, "")
}

/// A `--prefix` as archive paths: relative, `/`-separated, without `.`, `..` or empty parts
/// (a leading `/` is dropped: archives hold relative paths). `""` is no prefix.
pub fn normalize_prefix(prefix: &str) -> Result<String> {
    let parts: Vec<&str> = prefix
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") || prefix.contains('\\') || prefix.contains('\0') {
        return Err(CacheError::Usage(format!(
            "--prefix {prefix}: a prefix is a plain relative directory such as usr/lib/app/ngen \
             (no `..`, backslashes or NUL)"
        )));
    }
    Ok(parts.join("/"))
}

/// [`write_package`] with every entry under `prefix` (see [`normalize_prefix`]), preceded by
/// the prefix's own directories.
pub fn write_package_under(root: &Path, out: &Path, prefix: &str) -> Result<usize> {
    let format = ArchiveFormat::from_path(out)?;
    let prefix = normalize_prefix(prefix)?;
    let mtime = fixed_mtime();
    let mut builder = tar::Builder::new(Vec::new());
    let mut list: Vec<(String, PathBuf, bool)> = Vec::new();
    let mut parent = String::new();
    for part in prefix.split('/').filter(|p| !p.is_empty()) {
        parent = if parent.is_empty() {
            part.to_string()
        } else {
            format!("{parent}/{part}")
        };
        list.push((parent.clone(), root.to_path_buf(), true));
    }
    list.extend(entries(root)?.into_iter().map(|(rel, path, is_dir)| {
        let rel = if prefix.is_empty() {
            rel
        } else {
            format!("{prefix}/{rel}")
        };
        (rel, path, is_dir)
    }));
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
    fn a_prefix_is_a_plain_relative_directory() {
        assert_eq!(normalize_prefix("/usr/lib/app/").unwrap(), "usr/lib/app");
        assert_eq!(normalize_prefix("./a//b").unwrap(), "a/b");
        assert_eq!(normalize_prefix("").unwrap(), "");
        assert!(matches!(
            normalize_prefix("a/../b"),
            Err(CacheError::Usage(_))
        ));
    }

    #[test]
    fn a_prefixed_package_puts_every_entry_under_the_prefix() {
        let cache = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(cache.path().join("default/App")).unwrap();
        std::fs::write(cache.path().join("index.json"), b"{}").unwrap();
        std::fs::write(cache.path().join("default/App/App.ni.so"), b"elf").unwrap();
        std::fs::create_dir_all(cache.path().join(".local")).unwrap();
        let dist = tempfile::tempdir().unwrap();
        let out = dist.path().join("p.tar");
        let n = write_package_under(cache.path(), &out, "usr/lib/app").unwrap();
        let mut archive = tar::Archive::new(std::fs::File::open(&out).unwrap());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let name = e.unwrap().path().unwrap().to_string_lossy().into_owned();
                name.trim_end_matches('/').to_string()
            })
            .collect();
        let expected = [
            "usr",
            "usr/lib",
            "usr/lib/app",
            "usr/lib/app/default",
            "usr/lib/app/default/App",
            "usr/lib/app/default/App/App.ni.so",
            "usr/lib/app/index.json",
        ];
        assert_eq!(names, expected);
        assert_eq!(n, names.len());
    }

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
