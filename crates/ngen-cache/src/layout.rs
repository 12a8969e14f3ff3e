//! Where things live in a cache directory. See docs/cache-layout.md for what is stable.
//!
//! ```text
//! <cache>/
//!   index.json                                   roots, images, reference counts (sorted)
//!   <scenario>/<Name>/<Version>/<fingerprint16>/
//!     <Name>.ni.so                               the native image (ELF shared object)
//!     <Name>.ni.report.json                      methods compiled and excluded, with reasons
//!     inputs.json                                everything the fingerprint covers
//!     fingerprint                                16 hex digits + newline
//!   .local/                                      machine-local state, never packaged
//!     lock, file-hashes.json, tmp/, manual/, queue.json, queue.log, remote-cache-stats.json
//! ```
//!
//! Image directories are content-addressed by fingerprint and created by renaming a complete
//! temporary directory, so an existing directory is always complete.
//!
//! Depends on ngen-manifest (scenarios) only; it computes paths and touches no files.

use std::path::{Path, PathBuf};

use ngen_manifest::Scenario;

/// Name of the machine-local subdirectory (excluded from packages and tree comparisons).
pub const LOCAL_DIR: &str = ".local";

/// Paths inside one cache directory.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout of the cache at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `index.json`.
    pub fn index(&self) -> PathBuf {
        self.root.join("index.json")
    }

    /// `.local/`.
    pub fn local(&self) -> PathBuf {
        self.root.join(LOCAL_DIR)
    }

    /// `.local/tmp/`: staging for atomic writes (same file system as the images).
    pub fn tmp(&self) -> PathBuf {
        self.local().join("tmp")
    }

    /// `.local/file-hashes.json`.
    pub fn file_hashes(&self) -> PathBuf {
        self.local().join("file-hashes.json")
    }

    /// `.local/closure-memo.json`.
    pub fn closure_memo(&self) -> PathBuf {
        self.local().join("closure-memo.json")
    }

    /// `.local/remote-cache-stats.json`: what the remote cache did (`ngen-build cache stats`).
    pub fn remote_stats(&self) -> PathBuf {
        self.local().join("remote-cache-stats.json")
    }

    /// `.local/queue.json`.
    pub fn queue(&self) -> PathBuf {
        self.local().join("queue.json")
    }

    /// `.local/queue.log`: one JSON line per executed queue item.
    pub fn queue_log(&self) -> PathBuf {
        self.local().join("queue.log")
    }

    /// The directory of images for `scenario`: what `ngen-build run --images` takes.
    pub fn scenario_dir(&self, scenario: Scenario) -> PathBuf {
        self.root.join(scenario.as_str())
    }

    /// The relative directory of one image (forward slashes), as recorded in the index.
    pub fn image_rel_dir(scenario: Scenario, name: &str, version: &str, short_fp: &str) -> String {
        format!(
            "{}/{}/{}/{}",
            scenario.as_str(),
            sanitize(name),
            sanitize(version),
            short_fp
        )
    }

    /// Absolute path of a relative image directory.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// File name of the image of assembly `name`.
    pub fn image_file(name: &str) -> String {
        format!("{}.ni.so", sanitize(name))
    }

    /// File name of the report of assembly `name`.
    pub fn report_file(name: &str) -> String {
        format!("{}.ni.report.json", sanitize(name))
    }
}

/// Keeps a name usable as one path component.
fn sanitize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == '\0' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}
