//! Counting what the remote cache did, and keeping it for `ngen-build cache stats`.
//!
//! During a build, [`Counters`] are bumped from the parallel image jobs. At the end, the build's
//! [`Stats`] are added to `.local/remote-cache-stats.json` (machine-local, never packaged):
//! the last build's counts and the running totals since the file was created. The file is
//! written atomically; an unreadable one starts over rather than failing a build.
//!
//! Depends on serde and [`crate::fsutil`].

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fsutil;

/// `format` of the stats file.
pub const FORMAT: &str = "ngen-build/remote-cache-stats/v1";

/// What the remote cache did during one or more builds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Dirty images installed from the remote.
    pub hits: u64,
    /// Dirty images the remote did not have.
    pub misses: u64,
    /// Entries or blobs that failed verification (compiled locally instead).
    pub discarded: u64,
    /// Dirty images not looked up because the remote was down.
    pub skipped: u64,
    /// Requests that failed (unreachable, timed out, error status); the first marks the remote
    /// down for the rest of the build.
    pub errors: u64,
    /// Images uploaded.
    pub uploads: u64,
    /// Uploads refused or failed.
    pub upload_failures: u64,
    /// Bytes of verified blobs and entries downloaded.
    pub bytes_downloaded: u64,
    /// Bytes uploaded.
    pub bytes_uploaded: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.hits += o.hits;
        self.misses += o.misses;
        self.discarded += o.discarded;
        self.skipped += o.skipped;
        self.errors += o.errors;
        self.uploads += o.uploads;
        self.upload_failures += o.upload_failures;
        self.bytes_downloaded += o.bytes_downloaded;
        self.bytes_uploaded += o.bytes_uploaded;
    }
}

/// The counters of one build, safe to bump from several threads.
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) discarded: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) uploads: AtomicU64,
    pub(crate) upload_failures: AtomicU64,
    pub(crate) bytes_downloaded: AtomicU64,
    pub(crate) bytes_uploaded: AtomicU64,
}

/// Adds `n` to a counter.
pub(crate) fn bump(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Counters {
    /// The counts so far.
    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            hits: get(&self.hits),
            misses: get(&self.misses),
            discarded: get(&self.discarded),
            skipped: get(&self.skipped),
            errors: get(&self.errors),
            uploads: get(&self.uploads),
            upload_failures: get(&self.upload_failures),
            bytes_downloaded: get(&self.bytes_downloaded),
            bytes_uploaded: get(&self.bytes_uploaded),
        }
    }
}

/// `.local/remote-cache-stats.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsFile {
    /// [`FORMAT`].
    pub format: String,
    /// The remote of the last build.
    pub url: Option<String>,
    /// Builds that used a remote cache.
    pub builds: u64,
    /// The last of them.
    pub last_build: Option<Stats>,
    /// All of them added up.
    pub total: Stats,
}

impl Default for StatsFile {
    fn default() -> Self {
        StatsFile {
            format: FORMAT.into(),
            url: None,
            builds: 0,
            last_build: None,
            total: Stats::default(),
        }
    }
}

impl StatsFile {
    /// Reads the file; absent or unreadable means no builds yet.
    pub fn load(path: &Path) -> StatsFile {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<StatsFile>(&b).ok())
            .filter(|f| f.format == FORMAT)
            .unwrap_or_default()
    }

    /// Records one build against `url`.
    pub fn record(&mut self, url: &str, build: Stats) {
        self.url = Some(url.to_string());
        self.builds += 1;
        self.last_build = Some(build);
        self.total.add(&build);
    }

    /// Adds `build` to the file at `path` (atomically, staging in `tmp`).
    pub fn append(path: &Path, tmp: &Path, url: &str, build: Stats) -> Result<()> {
        let mut file = StatsFile::load(path);
        file.record(url, build);
        fsutil::write_atomic(path, &crate::engine::json_bytes(&file), tmp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_accumulate_and_the_last_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        let tmp = dir.path().join("tmp");
        assert_eq!(StatsFile::load(&path), StatsFile::default());
        let one = Stats {
            hits: 3,
            bytes_downloaded: 100,
            ..Stats::default()
        };
        let two = Stats {
            misses: 2,
            uploads: 2,
            bytes_uploaded: 50,
            ..Stats::default()
        };
        StatsFile::append(&path, &tmp, "http://a", one).unwrap();
        StatsFile::append(&path, &tmp, "http://b", two).unwrap();
        let f = StatsFile::load(&path);
        assert_eq!(f.builds, 2);
        assert_eq!(f.url.as_deref(), Some("http://b"));
        assert_eq!(f.last_build, Some(two));
        assert_eq!(f.total.hits, 3);
        assert_eq!(f.total.misses, 2);
        assert_eq!(f.total.bytes_downloaded + f.total.bytes_uploaded, 150);
    }

    #[test]
    fn a_damaged_file_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(StatsFile::load(&path).builds, 0);
    }
}
