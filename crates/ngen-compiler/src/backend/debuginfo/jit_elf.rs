//! The in-memory ELF that describes one JIT-compiled method to gdb's JIT interface (gdb
//! manual, "JIT Compilation Interface"): a relocatable ELF64 whose `.text` is an empty
//! (`SHT_NOBITS`) section at the code's absolute address, a function symbol covering the
//! code, and the method's DWARF (subprogram and line table) with absolute addresses. gdb reads
//! section addresses as absolute for JIT objects (as LLVM's GDB registration listener relies
//! on), so nothing needs relocating. The runtime hands the bytes to gdb
//! (`ngen-runtime/src/gdb_jit.rs`).
//!
//! The ELF is written by hand (five kinds of records, ELF-64 Object File Format v1.5): the
//! `object` crate's writer cannot place a section of a relocatable file at an address.
//!
//! Depends on: gimli (through cranelift-codegen), ngen-symbols.

use cranelift_codegen::gimli::RunTimeEndian;
use cranelift_codegen::gimli::write::{Address, EndianVec, Sections};
use ngen_symbols::SymbolFile;

use super::{MethodDebug, build_unit};

const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_NOBITS: u32 = 8;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;
const EM_X86_64: u16 = 62;
const ET_REL: u16 = 1;
const STB_GLOBAL_STT_FUNC: u8 = 0x12;
const HEADER_SIZE: usize = 64;
const SECTION_HEADER_SIZE: usize = 64;
const SYMBOL_SIZE: usize = 24;

/// One section header's fields.
struct SectionHeader {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

/// The ELF describing `method`, compiled at `address`, with lines from `symbols`.
pub(crate) fn jit_debug_object(
    symbols: Option<&SymbolFile>,
    method: &MethodDebug,
    address: u64,
) -> Result<Vec<u8>, String> {
    let mut dwarf = build_unit(&method.name, symbols, std::slice::from_ref(method), |_| {
        Address::Constant(address)
    });
    let mut sections = Sections::new(EndianVec::new(RunTimeEndian::Little));
    dwarf
        .write(&mut sections)
        .map_err(|e| format!("DWARF: {e}"))?;
    let mut debug: Vec<(&'static str, Vec<u8>)> = Vec::new();
    sections
        .for_each(|id, data| -> cranelift_codegen::gimli::write::Result<()> {
            if !data.slice().is_empty() {
                debug.push((id.name(), data.slice().to_vec()));
            }
            Ok(())
        })
        .map_err(|e| format!("DWARF: {e}"))?;
    Ok(write_elf(&method.name, address, method.code_size, &debug))
}

/// A NUL-separated string table; returns each name's offset.
fn string_table(names: &[&str]) -> (Vec<u8>, Vec<u32>) {
    let mut table = vec![0u8];
    let mut offsets = Vec::new();
    for name in names {
        offsets.push(table.len() as u32);
        table.extend(name.bytes().filter(|&b| b != 0));
        table.push(0);
    }
    (table, offsets)
}

/// Sections: 0 null, 1 `.text` (NOBITS at `address`), the debug sections, then `.symtab`,
/// `.strtab`, `.shstrtab`.
fn write_elf(name: &str, address: u64, size: u32, debug: &[(&'static str, Vec<u8>)]) -> Vec<u8> {
    let mut section_names = vec![".text"];
    section_names.extend(debug.iter().map(|(n, _)| *n));
    section_names.extend([".symtab", ".strtab", ".shstrtab"]);
    let (shstrtab, name_offsets) = string_table(&section_names);
    let (strtab, symbol_names) = string_table(&[name]);
    let mut symtab = vec![0u8; SYMBOL_SIZE];
    symtab.extend_from_slice(&symbol_names[0].to_le_bytes());
    symtab.push(STB_GLOBAL_STT_FUNC);
    symtab.push(0);
    symtab.extend_from_slice(&1u16.to_le_bytes()); // in `.text`
    symtab.extend_from_slice(&0u64.to_le_bytes()); // at its start
    symtab.extend_from_slice(&u64::from(size).to_le_bytes());

    let mut out = vec![0u8; HEADER_SIZE];
    let mut headers = vec![
        SectionHeader {
            name: 0,
            kind: 0,
            flags: 0,
            addr: 0,
            offset: 0,
            size: 0,
            link: 0,
            info: 0,
            align: 0,
            entsize: 0,
        },
        SectionHeader {
            name: name_offsets[0],
            kind: SHT_NOBITS,
            flags: SHF_ALLOC | SHF_EXECINSTR,
            addr: address,
            offset: HEADER_SIZE as u64,
            size: u64::from(size),
            link: 0,
            info: 0,
            align: 16,
            entsize: 0,
        },
    ];
    let symtab_index = debug.len() as u32 + 2;
    let mut contents: Vec<(u32, &[u8], u32, u32, u64)> = debug
        .iter()
        .map(|(_, data)| (SHT_PROGBITS, data.as_slice(), 0, 0, 0))
        .collect();
    contents.push((SHT_SYMTAB, &symtab, symtab_index + 1, 1, SYMBOL_SIZE as u64));
    contents.push((SHT_STRTAB, &strtab, 0, 0, 0));
    contents.push((SHT_STRTAB, &shstrtab, 0, 0, 0));
    for (i, (kind, data, link, info, entsize)) in contents.into_iter().enumerate() {
        while !out.len().is_multiple_of(8) {
            out.push(0);
        }
        headers.push(SectionHeader {
            name: name_offsets[i + 1],
            kind,
            flags: 0,
            addr: 0,
            offset: out.len() as u64,
            size: data.len() as u64,
            link,
            info,
            align: if kind == SHT_SYMTAB { 8 } else { 1 },
            entsize,
        });
        out.extend_from_slice(data);
    }
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let section_headers_at = out.len() as u64;
    for h in &headers {
        out.extend_from_slice(&h.name.to_le_bytes());
        out.extend_from_slice(&h.kind.to_le_bytes());
        out.extend_from_slice(&h.flags.to_le_bytes());
        out.extend_from_slice(&h.addr.to_le_bytes());
        out.extend_from_slice(&h.offset.to_le_bytes());
        out.extend_from_slice(&h.size.to_le_bytes());
        out.extend_from_slice(&h.link.to_le_bytes());
        out.extend_from_slice(&h.info.to_le_bytes());
        out.extend_from_slice(&h.align.to_le_bytes());
        out.extend_from_slice(&h.entsize.to_le_bytes());
    }
    // The file header.
    let mut header = Vec::with_capacity(HEADER_SIZE);
    header.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&ET_REL.to_le_bytes());
    header.extend_from_slice(&EM_X86_64.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&0u64.to_le_bytes()); // entry
    header.extend_from_slice(&0u64.to_le_bytes()); // program headers
    header.extend_from_slice(&section_headers_at.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes()); // flags
    header.extend_from_slice(&(HEADER_SIZE as u16).to_le_bytes());
    header.extend_from_slice(&0u16.to_le_bytes());
    header.extend_from_slice(&0u16.to_le_bytes());
    header.extend_from_slice(&(SECTION_HEADER_SIZE as u16).to_le_bytes());
    header.extend_from_slice(&(headers.len() as u16).to_le_bytes());
    header.extend_from_slice(&(headers.len() as u16 - 1).to_le_bytes());
    out[..HEADER_SIZE].copy_from_slice(&header);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_object::object::{Object, ObjectSection, ObjectSymbol};

    #[test]
    fn the_object_places_text_and_the_symbol_at_the_code_address() {
        let method = MethodDebug {
            func: cranelift_module::FuncId::from_u32(0),
            rid: 1,
            name: "Demo.Fib::F".into(),
            code_size: 0x40,
            ranges: Vec::new(),
            variables: Vec::new(),
        };
        let bytes = jit_debug_object(None, &method, 0x7f00_1234_0000).unwrap();
        let file = cranelift_object::object::File::parse(&*bytes).unwrap();
        let text = file.section_by_name(".text").unwrap();
        assert_eq!((text.address(), text.size()), (0x7f00_1234_0000, 0x40));
        let symbol = file
            .symbols()
            .find(|s| s.name() == Ok("Demo.Fib::F"))
            .unwrap();
        assert_eq!(symbol.size(), 0x40);
        assert!(file.section_by_name(".debug_info").is_some());
        assert!(file.section_by_name(".debug_abbrev").is_some());
    }
}
