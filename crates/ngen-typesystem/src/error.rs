//! The type system's typed errors. Each maps to the managed exception the CLR (and Mono 6.8)
//! raises for the same fault: [`TypeSystemError::TypeLoad`] to `TypeLoadException`,
//! [`TypeSystemError::MissingField`] to `MissingFieldException`,
//! [`TypeSystemError::MissingMethod`] to `MissingMethodException`,
//! [`TypeSystemError::AssemblyNotFound`] to `FileNotFoundException`, and
//! [`TypeSystemError::BadImage`] to `BadImageFormatException`.
//!
//! Errors are `Clone` because failed facets are cached (a type that failed to lay out fails the
//! same way on every later query, as Mono's `mono_class_set_type_load_failure` does).
//! Depends on ngen-metadata's error type only.

use std::sync::Arc;

use ngen_metadata::MetadataError;

/// Everything that can go wrong while loading types or computing their facets.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TypeSystemError {
    /// `TypeLoadException`: the type cannot be found or is malformed.
    #[error("Could not load type '{type_name}' from assembly '{assembly}': {reason}")]
    TypeLoad {
        type_name: String,
        assembly: String,
        reason: String,
    },
    /// `MissingFieldException`.
    #[error("Field not found: '{type_name}.{field}'")]
    MissingField { type_name: String, field: String },
    /// `MissingMethodException`.
    #[error("Method not found: '{type_name}.{method}'")]
    MissingMethod { type_name: String, method: String },
    /// `FileNotFoundException` for an assembly reference.
    #[error("Could not load file or assembly '{name}': {reason}")]
    AssemblyNotFound { name: String, reason: String },
    /// `BadImageFormatException`: the metadata itself is malformed.
    #[error("bad metadata in {assembly}: {source}")]
    BadImage {
        assembly: String,
        #[source]
        source: Arc<MetadataError>,
    },
    /// A token or signature names something this operation cannot accept (e.g. a field token
    /// where a type is expected, a generic parameter index out of range).
    #[error("invalid reference in {assembly}: {reason}")]
    InvalidReference { assembly: String, reason: String },
}

/// Short alias used throughout the crate.
pub type Result<T, E = TypeSystemError> = std::result::Result<T, E>;
