//! The PE layer: pelite validates the PE headers; we copy out the few facts the CLI needs
//! (machine, characteristics, sections for RVA mapping, the CLI header) and then parse the
//! CLI header and the metadata root's stream directory (II.24.2.1-2, II.25.3.3).
//! Depends on pelite, [`crate::reader`] and [`crate::error`].

use std::ops::Range;

use pelite::pe32::Pe as _;
use pelite::pe64::Pe as _;

use crate::error::{MetadataError, Result};
use crate::reader::Cursor;

/// One section's mapping between RVAs and file offsets.
#[derive(Clone, Copy, Debug)]
struct Section {
    virtual_address: u32,
    virtual_size: u32,
    raw_pointer: u32,
    raw_size: u32,
}

/// PE facts copied out of pelite so the assembly can own its bytes without self-borrows.
#[derive(Clone, Debug)]
pub(crate) struct PeLayout {
    sections: Vec<Section>,
    size_of_headers: u32,
    pub machine: u16,
    pub characteristics: u16,
    pub pe32_plus: bool,
    pub cli_header_rva: u32,
}

pub(crate) const IMAGE_FILE_DLL: u16 = 0x2000;

/// Runs `f` on `file`, or on a copy of it placed so that pelite's view of the headers is aligned.
///
/// pelite 0.10 turns header offsets into references: the NT headers as `&IMAGE_NT_HEADERS64`
/// (8-byte alignment) and the section table as `&[IMAGE_SECTION_HEADER]` (4-byte alignment),
/// while the PE format only requires `e_lfanew` to be 4-aligned and says nothing about
/// `SizeOfOptionalHeader`. A misaligned reference is undefined behaviour and aborts debug builds
/// (both found by the fuzz target). So: files whose NT headers would be misaligned get an aligned
/// copy, and a section table that cannot be aligned together with them is a typed error.
/// Regular files (e_lfanew = 0x80, SizeOfOptionalHeader = 0xE0 or 0xF0) are parsed in place.
fn with_pelite_alignment<T>(file: &[u8], f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let read_u32 = |at: usize| {
        file.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let e_lfanew = read_u32(0x3c).unwrap_or(0) as usize;
    // pelite rejects absurd offsets itself; only check the layout it will dereference.
    if e_lfanew <= 0x0100_0000 {
        let size_of_optional_header = file
            .get(e_lfanew + 20..e_lfanew + 22)
            .map(|b| u16::from_le_bytes([b[0], b[1]]));
        if size_of_optional_header.is_some_and(|n| n % 4 != 0) {
            return Err(MetadataError::UnsupportedPeLayout(
                "SizeOfOptionalHeader is not a multiple of 4, so the section table is misaligned",
            ));
        }
    }
    let misaligned =
        |base: usize| !base.wrapping_add(e_lfanew).is_multiple_of(8) || !base.is_multiple_of(4);
    if !misaligned(file.as_ptr() as usize) {
        return f(file);
    }
    let mut storage = vec![0u8; file.len() + 8];
    let base = storage.as_ptr() as usize;
    let shift = (0..8).find(|o| !misaligned(base + o)).unwrap_or(0);
    let copy = &mut storage[shift..shift + file.len()];
    copy.copy_from_slice(file);
    f(copy)
}

impl PeLayout {
    pub fn parse(file: &[u8]) -> Result<PeLayout> {
        with_pelite_alignment(file, Self::parse_aligned)
    }

    fn parse_aligned(file: &[u8]) -> Result<PeLayout> {
        let pe = pelite::PeFile::from_bytes(file)?;
        let (machine, characteristics, pe32_plus, size_of_headers, clr, sections) = match pe {
            pelite::Wrap::T32(p) => (
                p.file_header().Machine,
                p.file_header().Characteristics,
                false,
                p.optional_header().SizeOfHeaders,
                p.data_directory()
                    .get(14)
                    .map(|d| (d.VirtualAddress, d.Size)),
                p.section_headers().image().to_vec(),
            ),
            pelite::Wrap::T64(p) => (
                p.file_header().Machine,
                p.file_header().Characteristics,
                true,
                p.optional_header().SizeOfHeaders,
                p.data_directory()
                    .get(14)
                    .map(|d| (d.VirtualAddress, d.Size)),
                p.section_headers().image().to_vec(),
            ),
        };
        let cli_header_rva = match clr {
            Some((rva, size)) if rva != 0 && size != 0 => rva,
            _ => return Err(MetadataError::NotCli),
        };
        Ok(PeLayout {
            sections: sections
                .iter()
                .map(|s| Section {
                    virtual_address: s.VirtualAddress,
                    virtual_size: s.VirtualSize,
                    raw_pointer: s.PointerToRawData,
                    raw_size: s.SizeOfRawData,
                })
                .collect(),
            size_of_headers,
            machine,
            characteristics,
            pe32_plus,
            cli_header_rva,
        })
    }

    /// Maps an RVA to a file offset such that at least `len` bytes follow it in the same section
    /// and in the file.
    pub fn rva_to_offset(
        &self,
        rva: u32,
        len: usize,
        file_len: usize,
        what: &'static str,
    ) -> Result<usize> {
        let bad = || MetadataError::BadRva { what, rva };
        let (start, limit) = if rva < self.size_of_headers {
            (rva as usize, self.size_of_headers as usize)
        } else {
            let s = self
                .sections
                .iter()
                .find(|s| {
                    let span = s.virtual_size.max(s.raw_size);
                    rva >= s.virtual_address
                        && u64::from(rva) < u64::from(s.virtual_address) + u64::from(span)
                })
                .ok_or_else(bad)?;
            let delta = rva - s.virtual_address;
            if delta >= s.raw_size {
                return Err(bad());
            }
            let start = (s.raw_pointer as usize)
                .checked_add(delta as usize)
                .ok_or_else(bad)?;
            let limit = (s.raw_pointer as usize)
                .checked_add(s.raw_size as usize)
                .ok_or_else(bad)?;
            (start, limit)
        };
        let end = start.checked_add(len).ok_or_else(bad)?;
        if end > limit.min(file_len) {
            return Err(MetadataError::Truncated {
                what,
                offset: start as u64,
                needed: len as u64,
                available: limit.min(file_len).saturating_sub(start) as u64,
            });
        }
        Ok(start)
    }

    /// Like [`rva_to_offset`](Self::rva_to_offset) but returns how many bytes are available
    /// from the RVA to the end of its section's file data (for variable-length structures).
    pub fn rva_to_offset_open(
        &self,
        rva: u32,
        file_len: usize,
        what: &'static str,
    ) -> Result<Range<usize>> {
        let start = self.rva_to_offset(rva, 0, file_len, what)?;
        let limit = if rva < self.size_of_headers {
            self.size_of_headers as usize
        } else {
            self.sections
                .iter()
                .find(|s| rva >= s.virtual_address && rva - s.virtual_address < s.raw_size)
                .map(|s| s.raw_pointer as usize + s.raw_size as usize)
                .unwrap_or(start)
        };
        Ok(start..limit.min(file_len).max(start))
    }
}

/// The CLI header (II.25.3.3).
#[derive(Clone, Copy, Debug, Default)]
pub struct CliHeader {
    pub major_runtime_version: u16,
    pub minor_runtime_version: u16,
    pub metadata_rva: u32,
    pub metadata_size: u32,
    pub flags: u32,
    pub entry_point_token: u32,
    pub resources_rva: u32,
    pub resources_size: u32,
    pub strong_name_rva: u32,
    pub strong_name_size: u32,
}

/// CLI header flag bits (II.25.3.3.1).
pub mod cli_flags {
    pub const IL_ONLY: u32 = 0x0000_0001;
    pub const REQUIRED_32BIT: u32 = 0x0000_0002;
    pub const STRONG_NAME_SIGNED: u32 = 0x0000_0008;
    pub const NATIVE_ENTRYPOINT: u32 = 0x0000_0010;
    pub const TRACK_DEBUG_DATA: u32 = 0x0001_0000;
    pub const PREFERRED_32BIT: u32 = 0x0002_0000;
}

impl CliHeader {
    pub(crate) fn parse(file: &[u8], pe: &PeLayout) -> Result<CliHeader> {
        let off = pe.rva_to_offset(pe.cli_header_rva, 72, file.len(), "CLI header")?;
        let mut c = Cursor::at(file, off, "CLI header");
        let _cb = c.u32()?;
        let major_runtime_version = c.u16()?;
        let minor_runtime_version = c.u16()?;
        let metadata_rva = c.u32()?;
        let metadata_size = c.u32()?;
        let flags = c.u32()?;
        let entry_point_token = c.u32()?;
        let resources_rva = c.u32()?;
        let resources_size = c.u32()?;
        let strong_name_rva = c.u32()?;
        let strong_name_size = c.u32()?;
        Ok(CliHeader {
            major_runtime_version,
            minor_runtime_version,
            metadata_rva,
            metadata_size,
            flags,
            entry_point_token,
            resources_rva,
            resources_size,
            strong_name_rva,
            strong_name_size,
        })
    }
}

/// Absolute file ranges of the metadata streams.
#[derive(Clone, Debug, Default)]
pub(crate) struct Streams {
    pub version: String,
    /// The metadata root's major and minor version (normally 1.1).
    pub root_version: (u16, u16),
    pub tables: Option<Range<usize>>,
    pub tables_uncompressed: bool,
    pub strings: Range<usize>,
    pub user_strings: Range<usize>,
    pub blob: Range<usize>,
    pub guid: Range<usize>,
}

impl Streams {
    /// Parses the metadata root (II.24.2.1) and its stream headers (II.24.2.2).
    pub fn parse(file: &[u8], pe: &PeLayout, cli: &CliHeader) -> Result<Streams> {
        let root = pe.rva_to_offset(
            cli.metadata_rva,
            cli.metadata_size as usize,
            file.len(),
            "metadata root",
        )?;
        let root_end = root + cli.metadata_size as usize;
        let md = file.get(root..root_end).ok_or(MetadataError::BadRva {
            what: "metadata root",
            rva: cli.metadata_rva,
        })?;
        let mut c = Cursor::new(md, "metadata root");
        let sig = c.u32()?;
        if sig != 0x424A_5342 {
            return Err(MetadataError::BadMetadataSignature(sig));
        }
        let root_version = (c.u16()?, c.u16()?);
        c.skip(4)?; // reserved
        let version_len = c.u32()? as usize;
        if version_len > 255 {
            return Err(MetadataError::BadStreamHeader(
                "version string longer than 255 bytes",
            ));
        }
        let version_bytes = c.bytes(version_len)?;
        let version =
            String::from_utf8_lossy(version_bytes.split(|b| *b == 0).next().unwrap_or(&[]))
                .into_owned();
        c.skip(2)?; // flags
        let count = c.u16()?;
        let mut streams = Streams {
            version,
            root_version,
            ..Streams::default()
        };
        let mut seen_tables = false;
        for _ in 0..count {
            let offset = c.u32()? as usize;
            let size = c.u32()? as usize;
            let name_start = c.position();
            let mut name_len = None;
            for i in 0..32 {
                if c.u8()? == 0 {
                    name_len = Some(i);
                    break;
                }
            }
            let name_len = name_len.ok_or(MetadataError::BadStreamHeader(
                "stream name longer than 32 bytes",
            ))?;
            let name = md.get(name_start..name_start + name_len).unwrap_or(&[]);
            // Names are padded to a 4-byte boundary (including the NUL).
            let padded = (name_len + 1).div_ceil(4) * 4;
            c = Cursor::at(md, name_start + padded, "metadata stream headers");
            let end = offset.checked_add(size).filter(|e| *e <= md.len()).ok_or(
                MetadataError::BadStreamHeader("stream extends past the metadata"),
            )?;
            let range = root + offset..root + end;
            match name {
                b"#~" | b"#-" if !seen_tables => {
                    seen_tables = true;
                    streams.tables_uncompressed = name == b"#-";
                    streams.tables = Some(range);
                }
                b"#Strings" if streams.strings.is_empty() => streams.strings = range,
                b"#US" if streams.user_strings.is_empty() => streams.user_strings = range,
                b"#Blob" if streams.blob.is_empty() => streams.blob = range,
                b"#GUID" if streams.guid.is_empty() => streams.guid = range,
                _ => {}
            }
        }
        Ok(streams)
    }
}
