//! `index.json`: the roots installed in a cache, the images they need, and reference counts.
//!
//! Sorted, no timestamps; in a manifest's cache no absolute paths either (roots are named
//! relative to the manifest). Written last and atomically, so a crash leaves the previous index
//! and, at worst, unreferenced image directories that the next run removes.
//!
//! Depends on [`crate::error`] and ngen-manifest (scenarios).

use std::path::Path;

use ngen_manifest::Scenario;
use serde::{Deserialize, Serialize};

use crate::error::{CacheError, Result};

/// Format tag of the index.
pub const FORMAT: &str = "ngen-build/index/v1";

/// How a root was given and which options it was installed with: Ngen's "same command-line
/// options" that identify it for uninstall.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RootKey {
    /// Path (relative to the manifest in a manifest cache, absolute in an install cache) or
    /// display name, as given.
    pub root: String,
    /// Scenario.
    pub scenario: Scenario,
    /// `/ExeConfig`, if given (same path convention as `root`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_config: Option<String>,
    /// `/AppBase`, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_base: Option<String>,
}

/// One root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootRecord {
    /// Identity of the root.
    #[serde(flatten)]
    pub key: RootKey,
    /// Whether its dependencies got images (`false` = `/NoDependencies`).
    pub dependencies: bool,
    /// Whether framework dependencies got images.
    pub compile_framework: bool,
    /// Display name of the root assembly.
    pub assembly: String,
    /// Display names of every assembly in its closure (itself included), sorted: what
    /// `display` uses for "roots that depend on".
    pub closure: Vec<String>,
    /// Image directories it needs, sorted.
    pub images: Vec<String>,
}

/// One image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// Directory relative to the cache: `<scenario>/<Name>/<Version>/<fp16>`.
    pub dir: String,
    /// Display name of the assembly.
    pub assembly: String,
    /// Simple name.
    pub name: String,
    /// Scenario.
    pub scenario: Scenario,
    /// Full fingerprint.
    pub fingerprint: String,
    /// Number of roots that need this image (Ngen's reference count).
    pub references: usize,
    /// Methods compiled into the image.
    pub methods_compiled: usize,
    /// Methods left to the JIT.
    pub methods_excluded: usize,
}

/// The whole index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// [`FORMAT`].
    pub format: String,
    /// Roots sorted by key.
    pub roots: Vec<RootRecord>,
    /// Images sorted by directory.
    pub images: Vec<ImageRecord>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            format: FORMAT.to_string(),
            roots: Vec::new(),
            images: Vec::new(),
        }
    }
}

impl Index {
    /// Reads the index; a missing file is an empty index.
    pub fn load(path: &Path) -> Result<Index> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CacheError::Corrupt {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(CacheError::io("cannot read", path, e)),
        }
    }

    /// Sorts everything and recomputes reference counts from the roots.
    pub fn normalise(&mut self) {
        for r in &mut self.roots {
            r.images.sort();
            r.images.dedup();
            r.closure.sort();
            r.closure.dedup();
        }
        self.roots.sort_by(|a, b| a.key.cmp(&b.key));
        self.roots.dedup_by(|a, b| a.key == b.key);
        for img in &mut self.images {
            img.references = self
                .roots
                .iter()
                .filter(|r| r.images.binary_search(&img.dir).is_ok())
                .count();
        }
        self.images.retain(|i| i.references > 0);
        self.images.sort_by(|a, b| a.dir.cmp(&b.dir));
        self.images.dedup_by(|a, b| a.dir == b.dir);
    }

    /// The canonical bytes: pretty JSON with a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// The image record for a directory.
    pub fn image(&self, dir: &str) -> Option<&ImageRecord> {
        self.images.iter().find(|i| i.dir == dir)
    }
}
