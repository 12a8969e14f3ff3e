//! Typed rows for every ECMA-335 II.22 table. Strings are resolved to `&str` borrowed from the
//! assembly; blobs stay as `#Blob` indexes (decode them with [`Assembly::blob`] or the
//! signature helpers); simple indexes are 1-based rids; coded indexes become [`Token`]s
//! (rid 0 = null). Depends on [`crate::tables`] for raw cells.

use crate::Assembly;
use crate::error::Result;
use crate::tables::{CodedKind, RawRow, TableId};
use crate::token::Token;

/// Module (0x00).
#[derive(Clone, Copy, Debug)]
pub struct ModuleRow<'a> {
    pub generation: u16,
    pub name: &'a str,
    pub mvid: u32,
    pub enc_id: u32,
    pub enc_base_id: u32,
}

/// TypeRef (0x01).
#[derive(Clone, Copy, Debug)]
pub struct TypeRefRow<'a> {
    pub resolution_scope: Token,
    pub name: &'a str,
    pub namespace: &'a str,
}

/// TypeDef (0x02). `field_list`/`method_list` are the first rids of this type's run.
#[derive(Clone, Copy, Debug)]
pub struct TypeDefRow<'a> {
    pub flags: u32,
    pub name: &'a str,
    pub namespace: &'a str,
    pub extends: Token,
    pub field_list: u32,
    pub method_list: u32,
}

/// Field (0x04).
#[derive(Clone, Copy, Debug)]
pub struct FieldRow<'a> {
    pub flags: u16,
    pub name: &'a str,
    pub signature: u32,
}

/// MethodDef (0x06).
#[derive(Clone, Copy, Debug)]
pub struct MethodDefRow<'a> {
    pub rva: u32,
    pub impl_flags: u16,
    pub flags: u16,
    pub name: &'a str,
    pub signature: u32,
    pub param_list: u32,
}

/// Param (0x08).
#[derive(Clone, Copy, Debug)]
pub struct ParamRow<'a> {
    pub flags: u16,
    pub sequence: u16,
    pub name: &'a str,
}

/// InterfaceImpl (0x09).
#[derive(Clone, Copy, Debug)]
pub struct InterfaceImplRow {
    pub class: u32,
    pub interface: Token,
}

/// MemberRef (0x0A).
#[derive(Clone, Copy, Debug)]
pub struct MemberRefRow<'a> {
    pub class: Token,
    pub name: &'a str,
    pub signature: u32,
}

/// Constant (0x0B).
#[derive(Clone, Copy, Debug)]
pub struct ConstantRow {
    pub element_type: u8,
    pub parent: Token,
    pub value: u32,
}

/// CustomAttribute (0x0C).
#[derive(Clone, Copy, Debug)]
pub struct CustomAttributeRow {
    pub parent: Token,
    pub ctor: Token,
    pub value: u32,
}

/// FieldMarshal (0x0D).
#[derive(Clone, Copy, Debug)]
pub struct FieldMarshalRow {
    pub parent: Token,
    pub native_type: u32,
}

/// DeclSecurity (0x0E).
#[derive(Clone, Copy, Debug)]
pub struct DeclSecurityRow {
    pub action: u16,
    pub parent: Token,
    pub permission_set: u32,
}

/// ClassLayout (0x0F).
#[derive(Clone, Copy, Debug)]
pub struct ClassLayoutRow {
    pub packing_size: u16,
    pub class_size: u32,
    pub parent: u32,
}

/// FieldLayout (0x10).
#[derive(Clone, Copy, Debug)]
pub struct FieldLayoutRow {
    pub offset: u32,
    pub field: u32,
}

/// StandAloneSig (0x11).
#[derive(Clone, Copy, Debug)]
pub struct StandAloneSigRow {
    pub signature: u32,
}

/// EventMap (0x12) and PropertyMap (0x15).
#[derive(Clone, Copy, Debug)]
pub struct MapRow {
    pub parent: u32,
    pub list: u32,
}

/// Event (0x14).
#[derive(Clone, Copy, Debug)]
pub struct EventRow<'a> {
    pub flags: u16,
    pub name: &'a str,
    pub event_type: Token,
}

/// Property (0x17).
#[derive(Clone, Copy, Debug)]
pub struct PropertyRow<'a> {
    pub flags: u16,
    pub name: &'a str,
    pub signature: u32,
}

/// MethodSemantics (0x18).
#[derive(Clone, Copy, Debug)]
pub struct MethodSemanticsRow {
    pub semantics: u16,
    pub method: u32,
    pub association: Token,
}

/// MethodImpl (0x19).
#[derive(Clone, Copy, Debug)]
pub struct MethodImplRow {
    pub class: u32,
    pub body: Token,
    pub declaration: Token,
}

/// ModuleRef (0x1A).
#[derive(Clone, Copy, Debug)]
pub struct ModuleRefRow<'a> {
    pub name: &'a str,
}

/// TypeSpec (0x1B).
#[derive(Clone, Copy, Debug)]
pub struct TypeSpecRow {
    pub signature: u32,
}

/// ImplMap (0x1C).
#[derive(Clone, Copy, Debug)]
pub struct ImplMapRow<'a> {
    pub mapping_flags: u16,
    pub member_forwarded: Token,
    pub import_name: &'a str,
    pub import_scope: u32,
}

/// FieldRVA (0x1D).
#[derive(Clone, Copy, Debug)]
pub struct FieldRvaRow {
    pub rva: u32,
    pub field: u32,
}

/// Assembly (0x20).
#[derive(Clone, Copy, Debug)]
pub struct AssemblyRow<'a> {
    pub hash_alg_id: u32,
    pub major_version: u16,
    pub minor_version: u16,
    pub build_number: u16,
    pub revision_number: u16,
    pub flags: u32,
    pub public_key: u32,
    pub name: &'a str,
    pub culture: &'a str,
}

/// AssemblyRef (0x23).
#[derive(Clone, Copy, Debug)]
pub struct AssemblyRefRow<'a> {
    pub major_version: u16,
    pub minor_version: u16,
    pub build_number: u16,
    pub revision_number: u16,
    pub flags: u32,
    pub public_key_or_token: u32,
    pub name: &'a str,
    pub culture: &'a str,
    pub hash_value: u32,
}

/// File (0x26).
#[derive(Clone, Copy, Debug)]
pub struct FileRow<'a> {
    pub flags: u32,
    pub name: &'a str,
    pub hash_value: u32,
}

/// ExportedType (0x27).
#[derive(Clone, Copy, Debug)]
pub struct ExportedTypeRow<'a> {
    pub flags: u32,
    pub type_def_id: u32,
    pub name: &'a str,
    pub namespace: &'a str,
    pub implementation: Token,
}

/// ManifestResource (0x28).
#[derive(Clone, Copy, Debug)]
pub struct ManifestResourceRow<'a> {
    pub offset: u32,
    pub flags: u32,
    pub name: &'a str,
    pub implementation: Token,
}

/// NestedClass (0x29).
#[derive(Clone, Copy, Debug)]
pub struct NestedClassRow {
    pub nested_class: u32,
    pub enclosing_class: u32,
}

/// GenericParam (0x2A).
#[derive(Clone, Copy, Debug)]
pub struct GenericParamRow<'a> {
    pub number: u16,
    pub flags: u16,
    pub owner: Token,
    pub name: &'a str,
}

/// MethodSpec (0x2B).
#[derive(Clone, Copy, Debug)]
pub struct MethodSpecRow {
    pub method: Token,
    pub instantiation: u32,
}

/// GenericParamConstraint (0x2C).
#[derive(Clone, Copy, Debug)]
pub struct GenericParamConstraintRow {
    pub owner: u32,
    pub constraint: Token,
}

fn coded(kind: CodedKind, raw: u32) -> Result<Token> {
    kind.decode(raw)
}

impl Assembly {
    /// Number of rows in `table` (0 if absent).
    pub fn row_count(&self, table: TableId) -> u32 {
        self.layout.rows(table)
    }

    /// Whether the table stream marks `table` as sorted.
    pub fn is_sorted(&self, table: TableId) -> bool {
        self.layout.is_sorted(table)
    }

    /// The raw, undecoded cells of any row (works for every table, including *Ptr and ENC tables).
    pub fn raw_row(&self, table: TableId, rid: u32) -> Result<RawRow> {
        self.layout.row(&self.bytes, table, rid)
    }

    /// One raw cell, without reading the rest of the row.
    pub(crate) fn cell(&self, table: TableId, rid: u32, col: usize) -> Result<u32> {
        self.layout.cell(&self.bytes, table, rid, col)
    }

    pub fn module(&self, rid: u32) -> Result<ModuleRow<'_>> {
        let c = self.raw_row(TableId::Module, rid)?.cells;
        Ok(ModuleRow {
            generation: c[0] as u16,
            name: self.string(c[1])?,
            mvid: c[2],
            enc_id: c[3],
            enc_base_id: c[4],
        })
    }

    pub fn type_ref(&self, rid: u32) -> Result<TypeRefRow<'_>> {
        let c = self.raw_row(TableId::TypeRef, rid)?.cells;
        Ok(TypeRefRow {
            resolution_scope: coded(CodedKind::ResolutionScope, c[0])?,
            name: self.string(c[1])?,
            namespace: self.string(c[2])?,
        })
    }

    pub fn type_def(&self, rid: u32) -> Result<TypeDefRow<'_>> {
        let c = self.raw_row(TableId::TypeDef, rid)?.cells;
        Ok(TypeDefRow {
            flags: c[0],
            name: self.string(c[1])?,
            namespace: self.string(c[2])?,
            extends: coded(CodedKind::TypeDefOrRef, c[3])?,
            field_list: c[4],
            method_list: c[5],
        })
    }

    pub fn field(&self, rid: u32) -> Result<FieldRow<'_>> {
        let c = self.raw_row(TableId::Field, rid)?.cells;
        Ok(FieldRow {
            flags: c[0] as u16,
            name: self.string(c[1])?,
            signature: c[2],
        })
    }

    pub fn method_def(&self, rid: u32) -> Result<MethodDefRow<'_>> {
        let c = self.raw_row(TableId::MethodDef, rid)?.cells;
        Ok(MethodDefRow {
            rva: c[0],
            impl_flags: c[1] as u16,
            flags: c[2] as u16,
            name: self.string(c[3])?,
            signature: c[4],
            param_list: c[5],
        })
    }

    pub fn param(&self, rid: u32) -> Result<ParamRow<'_>> {
        let c = self.raw_row(TableId::Param, rid)?.cells;
        Ok(ParamRow {
            flags: c[0] as u16,
            sequence: c[1] as u16,
            name: self.string(c[2])?,
        })
    }

    pub fn interface_impl(&self, rid: u32) -> Result<InterfaceImplRow> {
        let c = self.raw_row(TableId::InterfaceImpl, rid)?.cells;
        Ok(InterfaceImplRow {
            class: c[0],
            interface: coded(CodedKind::TypeDefOrRef, c[1])?,
        })
    }

    pub fn member_ref(&self, rid: u32) -> Result<MemberRefRow<'_>> {
        let c = self.raw_row(TableId::MemberRef, rid)?.cells;
        Ok(MemberRefRow {
            class: coded(CodedKind::MemberRefParent, c[0])?,
            name: self.string(c[1])?,
            signature: c[2],
        })
    }

    pub fn constant(&self, rid: u32) -> Result<ConstantRow> {
        let c = self.raw_row(TableId::Constant, rid)?.cells;
        Ok(ConstantRow {
            element_type: c[0] as u8,
            parent: coded(CodedKind::HasConstant, c[1])?,
            value: c[2],
        })
    }

    pub fn custom_attribute(&self, rid: u32) -> Result<CustomAttributeRow> {
        let c = self.raw_row(TableId::CustomAttribute, rid)?.cells;
        Ok(CustomAttributeRow {
            parent: coded(CodedKind::HasCustomAttribute, c[0])?,
            ctor: coded(CodedKind::CustomAttributeType, c[1])?,
            value: c[2],
        })
    }

    pub fn field_marshal(&self, rid: u32) -> Result<FieldMarshalRow> {
        let c = self.raw_row(TableId::FieldMarshal, rid)?.cells;
        Ok(FieldMarshalRow {
            parent: coded(CodedKind::HasFieldMarshal, c[0])?,
            native_type: c[1],
        })
    }

    pub fn decl_security(&self, rid: u32) -> Result<DeclSecurityRow> {
        let c = self.raw_row(TableId::DeclSecurity, rid)?.cells;
        Ok(DeclSecurityRow {
            action: c[0] as u16,
            parent: coded(CodedKind::HasDeclSecurity, c[1])?,
            permission_set: c[2],
        })
    }

    pub fn class_layout(&self, rid: u32) -> Result<ClassLayoutRow> {
        let c = self.raw_row(TableId::ClassLayout, rid)?.cells;
        Ok(ClassLayoutRow {
            packing_size: c[0] as u16,
            class_size: c[1],
            parent: c[2],
        })
    }

    pub fn field_layout(&self, rid: u32) -> Result<FieldLayoutRow> {
        let c = self.raw_row(TableId::FieldLayout, rid)?.cells;
        Ok(FieldLayoutRow {
            offset: c[0],
            field: c[1],
        })
    }

    pub fn stand_alone_sig(&self, rid: u32) -> Result<StandAloneSigRow> {
        let c = self.raw_row(TableId::StandAloneSig, rid)?.cells;
        Ok(StandAloneSigRow { signature: c[0] })
    }

    pub fn event_map(&self, rid: u32) -> Result<MapRow> {
        let c = self.raw_row(TableId::EventMap, rid)?.cells;
        Ok(MapRow {
            parent: c[0],
            list: c[1],
        })
    }

    pub fn event(&self, rid: u32) -> Result<EventRow<'_>> {
        let c = self.raw_row(TableId::Event, rid)?.cells;
        Ok(EventRow {
            flags: c[0] as u16,
            name: self.string(c[1])?,
            event_type: coded(CodedKind::TypeDefOrRef, c[2])?,
        })
    }

    pub fn property_map(&self, rid: u32) -> Result<MapRow> {
        let c = self.raw_row(TableId::PropertyMap, rid)?.cells;
        Ok(MapRow {
            parent: c[0],
            list: c[1],
        })
    }

    pub fn property(&self, rid: u32) -> Result<PropertyRow<'_>> {
        let c = self.raw_row(TableId::Property, rid)?.cells;
        Ok(PropertyRow {
            flags: c[0] as u16,
            name: self.string(c[1])?,
            signature: c[2],
        })
    }

    pub fn method_semantics(&self, rid: u32) -> Result<MethodSemanticsRow> {
        let c = self.raw_row(TableId::MethodSemantics, rid)?.cells;
        Ok(MethodSemanticsRow {
            semantics: c[0] as u16,
            method: c[1],
            association: coded(CodedKind::HasSemantics, c[2])?,
        })
    }

    pub fn method_impl(&self, rid: u32) -> Result<MethodImplRow> {
        let c = self.raw_row(TableId::MethodImpl, rid)?.cells;
        Ok(MethodImplRow {
            class: c[0],
            body: coded(CodedKind::MethodDefOrRef, c[1])?,
            declaration: coded(CodedKind::MethodDefOrRef, c[2])?,
        })
    }

    pub fn module_ref(&self, rid: u32) -> Result<ModuleRefRow<'_>> {
        let c = self.raw_row(TableId::ModuleRef, rid)?.cells;
        Ok(ModuleRefRow {
            name: self.string(c[0])?,
        })
    }

    pub fn type_spec(&self, rid: u32) -> Result<TypeSpecRow> {
        let c = self.raw_row(TableId::TypeSpec, rid)?.cells;
        Ok(TypeSpecRow { signature: c[0] })
    }

    pub fn impl_map(&self, rid: u32) -> Result<ImplMapRow<'_>> {
        let c = self.raw_row(TableId::ImplMap, rid)?.cells;
        Ok(ImplMapRow {
            mapping_flags: c[0] as u16,
            member_forwarded: coded(CodedKind::MemberForwarded, c[1])?,
            import_name: self.string(c[2])?,
            import_scope: c[3],
        })
    }

    pub fn field_rva(&self, rid: u32) -> Result<FieldRvaRow> {
        let c = self.raw_row(TableId::FieldRva, rid)?.cells;
        Ok(FieldRvaRow {
            rva: c[0],
            field: c[1],
        })
    }

    pub fn assembly_row(&self) -> Result<AssemblyRow<'_>> {
        if self.row_count(TableId::Assembly) == 0 {
            return Err(crate::MetadataError::NoAssemblyRow);
        }
        let c = self.raw_row(TableId::Assembly, 1)?.cells;
        Ok(AssemblyRow {
            hash_alg_id: c[0],
            major_version: c[1] as u16,
            minor_version: c[2] as u16,
            build_number: c[3] as u16,
            revision_number: c[4] as u16,
            flags: c[5],
            public_key: c[6],
            name: self.string(c[7])?,
            culture: self.string(c[8])?,
        })
    }

    pub fn assembly_ref(&self, rid: u32) -> Result<AssemblyRefRow<'_>> {
        let c = self.raw_row(TableId::AssemblyRef, rid)?.cells;
        Ok(AssemblyRefRow {
            major_version: c[0] as u16,
            minor_version: c[1] as u16,
            build_number: c[2] as u16,
            revision_number: c[3] as u16,
            flags: c[4],
            public_key_or_token: c[5],
            name: self.string(c[6])?,
            culture: self.string(c[7])?,
            hash_value: c[8],
        })
    }

    pub fn file(&self, rid: u32) -> Result<FileRow<'_>> {
        let c = self.raw_row(TableId::File, rid)?.cells;
        Ok(FileRow {
            flags: c[0],
            name: self.string(c[1])?,
            hash_value: c[2],
        })
    }

    pub fn exported_type(&self, rid: u32) -> Result<ExportedTypeRow<'_>> {
        let c = self.raw_row(TableId::ExportedType, rid)?.cells;
        Ok(ExportedTypeRow {
            flags: c[0],
            type_def_id: c[1],
            name: self.string(c[2])?,
            namespace: self.string(c[3])?,
            implementation: coded(CodedKind::Implementation, c[4])?,
        })
    }

    pub fn manifest_resource(&self, rid: u32) -> Result<ManifestResourceRow<'_>> {
        let c = self.raw_row(TableId::ManifestResource, rid)?.cells;
        Ok(ManifestResourceRow {
            offset: c[0],
            flags: c[1],
            name: self.string(c[2])?,
            implementation: coded(CodedKind::Implementation, c[3])?,
        })
    }

    pub fn nested_class(&self, rid: u32) -> Result<NestedClassRow> {
        let c = self.raw_row(TableId::NestedClass, rid)?.cells;
        Ok(NestedClassRow {
            nested_class: c[0],
            enclosing_class: c[1],
        })
    }

    pub fn generic_param(&self, rid: u32) -> Result<GenericParamRow<'_>> {
        let c = self.raw_row(TableId::GenericParam, rid)?.cells;
        Ok(GenericParamRow {
            number: c[0] as u16,
            flags: c[1] as u16,
            owner: coded(CodedKind::TypeOrMethodDef, c[2])?,
            name: self.string(c[3])?,
        })
    }

    pub fn method_spec(&self, rid: u32) -> Result<MethodSpecRow> {
        let c = self.raw_row(TableId::MethodSpec, rid)?.cells;
        Ok(MethodSpecRow {
            method: coded(CodedKind::MethodDefOrRef, c[0])?,
            instantiation: c[1],
        })
    }

    pub fn generic_param_constraint(&self, rid: u32) -> Result<GenericParamConstraintRow> {
        let c = self.raw_row(TableId::GenericParamConstraint, rid)?.cells;
        Ok(GenericParamConstraintRow {
            owner: c[0],
            constraint: coded(CodedKind::TypeDefOrRef, c[1])?,
        })
    }
}
