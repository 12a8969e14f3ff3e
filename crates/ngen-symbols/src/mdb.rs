//! Mono's `.mdb` symbol files (format 50.x, what `mcs -debug` writes), read as Mono 6.8's
//! `mono/metadata/debug-mono-symfile.c` reads them.
//!
//! ## Layout
//! - Header: magic `0x45e82623fd7fa614` (u64), major (50) and minor version (u32 each), the
//!   module's MVID (16 bytes), then the offset table: 20 `u32`s, of which this reader uses
//!   the source table (count, offset: 8-byte entries `{index, data_offset}`), the method table
//!   (count, offset: 12-byte entries `{token, data_offset, line_number_table}`, sorted by
//!   token) and the line program's `line_base`, `line_range` and `opcode_base`.
//! - A source entry's data: a 7-bit length-prefixed UTF-8 path, its GUID and MD5.
//! - A method's data: six 7-bit encoded fields, then its flags (bit 1: the line table is
//!   followed by one column per row; bit 2: by end lines and columns).
//! - A method's line-number table: a DWARF-like program over (IL offset, line, file):
//!   `copy`, `advance_pc`, `advance_line`, `set_file`, `const_add_pc`, special opcodes, and
//!   the extended `end_sequence` and Mono's `negate_is_hidden`. Each row emitted is a
//!   sequence point; hidden rows (and lines ≤ 0 or `0xfeefee`) are left out.
//!
//! Depends on: [`crate::cursor`].

use crate::cursor::Cursor;
use crate::{SequencePoint, SymbolError};

/// The file's first eight bytes, little-endian.
pub const MAGIC: u64 = 0x45e8_2623_fd7f_a614;
/// The only major version Mono reads ("the frozen version for Mono 2.0").
const MAJOR_VERSION: u32 = 50;
/// Line number of compiler-generated code (Microsoft's and Mono's convention).
const HIDDEN_LINE: i64 = 0xfeefee;

const SOURCE_ENTRY_SIZE: usize = 8;
const METHOD_ENTRY_SIZE: usize = 12;
const LNT_FLAG_HAS_COLUMN_INFO: u32 = 1 << 1;

/// Standard opcodes of the line program (DWARF's numbers).
const DW_LNS_COPY: u8 = 1;
const DW_LNS_ADVANCE_PC: u8 = 2;
const DW_LNS_ADVANCE_LINE: u8 = 3;
const DW_LNS_SET_FILE: u8 = 4;
const DW_LNS_CONST_ADD_PC: u8 = 8;
/// Extended opcodes.
const DW_LNE_END_SEQUENCE: u8 = 1;
const DW_LNE_MONO_NEGATE_IS_HIDDEN: u8 = 0x40;

/// An `.mdb` file, checked at open.
#[derive(Debug)]
pub struct MdbFile {
    bytes: Vec<u8>,
    guid: [u8; 16],
    files: Vec<String>,
    method_table: usize,
    method_count: usize,
    line_base: i32,
    line_range: u32,
    opcode_base: u8,
}

/// One row of a method's line program, before hidden rows are dropped.
struct Row {
    il_offset: u32,
    line: i64,
    file: u32,
    hidden: bool,
}

impl MdbFile {
    /// Parses and checks the header, the offset table and the source table.
    pub fn parse(bytes: Vec<u8>) -> Result<MdbFile, SymbolError> {
        let mut c = Cursor::at(&bytes, 0, "mdb header")?;
        if c.u64("mdb header")? != MAGIC {
            return Err(SymbolError::BadSignature {
                format: "Mono .mdb",
            });
        }
        let major = c.u32("mdb header")?;
        let minor = c.u32("mdb header")?;
        if major != MAJOR_VERSION {
            return Err(SymbolError::UnsupportedVersion {
                format: "Mono .mdb",
                major,
                minor,
            });
        }
        let mut guid = [0u8; 16];
        guid.copy_from_slice(c.take(16, "mdb header")?);
        let mut table = [0u32; 20];
        for slot in &mut table {
            *slot = c.u32("mdb offset table")?;
        }
        let [
            _total_size,
            _data_offset,
            _data_size,
            _cu_count,
            _cu_offset,
            _cu_size,
            source_count,
            source_offset,
            _source_size,
            method_count,
            method_offset,
            _method_size,
            _type_count,
            _scope_count,
            _scope_offset,
            _scope_size,
            line_base,
            line_range,
            opcode_base,
            _is_aspx,
        ] = table;
        if line_range == 0 || opcode_base == 0 || opcode_base > 255 {
            return Err(SymbolError::Malformed {
                what: "mdb offset table",
                offset: 16,
                detail: format!("line program range {line_range}, opcode base {opcode_base}"),
            });
        }
        let (method_table, method_count) = checked_table(
            &bytes,
            method_offset,
            method_count,
            METHOD_ENTRY_SIZE,
            "mdb method table",
        )?;
        let (source_table, source_count) = checked_table(
            &bytes,
            source_offset,
            source_count,
            SOURCE_ENTRY_SIZE,
            "mdb source table",
        )?;
        let mut files = Vec::with_capacity(source_count);
        for i in 0..source_count {
            let mut entry = Cursor::at(
                &bytes,
                source_table + i * SOURCE_ENTRY_SIZE,
                "mdb source entry",
            )?;
            let _index = entry.u32("mdb source entry")?;
            let data = entry.u32("mdb source entry")? as usize;
            files.push(read_string(&bytes, data, "mdb source file name")?);
        }
        Ok(MdbFile {
            guid,
            files,
            method_table,
            method_count,
            line_base: line_base as i32,
            line_range,
            opcode_base: opcode_base as u8,
            bytes,
        })
    }

    /// The MVID of the module these symbols were written for.
    pub fn guid(&self) -> [u8; 16] {
        self.guid
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The sequence points of MethodDef `rid`, in program order (IL offsets ascending).
    pub fn sequence_points(&self, rid: u32) -> Result<Vec<SequencePoint>, SymbolError> {
        let Some((data_offset, lnt_offset)) = self.method_entry(0x0600_0000 | rid)? else {
            return Ok(Vec::new());
        };
        let flags = self.method_flags(data_offset)?;
        let mut c = Cursor::at(&self.bytes, lnt_offset, "mdb line number table")?;
        let rows = self.run_line_program(&mut c)?;
        let mut columns = vec![0u32; rows.len()];
        if flags & LNT_FLAG_HAS_COLUMN_INFO != 0 {
            for column in &mut columns {
                *column = c.leb128_u32("mdb column table")?;
            }
        }
        let mut points = Vec::new();
        for (row, column) in rows.into_iter().zip(columns) {
            if row.hidden || row.line <= 0 || row.line == HIDDEN_LINE {
                continue;
            }
            let file = (row.file as usize)
                .checked_sub(1)
                .filter(|&f| f < self.files.len());
            let file = file.ok_or_else(|| SymbolError::Malformed {
                what: "mdb line number table",
                offset: lnt_offset,
                detail: format!("source file {} of {}", row.file, self.files.len()),
            })?;
            points.push(SequencePoint {
                il_offset: row.il_offset,
                file,
                line: u32::try_from(row.line).unwrap_or(u32::MAX),
                column,
            });
        }
        Ok(points)
    }

    /// The names of MethodDef `rid`'s IL locals, by local index (the method data's local
    /// table: a count, then `{index, name, block}` per local, as Mono's
    /// `mono_debug_symfile_lookup_locals` reads it). A local named in several scopes keeps its
    /// first name.
    pub fn local_names(&self, rid: u32) -> Result<Vec<(u32, String)>, SymbolError> {
        const WHAT: &str = "mdb local variable table";
        let Some((data_offset, _)) = self.method_entry(0x0600_0000 | rid)? else {
            return Ok(Vec::new());
        };
        let mut c = Cursor::at(&self.bytes, data_offset, "mdb method data")?;
        let _compile_unit = c.leb128_i32("mdb method data")?;
        let locals_offset = c.leb128_u32("mdb method data")? as usize;
        let mut c = Cursor::at(&self.bytes, locals_offset, WHAT)?;
        let count = c.leb128_u32(WHAT)?;
        let mut names: Vec<(u32, String)> = Vec::new();
        for _ in 0..count {
            let index = c.leb128_u32(WHAT)?;
            let len = c.leb128_u32(WHAT)? as usize;
            let at = c.pos();
            let name = String::from_utf8(c.take(len, WHAT)?.to_vec()).map_err(|e| {
                SymbolError::Malformed {
                    what: WHAT,
                    offset: at,
                    detail: e.to_string(),
                }
            })?;
            let _block = c.leb128_i32(WHAT)?;
            if !names.iter().any(|(i, _)| *i == index) {
                names.push((index, name));
            }
        }
        names.sort_by_key(|(i, _)| *i);
        Ok(names)
    }

    /// Binary search of the method table (sorted by token): the method's data and line table
    /// offsets.
    fn method_entry(&self, token: u32) -> Result<Option<(usize, usize)>, SymbolError> {
        let (mut lo, mut hi) = (0usize, self.method_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let mut e = Cursor::at(
                &self.bytes,
                self.method_table + mid * METHOD_ENTRY_SIZE,
                "mdb method entry",
            )?;
            let t = e.u32("mdb method entry")?;
            if t == token {
                let data = e.u32("mdb method entry")? as usize;
                let lnt = e.u32("mdb method entry")? as usize;
                return Ok(Some((data, lnt)));
            }
            if t < token {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(None)
    }

    /// The line-table flags after the six fields that precede them in a method's data.
    fn method_flags(&self, data_offset: usize) -> Result<u32, SymbolError> {
        let mut c = Cursor::at(&self.bytes, data_offset, "mdb method data")?;
        for _ in 0..6 {
            c.leb128_i32("mdb method data")?;
        }
        c.leb128_u32("mdb method data")
    }

    /// Runs a method's line program to its `end_sequence`; `c` ends after it.
    fn run_line_program<'a>(&'a self, c: &mut Cursor<'a>) -> Result<Vec<Row>, SymbolError> {
        const WHAT: &str = "mdb line number table";
        let max_address_incr = i64::from((255 - u32::from(self.opcode_base)) / self.line_range);
        let (mut offset, mut line, mut file, mut hidden) = (0i64, 1i64, 1u32, false);
        let mut rows = Vec::new();
        loop {
            let start = c.pos();
            let opcode = c.u8(WHAT)?;
            if opcode == 0 {
                let size = usize::from(c.u8(WHAT)?);
                let end = c.pos() + size;
                match c.u8(WHAT)? {
                    DW_LNE_END_SEQUENCE => return Ok(rows),
                    DW_LNE_MONO_NEGATE_IS_HIDDEN => hidden = !hidden,
                    // 0x41..=0x7f are reserved Mono extensions; others are unknown: skipped
                    // by their size, as Mono does.
                    _ => {}
                }
                *c = Cursor::at(self.bytes.as_slice(), end, WHAT)?;
                continue;
            }
            if opcode < self.opcode_base {
                match opcode {
                    DW_LNS_COPY => {}
                    DW_LNS_ADVANCE_PC => offset += i64::from(c.leb128_i32(WHAT)?),
                    DW_LNS_ADVANCE_LINE => line += i64::from(c.leb128_i32(WHAT)?),
                    DW_LNS_SET_FILE => file = c.leb128_u32(WHAT)?,
                    DW_LNS_CONST_ADD_PC => offset += max_address_incr,
                    other => {
                        return Err(SymbolError::Malformed {
                            what: WHAT,
                            offset: start,
                            detail: format!("unknown standard opcode {other}"),
                        });
                    }
                }
                if opcode != DW_LNS_COPY {
                    continue;
                }
            } else {
                let special = u32::from(opcode - self.opcode_base);
                offset += i64::from(special / self.line_range);
                line += i64::from(self.line_base) + i64::from(special % self.line_range);
            }
            let il_offset = u32::try_from(offset).map_err(|_| SymbolError::Malformed {
                what: WHAT,
                offset: start,
                detail: format!("IL offset {offset}"),
            })?;
            rows.push(Row {
                il_offset,
                line,
                file,
                hidden,
            });
        }
    }
}

/// Checks that a table of `count` entries of `size` bytes at `offset` lies within `bytes`.
fn checked_table(
    bytes: &[u8],
    offset: u32,
    count: u32,
    size: usize,
    what: &'static str,
) -> Result<(usize, usize), SymbolError> {
    let (offset, count) = (offset as usize, count as usize);
    let end = count.checked_mul(size).and_then(|n| n.checked_add(offset));
    match end {
        Some(end) if end <= bytes.len() => Ok((offset, count)),
        _ => Err(SymbolError::Truncated { what, offset }),
    }
}

/// A 7-bit length-prefixed UTF-8 string at `offset`.
fn read_string(bytes: &[u8], offset: usize, what: &'static str) -> Result<String, SymbolError> {
    let mut c = Cursor::at(bytes, offset, what)?;
    let len = c.leb128_u32(what)? as usize;
    let raw = c.take(len, what)?;
    String::from_utf8(raw.to_vec()).map_err(|e| SymbolError::Malformed {
        what,
        offset,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
