//! Memoised binder closures, so a no-op build does not re-read every assembly's metadata.
//!
//! Resolving a closure reads each assembly's manifest (all of mscorlib's bytes, with the
//! current reader). A memo entry, keyed by the root source and `MONO_GAC_PREFIX`, is reused
//! only if every file the resolution read (root, config, every bound assembly) has the same
//! (size, mtime, ctime, inode, device) stamp, and every path the binder probed without
//! success is still absent — the binder's decisions depend on nothing else. Entries with a
//! file modified in the last two seconds are not stored (same-tick edits). Lives in
//! `.local/closure-memo.json`; `NGEN_BUILD_NO_MEMO=1` disables it.
//!
//! Depends on [`crate::resolve`], [`crate::graph`], [`crate::filehash`] (stamps) and
//! [`crate::fsutil`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::filehash::Stamp;
use crate::graph::Closure;
use crate::resolve::RootSource;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    closure: Closure,
    stamps: BTreeMap<PathBuf, Stamp>,
}

/// The memo of one cache.
#[derive(Debug, Default)]
pub struct ClosureMemo {
    path: Option<PathBuf>,
    entries: Mutex<BTreeMap<String, Entry>>,
    changed: std::sync::atomic::AtomicBool,
}

fn key(source: &RootSource) -> String {
    format!(
        "{source:?} MONO_GAC_PREFIX={:?}",
        std::env::var("MONO_GAC_PREFIX").ok()
    )
}

fn disabled() -> bool {
    std::env::var_os("NGEN_BUILD_NO_MEMO").is_some_and(|v| v != "0")
}

impl ClosureMemo {
    /// Loads the memo at `path` (missing or unreadable: empty).
    pub fn load(path: PathBuf) -> ClosureMemo {
        let entries = if disabled() {
            BTreeMap::new()
        } else {
            std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default()
        };
        ClosureMemo {
            path: Some(path),
            entries: Mutex::new(entries),
            changed: Default::default(),
        }
    }

    /// The closure of `source`: memoised if still valid, else resolved with `resolve`.
    pub fn get_or_resolve(
        &self,
        source: &RootSource,
        resolve: impl Fn(&RootSource) -> Result<Closure>,
    ) -> Result<Closure> {
        let k = key(source);
        let hit = self
            .entries
            .lock()
            .ok()
            .and_then(|e| e.get(&k).cloned())
            .filter(valid);
        if let Some(entry) = hit {
            return Ok(entry.closure);
        }
        let closure = resolve(source)?;
        if disabled() {
            return Ok(closure);
        }
        let mut stamps = BTreeMap::new();
        for f in &closure.watched.files {
            match Stamp::of(f) {
                Ok(s) if !s.is_recent() => {
                    stamps.insert(f.clone(), s);
                }
                _ => return Ok(closure),
            }
        }
        if let Ok(mut e) = self.entries.lock() {
            e.insert(
                k,
                Entry {
                    closure: closure.clone(),
                    stamps,
                },
            );
            self.changed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(closure)
    }

    /// Saves the memo if it changed (best effort).
    pub fn save(&self, tmp_dir: &Path) {
        let Some(path) = &self.path else { return };
        if !self.changed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if let Ok(e) = self.entries.lock()
            && let Ok(bytes) = serde_json::to_vec(&*e)
        {
            let _ = crate::fsutil::write_atomic(path, &bytes, tmp_dir);
        }
    }
}

fn valid(entry: &Entry) -> bool {
    entry
        .stamps
        .iter()
        .all(|(p, s)| Stamp::of(p).is_ok_and(|now| now == *s))
        && entry.closure.watched.absent.iter().all(|p| !p.exists())
        && entry.stamps.len() == entry.closure.watched.files.len()
}
