//! Writes gimli's DWARF sections into the image's relocatable object, with relocations:
//! addresses of methods (`DW_AT_low_pc`, line-program sequences) against their function
//! symbols, and references between debug sections against section symbols, so the linker
//! resolves both whatever else it puts in the shared object. The relocating writer is the
//! pattern rustc_codegen_cranelift uses (`debuginfo/object.rs`), written for this object.
//!
//! Depends on: gimli's `write` module (re-exported by cranelift-codegen), the `object` crate's
//! writer (re-exported by cranelift-object).

use cranelift_codegen::gimli::write::{Address, EndianVec, Result, Sections, Writer};
use cranelift_codegen::gimli::{RunTimeEndian, SectionId};
use cranelift_object::object::write::{Object, Relocation, StandardSegment, SymbolId};
use cranelift_object::object::{RelocationEncoding, RelocationFlags, RelocationKind, SectionKind};

/// What a relocation in a debug section points at.
#[derive(Clone, Copy)]
enum Target {
    /// `Address::Symbol`'s index: the method's function symbol.
    Function(usize),
    /// Another debug section (a section offset).
    Section(SectionId),
}

#[derive(Clone)]
struct Reloc {
    offset: u64,
    size: u8,
    target: Target,
    addend: i64,
}

/// A gimli writer that records relocations instead of resolving addresses and offsets.
#[derive(Clone)]
pub(super) struct RelocWriter {
    bytes: EndianVec<RunTimeEndian>,
    relocs: Vec<Reloc>,
}

impl RelocWriter {
    pub(super) fn new() -> Self {
        RelocWriter {
            bytes: EndianVec::new(RunTimeEndian::Little),
            relocs: Vec::new(),
        }
    }
}

impl Writer for RelocWriter {
    type Endian = RunTimeEndian;

    fn endian(&self) -> Self::Endian {
        self.bytes.endian()
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes.write(bytes)
    }

    fn write_at(&mut self, offset: usize, bytes: &[u8]) -> Result<()> {
        self.bytes.write_at(offset, bytes)
    }

    fn write_address(&mut self, address: Address, size: u8) -> Result<()> {
        match address {
            Address::Constant(value) => self.write_udata(value, size),
            Address::Symbol { symbol, addend } => {
                self.relocs.push(Reloc {
                    offset: self.len() as u64,
                    size,
                    target: Target::Function(symbol),
                    addend,
                });
                self.write_udata(0, size)
            }
        }
    }

    fn write_offset(&mut self, value: usize, section: SectionId, size: u8) -> Result<()> {
        self.relocs.push(Reloc {
            offset: self.len() as u64,
            size,
            target: Target::Section(section),
            addend: value as i64,
        });
        self.write_udata(0, size)
    }

    fn write_offset_at(
        &mut self,
        offset: usize,
        value: usize,
        section: SectionId,
        size: u8,
    ) -> Result<()> {
        self.relocs.push(Reloc {
            offset: offset as u64,
            size,
            target: Target::Section(section),
            addend: value as i64,
        });
        self.write_udata_at(offset, 0, size)
    }
}

/// Adds every non-empty section of `sections` to `object`, then their relocations;
/// `functions[i]` is the symbol of `Address::Symbol { symbol: i, .. }`.
pub(super) fn add_to_object(
    object: &mut Object<'static>,
    sections: &mut Sections<RelocWriter>,
    functions: &[SymbolId],
) -> std::result::Result<(), String> {
    let mut ids = Vec::new();
    sections
        .for_each_mut(|id, section| -> Result<()> {
            if section.bytes.len() == 0 {
                return Ok(());
            }
            let segment = object.segment_name(StandardSegment::Debug).to_vec();
            let kind = if id.is_string() {
                SectionKind::DebugString
            } else {
                SectionKind::Debug
            };
            let sid = object.add_section(segment, id.name().as_bytes().to_vec(), kind);
            let data = std::mem::replace(&mut section.bytes, EndianVec::new(RunTimeEndian::Little));
            object.append_section_data(sid, &data.into_vec(), 1);
            ids.push((id, sid));
            Ok(())
        })
        .map_err(|e| format!("DWARF: {e}"))?;
    let section_of = |id: SectionId| ids.iter().find(|(s, _)| *s == id).map(|(_, o)| *o);
    let mut failure = None;
    sections
        .for_each(|id, section| -> Result<()> {
            let Some(sid) = section_of(id) else {
                return Ok(());
            };
            for reloc in &section.relocs {
                let symbol = match reloc.target {
                    Target::Function(i) => functions.get(i).copied(),
                    Target::Section(target) => section_of(target).map(|s| object.section_symbol(s)),
                };
                let Some(symbol) = symbol else {
                    failure = Some(format!(
                        "DWARF: relocation in {} to a missing target",
                        id.name()
                    ));
                    continue;
                };
                let relocation = Relocation {
                    offset: reloc.offset,
                    symbol,
                    addend: reloc.addend,
                    flags: RelocationFlags::Generic {
                        kind: RelocationKind::Absolute,
                        encoding: RelocationEncoding::Generic,
                        size: reloc.size * 8,
                    },
                };
                if let Err(e) = object.add_relocation(sid, relocation) {
                    failure = Some(format!("DWARF relocation: {e}"));
                }
            }
            Ok(())
        })
        .map_err(|e| format!("DWARF: {e}"))?;
    failure.map_or(Ok(()), Err)
}
