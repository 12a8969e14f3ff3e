//! DWARF for debug-scenario images (issue 12): one compile unit per image, a
//! `DW_TAG_subprogram` per compiled method (its managed name `Namespace.Type::Method`, its
//! code's `low_pc`/`high_pc`, a frame base on the frame pointer) and, when the assembly has
//! symbols (`.mdb` or portable PDB, [`ngen_symbols`]), a `.debug_line` sequence per method
//! mapping its native offsets to source lines through the IL offsets the translator records
//! as Cranelift source locations ([`lines`]). gdb reads it from the mapped image:
//! `break File.cs:LINE`, and `bt` with file and line.
//!
//! JIT code of a debug run gets the same DWARF, at its absolute address, inside a small
//! in-memory ELF per method for gdb's JIT interface ([`jit_elf`]).
//!
//! Built with gimli's `write` module (well kept, the writer of Wasmtime's and
//! rustc_codegen_cranelift's DWARF) and written into the object with relocations
//! ([`object_sections`]), so the bytes depend only on the inputs (no addresses, no paths but
//! those the symbol file records).
//!
//! Depends on: gimli (through cranelift-codegen), cranelift-object, ngen-symbols.

mod jit_elf;
mod lines;
mod object_sections;
mod variables;

use cranelift_codegen::gimli::write::{
    Address, AttributeValue, DwarfUnit, Expression, FileId, LineProgram, LineString, Range,
    RangeList, Sections, UnitEntryId,
};
use cranelift_codegen::gimli::{self, Encoding, Format, LineEncoding, X86_64};
use cranelift_module::FuncId;
use cranelift_object::ObjectProduct;
use ngen_symbols::SymbolFile;

use crate::types::ValKind;

pub(crate) use jit_elf::jit_debug_object;
pub(crate) use lines::CodeRange;
use object_sections::{RelocWriter, add_to_object};
pub(crate) use variables::{VariableDebug, VariableKey, frame_variables};

/// What the DWARF says about one compiled method.
pub(crate) struct MethodDebug {
    pub func: FuncId,
    pub rid: u32,
    /// `Namespace.Type::Method`.
    pub name: String,
    pub code_size: u32,
    /// Cranelift's source locations (IL offsets), in address order.
    pub ranges: Vec<CodeRange>,
    /// Arguments and locals in stack slots.
    pub variables: Vec<VariableDebug>,
}

/// Writes the image's DWARF into `product`'s object. `unit_name` names the compile unit
/// when there are no symbols (the assembly's name).
pub(crate) fn write_dwarf(
    product: &mut ObjectProduct,
    unit_name: &str,
    symbols: Option<&SymbolFile>,
    methods: &[MethodDebug],
) -> Result<(), String> {
    // Method `i`'s address is its function symbol's, resolved by the linker.
    let mut dwarf = build_unit(unit_name, symbols, methods, |index| Address::Symbol {
        symbol: index,
        addend: 0,
    });
    let mut sections = Sections::new(RelocWriter::new());
    dwarf
        .write(&mut sections)
        .map_err(|e| format!("DWARF: {e}"))?;
    let symbols: Vec<_> = methods
        .iter()
        .map(|m| product.function_symbol(m.func))
        .collect();
    add_to_object(&mut product.object, &mut sections, &symbols)
}

/// The DWARF of `methods`: the line program and a subprogram per method, whose code starts at
/// `address(i)` for method `i`.
fn build_unit(
    unit_name: &str,
    symbols: Option<&SymbolFile>,
    methods: &[MethodDebug],
    address: impl Fn(usize) -> Address,
) -> DwarfUnit {
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 8,
    };
    let mut dwarf = DwarfUnit::new(encoding);
    let files = symbols.map_or(&[][..], |s| s.files());
    let primary = files.first().map_or(unit_name, String::as_str);
    let working_dir = LineString::new(".", encoding, &mut dwarf.line_strings);
    let source = LineString::new(dwarf_string(primary), encoding, &mut dwarf.line_strings);
    dwarf.unit.line_program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        working_dir,
        None,
        source,
        None,
    );
    let dir = dwarf.unit.line_program.default_directory();
    let file_ids: Vec<FileId> = files
        .iter()
        .map(|f| {
            let name = LineString::new(dwarf_string(f), encoding, &mut dwarf.line_strings);
            dwarf.unit.line_program.add_file(name, dir, None)
        })
        .collect();

    let root = dwarf.unit.root();
    let producer = dwarf.strings.add("ngen-build (debug scenario)");
    let name = dwarf.strings.add(dwarf_string(primary));
    let cu = dwarf.unit.get_mut(root);
    cu.set(gimli::DW_AT_producer, AttributeValue::StringRef(producer));
    cu.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
    // DWARF has no C#; gdb shows `Namespace.Type::Method` best as C++.
    cu.set(
        gimli::DW_AT_language,
        AttributeValue::Language(gimli::DW_LANG_C_plus_plus),
    );
    cu.set(
        gimli::DW_AT_low_pc,
        AttributeValue::Address(Address::Constant(0)),
    );

    let mut base_types = BaseTypes::default();
    let mut ranges = Vec::new();
    for (index, m) in methods.iter().enumerate() {
        let start = address(index);
        ranges.push(Range::StartLength {
            begin: start,
            length: u64::from(m.code_size),
        });
        let points = match symbols {
            Some(s) => s.sequence_points(m.rid).unwrap_or_default(),
            None => Vec::new(),
        };
        let rows = lines::line_rows(&m.ranges, &points);
        let program = &mut dwarf.unit.line_program;
        if !rows.is_empty() {
            program.begin_sequence(Some(start));
            for row in &rows {
                let Some(&file) = file_ids.get(row.file) else {
                    continue;
                };
                let r = program.row();
                r.address_offset = u64::from(row.address);
                r.file = file;
                r.line = u64::from(row.line);
                r.column = u64::from(row.column);
                r.is_statement = true;
                program.generate_row();
            }
            program.end_sequence(u64::from(m.code_size));
        }

        let name = dwarf.strings.add(dwarf_string(&m.name));
        let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let sub = dwarf.unit.get_mut(id);
        sub.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
        sub.set(gimli::DW_AT_external, AttributeValue::Flag(true));
        sub.set(gimli::DW_AT_low_pc, AttributeValue::Address(start));
        sub.set(
            gimli::DW_AT_high_pc,
            AttributeValue::Udata(u64::from(m.code_size)),
        );
        let mut frame_base = Expression::new();
        frame_base.op_reg(X86_64::RBP);
        sub.set(gimli::DW_AT_frame_base, AttributeValue::Exprloc(frame_base));
        if let Some(first) = rows.first()
            && let Some(&file) = file_ids.get(first.file)
        {
            sub.set(
                gimli::DW_AT_decl_file,
                AttributeValue::FileIndex(Some(file)),
            );
            sub.set(
                gimli::DW_AT_decl_line,
                AttributeValue::Udata(u64::from(first.line)),
            );
        }
        let local_names = match symbols {
            Some(s) => s.local_names(m.rid).unwrap_or_default(),
            None => Vec::new(),
        };
        for v in &m.variables {
            let (tag, name) = match v.key {
                VariableKey::Arg(i) => (
                    gimli::DW_TAG_formal_parameter,
                    v.name.clone().unwrap_or_else(|| format!("A_{i}")),
                ),
                VariableKey::Local(i) => (
                    gimli::DW_TAG_variable,
                    local_names
                        .iter()
                        .find(|(index, _)| *index == i)
                        .map_or_else(|| format!("V_{i}"), |(_, n)| n.clone()),
                ),
            };
            let ty = base_types.get(&mut dwarf, v.kind);
            let name = dwarf.strings.add(dwarf_string(&name));
            let var = dwarf.unit.add(id, tag);
            let var = dwarf.unit.get_mut(var);
            var.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
            var.set(gimli::DW_AT_type, AttributeValue::UnitRef(ty));
            let mut location = Expression::new();
            location.op_fbreg(v.fp_offset);
            var.set(gimli::DW_AT_location, AttributeValue::Exprloc(location));
        }
    }
    let range_list = dwarf.unit.ranges.add(RangeList(ranges));
    dwarf.unit.get_mut(root).set(
        gimli::DW_AT_ranges,
        AttributeValue::RangeListRef(range_list),
    );

    dwarf
}

/// The DWARF type of each IL value kind a variable has, made on first use.
#[derive(Default)]
struct BaseTypes(Vec<(ValKind, UnitEntryId)>);

impl BaseTypes {
    fn get(&mut self, dwarf: &mut DwarfUnit, kind: ValKind) -> UnitEntryId {
        if let Some((_, id)) = self.0.iter().find(|(k, _)| *k == kind) {
            return *id;
        }
        use gimli::{DW_ATE_UTF, DW_ATE_boolean, DW_ATE_float, DW_ATE_signed, DW_ATE_unsigned};
        let (name, encoding, size) = match kind {
            ValKind::Bool => ("bool", DW_ATE_boolean, 1),
            ValKind::Char => ("char16_t", DW_ATE_UTF, 2),
            ValKind::I1 => ("sbyte", DW_ATE_signed, 1),
            ValKind::U1 => ("byte", DW_ATE_unsigned, 1),
            ValKind::I2 => ("short", DW_ATE_signed, 2),
            ValKind::U2 => ("ushort", DW_ATE_unsigned, 2),
            ValKind::I4 => ("int", DW_ATE_signed, 4),
            ValKind::U4 => ("uint", DW_ATE_unsigned, 4),
            ValKind::I8 => ("long", DW_ATE_signed, 8),
            ValKind::U8 => ("ulong", DW_ATE_unsigned, 8),
            ValKind::I => ("nint", DW_ATE_signed, 8),
            ValKind::U => ("nuint", DW_ATE_unsigned, 8),
            ValKind::R4 => ("float", DW_ATE_float, 4),
            ValKind::R8 => ("double", DW_ATE_float, 8),
            // References and pointers: addresses, shown as such.
            ValKind::Ref | ValKind::Ptr => ("", DW_ATE_unsigned, 8),
        };
        let root = dwarf.unit.root();
        let id = if name.is_empty() {
            let id = dwarf.unit.add(root, gimli::DW_TAG_pointer_type);
            dwarf
                .unit
                .get_mut(id)
                .set(gimli::DW_AT_byte_size, AttributeValue::Udata(8));
            id
        } else {
            let name = dwarf.strings.add(name);
            let id = dwarf.unit.add(root, gimli::DW_TAG_base_type);
            let e = dwarf.unit.get_mut(id);
            e.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
            e.set(gimli::DW_AT_encoding, AttributeValue::Encoding(encoding));
            e.set(gimli::DW_AT_byte_size, AttributeValue::Udata(size));
            id
        };
        self.0.push((kind, id));
        id
    }
}

/// The IL offset of each range of a method's machine code: the source locations the
/// translator set, as Cranelift reports them (in address order).
pub(crate) fn code_ranges(code: &cranelift_codegen::CompiledCode) -> Vec<CodeRange> {
    code.buffer
        .get_srclocs_sorted()
        .iter()
        .map(|s| CodeRange {
            start: s.start,
            end: s.end,
            // The prologue's class-initialisation check carries `NO_IL_OFFSET` (for stack
            // traces): it has no line, so gdb's prologue skip stops at the first real one.
            il_offset: (!s.loc.is_default() && s.loc.bits() != crate::il_offsets::NO_IL_OFFSET)
                .then(|| s.loc.bits()),
        })
        .collect()
}

/// A string DWARF can hold: not empty, no NUL.
fn dwarf_string(s: &str) -> String {
    let cleaned: String = s.chars().filter(|&c| c != '\0').collect();
    if cleaned.is_empty() {
        "<unnamed>".into()
    } else {
        cleaned
    }
}
