//! ECMA-335 metadata reader: PE layer (pelite), heaps, tables, signatures, method bodies, IL,
//! custom attributes, identity.
//!
//! [`Assembly`] owns the file's bytes and decodes lazily from them: opening parses only the
//! PE headers, the CLI header, the stream directory and the table-stream header. Every other
//! accessor reads just the cells it needs. Nothing panics on malformed input; every failure is a
//! [`MetadataError`].
//!
//! Module map (each module's doc says what it may depend on):
//! - [`reader`]: bounds-checked cursor, compressed integers;
//! - `pe`: PE/CLI header and stream directory (on pelite);
//! - [`tables`]: table ids, column schemas, coded indexes, row layout;
//! - `heaps`, `rows`: heap lookups and typed rows on [`Assembly`];
//! - [`flags`]: ECMA-335 II.23.1 attribute flags as typed constants;
//! - [`identity`]: names, versions, public key tokens, MVID, architecture;
//! - [`signature`]: signature blobs;
//! - [`body`], [`il`]: method bodies and the CIL decoder;
//! - [`attributes`]: custom attribute blobs and the ngen-relevant attributes;
//! - [`resolve`]: lookups by name and member-to-owner mapping;
//! - `display`: ilasm-style names for tokens and signatures;
//! - [`audit`]: a whole-assembly walk that counts every decode error (fuzzing, tests, inspect).

pub mod attributes;
pub mod audit;
pub mod body;
mod display;
mod error;
mod file_bytes;
pub mod flags;
mod heaps;
pub mod identity;
pub mod il;
mod pe;
pub mod reader;
pub mod resolve;
mod rows;
pub mod signature;
pub mod tables;
mod token;

use std::path::Path;

pub use attributes::{CaValue, CustomAttribute, DependencyHint, EnumResolver, LoadHint, NamedArg};
pub use body::{ClauseKind, ExceptionClause, MethodBody};
pub use error::{MetadataError, Result};
pub use identity::{AssemblyIdentity, AssemblyRefIdentity, Guid, ProcessorArchitecture, Version};
pub use pe::{CliHeader, cli_flags};
pub use rows::*;
pub use signature::{
    CallConv, FieldSig, LocalVarSig, MethodSig, MethodSpecSig, PropertySig, TypeSig,
};
pub use tables::{CodedKind, RawRow, TableId};
pub use token::Token;

/// A .NET assembly (or module) loaded into memory. Cheap accessors decode on demand.
#[derive(Clone)]
pub struct Assembly {
    pub(crate) bytes: file_bytes::FileBytes,
    pub(crate) pe: pe::PeLayout,
    pub(crate) cli: CliHeader,
    pub(crate) streams: pe::Streams,
    pub(crate) layout: tables::TableLayout,
}

impl std::fmt::Debug for Assembly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembly")
            .field("len", &self.bytes.len())
            .field("metadata_version", &self.streams.version)
            .finish_non_exhaustive()
    }
}

impl Assembly {
    /// Maps (or, when it cannot be mapped, reads) and opens the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Assembly> {
        let path = path.as_ref();
        let bytes = file_bytes::FileBytes::open(path).map_err(|source| MetadataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Assembly::from_file_bytes(bytes)
    }

    /// Opens an assembly from its file bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Assembly> {
        Assembly::from_file_bytes(bytes.into())
    }

    fn from_file_bytes(bytes: file_bytes::FileBytes) -> Result<Assembly> {
        let pe = pe::PeLayout::parse(&bytes)?;
        let cli = CliHeader::parse(&bytes, &pe)?;
        let streams = pe::Streams::parse(&bytes, &pe, &cli)?;
        let tables = streams
            .tables
            .clone()
            .ok_or(MetadataError::MissingStream("#~"))?;
        let layout = tables::TableLayout::parse(
            &bytes,
            tables.start,
            tables.len(),
            streams.tables_uncompressed,
        )?;
        Ok(Assembly {
            bytes,
            pe,
            cli,
            streams,
            layout,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The CLI header.
    pub fn cli_header(&self) -> &CliHeader {
        &self.cli
    }

    /// The metadata version string from the metadata root (e.g. `v4.0.30319`).
    pub fn metadata_version(&self) -> &str {
        &self.streams.version
    }

    /// The metadata root's (major, minor) version, normally (1, 1) (Mono's
    /// `Module.MDStreamVersion` reports it).
    pub fn metadata_root_version(&self) -> (u16, u16) {
        self.streams.root_version
    }

    /// The PE file header's machine type (`0x14c` for the usual IL-only x86 file).
    pub fn pe_machine(&self) -> u16 {
        self.pe.machine
    }

    /// True when the table stream is `#-` (uncompressed, may use *Ptr tables).
    pub fn uses_uncompressed_tables(&self) -> bool {
        self.layout.uncompressed
    }

    /// True for a PE32+ (64-bit header) file.
    pub fn is_pe32_plus(&self) -> bool {
        self.pe.pe32_plus
    }

    /// The table stream's schema version (major, minor), normally (2, 0).
    pub fn table_schema_version(&self) -> (u8, u8) {
        (self.layout.major, self.layout.minor)
    }

    /// The file offset of `rva` (for tools that want to point at raw bytes).
    pub fn rva_to_file_offset(&self, rva: u32) -> Result<usize> {
        self.pe.rva_to_offset(rva, 0, self.bytes.len(), "RVA")
    }

    /// The bytes at `rva` (to the end of its section), e.g. FieldRVA initial data.
    pub fn data_at_rva(&self, rva: u32) -> Result<&[u8]> {
        let r = self
            .pe
            .rva_to_offset_open(rva, self.bytes.len(), "RVA data")?;
        Ok(self.bytes.get(r).unwrap_or(&[]))
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn assembly_is_send_and_sync() {
        assert_send_sync::<super::Assembly>();
    }
}
