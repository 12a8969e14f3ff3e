//! The `#~` / `#-` table stream (ECMA-335 II.22, II.24.2.6): table ids, column schemas, coded
//! indexes, and the computed layout (row sizes with 2- or 4-byte index widths) that lets any
//! cell be read lazily. Depends on [`crate::reader`] and [`crate::error`] only.

use crate::error::{MetadataError, Result};
use crate::reader::Cursor;
use crate::token::Token;

macro_rules! tables {
    ($( $id:literal $name:ident $text:literal [ $($col:expr),* ] ),* $(,)?) => {
        /// Every metadata table of ECMA-335 II.22 (including the `#-` pointer and ENC tables).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum TableId { $($name = $id),* }

        impl TableId {
            /// All tables in id order.
            pub const ALL: &'static [TableId] = &[$(TableId::$name),*];

            /// The table with this id, if ECMA-335 defines one.
            pub fn from_u8(id: u8) -> Option<TableId> {
                match id { $($id => Some(TableId::$name),)* _ => None }
            }

            /// The table's name as ECMA-335 spells it.
            pub fn name(self) -> &'static str {
                match self { $(TableId::$name => $text),* }
            }

            /// The table's columns, in storage order.
            pub(crate) fn columns(self) -> &'static [Col] {
                use Col::*;
                use CodedKind::*;
                #[allow(unused_imports)]
                use TableId as T;
                match self { $(TableId::$name => &[$($col),*]),* }
            }
        }
    };
}

tables! {
    0x00 Module "Module" [U16, Str, Guid, Guid, Guid],
    0x01 TypeRef "TypeRef" [Coded(ResolutionScope), Str, Str],
    0x02 TypeDef "TypeDef" [U32, Str, Str, Coded(TypeDefOrRef), Index(T::Field), Index(T::MethodDef)],
    0x03 FieldPtr "FieldPtr" [Index(T::Field)],
    0x04 Field "Field" [U16, Str, Blob],
    0x05 MethodPtr "MethodPtr" [Index(T::MethodDef)],
    0x06 MethodDef "MethodDef" [U32, U16, U16, Str, Blob, Index(T::Param)],
    0x07 ParamPtr "ParamPtr" [Index(T::Param)],
    0x08 Param "Param" [U16, U16, Str],
    0x09 InterfaceImpl "InterfaceImpl" [Index(T::TypeDef), Coded(TypeDefOrRef)],
    0x0A MemberRef "MemberRef" [Coded(MemberRefParent), Str, Blob],
    0x0B Constant "Constant" [U16, Coded(HasConstant), Blob],
    0x0C CustomAttribute "CustomAttribute" [Coded(HasCustomAttribute), Coded(CustomAttributeType), Blob],
    0x0D FieldMarshal "FieldMarshal" [Coded(HasFieldMarshal), Blob],
    0x0E DeclSecurity "DeclSecurity" [U16, Coded(HasDeclSecurity), Blob],
    0x0F ClassLayout "ClassLayout" [U16, U32, Index(T::TypeDef)],
    0x10 FieldLayout "FieldLayout" [U32, Index(T::Field)],
    0x11 StandAloneSig "StandAloneSig" [Blob],
    0x12 EventMap "EventMap" [Index(T::TypeDef), Index(T::Event)],
    0x13 EventPtr "EventPtr" [Index(T::Event)],
    0x14 Event "Event" [U16, Str, Coded(TypeDefOrRef)],
    0x15 PropertyMap "PropertyMap" [Index(T::TypeDef), Index(T::Property)],
    0x16 PropertyPtr "PropertyPtr" [Index(T::Property)],
    0x17 Property "Property" [U16, Str, Blob],
    0x18 MethodSemantics "MethodSemantics" [U16, Index(T::MethodDef), Coded(HasSemantics)],
    0x19 MethodImpl "MethodImpl" [Index(T::TypeDef), Coded(MethodDefOrRef), Coded(MethodDefOrRef)],
    0x1A ModuleRef "ModuleRef" [Str],
    0x1B TypeSpec "TypeSpec" [Blob],
    0x1C ImplMap "ImplMap" [U16, Coded(MemberForwarded), Str, Index(T::ModuleRef)],
    0x1D FieldRva "FieldRVA" [U32, Index(T::Field)],
    0x1E EncLog "ENCLog" [U32, U32],
    0x1F EncMap "ENCMap" [U32],
    0x20 Assembly "Assembly" [U32, U16, U16, U16, U16, U32, Blob, Str, Str],
    0x21 AssemblyProcessor "AssemblyProcessor" [U32],
    0x22 AssemblyOs "AssemblyOS" [U32, U32, U32],
    0x23 AssemblyRef "AssemblyRef" [U16, U16, U16, U16, U32, Blob, Str, Str, Blob],
    0x24 AssemblyRefProcessor "AssemblyRefProcessor" [U32, Index(T::AssemblyRef)],
    0x25 AssemblyRefOs "AssemblyRefOS" [U32, U32, U32, Index(T::AssemblyRef)],
    0x26 File "File" [U32, Str, Blob],
    0x27 ExportedType "ExportedType" [U32, U32, Str, Str, Coded(Implementation)],
    0x28 ManifestResource "ManifestResource" [U32, U32, Str, Coded(Implementation)],
    0x29 NestedClass "NestedClass" [Index(T::TypeDef), Index(T::TypeDef)],
    0x2A GenericParam "GenericParam" [U16, U16, Coded(TypeOrMethodDef), Str],
    0x2B MethodSpec "MethodSpec" [Coded(MethodDefOrRef), Blob],
    0x2C GenericParamConstraint "GenericParamConstraint" [Index(T::GenericParam), Coded(TypeDefOrRef)],
}

/// Number of table ids ECMA-335 assigns (0x00..=0x2C).
pub const TABLE_ID_COUNT: usize = 0x2D;

/// The most columns any table has (Assembly and AssemblyRef).
pub const MAX_COLUMNS: usize = 9;

/// The kind of one column: how wide it is depends on heap sizes and row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Col {
    U16,
    U32,
    Str,
    Guid,
    Blob,
    Index(TableId),
    Coded(CodedKind),
}

/// Coded index kinds (II.24.2.6): a tag in the low bits selects the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodedKind {
    TypeDefOrRef,
    HasConstant,
    HasCustomAttribute,
    HasFieldMarshal,
    HasDeclSecurity,
    MemberRefParent,
    HasSemantics,
    MethodDefOrRef,
    MemberForwarded,
    Implementation,
    CustomAttributeType,
    ResolutionScope,
    TypeOrMethodDef,
}

impl CodedKind {
    /// The tables selected by each tag value (`None` = tag reserved / unused).
    pub fn tables(self) -> &'static [Option<TableId>] {
        use TableId as T;
        match self {
            CodedKind::TypeDefOrRef => &[Some(T::TypeDef), Some(T::TypeRef), Some(T::TypeSpec)],
            CodedKind::HasConstant => &[Some(T::Field), Some(T::Param), Some(T::Property)],
            CodedKind::HasCustomAttribute => &[
                Some(T::MethodDef),
                Some(T::Field),
                Some(T::TypeRef),
                Some(T::TypeDef),
                Some(T::Param),
                Some(T::InterfaceImpl),
                Some(T::MemberRef),
                Some(T::Module),
                Some(T::DeclSecurity),
                Some(T::Property),
                Some(T::Event),
                Some(T::StandAloneSig),
                Some(T::ModuleRef),
                Some(T::TypeSpec),
                Some(T::Assembly),
                Some(T::AssemblyRef),
                Some(T::File),
                Some(T::ExportedType),
                Some(T::ManifestResource),
                Some(T::GenericParam),
                Some(T::GenericParamConstraint),
                Some(T::MethodSpec),
            ],
            CodedKind::HasFieldMarshal => &[Some(T::Field), Some(T::Param)],
            CodedKind::HasDeclSecurity => {
                &[Some(T::TypeDef), Some(T::MethodDef), Some(T::Assembly)]
            }
            CodedKind::MemberRefParent => &[
                Some(T::TypeDef),
                Some(T::TypeRef),
                Some(T::ModuleRef),
                Some(T::MethodDef),
                Some(T::TypeSpec),
            ],
            CodedKind::HasSemantics => &[Some(T::Event), Some(T::Property)],
            CodedKind::MethodDefOrRef => &[Some(T::MethodDef), Some(T::MemberRef)],
            CodedKind::MemberForwarded => &[Some(T::Field), Some(T::MethodDef)],
            CodedKind::Implementation => {
                &[Some(T::File), Some(T::AssemblyRef), Some(T::ExportedType)]
            }
            CodedKind::CustomAttributeType => {
                &[None, None, Some(T::MethodDef), Some(T::MemberRef), None]
            }
            CodedKind::ResolutionScope => &[
                Some(T::Module),
                Some(T::ModuleRef),
                Some(T::AssemblyRef),
                Some(T::TypeRef),
            ],
            CodedKind::TypeOrMethodDef => &[Some(T::TypeDef), Some(T::MethodDef)],
        }
    }

    /// Number of low bits holding the tag.
    pub fn tag_bits(self) -> u32 {
        let n = self.tables().len() as u32;
        32 - (n - 1).leading_zeros()
    }

    /// The kind's name, for error messages.
    pub fn name(self) -> &'static str {
        match self {
            CodedKind::TypeDefOrRef => "TypeDefOrRef",
            CodedKind::HasConstant => "HasConstant",
            CodedKind::HasCustomAttribute => "HasCustomAttribute",
            CodedKind::HasFieldMarshal => "HasFieldMarshal",
            CodedKind::HasDeclSecurity => "HasDeclSecurity",
            CodedKind::MemberRefParent => "MemberRefParent",
            CodedKind::HasSemantics => "HasSemantics",
            CodedKind::MethodDefOrRef => "MethodDefOrRef",
            CodedKind::MemberForwarded => "MemberForwarded",
            CodedKind::Implementation => "Implementation",
            CodedKind::CustomAttributeType => "CustomAttributeType",
            CodedKind::ResolutionScope => "ResolutionScope",
            CodedKind::TypeOrMethodDef => "TypeOrMethodDef",
        }
    }

    /// Decodes a raw coded index into a token (rid 0 = null reference).
    pub fn decode(self, raw: u32) -> Result<Token> {
        let bits = self.tag_bits();
        let tag = (raw & ((1 << bits) - 1)) as usize;
        let rid = raw >> bits;
        match self.tables().get(tag).copied().flatten() {
            Some(table) if rid <= 0x00FF_FFFF => Ok(Token::new(table, rid)),
            _ => Err(MetadataError::BadCodedIndex {
                kind: self.name(),
                value: raw,
            }),
        }
    }

    /// Encodes a token as this kind's raw coded index (for binary searches on coded columns).
    pub fn encode(self, token: Token) -> Option<u32> {
        let table = token.table()?;
        let tag = self.tables().iter().position(|t| *t == Some(table))? as u32;
        Some((token.rid() << self.tag_bits()) | tag)
    }
}

/// Where one table lives and how its rows are laid out.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TableInfo {
    pub rows: u32,
    /// Absolute file offset of row 1.
    pub offset: usize,
    pub row_size: usize,
    pub col_offsets: [u8; MAX_COLUMNS],
    pub col_widths: [u8; MAX_COLUMNS],
    pub col_count: u8,
}

/// The decoded `#~` / `#-` header: row counts, heap widths and every table's layout.
#[derive(Clone, Debug)]
pub(crate) struct TableLayout {
    pub tables: [TableInfo; TABLE_ID_COUNT],
    pub sorted: u64,
    pub major: u8,
    pub minor: u8,
    /// The stream was `#-` (uncompressed, may use the *Ptr indirection tables).
    pub uncompressed: bool,
}

impl TableLayout {
    /// Parses the table stream header found at absolute offset `stream_start` in `file`
    /// (`stream_len` bytes long) and computes every table's layout.
    pub fn parse(
        file: &[u8],
        stream_start: usize,
        stream_len: usize,
        uncompressed: bool,
    ) -> Result<TableLayout> {
        let stream_end = stream_start
            .checked_add(stream_len)
            .filter(|e| *e <= file.len())
            .ok_or(MetadataError::BadTableStream(
                "stream extends past the end of the file",
            ))?;
        let stream = file
            .get(stream_start..stream_end)
            .ok_or(MetadataError::BadTableStream("stream out of bounds"))?;
        let mut c = Cursor::new(stream, "#~ table stream header");
        c.skip(4)?; // reserved
        let major = c.u8()?;
        let minor = c.u8()?;
        let heap_sizes = c.u8()?;
        c.skip(1)?; // reserved
        let valid = c.u64()?;
        let sorted = c.u64()?;

        let mut rows = [0u32; 64];
        for (bit, count) in rows.iter_mut().enumerate() {
            if valid & (1u64 << bit) != 0 {
                *count = c.u32()?;
                if *count > 0x00FF_FFFF {
                    return Err(MetadataError::BadTableStream("row count exceeds 2^24"));
                }
            }
        }
        if let Some(bit) = (TABLE_ID_COUNT..64).find(|b| valid & (1u64 << b) != 0) {
            return Err(MetadataError::UnknownTable(bit as u8));
        }
        // Bit 0x40 ("extra data", seen in some #- streams) adds four bytes after the counts.
        if heap_sizes & 0x40 != 0 {
            c.skip(4)?;
        }

        let string_w: u8 = if heap_sizes & 0x01 != 0 { 4 } else { 2 };
        let guid_w: u8 = if heap_sizes & 0x02 != 0 { 4 } else { 2 };
        let blob_w: u8 = if heap_sizes & 0x04 != 0 { 4 } else { 2 };

        let index_width = |t: TableId| -> u8 { if rows[t as usize] < 0x1_0000 { 2 } else { 4 } };
        let coded_width = |k: CodedKind| -> u8 {
            let max = k
                .tables()
                .iter()
                .flatten()
                .map(|t| rows[*t as usize])
                .max()
                .unwrap_or(0);
            if u64::from(max) < (1u64 << (16 - k.tag_bits())) {
                2
            } else {
                4
            }
        };

        let mut tables = [TableInfo::default(); TABLE_ID_COUNT];
        let mut offset = stream_start + c.position();
        for &id in TableId::ALL {
            let cols = id.columns();
            let mut info = TableInfo {
                rows: rows[id as usize],
                col_count: cols.len() as u8,
                ..TableInfo::default()
            };
            let mut row_size = 0usize;
            for (i, col) in cols.iter().enumerate() {
                let w = match col {
                    Col::U16 => 2,
                    Col::U32 => 4,
                    Col::Str => string_w,
                    Col::Guid => guid_w,
                    Col::Blob => blob_w,
                    Col::Index(t) => index_width(*t),
                    Col::Coded(k) => coded_width(*k),
                };
                info.col_offsets[i] = row_size as u8;
                info.col_widths[i] = w;
                row_size += usize::from(w);
            }
            info.row_size = row_size;
            info.offset = offset;
            let size = row_size
                .checked_mul(info.rows as usize)
                .ok_or(MetadataError::BadTableStream("table size overflows"))?;
            offset = offset
                .checked_add(size)
                .ok_or(MetadataError::BadTableStream("table size overflows"))?;
            tables[id as usize] = info;
        }
        if offset > stream_end {
            return Err(MetadataError::Truncated {
                what: "metadata tables",
                offset: stream_start as u64,
                needed: (offset - stream_start) as u64,
                available: stream_len as u64,
            });
        }
        Ok(TableLayout {
            tables,
            sorted,
            major,
            minor,
            uncompressed,
        })
    }

    pub fn info(&self, table: TableId) -> &TableInfo {
        &self.tables[table as usize]
    }

    pub fn rows(&self, table: TableId) -> u32 {
        self.info(table).rows
    }

    pub fn is_sorted(&self, table: TableId) -> bool {
        self.sorted & (1u64 << (table as u8)) != 0
    }

    /// Reads every cell of row `rid` (1-based) of `table` as raw `u32`s.
    pub fn row(&self, file: &[u8], table: TableId, rid: u32) -> Result<RawRow> {
        let info = self.info(table);
        if rid == 0 || rid > info.rows {
            return Err(MetadataError::BadRowIndex {
                table,
                rid,
                count: info.rows,
            });
        }
        let start = info.offset + (rid as usize - 1) * info.row_size;
        let bytes = file
            .get(start..start + info.row_size)
            .ok_or(MetadataError::BadTableStream("row out of bounds"))?;
        let mut cells = [0u32; MAX_COLUMNS];
        let cols = usize::from(info.col_count);
        for ((cell, off), width) in cells
            .iter_mut()
            .zip(info.col_offsets)
            .zip(info.col_widths)
            .take(cols)
        {
            let off = usize::from(off);
            *cell = match width {
                2 => bytes
                    .get(off..off + 2)
                    .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
                    .unwrap_or(0),
                _ => bytes
                    .get(off..off + 4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(0),
            };
        }
        Ok(RawRow { table, rid, cells })
    }

    /// Reads one cell (column `col`) of row `rid` without decoding the others.
    pub fn cell(&self, file: &[u8], table: TableId, rid: u32, col: usize) -> Result<u32> {
        let info = self.info(table);
        if rid == 0 || rid > info.rows || col >= usize::from(info.col_count) {
            return Err(MetadataError::BadRowIndex {
                table,
                rid,
                count: info.rows,
            });
        }
        let start =
            info.offset + (rid as usize - 1) * info.row_size + usize::from(info.col_offsets[col]);
        let mut c = Cursor::at(file, start, "table cell");
        c.uint(info.col_widths[col])
    }
}

/// The raw cells of one row, in column order (heap offsets, indexes and coded indexes undecoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRow {
    pub table: TableId,
    pub rid: u32,
    pub cells: [u32; MAX_COLUMNS],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_bits_match_the_spec() {
        assert_eq!(CodedKind::TypeDefOrRef.tag_bits(), 2);
        assert_eq!(CodedKind::HasCustomAttribute.tag_bits(), 5);
        assert_eq!(CodedKind::CustomAttributeType.tag_bits(), 3);
        assert_eq!(CodedKind::MemberRefParent.tag_bits(), 3);
        assert_eq!(CodedKind::HasFieldMarshal.tag_bits(), 1);
        assert_eq!(CodedKind::ResolutionScope.tag_bits(), 2);
    }

    #[test]
    fn coded_index_round_trip_and_reserved_tags() {
        let t = CodedKind::TypeDefOrRef.decode((5 << 2) | 1).unwrap();
        assert_eq!(t.table(), Some(TableId::TypeRef));
        assert_eq!(t.rid(), 5);
        assert_eq!(CodedKind::TypeDefOrRef.encode(t), Some((5 << 2) | 1));
        assert!(CodedKind::TypeDefOrRef.decode(3).is_err());
        assert!(CodedKind::CustomAttributeType.decode(0).is_err());
    }

    #[test]
    fn every_table_fits_max_columns() {
        for t in TableId::ALL {
            assert!(t.columns().len() <= MAX_COLUMNS);
            assert_eq!(TableId::from_u8(*t as u8), Some(*t));
        }
        assert_eq!(TableId::ALL.len(), TABLE_ID_COUNT);
    }
}
