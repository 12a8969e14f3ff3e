//! Errors that stop a whole image build (per-method problems are exclusions, not errors).

use std::path::PathBuf;

/// Why an image could not be built at all.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("cannot read assembly {path}: {source}")]
    Metadata {
        path: PathBuf,
        source: ngen_metadata::MetadataError,
    },
    #[error(
        "assembly {assembly} references {reference}, which is not among the resolved references"
    )]
    MissingReference { assembly: String, reference: String },
    #[error("cannot hard-bind to the image {path}: {reason}")]
    HardDependency { path: PathBuf, reason: String },
    #[error("code generation failed: {0}")]
    Codegen(String),
    #[error(transparent)]
    Image(#[from] ngen_image::ImageError),
}
