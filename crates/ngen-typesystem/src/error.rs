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
        /// The type, ILAsm-style.
        type_name: String,
        /// The simple name of the assembly that should define it.
        assembly: String,
        /// Why it failed (Mono's wording where Mono has one).
        reason: String,
    },
    /// `MissingFieldException`.
    #[error("Field not found: '{type_name}.{field}'")]
    MissingField {
        /// The type searched.
        type_name: String,
        /// The field's name.
        field: String,
    },
    /// `MissingMethodException`.
    #[error("Method not found: '{type_name}.{method}'")]
    MissingMethod {
        /// The type searched.
        type_name: String,
        /// The method's name.
        method: String,
    },
    /// `FileNotFoundException` for an assembly reference.
    #[error("Could not load file or assembly '{name}': {reason}")]
    AssemblyNotFound {
        /// The assembly's simple name.
        name: String,
        /// Why it was not found.
        reason: String,
    },
    /// `BadImageFormatException`: the metadata itself is malformed.
    #[error("bad metadata in {assembly}: {source}")]
    BadImage {
        /// The assembly's simple name.
        assembly: String,
        /// The reader's error.
        #[source]
        source: Arc<MetadataError>,
    },
    /// A token or signature names something this operation cannot accept (e.g. a field token
    /// where a type is expected, a generic parameter index out of range).
    #[error("invalid reference in {assembly}: {reason}")]
    InvalidReference {
        /// The assembly the reference is in.
        assembly: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Short alias used throughout the crate.
pub type Result<T, E = TypeSystemError> = std::result::Result<T, E>;
