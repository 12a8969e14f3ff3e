//! A whole-assembly walk: every row of every table through its typed accessor, every
//! signature, every method body and instruction, every custom attribute, the ngen attributes
//! and the resolution helpers. It never stops at the first error; it counts them. Used by
//! `ngen-build inspect`-style checks, the fuzz target and the malformed-input tests.

use crate::error::MetadataError;
use crate::tables::TableId;
use crate::token::Token;
use crate::{Assembly, il};

/// What [`audit`] found.
#[derive(Debug, Default)]
pub struct AuditReport {
    /// Rows read through typed accessors.
    pub rows: u64,
    /// Methods with an IL body that decoded completely.
    pub bodies: u64,
    pub instructions: u64,
    pub il_bytes: u64,
    pub custom_attributes: u64,
    /// Every error, with where it happened.
    pub errors: Vec<(String, MetadataError)>,
}

impl AuditReport {
    fn note<T>(&mut self, what: impl FnOnce() -> String, r: Result<T, MetadataError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                // Bound memory on hostile input: keep the first errors only, count the rest.
                if self.errors.len() < 10_000 {
                    self.errors.push((what(), e));
                }
                None
            }
        }
    }
}

/// Walks everything in `asm` and reports what decoded and what failed.
pub fn audit(asm: &Assembly) -> AuditReport {
    let mut r = AuditReport::default();
    r.note(|| "identity".into(), asm.identity());
    r.note(|| "mvid".into(), asm.mvid());
    r.note(|| "assembly refs".into(), asm.assembly_refs());
    let _ = asm.processor_architecture();
    let _ = asm.entry_point_token();
    r.note(|| "dependency hints".into(), asm.dependency_hints());
    r.note(|| "default dependency".into(), asm.default_dependency());

    for &table in TableId::ALL {
        for rid in 1..=asm.row_count(table) {
            r.rows += 1;
            walk_row(asm, table, rid, &mut r);
        }
    }
    r
}

fn walk_row(asm: &Assembly, table: TableId, rid: u32, r: &mut AuditReport) {
    let at = || format!("{} row {rid}", table.name());
    match table {
        TableId::Module => {
            r.note(at, asm.module(rid));
        }
        TableId::TypeRef => {
            r.note(at, asm.type_ref(rid));
            r.note(at, asm.type_ref_full_name(rid));
        }
        TableId::TypeDef => {
            r.note(at, asm.type_def(rid));
            r.note(at, asm.type_def_full_name(rid));
            r.note(at, asm.methods_of(rid));
            r.note(at, asm.fields_of(rid));
        }
        TableId::Field => {
            if let Some(f) = r.note(at, asm.field(rid)) {
                r.note(at, asm.field_sig(f.signature));
            }
        }
        TableId::MethodDef => walk_method(asm, rid, r),
        TableId::Param => {
            r.note(at, asm.param(rid));
        }
        TableId::InterfaceImpl => {
            r.note(at, asm.interface_impl(rid));
        }
        TableId::MemberRef => {
            r.note(at, asm.member_ref_parts(rid));
        }
        TableId::Constant => {
            if let Some(c) = r.note(at, asm.constant(rid)) {
                r.note(at, asm.blob(c.value));
            }
        }
        TableId::CustomAttribute => {
            if let Some(row) = r.note(at, asm.custom_attribute(rid)) {
                r.note(at, asm.attribute_type_name(row.ctor));
                if r.note(at, asm.decode_custom_attribute(&row)).is_some() {
                    r.custom_attributes += 1;
                }
            }
        }
        TableId::FieldMarshal => {
            r.note(at, asm.field_marshal(rid));
        }
        TableId::DeclSecurity => {
            r.note(at, asm.decl_security(rid));
        }
        TableId::ClassLayout => {
            r.note(at, asm.class_layout(rid));
        }
        TableId::FieldLayout => {
            r.note(at, asm.field_layout(rid));
        }
        TableId::StandAloneSig => {
            r.note(at, asm.stand_alone_sig_decoded(rid));
        }
        TableId::EventMap => {
            r.note(at, asm.event_map(rid));
        }
        TableId::Event => {
            r.note(at, asm.event(rid));
        }
        TableId::PropertyMap => {
            r.note(at, asm.property_map(rid));
        }
        TableId::Property => {
            if let Some(p) = r.note(at, asm.property(rid)) {
                r.note(at, asm.property_sig(p.signature));
            }
        }
        TableId::MethodSemantics => {
            r.note(at, asm.method_semantics(rid));
        }
        TableId::MethodImpl => {
            r.note(at, asm.method_impl(rid));
        }
        TableId::ModuleRef => {
            r.note(at, asm.module_ref(rid));
        }
        TableId::TypeSpec => {
            r.note(at, asm.type_spec_sig(rid));
        }
        TableId::ImplMap => {
            r.note(at, asm.impl_map(rid));
        }
        TableId::FieldRva => {
            if let Some(f) = r.note(at, asm.field_rva(rid)) {
                r.note(at, asm.data_at_rva(f.rva));
            }
        }
        TableId::Assembly => {
            r.note(at, asm.assembly_row());
        }
        TableId::AssemblyRef => {
            r.note(at, asm.assembly_ref_identity(rid));
        }
        TableId::File => {
            r.note(at, asm.file(rid));
        }
        TableId::ExportedType => {
            r.note(at, asm.exported_type(rid));
        }
        TableId::ManifestResource => {
            r.note(at, asm.manifest_resource(rid));
        }
        TableId::NestedClass => {
            r.note(at, asm.nested_class(rid));
        }
        TableId::GenericParam => {
            r.note(at, asm.generic_param(rid));
        }
        TableId::MethodSpec => {
            r.note(at, asm.method_spec_sig(rid));
        }
        TableId::GenericParamConstraint => {
            r.note(at, asm.generic_param_constraint(rid));
        }
        TableId::FieldPtr
        | TableId::MethodPtr
        | TableId::ParamPtr
        | TableId::EventPtr
        | TableId::PropertyPtr
        | TableId::EncLog
        | TableId::EncMap
        | TableId::AssemblyProcessor
        | TableId::AssemblyOs
        | TableId::AssemblyRefProcessor
        | TableId::AssemblyRefOs => {
            r.note(at, asm.raw_row(table, rid));
        }
    }
}

fn walk_method(asm: &Assembly, rid: u32, r: &mut AuditReport) {
    let at = || format!("MethodDef {rid}");
    if let Some(m) = r.note(at, asm.method_def(rid)) {
        r.note(at, asm.method_sig(m.signature));
    }
    r.note(at, asm.method_owner(rid));
    r.note(at, asm.params_of(rid));
    r.note(at, asm.is_bypass_ngen(rid));
    let Some(Some(body)) = r.note(at, asm.method_body(rid)) else {
        return;
    };
    if let Some(tok) = body.local_var_sig_token {
        r.note(at, asm.local_var_sig(tok));
    }
    let mut ok = true;
    for ins in il::decode(body.code) {
        match ins {
            Ok(i) => {
                r.instructions += 1;
                if let il::Operand::Token(t) = i.operand {
                    check_token(asm, t, rid, r);
                }
            }
            Err(e) => {
                ok = false;
                r.note(at, Err::<(), _>(e));
            }
        }
    }
    if ok {
        r.bodies += 1;
        r.il_bytes += body.code.len() as u64;
    }
}

/// Operand tokens of real IL name existing rows or user strings.
fn check_token(asm: &Assembly, t: Token, method: u32, r: &mut AuditReport) {
    let at = || format!("MethodDef {method} operand {t}");
    if t.is_user_string() {
        r.note(at, asm.user_string(t.rid()));
    } else if let Some(table) = t.table() {
        if t.rid() == 0 || t.rid() > asm.row_count(table) {
            r.note(
                at,
                Err::<(), _>(MetadataError::BadRowIndex {
                    table,
                    rid: t.rid(),
                    count: asm.row_count(table),
                }),
            );
        }
    } else {
        r.note(at, Err::<(), _>(MetadataError::BadToken(t.0)));
    }
}
