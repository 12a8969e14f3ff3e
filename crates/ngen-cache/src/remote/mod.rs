//! A shared remote cache speaking Bazel's HTTP remote-cache protocol: before compiling a dirty
//! image, `build` asks the remote for it; with uploads on, it shares what it compiled.
//!
//! The model (docs/build-tool.md, "Remote cache"):
//! - **Lookup.** `GET {url}/ac/{key}` ([`action::action_key`]) gives the image's action entry,
//!   the list of its directory's files by SHA-256; each file is `GET {url}/cas/{sha256}`.
//! - **Never trusted for correctness.** Every blob's length and SHA-256 must match its entry;
//!   the entry must list the files every image has, and its `fingerprint` and `inputs.json`
//!   must be byte-for-byte what this build would write, its `summary.json` must describe the
//!   image. Anything else is a warning, and the image is compiled here.
//! - **Installed as a local compile is.** The verified files are staged in `.local/tmp` and
//!   moved into place by the engine's own staging path ([`crate::LockedCache::install_staged`]),
//!   so the tree is byte-identical to a local compile's.
//! - **Never fails the build.** Until one request has succeeded, requests go one at a time, and
//!   the first that gets no answer (refused, timed out, reset) marks the remote down for the
//!   rest of the build: a dead or hung server costs one timeout per build. An error status on
//!   a lookup does the same. A refused upload turns uploads off for the build, lookups go on.
//! - **Upload** (only with `upload = true`): each file to the CAS first, the entry last, so no
//!   entry ever names a missing blob.
//!
//! Depends on [`crate::engine`] (the image being built, staging), [`crate::fsutil`] and
//! [`crate::layout`]; the transport is a [`client::BlobStore`].

pub mod action;
pub mod client;
pub mod stats;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use crate::engine::{ImageSummary, LockedCache, PlannedImage, json_bytes};
use crate::fsutil;
use crate::layout::Layout;
use action::{FileDigest, MAX_ENTRY_BYTES, action_key, decode_entry, encode_entry, sha256_hex};
pub use client::{Area, BlobStore, HttpStore, StoreError};
use stats::{Counters, bump};
pub use stats::{Stats, StatsFile};

/// Where the remote is and how to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSettings {
    /// Base URL (`http://host:port/prefix`, no trailing slash).
    pub url: String,
    /// Upload images compiled here.
    pub upload: bool,
    /// Connect and answer timeout.
    pub timeout: Duration,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
}

/// Where warnings go (the CLI prints them; they never fail the build).
pub type WarningSink = Box<dyn Fn(&str) + Send + Sync>;

/// An image installed from the remote.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Its summary (as a local compile would have written it).
    pub summary: ImageSummary,
    /// Bytes downloaded for it.
    pub bytes: u64,
}

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// The remote cache of one build.
pub struct RemoteCache {
    url: String,
    store: Box<dyn BlobStore>,
    upload: bool,
    state: AtomicU8,
    probe: Mutex<()>,
    uploads_off: AtomicBool,
    counters: Counters,
    warn: WarningSink,
}

impl std::fmt::Debug for RemoteCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteCache")
            .field("url", &self.url)
            .field("upload", &self.upload)
            .finish_non_exhaustive()
    }
}

/// The files every image directory has, whatever else the engine writes next to them.
fn required_files(name: &str) -> [String; 4] {
    [
        Layout::image_file(name),
        "fingerprint".into(),
        "inputs.json".into(),
        "summary.json".into(),
    ]
}

impl RemoteCache {
    /// The remote at `settings.url` over HTTP.
    pub fn new(settings: &RemoteSettings, warn: WarningSink) -> RemoteCache {
        let store = HttpStore::new(&settings.url, settings.timeout, settings.token.as_deref());
        RemoteCache::with_store(&settings.url, Box::new(store), settings.upload, warn)
    }

    /// A remote reached through `store` (tests use an in-memory one); `url` names it in messages.
    pub fn with_store(
        url: &str,
        store: Box<dyn BlobStore>,
        upload: bool,
        warn: WarningSink,
    ) -> RemoteCache {
        RemoteCache {
            url: url.to_string(),
            store,
            upload,
            state: AtomicU8::new(UNKNOWN),
            probe: Mutex::new(()),
            uploads_off: AtomicBool::new(false),
            counters: Counters::default(),
            warn,
        }
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What this build's remote did so far.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Hook before compiling `img`: the image from the remote, verified and installed exactly
    /// as a local compile would install it, or `None` (compile it here).
    pub fn fetch(&self, cache: &LockedCache, img: &PlannedImage) -> Option<Fetched> {
        let key = action_key(&img.inputs.fingerprint, &img.dir);
        let expected = Expected {
            name: &img.name,
            fingerprint_file: format!("{}\n", img.inputs.short()).into_bytes(),
            inputs_json: json_bytes(&img.inputs),
        };
        let what = format!("{} ({})", img.name, img.scenario);
        let stage = cache.layout().tmp().join(fsutil::unique_name("remote"));
        let fetched = self
            .download(&key, &stage, &expected, &what)
            .filter(|_| cache.install_staged(&stage, &img.dir).is_ok());
        match &fetched {
            Some(f) => {
                bump(&self.counters.hits, 1);
                bump(&self.counters.bytes_downloaded, f.bytes);
            }
            None => {
                let _ = fsutil::remove_tree(&stage);
            }
        }
        fetched
    }

    /// Hook after `img` was compiled and installed here: upload it when uploads are on.
    pub fn store(&self, cache: &LockedCache, img: &PlannedImage) {
        if !self.upload {
            return;
        }
        let key = action_key(&img.inputs.fingerprint, &img.dir);
        let what = format!("{} ({})", img.name, img.scenario);
        self.upload_dir(&cache.layout().abs(&img.dir), &key, &what);
    }

    /// Downloads the entry `key` and its blobs into `stage` (created here) and checks them
    /// against `expected`. `Some` when `stage` holds a complete, verified image directory.
    pub fn download(
        &self,
        key: &str,
        stage: &Path,
        expected: &Expected<'_>,
        what: &str,
    ) -> Option<Fetched> {
        let entry = match self.get(Area::Ac, key, MAX_ENTRY_BYTES) {
            Lookup::Found(bytes) => bytes,
            Lookup::Absent => {
                bump(&self.counters.misses, 1);
                return None;
            }
            Lookup::TooLong => {
                return self.discard(what, "its action entry is larger than 1 MiB");
            }
            Lookup::Down => {
                bump(&self.counters.skipped, 1);
                return None;
            }
            Lookup::Failed => return None,
        };
        let files = match decode_entry(&entry) {
            Ok(files) => files,
            Err(why) => return self.discard(what, &why),
        };
        if let Some(missing) = required_files(expected.name)
            .into_iter()
            .find(|n| !files.iter().any(|f| &f.name == n))
        {
            return self.discard(what, &format!("its action entry does not list {missing}"));
        }
        let mut contents = Vec::with_capacity(files.len());
        for f in &files {
            let short = f.sha256.get(..12).unwrap_or_default();
            let blob = match self.get(Area::Cas, &f.sha256, f.size) {
                Lookup::Found(b) => b,
                Lookup::Absent => {
                    return self
                        .discard(what, &format!("blob cas/{short}… ({}) is missing", f.name));
                }
                Lookup::TooLong => {
                    let why = format!(
                        "blob cas/{short}… ({}) is longer than its {} bytes",
                        f.name, f.size
                    );
                    return self.discard(what, &why);
                }
                Lookup::Down | Lookup::Failed => return None,
            };
            if blob.len() as u64 != f.size {
                let why = format!(
                    "blob cas/{short}… ({}) has {} bytes, not {} (truncated)",
                    f.name,
                    blob.len(),
                    f.size
                );
                return self.discard(what, &why);
            }
            let actual = sha256_hex(&blob);
            if actual != f.sha256 {
                let why = format!(
                    "blob cas/{short}… ({}) has SHA-256 {}… (corrupt)",
                    f.name,
                    actual.get(..12).unwrap_or_default()
                );
                return self.discard(what, &why);
            }
            contents.push((f.name.as_str(), blob));
        }
        let summary = match expected.check(&contents) {
            Ok(s) => s,
            Err(why) => return self.discard(what, &why),
        };
        let bytes = entry.len() as u64 + files.iter().map(|f| f.size).sum::<u64>();
        let write = || -> crate::Result<()> {
            fsutil::create_dir_all(stage)?;
            for (name, blob) in &contents {
                fsutil::write_new_file(&stage.join(name), blob)?;
            }
            Ok(())
        };
        // A local write failure is not the remote's fault: the local compile reports it.
        write().ok()?;
        Some(Fetched { summary, bytes })
    }

    /// Uploads every file of the image directory `dir`, then its entry under `key`.
    pub fn upload_dir(&self, dir: &Path, key: &str, what: &str) {
        if self.uploads_off.load(Ordering::Relaxed) || self.state.load(Ordering::Relaxed) == DOWN {
            return;
        }
        let files = match read_files(dir) {
            Ok(files) => files,
            Err(e) => {
                (self.warn)(&format!("cannot read {what} to upload it: {e}"));
                return;
            }
        };
        let mut digests = Vec::with_capacity(files.len());
        let mut sent = 0u64;
        for (name, bytes) in &files {
            let sha256 = sha256_hex(bytes);
            if !self.put(Area::Cas, &sha256, bytes) {
                return;
            }
            sent += bytes.len() as u64;
            digests.push(FileDigest {
                name: name.clone(),
                sha256,
                size: bytes.len() as u64,
            });
        }
        let entry = encode_entry(&digests);
        if self.put(Area::Ac, key, &entry) {
            bump(&self.counters.uploads, 1);
            bump(&self.counters.bytes_uploaded, sent + entry.len() as u64);
        }
    }

    /// Runs one request, one at a time until the remote has answered once; `None` when the
    /// remote is down (now or before).
    fn call<T>(
        &self,
        request: impl FnOnce(&dyn BlobStore) -> Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        if self.state.load(Ordering::Acquire) == DOWN {
            return None;
        }
        let _probe = (self.state.load(Ordering::Acquire) == UNKNOWN)
            .then(|| self.probe.lock().unwrap_or_else(|p| p.into_inner()));
        if self.state.load(Ordering::Acquire) == DOWN {
            return None;
        }
        let result = request(&*self.store);
        match &result {
            Err(StoreError::Unreachable(why)) => self.mark_down(why),
            _ => {
                let _ =
                    self.state
                        .compare_exchange(UNKNOWN, UP, Ordering::AcqRel, Ordering::Acquire);
            }
        }
        Some(result)
    }

    fn mark_down(&self, why: &str) {
        bump(&self.counters.errors, 1);
        if self.state.swap(DOWN, Ordering::AcqRel) != DOWN {
            (self.warn)(&format!(
                "{} is unavailable ({why}); building without it for the rest of this build",
                self.url
            ));
        }
    }

    fn get(&self, area: Area, key: &str, max_len: u64) -> Lookup {
        match self.call(|s| s.get(area, key, max_len)) {
            None => Lookup::Down,
            Some(Ok(Some(bytes))) => Lookup::Found(bytes),
            Some(Ok(None)) => Lookup::Absent,
            Some(Err(StoreError::TooLong(_))) => Lookup::TooLong,
            Some(Err(e @ StoreError::Status(_))) => {
                let hint = match e {
                    StoreError::Status(401 | 403) => ", check NGEN_REMOTE_CACHE_TOKEN",
                    _ => "",
                };
                self.mark_down(&format!("GET {}/… answered {e}{hint}", area.as_str()));
                Lookup::Failed
            }
            Some(Err(StoreError::Unreachable(_))) => Lookup::Failed,
        }
    }

    /// Stores one blob; `false` (after counting and warning once) when it was not stored.
    fn put(&self, area: Area, key: &str, bytes: &[u8]) -> bool {
        match self.call(|s| s.put(area, key, bytes)) {
            Some(Ok(())) => true,
            None | Some(Err(StoreError::Unreachable(_))) => {
                bump(&self.counters.upload_failures, 1);
                false
            }
            Some(Err(e)) => {
                bump(&self.counters.errors, 1);
                bump(&self.counters.upload_failures, 1);
                if !self.uploads_off.swap(true, Ordering::AcqRel) {
                    (self.warn)(&format!(
                        "{} refused an upload (PUT {}/… answered {e}); not uploading for the rest of this build",
                        self.url,
                        area.as_str()
                    ));
                }
                false
            }
        }
    }

    fn discard<T>(&self, what: &str, why: &str) -> Option<T> {
        bump(&self.counters.discarded, 1);
        (self.warn)(&format!(
            "discarded {what} from {}: {why}; compiling it here",
            self.url
        ));
        None
    }
}

/// The answer to a lookup, as the build sees it.
enum Lookup {
    Found(Vec<u8>),
    Absent,
    TooLong,
    /// This request failed (and marked the remote down).
    Failed,
    /// Not asked: the remote was already down.
    Down,
}

/// What a downloaded image directory must agree with: what this build would write for it.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The assembly's simple name (names the image file).
    pub name: &'a str,
    /// The `fingerprint` file a local compile writes.
    pub fingerprint_file: Vec<u8>,
    /// The `inputs.json` a local compile writes.
    pub inputs_json: Vec<u8>,
}

impl Expected<'_> {
    /// The summary of a verified image directory, or why it is not the image we need.
    fn check(&self, contents: &[(&str, Vec<u8>)]) -> Result<ImageSummary, String> {
        let file = |n: &str| contents.iter().find(|(name, _)| *name == n).map(|(_, b)| b);
        let image_file = Layout::image_file(self.name);
        if file("fingerprint") != Some(&self.fingerprint_file) {
            return Err("its fingerprint file is not this image's".into());
        }
        if file("inputs.json") != Some(&self.inputs_json) {
            return Err("its inputs.json differs from this build's inputs".into());
        }
        let summary: ImageSummary = file("summary.json")
            .and_then(|b| serde_json::from_slice(b).ok())
            .ok_or("its summary.json is unreadable")?;
        let image = file(&image_file).ok_or_else(|| format!("{image_file} is missing"))?;
        if summary.image != image_file
            || summary.size != image.len() as u64
            || summary.blake3 != blake3::hash(image).to_hex().as_str()
        {
            return Err(format!("its summary.json does not describe {image_file}"));
        }
        Ok(summary)
    }
}

/// Every regular file directly in `dir`, sorted by name, with its bytes.
fn read_files(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

#[cfg(test)]
mod tests;
