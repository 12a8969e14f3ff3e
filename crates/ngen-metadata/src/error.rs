//! The reader's one error type. Every malformed input maps to a variant here; nothing in the
//! crate panics on bad bytes. Depends only on [`crate::tables::TableId`] for row errors.

use std::path::PathBuf;

use crate::tables::TableId;

/// Everything that can go wrong while reading an assembly.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a valid PE file: {0}")]
    Pe(#[from] pelite::Error),
    #[error("unsupported PE layout: {0}")]
    UnsupportedPeLayout(&'static str),
    #[error("not a .NET assembly: the PE file has no CLI header (data directory 14 is empty)")]
    NotCli,
    #[error(
        "{what} is truncated: needs {needed} bytes at offset {offset:#x}, only {available} available"
    )]
    Truncated {
        what: &'static str,
        offset: u64,
        needed: u64,
        available: u64,
    },
    #[error("RVA {rva:#x} of {what} does not map into the file")]
    BadRva { what: &'static str, rva: u32 },
    #[error("bad metadata root signature {0:#010x} (expected 0x424a5342, \"BSJB\")")]
    BadMetadataSignature(u32),
    #[error("bad metadata stream header: {0}")]
    BadStreamHeader(&'static str),
    #[error("metadata stream {0} is missing")]
    MissingStream(&'static str),
    #[error("metadata table stream is malformed: {0}")]
    BadTableStream(&'static str),
    #[error("unknown metadata table {0:#04x} is marked present; its row layout is unknown")]
    UnknownTable(u8),
    #[error("{heap} heap index {index:#x} is out of range (heap size {size:#x})")]
    BadHeapIndex {
        heap: &'static str,
        index: u32,
        size: u32,
    },
    #[error("#Strings entry at {0:#x} is not NUL-terminated valid UTF-8")]
    BadString(u32),
    #[error("#US entry at {0:#x} is malformed (odd or truncated UTF-16 length)")]
    BadUserString(u32),
    #[error("{table:?} row {rid} is out of range (the table has {count} rows)")]
    BadRowIndex {
        table: TableId,
        rid: u32,
        count: u32,
    },
    #[error("coded index {value:#x} is invalid for {kind}")]
    BadCodedIndex { kind: &'static str, value: u32 },
    #[error("token {0:#010x} does not name a table this operation accepts")]
    BadToken(u32),
    #[error("bad compressed integer in {what} at offset {offset:#x}")]
    BadCompressedInt { what: &'static str, offset: usize },
    #[error("bad signature blob: {reason} (at byte {offset})")]
    BadSignature { reason: &'static str, offset: usize },
    #[error("bad method body of MethodDef {rid} (RVA {rva:#x}): {reason}")]
    BadMethodBody {
        rid: u32,
        rva: u32,
        reason: &'static str,
    },
    #[error("bad IL at offset {offset:#x}: {reason}")]
    BadIl { offset: u32, reason: &'static str },
    #[error("bad custom attribute: {0}")]
    BadCustomAttribute(String),
    #[error("this module has no Assembly table row (it is a netmodule, not an assembly)")]
    NoAssemblyRow,
}

/// Short alias used throughout the crate.
pub type Result<T, E = MetadataError> = std::result::Result<T, E>;
