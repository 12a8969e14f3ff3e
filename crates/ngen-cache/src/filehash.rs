//! Content hashes of input assemblies, with a metadata fast path.
//!
//! The content hash (BLAKE3 of the bytes) decides freshness. Re-hashing every input on every
//! no-op build would cost as much as `b3sum`, so a file whose (size, mtime, ctime, inode,
//! device) are unchanged since it was last hashed reuses the stored hash. Any difference in
//! that metadata means re-hashing: mtime alone is never trusted (a `touch -d`, a `COPY` in a
//! container or a clock skew cannot make us skip a change, since ctime and inode also count).
//! A file modified within the last two seconds is hashed but not remembered, so an edit in the
//! same timestamp tick as our read cannot be missed ("racy git").
//!
//! The memo lives in `<cache>/.local/file-hashes.json`: machine-local, never packaged.
//!
//! Depends on [`crate::error`], [`crate::fsutil`] (saving the memo) and `ngen-image`'s
//! [`FileIdentity`] (the metadata compared, and the racy rule).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ngen_image::verified::FileIdentity;
use serde::{Deserialize, Serialize};

use crate::error::{CacheError, Result};

/// The content of one file: its BLAKE3 and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHash {
    /// Lower-case hex BLAKE3 of the bytes.
    pub blake3: String,
    /// Size in bytes.
    pub size: u64,
}

/// The metadata that must be unchanged for a memoised result to be reused: a file's
/// [`FileIdentity`], the one the runtime's verification stamps use too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StampFields", into = "StampFields")]
pub struct Stamp(FileIdentity);

/// A [`Stamp`] as the memo files hold it (`file-hashes.json`, the closure memo): these
/// fields, in this order, whatever [`FileIdentity`] calls them, so existing caches still read.
#[derive(Serialize, Deserialize)]
struct StampFields {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
    dev: u64,
}

impl From<StampFields> for Stamp {
    fn from(f: StampFields) -> Stamp {
        Stamp(FileIdentity {
            device: f.dev,
            inode: f.ino,
            size: f.size,
            mtime_ns: f.mtime_ns,
            ctime_ns: f.ctime_ns,
        })
    }
}

impl From<Stamp> for StampFields {
    fn from(Stamp(id): Stamp) -> StampFields {
        StampFields {
            size: id.size,
            mtime_ns: id.mtime_ns,
            ctime_ns: id.ctime_ns,
            ino: id.inode,
            dev: id.device,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Memo {
    stamp: Stamp,
    blake3: String,
}

/// Hashes files, remembering results keyed by path and metadata.
#[derive(Debug, Default)]
pub struct FileHasher {
    memo: Mutex<BTreeMap<PathBuf, Memo>>,
    memo_path: Option<PathBuf>,
    /// Number of files actually read and hashed (the rest came from the memo).
    hashed: std::sync::atomic::AtomicUsize,
    /// Whether the memo changed since it was loaded.
    changed: std::sync::atomic::AtomicBool,
}

impl FileHasher {
    /// A hasher with no memo (always hashes).
    pub fn new() -> Self {
        Self::default()
    }

    /// A hasher whose memo is loaded from (and later saved to) `memo_path`. A missing or
    /// unreadable memo is simply empty.
    pub fn with_memo(memo_path: PathBuf) -> Self {
        let memo = std::fs::read(&memo_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        FileHasher {
            memo: Mutex::new(memo),
            memo_path: Some(memo_path),
            hashed: Default::default(),
            changed: Default::default(),
        }
    }

    /// How many files were read and hashed rather than taken from the memo.
    pub fn files_hashed(&self) -> usize {
        self.hashed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The memoised hash of `path`, if its stamp is unchanged (no reading).
    pub fn memoised(&self, path: &Path) -> Option<ContentHash> {
        let stamp = Stamp::of(path).ok()?;
        self.memo_hit(path, &stamp)
    }

    /// The remembered hash of `path`, if it was recorded under exactly `stamp`.
    fn memo_hit(&self, path: &Path, stamp: &Stamp) -> Option<ContentHash> {
        let memo = self.memo.lock().ok()?;
        let m = memo.get(path).filter(|m| m.stamp == *stamp)?;
        Some(ContentHash {
            blake3: m.blake3.clone(),
            size: stamp.size(),
        })
    }

    /// The content hash of `path`.
    pub fn hash(&self, path: &Path) -> Result<ContentHash> {
        let stamp = Stamp::of(path).map_err(|e| CacheError::io("cannot read", path, e))?;
        if let Some(hit) = self.memo_hit(path, &stamp) {
            return Ok(hit);
        }
        let bytes = std::fs::read(path).map_err(|e| CacheError::io("cannot read", path, e))?;
        self.hashed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let digest = blake3::hash(&bytes).to_hex().to_string();
        let size = bytes.len() as u64;
        if size == stamp.size()
            && !stamp.is_recent()
            && let Ok(mut memo) = self.memo.lock()
        {
            self.changed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            memo.insert(
                path.to_path_buf(),
                Memo {
                    stamp,
                    blake3: digest.clone(),
                },
            );
        }
        Ok(ContentHash {
            blake3: digest,
            size,
        })
    }

    /// Saves the memo (best effort: a failure only costs re-hashing next time).
    pub fn save(&self, tmp_dir: &Path) {
        let Some(path) = &self.memo_path else { return };
        if !self.changed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(memo) = self.memo.lock() else { return };
        if let Ok(bytes) = serde_json::to_vec(&*memo) {
            let _ = crate::fsutil::write_atomic(path, &bytes, tmp_dir);
        }
    }
}

impl Stamp {
    /// The stamp of `path` now.
    pub fn of(path: &Path) -> std::io::Result<Stamp> {
        Ok(Stamp(FileIdentity::of(&std::fs::metadata(path)?)))
    }

    /// Modified so recently that a change in the same timestamp tick could be missed.
    pub fn is_recent(&self) -> bool {
        self.0.is_racy(ngen_image::verified::now_ns())
    }

    /// The file's size in bytes.
    fn size(&self) -> u64 {
        self.0.size
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    /// Writes `bytes` to `path`, then sets its mtime to `mtime` (which makes ctime now).
    fn write_with_mtime(path: &Path, bytes: &[u8], mtime: std::time::SystemTime) {
        std::fs::write(path, bytes).unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }

    #[test]
    fn memo_is_used_only_while_metadata_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.dll");
        // Make the file look old so the memo may remember it.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        write_with_mtime(&f, b"one", old);
        let h = FileHasher::new();
        let first = h.hash(&f).unwrap();
        assert_eq!(first.blake3, blake3::hash(b"one").to_hex().to_string());
        h.hash(&f).unwrap();
        // ctime was just changed by set_modified, so the first hash is not memoised... but
        // the content is still right whatever the memo decides.
        write_with_mtime(&f, b"two", old);
        let second = h.hash(&f).unwrap();
        assert_eq!(second.blake3, blake3::hash(b"two").to_hex().to_string());
    }

    #[test]
    fn same_mtime_different_content_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.dll");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        write_with_mtime(&f, b"aaaa", old);
        let h = FileHasher::new();
        let a = h.hash(&f).unwrap();
        // Same size, same mtime, different bytes: ctime differs, so it is re-hashed.
        write_with_mtime(&f, b"bbbb", old);
        let b = h.hash(&f).unwrap();
        assert_ne!(a, b);
    }

    /// The memo files of existing caches hold stamps as five named fields: they still read,
    /// and are written back byte for byte.
    #[test]
    fn stamps_keep_their_serialized_form() {
        let text = r#"{"size":3,"mtime_ns":1700000000123456789,"ctime_ns":1700000001987654321,"ino":42,"dev":2049}"#;
        let stamp: Stamp = serde_json::from_str(text).unwrap();
        assert_eq!(
            stamp,
            Stamp(FileIdentity {
                device: 2049,
                inode: 42,
                size: 3,
                mtime_ns: 1_700_000_000_123_456_789,
                ctime_ns: 1_700_000_001_987_654_321,
            })
        );
        assert_eq!(serde_json::to_string(&stamp).unwrap(), text);
        let memo = format!(r#"{{"/lib/a.dll":{{"stamp":{text},"blake3":"ab"}}}}"#);
        let read: BTreeMap<PathBuf, Memo> = serde_json::from_str(&memo).unwrap();
        assert_eq!(read[Path::new("/lib/a.dll")].stamp, stamp);
        assert_eq!(serde_json::to_string(&read).unwrap(), memo);
    }

    /// A memo file as earlier versions wrote it (field names spelled out, not derived from
    /// [`Stamp`]) is used: the file is not read again.
    #[test]
    fn a_memo_written_before_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.dll");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        write_with_mtime(&f, b"old bytes", old);
        let meta = std::fs::metadata(&f).unwrap();
        let digest = "0".repeat(64);
        let memo = serde_json::json!({
            f.to_str().unwrap(): {
                "stamp": {
                    "size": meta.size(),
                    "mtime_ns": i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                    "ctime_ns": i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                    "ino": meta.ino(),
                    "dev": meta.dev(),
                },
                "blake3": digest,
            }
        });
        let memo_path = dir.path().join("file-hashes.json");
        std::fs::write(&memo_path, serde_json::to_vec(&memo).unwrap()).unwrap();
        let hasher = FileHasher::with_memo(memo_path);
        let hit = hasher.hash(&f).unwrap();
        assert_eq!(hit.blake3, digest, "the memo's hash, not the file's");
        assert_eq!(hasher.files_hashed(), 0);
    }
}
