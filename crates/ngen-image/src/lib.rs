//! Native image format: header encoding, linking object files into ELF shared objects,
//! reading headers back without loading the image, and what makes an image on disk trustworthy:
//! its recorded BLAKE3 digest ([`digest`]) and owner-only write permissions ([`trust`]), and the
//! runtime's per-user memo of image files already hashed ([`verified`]).
//!
//! Depends on `ngen-abi` for the symbol names and framing constants, on `object` to read
//! ELF files, on `blake3` and `libc` for integrity, and on the system C compiler driver (`cc`)
//! to link. It knows nothing about
//! Cranelift or metadata: the compiler hands it an object file and a header.

pub mod digest;
mod header;
mod link;
mod read;
pub mod trust;
pub mod verified;

pub use header::{
    AssemblyStamp, CellEntry, CompilerIdentity, ContextEntry, ExcludedEntry, HardBinding,
    ImageHeader, InstanceEntry, SharedEntry, decode_header, encode_header, mvid_hex,
};
pub use link::{LinkedDependency, link_shared_object};
pub use read::{exported_methods, read_header, read_header_from_bytes};

/// Errors from writing, linking or reading a native image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("not an ELF shared object: {0}")]
    NotElf(String),
    #[error("no `{0}` symbol: not a native image")]
    MissingSymbol(&'static str),
    #[error("bad image header: {0}")]
    BadHeader(String),
    #[error("image format version {found}, this build reads version {expected}")]
    FormatVersion { found: u32, expected: u32 },
    #[error("linking the image failed: {0}")]
    Link(String),
}
