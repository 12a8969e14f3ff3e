//! Portable PDB files (Portable PDB v1.0, on ECMA-335 II.24 physical metadata), as Roslyn
//! writes them next to an assembly and `mono/metadata/debug-mono-ppdb.c` reads them.
//!
//! ## Layout
//! A metadata root (`BSJB`) with the streams `#Pdb` (the PDB id, the entry point and the
//! type-system row counts), `#~` (the debug tables), `#Blob`, `#GUID`, `#Strings`. Of the debug
//! tables this reader needs the first four, which precede every other one:
//! - `Document` (0x30): `Name` (blob: a separator byte, then the blob indexes of the path's
//!   UTF-8 parts), `HashAlgorithm` (guid), `Hash` (blob), `Language` (guid);
//! - `MethodDebugInformation` (0x31), one row per MethodDef, same row number: `Document`
//!   (Document index, 0 when the points span several documents), `SequencePoints` (blob);
//! - `LocalScope` (0x32), sorted by method: `Method` (MethodDef index, sized by the type
//!   system's row count in `#Pdb`), `ImportScope`, `VariableList` (the scope's first
//!   `LocalVariable`, to the next scope's), `ConstantList`, `StartOffset`, `Length`;
//! - `LocalVariable` (0x33): `Attributes` (1: hidden), `Index` (the IL local), `Name` (string).
//!
//! A sequence-point blob is a header (the local signature, and the initial document when the
//! row has none) and records: `δIL`, then either a document record (`δIL` = 0 after the first
//! record) or `ΔLines`, `ΔColumns` (0, 0 for a hidden point) and the start line and column
//! (absolute for the first visible point, signed deltas from the previous one after).
//!
//! Depends on: [`crate::cursor`].

use crate::cursor::Cursor;
use crate::{SequencePoint, SymbolError};

const SIGNATURE: u32 = 0x424a_5342;
const DOCUMENT: u32 = 0x30;
const METHOD_DEBUG_INFORMATION: u32 = 0x31;
const LOCAL_SCOPE: u32 = 0x32;
const LOCAL_VARIABLE: u32 = 0x33;
const LOCAL_CONSTANT: u32 = 0x34;
const IMPORT_SCOPE: u32 = 0x35;
const METHOD_DEF: usize = 0x06;
/// `LocalVariableAttributes.DebuggerHidden`: compiler-generated, not shown.
const DEBUGGER_HIDDEN: u32 = 1;
/// Tables of the debug metadata; a standalone PDB holds no other.
const FIRST_DEBUG_TABLE: u32 = 0x30;

/// A portable PDB, checked at open.
#[derive(Debug)]
pub struct PortablePdb {
    bytes: Vec<u8>,
    id: [u8; 20],
    files: Vec<String>,
    blob_heap: (usize, usize),
    blob_width: usize,
    /// `MethodDebugInformation`: start, row size, rows.
    method_rows: (usize, usize, u32),
    document_width: usize,
    /// `LocalScope` and `LocalVariable`: start, row size, rows.
    scope_rows: (usize, usize, u32),
    variable_rows: (usize, usize, u32),
    /// Widths of `LocalScope`'s `Method` and `VariableList` columns.
    scope_method_width: usize,
    variable_list_width: usize,
    /// Where `VariableList` starts in a `LocalScope` row (after `Method`, `ImportScope`).
    variable_list_offset: usize,
    string_width: usize,
    string_heap: (usize, usize),
}

impl PortablePdb {
    /// Parses the metadata root, the streams, the table layout and every document name.
    pub fn parse(bytes: Vec<u8>) -> Result<PortablePdb, SymbolError> {
        let streams = read_streams(&bytes)?;
        let find = |name: &str| streams.iter().find(|s| s.0 == name).map(|s| (s.1, s.2));
        let pdb = find("#Pdb").ok_or(SymbolError::Malformed {
            what: "portable PDB",
            offset: 0,
            detail: "no #Pdb stream".into(),
        })?;
        let tables = find("#~").ok_or(SymbolError::Malformed {
            what: "portable PDB",
            offset: 0,
            detail: "no #~ stream".into(),
        })?;
        let blob_heap = find("#Blob").unwrap_or((0, 0));
        let string_heap = find("#Strings").unwrap_or((0, 0));
        let mut id = [0u8; 20];
        let mut p = Cursor::at(&bytes, pdb.0, "#Pdb stream")?;
        id.copy_from_slice(p.take(20, "#Pdb stream")?);
        let _entry_point = p.u32("#Pdb stream")?;
        let referenced = p.u64("#Pdb stream")?;
        let mut type_system_rows = [0u32; 64];
        for (table, count) in type_system_rows.iter_mut().enumerate() {
            if referenced & (1u64 << table) != 0 {
                *count = p.u32("#Pdb stream")?;
            }
        }

        let mut c = Cursor::at(&bytes, tables.0, "#~ stream")?;
        c.take(4, "#~ stream")?;
        let _major = c.u8("#~ stream")?;
        let _minor = c.u8("#~ stream")?;
        let heap_sizes = c.u8("#~ stream")?;
        c.u8("#~ stream")?;
        let valid = c.u64("#~ stream")?;
        let _sorted = c.u64("#~ stream")?;
        if valid & ((1u64 << FIRST_DEBUG_TABLE) - 1) != 0 {
            return Err(SymbolError::Malformed {
                what: "#~ stream",
                offset: tables.0,
                detail: "type-system tables in a standalone PDB".into(),
            });
        }
        let mut rows = [0u32; 64];
        for (table, count) in rows.iter_mut().enumerate() {
            if valid & (1u64 << table) != 0 {
                *count = c.u32("#~ row counts")?;
            }
        }
        let wide = |bit: u8| if heap_sizes & bit != 0 { 4 } else { 2 };
        let (guid_width, blob_width) = (wide(0x02), wide(0x04));
        let document_rows = rows[DOCUMENT as usize];
        let document_width = if document_rows < 0x1_0000 { 2 } else { 4 };
        let document_row_size = 2 * blob_width + 2 * guid_width;
        let method_row_size = document_width + blob_width;
        let documents_start = c.pos();
        let method_start = document_rows as usize * document_row_size + documents_start;
        let method_rows = rows[METHOD_DEBUG_INFORMATION as usize];
        let index_width = |rows: u32| if rows < 0x1_0000 { 2 } else { 4 };
        let string_width = wide(0x01);
        let scope_method_width = index_width(type_system_rows[METHOD_DEF]);
        let variable_list_width = index_width(rows[LOCAL_VARIABLE as usize]);
        let variable_list_offset = scope_method_width + index_width(rows[IMPORT_SCOPE as usize]);
        let scope_row_size = variable_list_offset
            + variable_list_width
            + index_width(rows[LOCAL_CONSTANT as usize])
            + 8;
        let variable_row_size = 4 + string_width;
        // The tables in order: each starts where the one before ends.
        let mut end = Some(method_start);
        let mut place = |count: u32, row_size: usize| {
            let start = end?;
            end = (count as usize)
                .checked_mul(row_size)
                .and_then(|n| n.checked_add(start));
            Some(start)
        };
        let _ = place(method_rows, method_row_size);
        let scope_start = place(rows[LOCAL_SCOPE as usize], scope_row_size);
        let variable_start = place(rows[LOCAL_VARIABLE as usize], variable_row_size);
        let (Some(scope_start), Some(variable_start), Some(tables_end)) =
            (scope_start, variable_start, end)
        else {
            return Err(SymbolError::Truncated {
                what: "portable PDB tables",
                offset: documents_start,
            });
        };
        if tables_end > bytes.len() {
            return Err(SymbolError::Truncated {
                what: "portable PDB tables",
                offset: documents_start,
            });
        }
        let mut pdb = PortablePdb {
            id,
            files: Vec::new(),
            blob_heap,
            blob_width,
            method_rows: (method_start, method_row_size, method_rows),
            document_width,
            scope_rows: (scope_start, scope_row_size, rows[LOCAL_SCOPE as usize]),
            variable_rows: (
                variable_start,
                variable_row_size,
                rows[LOCAL_VARIABLE as usize],
            ),
            scope_method_width,
            variable_list_width,
            variable_list_offset,
            string_width,
            string_heap,
            bytes,
        };
        let mut files = Vec::with_capacity(document_rows as usize);
        for row in 0..document_rows as usize {
            let mut r = Cursor::at(
                &pdb.bytes,
                documents_start + row * document_row_size,
                "Document row",
            )?;
            let name = r.uint(blob_width, "Document row")?;
            files.push(pdb.document_name(name)?);
        }
        pdb.files = files;
        Ok(pdb)
    }

    /// The PDB id: the assembly's debug-directory GUID and timestamp.
    pub fn id(&self) -> [u8; 20] {
        self.id
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The visible sequence points of MethodDef `rid`, in IL-offset order.
    pub fn sequence_points(&self, rid: u32) -> Result<Vec<SequencePoint>, SymbolError> {
        let (start, row_size, rows) = self.method_rows;
        if rid == 0 || rid > rows {
            return Ok(Vec::new());
        }
        let mut r = Cursor::at(
            &self.bytes,
            start + (rid as usize - 1) * row_size,
            "MethodDebugInformation row",
        )?;
        let document = r.uint(self.document_width, "MethodDebugInformation row")?;
        let blob = r.uint(self.blob_width, "MethodDebugInformation row")?;
        if blob == 0 {
            return Ok(Vec::new());
        }
        let data = self.blob(blob)?;
        self.decode_points(data, document)
    }

    /// The names of MethodDef `rid`'s IL locals, by local index: the `LocalVariable` rows of
    /// its `LocalScope` rows (a scope's variables run to the next scope's list start), without
    /// the compiler's hidden ones; a local named in several scopes keeps its first name.
    pub fn local_names(&self, rid: u32) -> Result<Vec<(u32, String)>, SymbolError> {
        const SCOPE: &str = "LocalScope row";
        const VARIABLE: &str = "LocalVariable row";
        let (scope_start, scope_size, scopes) = self.scope_rows;
        let (variable_start, variable_size, variables) = self.variable_rows;
        let list_at = |row: u32| -> Result<u32, SymbolError> {
            if row >= scopes {
                return Ok(variables + 1);
            }
            let mut c = Cursor::at(&self.bytes, scope_start + row as usize * scope_size, SCOPE)?;
            c.take(self.variable_list_offset, SCOPE)?;
            c.uint(self.variable_list_width, SCOPE)
        };
        let mut names: Vec<(u32, String)> = Vec::new();
        for row in 0..scopes {
            let mut c = Cursor::at(&self.bytes, scope_start + row as usize * scope_size, SCOPE)?;
            if c.uint(self.scope_method_width, SCOPE)? != rid {
                continue;
            }
            let (first, end) = (list_at(row)?, list_at(row + 1)?);
            for v in first.max(1)..end.min(variables + 1) {
                let mut r = Cursor::at(
                    &self.bytes,
                    variable_start + (v as usize - 1) * variable_size,
                    VARIABLE,
                )?;
                let attributes = u32::from(r.u16(VARIABLE)?);
                let index = u32::from(r.u16(VARIABLE)?);
                let name = r.uint(self.string_width, VARIABLE)?;
                if attributes & DEBUGGER_HIDDEN != 0 || names.iter().any(|(i, _)| *i == index) {
                    continue;
                }
                names.push((index, self.string(name)?));
            }
        }
        names.sort_by_key(|(i, _)| *i);
        Ok(names)
    }

    /// A NUL-terminated UTF-8 string of the `#Strings` heap.
    fn string(&self, index: u32) -> Result<String, SymbolError> {
        const WHAT: &str = "#Strings heap";
        let (start, size) = self.string_heap;
        let heap = self
            .bytes
            .get(start..start + size)
            .ok_or(SymbolError::Truncated {
                what: WHAT,
                offset: start,
            })?;
        let tail = heap.get(index as usize..).ok_or(SymbolError::Truncated {
            what: WHAT,
            offset: start + index as usize,
        })?;
        let len = tail
            .iter()
            .position(|&b| b == 0)
            .ok_or(SymbolError::Truncated {
                what: WHAT,
                offset: start + index as usize,
            })?;
        String::from_utf8(tail[..len].to_vec()).map_err(|e| SymbolError::Malformed {
            what: WHAT,
            offset: start + index as usize,
            detail: e.to_string(),
        })
    }

    fn decode_points(
        &self,
        data: &[u8],
        mut document: u32,
    ) -> Result<Vec<SequencePoint>, SymbolError> {
        const WHAT: &str = "sequence points blob";
        let mut c = Cursor::at(data, 0, WHAT)?;
        let _local_signature = c.compressed_u32(WHAT)?;
        if document == 0 {
            document = c.compressed_u32(WHAT)?;
        }
        let mut points = Vec::new();
        let (mut il_offset, mut first) = (0u32, true);
        let mut previous: Option<(i64, i64)> = None;
        while !c.is_at_end() {
            let at = c.pos();
            let delta_il = c.compressed_u32(WHAT)?;
            if !first && delta_il == 0 {
                document = c.compressed_u32(WHAT)?;
                continue;
            }
            il_offset = if first {
                delta_il
            } else {
                il_offset
                    .checked_add(delta_il)
                    .ok_or(SymbolError::Malformed {
                        what: WHAT,
                        offset: at,
                        detail: "IL offset overflows".into(),
                    })?
            };
            first = false;
            let delta_lines = c.compressed_u32(WHAT)?;
            let delta_columns = if delta_lines == 0 {
                i64::from(c.compressed_u32(WHAT)?)
            } else {
                i64::from(c.compressed_i32(WHAT)?)
            };
            if delta_lines == 0 && delta_columns == 0 {
                continue; // hidden
            }
            let (line, column) = match previous {
                None => (
                    i64::from(c.compressed_u32(WHAT)?),
                    i64::from(c.compressed_u32(WHAT)?),
                ),
                Some((line, column)) => (
                    line + i64::from(c.compressed_i32(WHAT)?),
                    column + i64::from(c.compressed_i32(WHAT)?),
                ),
            };
            previous = Some((line, column));
            let file = (document as usize)
                .checked_sub(1)
                .filter(|&f| f < self.files.len());
            let (Some(file), Ok(line), Ok(column)) =
                (file, u32::try_from(line), u32::try_from(column))
            else {
                return Err(SymbolError::Malformed {
                    what: WHAT,
                    offset: at,
                    detail: format!("document {document}, line {line}, column {column}"),
                });
            };
            points.push(SequencePoint {
                il_offset,
                file,
                line,
                column,
            });
        }
        Ok(points)
    }

    /// A blob of the `#Blob` heap.
    fn blob(&self, index: u32) -> Result<&[u8], SymbolError> {
        let (start, size) = self.blob_heap;
        let heap = self
            .bytes
            .get(start..start + size)
            .ok_or(SymbolError::Truncated {
                what: "#Blob heap",
                offset: start,
            })?;
        let mut c = Cursor::at(heap, index as usize, "#Blob heap")?;
        let len = c.compressed_u32("#Blob heap")? as usize;
        c.take(len, "#Blob heap")
    }

    /// A document name: its parts' UTF-8 joined by the separator (portable PDB "Document
    /// Name Blob").
    fn document_name(&self, index: u32) -> Result<String, SymbolError> {
        const WHAT: &str = "document name blob";
        let blob = self.blob(index)?;
        let mut c = Cursor::at(blob, 0, WHAT)?;
        let separator = c.u8(WHAT)?;
        let mut name = Vec::new();
        let mut first = true;
        while !c.is_at_end() {
            if !first && separator != 0 {
                name.push(separator);
            }
            first = false;
            let part = c.compressed_u32(WHAT)?;
            if part != 0 {
                name.extend_from_slice(self.blob(part)?);
            }
        }
        String::from_utf8(name).map_err(|e| SymbolError::Malformed {
            what: WHAT,
            offset: index as usize,
            detail: e.to_string(),
        })
    }
}

/// The metadata root's stream headers: (name, offset, size), each within the file.
fn read_streams(bytes: &[u8]) -> Result<Vec<(String, usize, usize)>, SymbolError> {
    const WHAT: &str = "metadata root";
    let mut c = Cursor::at(bytes, 0, WHAT)?;
    if c.u32(WHAT)? != SIGNATURE {
        return Err(SymbolError::BadSignature {
            format: "portable PDB",
        });
    }
    c.take(2 + 2 + 4, WHAT)?;
    let version_len = c.u32(WHAT)? as usize;
    c.take(version_len, WHAT)?;
    let _flags = c.u16(WHAT)?;
    let count = c.u16(WHAT)?;
    let mut streams = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let offset = c.u32("stream header")? as usize;
        let size = c.u32("stream header")? as usize;
        let name_start = c.pos();
        let mut name = Vec::new();
        loop {
            match c.u8("stream header")? {
                0 => break,
                b => name.push(b),
            }
        }
        // Names are NUL-terminated and padded to four bytes.
        let used = c.pos() - name_start;
        c.take((4 - used % 4) % 4, "stream header")?;
        if offset.checked_add(size).is_none_or(|end| end > bytes.len()) {
            return Err(SymbolError::Truncated {
                what: "metadata stream",
                offset,
            });
        }
        streams.push((String::from_utf8_lossy(&name).into_owned(), offset, size));
    }
    Ok(streams)
}

#[cfg(test)]
mod tests;
