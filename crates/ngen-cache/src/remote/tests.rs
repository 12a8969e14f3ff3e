//! The remote cache's policy against an in-memory store: round trip, verification of every
//! blob and of the image itself, a dead server costing one request, a read-only server.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::engine::ImageSummary;

/// A server in memory; `down` answers nothing, `refuse_put` answers PUTs with that status.
#[derive(Default)]
struct MemoryStore {
    blobs: Mutex<BTreeMap<String, Vec<u8>>>,
    requests: AtomicUsize,
    down: bool,
    refuse_put: Option<u16>,
}

fn path(area: Area, key: &str) -> String {
    format!("{}/{key}", area.as_str())
}

impl BlobStore for Arc<MemoryStore> {
    fn get(&self, area: Area, key: &str, max_len: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.down {
            return Err(StoreError::Unreachable("timed out".into()));
        }
        match self.blobs.lock().unwrap().get(&path(area, key)) {
            Some(b) if b.len() as u64 > max_len => Err(StoreError::TooLong(max_len)),
            Some(b) => Ok(Some(b.clone())),
            None => Ok(None),
        }
    }

    fn put(&self, area: Area, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.down {
            return Err(StoreError::Unreachable("connection refused".into()));
        }
        if let Some(status) = self.refuse_put {
            return Err(StoreError::Status(status));
        }
        self.blobs
            .lock()
            .unwrap()
            .insert(path(area, key), bytes.to_vec());
        Ok(())
    }
}

struct Harness {
    store: Arc<MemoryStore>,
    remote: RemoteCache,
    warnings: Arc<Mutex<Vec<String>>>,
}

fn harness(store: MemoryStore, upload: bool) -> Harness {
    let store = Arc::new(store);
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&warnings);
    let remote = RemoteCache::with_store(
        "http://mem",
        Box::new(Arc::clone(&store)),
        upload,
        Box::new(move |w| sink.lock().unwrap().push(w.to_string())),
    );
    Harness {
        store,
        remote,
        warnings,
    }
}

impl Harness {
    fn warnings(&self) -> Vec<String> {
        self.warnings.lock().unwrap().clone()
    }

    /// Overwrites the stored blob of `name` in the image uploaded under `key`.
    fn tamper(&self, key: &str, name: &str, edit: impl FnOnce(&mut Vec<u8>)) {
        let entry = self.store.blobs.lock().unwrap()[&path(Area::Ac, key)].clone();
        let files = decode_entry(&entry).unwrap();
        let f = files.iter().find(|f| f.name == name).unwrap();
        edit(
            self.store
                .blobs
                .lock()
                .unwrap()
                .get_mut(&path(Area::Cas, &f.sha256))
                .unwrap(),
        );
    }
}

const IMAGE: &[u8] = b"\x7fELF image bytes";

/// An image directory as the engine writes it, plus an extra file it does not know about.
fn image_dir(dir: &Path) -> Expected<'static> {
    let summary = ImageSummary {
        image: "Lib.ni.so".into(),
        size: IMAGE.len() as u64,
        blake3: blake3::hash(IMAGE).to_hex().to_string(),
        methods_compiled: 3,
        methods_excluded: 1,
    };
    std::fs::create_dir_all(dir).unwrap();
    let expected = Expected {
        name: "Lib",
        fingerprint_file: b"0123456789abcdef\n".to_vec(),
        inputs_json: b"{\"fingerprint\": \"0123\"}\n".to_vec(),
    };
    std::fs::write(dir.join("Lib.ni.so"), IMAGE).unwrap();
    std::fs::write(dir.join("Lib.ni.report.json"), b"{}\n").unwrap();
    std::fs::write(dir.join("summary.json"), json_bytes(&summary)).unwrap();
    std::fs::write(dir.join("fingerprint"), &expected.fingerprint_file).unwrap();
    std::fs::write(dir.join("inputs.json"), &expected.inputs_json).unwrap();
    std::fs::write(dir.join("digest"), b"an extra file\n").unwrap();
    expected
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_files(dir).unwrap()
}

/// The fixture image written to `<tmp>/built` and uploaded to a fresh store under `key`.
fn uploaded() -> (tempfile::TempDir, Expected<'static>, Harness, String) {
    let tmp = tempfile::tempdir().unwrap();
    let expected = image_dir(&tmp.path().join("built"));
    let h = harness(MemoryStore::default(), true);
    let key = action_key("0123", "default/Lib/1.0.0.0/0123");
    h.remote
        .upload_dir(&tmp.path().join("built"), &key, "Lib (default)");
    (tmp, expected, h, key)
}

#[test]
fn an_uploaded_image_comes_back_identical_with_every_file() {
    let (tmp, expected, h, key) = uploaded();
    // Six blobs and the entry.
    assert_eq!(h.store.blobs.lock().unwrap().len(), 7);

    let stage = tmp.path().join("stage");
    let fetched = h
        .remote
        .download(&key, &stage, &expected, "Lib (default)")
        .expect("hit");
    assert_eq!(fetched.summary.methods_compiled, 3);
    assert_eq!(listing(&stage), listing(&tmp.path().join("built")));
    let stats = h.remote.stats();
    assert_eq!((stats.uploads, stats.misses, stats.discarded), (1, 0, 0));
    assert!(stats.bytes_uploaded > IMAGE.len() as u64);
    assert!(fetched.bytes > IMAGE.len() as u64);
    assert!(h.warnings().is_empty(), "{:?}", h.warnings());
}

#[test]
fn without_upload_nothing_is_sent_and_an_absent_entry_is_a_quiet_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = image_dir(&tmp.path().join("built"));
    let h = harness(MemoryStore::default(), false);
    let stage = tmp.path().join("stage");
    assert!(h.remote.download("00", &stage, &expected, "Lib").is_none());
    assert!(!stage.exists());
    assert_eq!(h.remote.stats().misses, 1);
    assert!(h.warnings().is_empty());
}

/// Uploads the fixture image, applies `damage`, downloads: must be discarded with `words`.
fn discarded_after(damage: impl FnOnce(&Harness, &str), words: &str) {
    let (tmp, expected, h, key) = uploaded();
    damage(&h, &key);
    let stage = tmp.path().join("stage");
    assert!(
        h.remote
            .download(&key, &stage, &expected, "Lib (default)")
            .is_none()
    );
    assert!(!stage.exists(), "nothing is staged from a bad entry");
    assert_eq!(h.remote.stats().discarded, 1);
    let warnings = h.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(words), "{warnings:?}");
    assert!(warnings[0].contains("compiling it here"), "{warnings:?}");
}

#[test]
fn a_corrupted_blob_is_discarded() {
    discarded_after(
        |h, key| h.tamper(key, "Lib.ni.so", |b| b[1] ^= 1),
        "(corrupt)",
    );
}

#[test]
fn a_truncated_blob_is_discarded() {
    discarded_after(
        |h, key| h.tamper(key, "Lib.ni.so", |b| b.truncate(4)),
        "(truncated)",
    );
}

#[test]
fn a_longer_blob_is_discarded() {
    discarded_after(
        |h, key| h.tamper(key, "summary.json", |b| b.extend_from_slice(b"  ")),
        "is longer than",
    );
}

#[test]
fn a_missing_blob_is_discarded() {
    discarded_after(
        |h, key| {
            let entry = h.store.blobs.lock().unwrap()[&path(Area::Ac, key)].clone();
            let report = decode_entry(&entry)
                .unwrap()
                .into_iter()
                .find(|f| f.name == "Lib.ni.report.json")
                .unwrap();
            h.store
                .blobs
                .lock()
                .unwrap()
                .remove(&path(Area::Cas, &report.sha256));
        },
        "is missing",
    );
}

#[test]
fn an_unparsable_or_hostile_entry_is_discarded() {
    discarded_after(
        |h, key| {
            h.store
                .blobs
                .lock()
                .unwrap()
                .insert(path(Area::Ac, key), b"\xff garbage".to_vec());
        },
        "not an ActionResult",
    );
    discarded_after(
        |h, key| {
            let escape = encode_entry(&[FileDigest {
                name: "../../index.json".into(),
                sha256: sha256_hex(b"x"),
                size: 1,
            }]);
            h.store
                .blobs
                .lock()
                .unwrap()
                .insert(path(Area::Ac, key), escape);
        },
        "outside the image",
    );
}

#[test]
fn an_image_built_from_other_inputs_is_discarded() {
    let tmp = tempfile::tempdir().unwrap();
    let mut expected = image_dir(&tmp.path().join("built"));
    let h = harness(MemoryStore::default(), true);
    h.remote.upload_dir(&tmp.path().join("built"), "k", "Lib");
    expected.inputs_json = b"{\"fingerprint\": \"9999\"}\n".to_vec();
    assert!(
        h.remote
            .download("k", &tmp.path().join("s"), &expected, "Lib")
            .is_none()
    );
    assert!(h.warnings()[0].contains("inputs.json differs"));
    // And one whose summary does not describe its image.
    let expected = image_dir(&tmp.path().join("built2"));
    std::fs::write(tmp.path().join("built2/Lib.ni.so"), b"other bytes").unwrap();
    h.remote.upload_dir(&tmp.path().join("built2"), "k2", "Lib");
    assert!(
        h.remote
            .download("k2", &tmp.path().join("s2"), &expected, "Lib")
            .is_none()
    );
    assert!(h.warnings()[1].contains("does not describe Lib.ni.so"));
}

#[test]
fn a_dead_server_costs_one_request_even_from_parallel_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = image_dir(&tmp.path().join("built"));
    let h = harness(
        MemoryStore {
            down: true,
            ..MemoryStore::default()
        },
        true,
    );
    std::thread::scope(|s| {
        for i in 0..4 {
            let (h, expected, tmp) = (&h, &expected, tmp.path());
            s.spawn(move || {
                let stage = tmp.join(format!("stage{i}"));
                assert!(h.remote.download("k", &stage, expected, "Lib").is_none());
                h.remote.upload_dir(&tmp.join("built"), "k", "Lib");
            });
        }
    });
    assert_eq!(h.store.requests.load(Ordering::SeqCst), 1);
    let stats = h.remote.stats();
    assert_eq!((stats.errors, stats.skipped), (1, 3));
    let warnings = h.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("unavailable (timed out)"),
        "{warnings:?}"
    );
}

#[test]
fn a_read_only_server_stops_uploads_once_and_still_serves_lookups() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = image_dir(&tmp.path().join("built"));
    let h = harness(
        MemoryStore {
            refuse_put: Some(405),
            ..MemoryStore::default()
        },
        true,
    );
    h.remote.upload_dir(&tmp.path().join("built"), "k", "Lib");
    h.remote.upload_dir(&tmp.path().join("built"), "k", "Lib");
    assert_eq!(h.store.requests.load(Ordering::SeqCst), 1);
    assert!(
        h.remote
            .download("k", &tmp.path().join("s"), &expected, "Lib")
            .is_none()
    );
    assert_eq!(h.store.requests.load(Ordering::SeqCst), 2);
    let stats = h.remote.stats();
    assert_eq!(
        (stats.uploads, stats.upload_failures, stats.misses),
        (0, 1, 1)
    );
    let warnings = h.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("refused an upload"), "{warnings:?}");
    assert!(warnings[0].contains("HTTP 405"), "{warnings:?}");
}
