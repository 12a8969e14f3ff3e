//! Source-level symbols of a .NET assembly: for a MethodDef, its sequence points (IL offset →
//! source file, line, column), from the two formats Mono 6.8 reads.
//!
//! ## Model
//! - [`mdb`]: Mono's `.mdb` (what `mcs -debug` writes next to `App.exe` as `App.exe.mdb`;
//!   format 50.x, as `mono/metadata/debug-mono-symfile.c` reads it): a method table sorted by
//!   token, a source table and a DWARF-like line-number program per method.
//! - [`ppdb`]: portable PDB (`App.pdb`, what Roslyn writes): ECMA-335 metadata with the
//!   `#Pdb` stream and the `Document` and `MethodDebugInformation` tables, whose sequence-point
//!   blobs are decoded per the Portable PDB v1.0 specification.
//!
//! Both answer the same questions through [`SymbolFile`] (and the names of a method's IL
//! locals, for the debug scenario's DWARF): files are read whole into memory,
//! checked at open (header, tables within bounds), and each method's points are decoded on
//! demand. Hidden sequence points (line `0xfeefee`, or a portable PDB's hidden records) are
//! left out, as Mono's `get_seq_points` does; the points are in IL-offset order.
//!
//! ## Invariants
//! Any malformed or truncated file gives a typed [`SymbolError`], never a panic (every read is
//! bounds-checked through [`cursor::Cursor`]; the unit tests truncate files at every length).
//!
//! Depends on: thiserror.

mod cursor;
pub mod mdb;
pub mod ppdb;

use std::path::{Path, PathBuf};

/// One sequence point: the IL instruction at `il_offset` starts the code of a source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequencePoint {
    pub il_offset: u32,
    /// Index into [`SymbolFile::files`].
    pub file: usize,
    /// 1-based.
    pub line: u32,
    /// 1-based; 0 when the file records no columns.
    pub column: u32,
}

/// Why a symbol file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SymbolError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a {format} file (bad signature)")]
    BadSignature { format: &'static str },
    #[error("unsupported {format} version {major}.{minor}")]
    UnsupportedVersion {
        format: &'static str,
        major: u32,
        minor: u32,
    },
    #[error("truncated {what} at offset {offset}")]
    Truncated { what: &'static str, offset: usize },
    #[error("malformed {what} at offset {offset}: {detail}")]
    Malformed {
        what: &'static str,
        offset: usize,
        detail: String,
    },
    #[error("the symbols are for module {found}, the assembly is {expected}")]
    Mismatch { expected: String, found: String },
}

/// The symbols of one assembly, whatever their format.
#[derive(Debug)]
pub enum SymbolFile {
    Mdb(mdb::MdbFile),
    Ppdb(ppdb::PortablePdb),
}

impl SymbolFile {
    /// Source file paths, as the compiler recorded them.
    pub fn files(&self) -> &[String] {
        match self {
            SymbolFile::Mdb(f) => f.files(),
            SymbolFile::Ppdb(f) => f.files(),
        }
    }

    /// The sequence points of MethodDef `rid` (empty when the file has none for it).
    pub fn sequence_points(&self, rid: u32) -> Result<Vec<SequencePoint>, SymbolError> {
        match self {
            SymbolFile::Mdb(f) => f.sequence_points(rid),
            SymbolFile::Ppdb(f) => f.sequence_points(rid),
        }
    }

    /// The source line of IL offset `il_offset` of MethodDef `rid`, as Mono's
    /// `mono_debug_symfile_lookup_location` finds it (the last sequence point at or before the
    /// offset): what `mono --debug` prints as `in File.cs:LINE` for a frame. `None` before the
    /// first point, or without points.
    pub fn location(&self, rid: u32, il_offset: u32) -> Result<Option<(&str, u32)>, SymbolError> {
        let points = self.sequence_points(rid)?;
        let found = points
            .iter()
            .filter(|p| p.il_offset <= il_offset)
            .max_by_key(|p| p.il_offset);
        Ok(found.and_then(|p| Some((self.files().get(p.file)?.as_str(), p.line))))
    }

    /// The names of MethodDef `rid`'s IL locals, by local index.
    pub fn local_names(&self, rid: u32) -> Result<Vec<(u32, String)>, SymbolError> {
        match self {
            SymbolFile::Mdb(f) => f.local_names(rid),
            SymbolFile::Ppdb(f) => f.local_names(rid),
        }
    }

    /// Parses `bytes` as an `.mdb` or a portable PDB, by signature.
    pub fn parse(bytes: Vec<u8>) -> Result<SymbolFile, SymbolError> {
        if bytes.starts_with(&mdb::MAGIC.to_le_bytes()) {
            mdb::MdbFile::parse(bytes).map(SymbolFile::Mdb)
        } else {
            ppdb::PortablePdb::parse(bytes).map(SymbolFile::Ppdb)
        }
    }

    /// The symbols next to `assembly` (`App.exe.mdb`, then `App.pdb`), if there are any; with
    /// `mvid`, an `.mdb` written for another build of the module is refused as Mono refuses
    /// it ("doesn't match image").
    pub fn find_for(
        assembly: &Path,
        mvid: Option<[u8; 16]>,
    ) -> Result<Option<SymbolFile>, SymbolError> {
        let mut mdb_name = assembly.as_os_str().to_owned();
        mdb_name.push(".mdb");
        let candidates = [PathBuf::from(mdb_name), assembly.with_extension("pdb")];
        for path in candidates {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(SymbolError::Io { path, source }),
            };
            let file = SymbolFile::parse(bytes)?;
            if let (Some(expected), SymbolFile::Mdb(m)) = (mvid, &file)
                && m.guid() != expected
            {
                return Err(SymbolError::Mismatch {
                    expected: guid_string(expected),
                    found: guid_string(m.guid()),
                });
            }
            return Ok(Some(file));
        }
        Ok(None)
    }
}

/// A GUID in its registry form (the first three fields little-endian, as .NET prints it).
fn guid_string(g: [u8; 16]) -> String {
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{}",
        g[3],
        g[2],
        g[1],
        g[0],
        g[5],
        g[4],
        g[7],
        g[6],
        g[8],
        g[9],
        g[10..]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

#[cfg(test)]
pub(crate) mod truncation {
    /// Parses every prefix of `bytes` with `parse` and every prefix-plus-lookup with `query`:
    /// none may panic (each returns an error or a result, which is all the test asks).
    pub(crate) fn never_panics<T>(
        bytes: &[u8],
        parse: impl Fn(Vec<u8>) -> Result<T, crate::SymbolError>,
        query: impl Fn(&T),
    ) {
        for len in 0..bytes.len() {
            if let Ok(file) = parse(bytes[..len].to_vec()) {
                query(&file);
            }
        }
        // Single-byte corruption everywhere, too.
        for at in 0..bytes.len() {
            for flip in [0xffu8, 0x80, 0x01] {
                let mut b = bytes.to_vec();
                b[at] ^= flip;
                if let Ok(file) = parse(b) {
                    query(&file);
                }
            }
        }
    }
}
