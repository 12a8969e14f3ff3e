//! Method bodies (II.25.4): tiny and fat headers, the local-variable signature token, and the
//! extra data sections holding exception clauses in small and fat forms. Zero-copy: `code`
//! borrows the assembly's bytes. Depends on the PE layout (RVA mapping) and MethodDef rows.

use crate::Assembly;
use crate::error::{MetadataError, Result};
use crate::reader::Cursor;
use crate::tables::TableId;
use crate::token::Token;

/// MethodImplAttributes CodeTypeMask values (II.23.1.11).
pub mod code_type {
    pub const MASK: u16 = 0x0003;
    pub const IL: u16 = 0x0000;
    pub const NATIVE: u16 = 0x0001;
    pub const OPTIL: u16 = 0x0002;
    pub const RUNTIME: u16 = 0x0003;
}

/// The kind of an exception-handling clause (II.25.4.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClauseKind {
    /// A typed `catch`; the token names the caught type.
    Catch(Token),
    /// A filter; the handler's filter code starts at this IL offset.
    Filter(u32),
    Finally,
    Fault,
}

/// One exception-handling clause, with offsets in bytes from the start of the IL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExceptionClause {
    pub kind: ClauseKind,
    pub try_offset: u32,
    pub try_length: u32,
    pub handler_offset: u32,
    pub handler_length: u32,
}

/// A decoded method body header with its IL and exception clauses.
#[derive(Clone, Debug)]
pub struct MethodBody<'a> {
    /// True for a fat header (II.25.4.3), false for a tiny one.
    pub fat: bool,
    pub max_stack: u16,
    pub init_locals: bool,
    pub local_var_sig_token: Option<Token>,
    /// The method's IL bytes.
    pub code: &'a [u8],
    pub exception_clauses: Vec<ExceptionClause>,
}

impl<'a> MethodBody<'a> {
    /// Decodes the IL as an iterator of instructions.
    pub fn instructions(&self) -> crate::il::Instructions<'a> {
        crate::il::decode(self.code)
    }
}

const TINY: u8 = 0x2;
const FAT: u8 = 0x3;
const MORE_SECTS: u16 = 0x08;
const INIT_LOCALS: u16 = 0x10;
const SECT_EH_TABLE: u8 = 0x01;
const SECT_OPT_IL_TABLE: u8 = 0x02;
const SECT_FAT_FORMAT: u8 = 0x40;
const SECT_MORE_SECTS: u8 = 0x80;

impl Assembly {
    /// The body of MethodDef `rid`, or `None` when it has none (abstract, extern, runtime,
    /// P/Invoke, or native code in a mixed-mode image).
    pub fn method_body(&self, rid: u32) -> Result<Option<MethodBody<'_>>> {
        let rva = self.cell(TableId::MethodDef, rid, 0)?;
        let impl_flags = self.cell(TableId::MethodDef, rid, 1)? as u16;
        if rva == 0 || impl_flags & code_type::MASK != code_type::IL {
            return Ok(None);
        }
        let err = |reason| MetadataError::BadMethodBody { rid, rva, reason };
        let range = self
            .pe
            .rva_to_offset_open(rva, self.bytes.len(), "method body")
            .map_err(|_| err("RVA does not map into the file"))?;
        let data = self.bytes.get(range).unwrap_or(&[]);
        parse_body(data).map(Some).map_err(err)
    }
}

/// Parses a method body starting at `data[0]`; `data` extends to the end of the section.
pub fn parse_body(data: &[u8]) -> std::result::Result<MethodBody<'_>, &'static str> {
    let first = *data
        .first()
        .ok_or("header is past the end of its section")?;
    match first & 0x3 {
        TINY => {
            let size = usize::from(first >> 2);
            let code = data
                .get(1..1 + size)
                .ok_or("tiny body's code is truncated")?;
            Ok(MethodBody {
                fat: false,
                max_stack: 8,
                init_locals: false,
                local_var_sig_token: None,
                code,
                exception_clauses: Vec::new(),
            })
        }
        FAT => {
            let mut c = Cursor::new(data, "fat method header");
            let flags_and_size = c.u16().map_err(|_| "fat header is truncated")?;
            let flags = flags_and_size & 0x0fff;
            let header_size = usize::from(flags_and_size >> 12) * 4;
            if header_size < 12 {
                return Err("fat header size is below 12 bytes");
            }
            let max_stack = c.u16().map_err(|_| "fat header is truncated")?;
            let code_size = c.u32().map_err(|_| "fat header is truncated")? as usize;
            let local_tok = c.u32().map_err(|_| "fat header is truncated")?;
            let code_end = header_size
                .checked_add(code_size)
                .ok_or("code size overflows")?;
            let code = data
                .get(header_size..code_end)
                .ok_or("code extends past the end of its section")?;
            let mut body = MethodBody {
                fat: true,
                max_stack,
                init_locals: flags & INIT_LOCALS != 0,
                local_var_sig_token: if local_tok == 0 {
                    None
                } else {
                    Some(Token(local_tok))
                },
                code,
                exception_clauses: Vec::new(),
            };
            if let Some(t) = body.local_var_sig_token
                && t.table() != Some(TableId::StandAloneSig)
            {
                return Err("LocalVarSigTok is not a StandAloneSig token");
            }
            if flags & MORE_SECTS != 0 {
                read_sections(data, code_end, &mut body.exception_clauses)?;
            }
            Ok(body)
        }
        _ => Err("header is neither tiny (0x2) nor fat (0x3)"),
    }
}

fn read_sections(
    data: &[u8],
    code_end: usize,
    clauses: &mut Vec<ExceptionClause>,
) -> std::result::Result<(), &'static str> {
    let mut pos = code_end
        .checked_next_multiple_of(4)
        .ok_or("section offset overflows")?;
    loop {
        let mut c = Cursor::at(data, pos, "method data section");
        let kind = c.u8().map_err(|_| "data section header is truncated")?;
        let fat = kind & SECT_FAT_FORMAT != 0;
        let data_size = if fat {
            let b = c.bytes(3).map_err(|_| "data section header is truncated")?;
            usize::from(b[0]) | (usize::from(b[1]) << 8) | (usize::from(b[2]) << 16)
        } else {
            let size = usize::from(c.u8().map_err(|_| "data section header is truncated")?);
            c.skip(2).map_err(|_| "data section header is truncated")?;
            size
        };
        if data_size < 4 {
            return Err("data section is smaller than its header");
        }
        match kind & 0x3f {
            SECT_EH_TABLE => {
                let clause_size = if fat { 24 } else { 12 };
                let n = (data_size - 4) / clause_size;
                for _ in 0..n {
                    clauses.push(
                        read_clause(&mut c, fat).map_err(|_| "exception clause is truncated")?,
                    );
                }
            }
            SECT_OPT_IL_TABLE => {
                return Err("OptILTable sections are not supported (never emitted)");
            }
            _ => return Err("unknown method data section kind"),
        }
        if kind & SECT_MORE_SECTS == 0 {
            return Ok(());
        }
        pos = pos
            .checked_add(data_size)
            .and_then(|p| p.checked_next_multiple_of(4))
            .ok_or("section offset overflows")?;
    }
}

fn read_clause(c: &mut Cursor<'_>, fat: bool) -> Result<ExceptionClause> {
    let (flags, try_offset, try_length, handler_offset, handler_length) = if fat {
        (c.u32()?, c.u32()?, c.u32()?, c.u32()?, c.u32()?)
    } else {
        (
            u32::from(c.u16()?),
            u32::from(c.u16()?),
            u32::from(c.u8()?),
            u32::from(c.u16()?),
            u32::from(c.u8()?),
        )
    };
    let extra = c.u32()?;
    let kind = match flags & 0x7 {
        0 => ClauseKind::Catch(Token(extra)),
        1 => ClauseKind::Filter(extra),
        2 => ClauseKind::Finally,
        4 => ClauseKind::Fault,
        _ => {
            return Err(MetadataError::BadIl {
                offset: 0,
                reason: "unknown exception clause kind",
            });
        }
    };
    Ok(ExceptionClause {
        kind,
        try_offset,
        try_length,
        handler_offset,
        handler_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_body() {
        let b = parse_body(&[(3 << 2) | 2, 0x16, 0x2a, 0x00, 0xff]).unwrap();
        assert!(!b.fat);
        assert_eq!(b.code, &[0x16, 0x2a, 0x00]);
        assert_eq!(b.max_stack, 8);
    }

    #[test]
    fn fat_body_with_small_eh_section() {
        let mut d = vec![
            0x1b, 0x30, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        d.extend([0x00, 0x2a]); // nop; ret
        d.extend([0, 0]); // pad to 4
        // small EH table: kind, size=16, reserved; one finally clause
        d.extend([0x01, 16, 0, 0]);
        d.extend([2, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0]);
        let b = parse_body(&d).unwrap();
        assert!(b.fat && b.init_locals);
        assert_eq!(b.code, &[0x00, 0x2a]);
        assert_eq!(b.exception_clauses.len(), 1);
        assert_eq!(b.exception_clauses[0].kind, ClauseKind::Finally);
        assert_eq!(b.exception_clauses[0].handler_offset, 1);
    }

    #[test]
    fn fat_eh_section() {
        let mut d = vec![
            0x0b, 0x30, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        d.extend([0x2a, 0, 0, 0]);
        d.extend([0x41, 28, 0, 0]);
        for v in [0u32, 0, 1, 1, 0, 0x0100_0002] {
            d.extend(v.to_le_bytes());
        }
        let b = parse_body(&d).unwrap();
        assert_eq!(
            b.exception_clauses[0].kind,
            ClauseKind::Catch(Token(0x0100_0002))
        );
    }

    #[test]
    fn bad_bodies_are_errors() {
        assert!(parse_body(&[]).is_err());
        assert!(parse_body(&[0x00]).is_err());
        assert!(parse_body(&[(10 << 2) | 2, 0]).is_err());
        assert!(parse_body(&[0x03, 0x30, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        assert!(parse_body(&[0x0b, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x2a]).is_err());
    }
}
