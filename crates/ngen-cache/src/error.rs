//! The cache's typed errors. File-system failures keep the path and the operation so the CLI
//! can say exactly what could not be written (disk full, read-only cache) and that nothing
//! already cached was lost.
//!
//! Depends on thiserror only; every other module may use it.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while planning, building or maintaining a cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A file-system operation failed.
    #[error("{op} {}: {source}{}", path.display(), hint(source))]
    Io {
        /// What we were doing ("cannot write", "cannot read", ...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file in the cache is not what this version wrote.
    #[error("{} is corrupt: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The binder could not resolve a root or one of its dependencies.
    #[error("cannot resolve {root}: {message}")]
    Resolve {
        /// The root being resolved.
        root: String,
        /// The binder's explanation.
        message: String,
    },
    /// The compiler failed on a whole assembly.
    #[error("cannot compile {assembly} ({scenario}): {message}")]
    Compile {
        /// The assembly's display name.
        assembly: String,
        /// The scenario.
        scenario: String,
        /// The compiler's explanation.
        message: String,
    },
    /// Other users could write part of the cache (see [`crate::permissions`]).
    #[error("refusing the cache: {0}")]
    Untrusted(ngen_image::trust::UntrustedPath),
    /// A request that makes no sense for this cache (e.g. uninstalling something not installed).
    #[error("{0}")]
    Usage(String),
}

fn hint(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull => {
            " (the disk is full; nothing already in the cache was changed, free some space and rerun)"
        }
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => {
            " (the cache is not writable; nothing already in the cache was changed; choose another --cache-dir or fix its permissions)"
        }
        _ => "",
    }
}

impl CacheError {
    /// Wraps an I/O error with its path and operation.
    pub fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        CacheError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = CacheError> = std::result::Result<T, E>;
