//! What the binder needs to know about an assembly file: its identity, MVID, references and
//! dependency hints — the "manifest" the loader compares against a reference.
//!
//! The binder reads manifests through the [`ManifestReader`] trait so probing logic can be
//! unit-tested with in-memory fakes; [`crate::metadata_reader`] implements it with
//! ngen-metadata. Depends on [`crate::name`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::name::{AssemblyName, ProcessorArchitecture};

/// `System.Runtime.CompilerServices.LoadHint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum LoadHint {
    Default,
    Always,
    Sometimes,
}

impl fmt::Display for LoadHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadHint::Default => "Default",
            LoadHint::Always => "Always",
            LoadHint::Sometimes => "Sometimes",
        })
    }
}

/// `[assembly: DependencyAttribute("Name", LoadHint.X)]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DependencyHint {
    pub assembly: String,
    pub load_hint: LoadHint,
}

/// A module version id, shown in registry format (`00112233-4455-6677-8899-aabbccddeeff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mvid(pub [u8; 16]);

impl fmt::Display for Mvid {
    /// Registry format, exactly as the metadata reader prints GUIDs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ngen_metadata::Guid(self.0).fmt(f)
    }
}

impl serde::Serialize for Mvid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The manifest facts of one assembly file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The full identity (version, culture and token always set).
    pub identity: AssemblyName,
    pub mvid: Mvid,
    /// AssemblyRef rows, in table order, as full names.
    pub references: Vec<AssemblyName>,
    pub hints: Vec<DependencyHint>,
    pub default_dependency: Option<LoadHint>,
    /// From the PE header and CLI flags (`None` when the machine type is unknown).
    pub processor_architecture: Option<ProcessorArchitecture>,
}

/// A file that could not be read as an assembly manifest.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ManifestError {
    pub path: PathBuf,
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ManifestError {
    pub fn new(
        path: &Path,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> ManifestError {
        ManifestError {
            path: path.to_path_buf(),
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }
}

/// Reads manifests from files. The binder caches results per path.
pub trait ManifestReader: Send + Sync {
    fn read(&self, path: &Path) -> Result<Manifest, ManifestError>;
}
