//! ECMA-335 II.23.1 attribute flags as typed constants, so no crate spells a magic number.
//! Pure constants; depends on nothing.

/// TypeAttributes (II.23.1.15).
pub mod type_attributes {
    pub const VISIBILITY_MASK: u32 = 0x0000_0007;
    pub const NESTED_PUBLIC: u32 = 0x0000_0002;
    pub const LAYOUT_MASK: u32 = 0x0000_0018;
    pub const AUTO_LAYOUT: u32 = 0x0000_0000;
    pub const SEQUENTIAL_LAYOUT: u32 = 0x0000_0008;
    pub const EXPLICIT_LAYOUT: u32 = 0x0000_0010;
    pub const INTERFACE: u32 = 0x0000_0020;
    pub const ABSTRACT: u32 = 0x0000_0080;
    pub const SEALED: u32 = 0x0000_0100;
    pub const SPECIAL_NAME: u32 = 0x0000_0400;
    pub const IMPORT: u32 = 0x0000_1000;
    pub const SERIALIZABLE: u32 = 0x0000_2000;
    pub const BEFORE_FIELD_INIT: u32 = 0x0010_0000;
}

/// FieldAttributes (II.23.1.5).
pub mod field_attributes {
    pub const ACCESS_MASK: u16 = 0x0007;
    pub const STATIC: u16 = 0x0010;
    pub const INIT_ONLY: u16 = 0x0020;
    pub const LITERAL: u16 = 0x0040;
    pub const NOT_SERIALIZED: u16 = 0x0080;
    pub const SPECIAL_NAME: u16 = 0x0200;
    pub const PINVOKE_IMPL: u16 = 0x2000;
    pub const RT_SPECIAL_NAME: u16 = 0x0400;
    pub const HAS_FIELD_MARSHAL: u16 = 0x1000;
    pub const HAS_DEFAULT: u16 = 0x8000;
    pub const HAS_FIELD_RVA: u16 = 0x0100;
}

/// MethodAttributes (II.23.1.10).
pub mod method_attributes {
    pub const MEMBER_ACCESS_MASK: u16 = 0x0007;
    pub const PRIVATE: u16 = 0x0001;
    pub const STATIC: u16 = 0x0010;
    pub const FINAL: u16 = 0x0020;
    pub const VIRTUAL: u16 = 0x0040;
    pub const HIDE_BY_SIG: u16 = 0x0080;
    pub const VTABLE_LAYOUT_MASK: u16 = 0x0100;
    pub const REUSE_SLOT: u16 = 0x0000;
    pub const NEW_SLOT: u16 = 0x0100;
    pub const STRICT: u16 = 0x0200;
    pub const ABSTRACT: u16 = 0x0400;
    pub const SPECIAL_NAME: u16 = 0x0800;
    pub const PINVOKE_IMPL: u16 = 0x2000;
    pub const RT_SPECIAL_NAME: u16 = 0x1000;
}

/// MethodImplAttributes (II.23.1.11).
pub mod method_impl_attributes {
    pub const CODE_TYPE_MASK: u16 = 0x0003;
    pub const RUNTIME: u16 = 0x0003;
    pub const INTERNAL_CALL: u16 = 0x1000;
}

/// GenericParamAttributes (II.23.1.7).
pub mod generic_param_attributes {
    pub const VARIANCE_MASK: u16 = 0x0003;
    pub const NONE: u16 = 0x0000;
    pub const COVARIANT: u16 = 0x0001;
    pub const CONTRAVARIANT: u16 = 0x0002;
    pub const SPECIAL_CONSTRAINT_MASK: u16 = 0x001C;
    pub const REFERENCE_TYPE_CONSTRAINT: u16 = 0x0004;
    pub const NOT_NULLABLE_VALUE_TYPE_CONSTRAINT: u16 = 0x0008;
    pub const DEFAULT_CONSTRUCTOR_CONSTRAINT: u16 = 0x0010;
}
