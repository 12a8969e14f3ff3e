//! What the arenas hold: [`TypeKind`] (the interning key of a type), [`ClassInfo`] (what a
//! definition or instantiation says about itself), [`FieldDesc`], [`MethodDesc`] and
//! [`MethodSignature`].
//!
//! Model: ILCompiler's `TypeDesc` family (`EcmaType`, `InstantiatedType`, `ArrayType`,
//! `ByRefType`, `PointerType`, `FunctionPointerType`, `SignatureVariable`), flattened into one
//! enum because handles, not objects, carry identity here. Primitive types are ordinary
//! definitions in the core library, recognised by name (as Mono's `mono_defaults` does).
//! Depends on [`crate::handle`].

use std::sync::Arc;

use crate::handle::{FieldHandle, MethodHandle, ModuleId, TypeHandle};

/// The identity of a type; two equal kinds are the same type (and get the same handle).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeKind {
    /// A TypeDef row: a class, value type, enum or interface, or an uninstantiated generic
    /// type definition.
    Def(ModuleId, u32),
    /// A generic definition instantiated over arguments.
    Inst(TypeHandle, Box<[TypeHandle]>),
    /// A single-dimensional zero-based array `T[]`.
    SzArray(TypeHandle),
    /// A multi-dimensional (or non-zero-based) array `T[,]` of the given rank.
    Array(TypeHandle, u32),
    /// A managed pointer `T&`.
    ByRef(TypeHandle),
    /// An unmanaged pointer `T*`.
    Ptr(TypeHandle),
    /// A function pointer `method ret *(params)`.
    FnPtr(Arc<MethodSignature>),
    /// Generic parameter `!n` of the enclosing type, uninstantiated.
    Var(u32),
    /// Generic parameter `!!n` of the enclosing method, uninstantiated.
    MVar(u32),
    /// Generic parameter `n` of a given owner, as reflection sees it: named (`T`), with a
    /// position, attributes and constraints. Only the reflection layer makes these (the
    /// generic arguments of a definition, the parameter types of an open method, as mono's
    /// `MonoGenericParam` has an owner); code, layout and substitution know `Var` and `MVar`.
    Param(ParamOwner, u32),
}

/// Whose generic parameter a [`TypeKind::Param`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamOwner {
    /// A generic type definition's (`!n`).
    Type(TypeHandle),
    /// A generic method's (`!!n`): the definition, or its inflation in an instantiated class.
    Method(MethodHandle),
}

/// A method signature with every type resolved to a handle (II.23.2.1-3).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MethodSignature {
    /// An instance method (`this` is passed first).
    pub has_this: bool,
    /// `this` is listed explicitly among the parameters.
    pub explicit_this: bool,
    /// The low nibble of the calling-convention byte (0 default, 5 vararg, 1-4 and 9 unmanaged).
    pub call_conv: u8,
    /// Number of method generic parameters (0 when not generic).
    pub generic_param_count: u32,
    /// The return type (`System.Void` for none).
    pub ret: TypeHandle,
    /// The parameter types, `this` excluded.
    pub params: Box<[TypeHandle]>,
}

/// What sort of type a definition (or instantiation) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// A reference type (including `System.ValueType`, `System.Enum` and delegates).
    Class,
    /// A value type other than an enum.
    ValueType,
    /// An enum (a value type whose parent is `System.Enum`).
    Enum,
    /// An interface.
    Interface,
}

/// The primitive types of the core library (II.23.1.16), recognised by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    /// `System.Void`.
    Void,
    /// `System.Boolean` (one byte).
    Boolean,
    /// `System.Char` (UTF-16 code unit).
    Char,
    /// `System.SByte`.
    I1,
    /// `System.Byte`.
    U1,
    /// `System.Int16`.
    I2,
    /// `System.UInt16`.
    U2,
    /// `System.Int32`.
    I4,
    /// `System.UInt32`.
    U4,
    /// `System.Int64`.
    I8,
    /// `System.UInt64`.
    U8,
    /// `System.Single`.
    R4,
    /// `System.Double`.
    R8,
    /// `System.IntPtr`.
    I,
    /// `System.UIntPtr`.
    U,
}

impl Primitive {
    /// Size and alignment in bytes on x86-64 (`mono_type_size`, `MONO_ABI_ALIGNOF`).
    pub fn size_align(self) -> (u32, u32) {
        match self {
            Primitive::Void => (0, 1),
            Primitive::Boolean | Primitive::I1 | Primitive::U1 => (1, 1),
            Primitive::Char | Primitive::I2 | Primitive::U2 => (2, 2),
            Primitive::I4 | Primitive::U4 | Primitive::R4 => (4, 4),
            Primitive::I8 | Primitive::U8 | Primitive::R8 | Primitive::I | Primitive::U => (8, 8),
        }
    }

    /// The primitive a `System.<name>` type of the core library stands for.
    pub(crate) fn from_system_name(name: &str) -> Option<Primitive> {
        Some(match name {
            "Void" => Primitive::Void,
            "Boolean" => Primitive::Boolean,
            "Char" => Primitive::Char,
            "SByte" => Primitive::I1,
            "Byte" => Primitive::U1,
            "Int16" => Primitive::I2,
            "UInt16" => Primitive::U2,
            "Int32" => Primitive::I4,
            "UInt32" => Primitive::U4,
            "Int64" => Primitive::I8,
            "UInt64" => Primitive::U8,
            "Single" => Primitive::R4,
            "Double" => Primitive::R8,
            "IntPtr" => Primitive::I,
            "UIntPtr" => Primitive::U,
            _ => return None,
        })
    }

    /// Integer primitives of the same size are interchangeable as array elements (I.8.7.1:
    /// `int32[]` and `uint32[]` are assignment-compatible), as are `I`/`U` with 64-bit ints
    /// on x86-64. `bool` and `char` are not integers here (Mono agrees: `bool[]` is no
    /// `byte[]`, `char[]` no `ushort[]`).
    pub(crate) fn reduced(self) -> Primitive {
        match self {
            Primitive::U1 => Primitive::I1,
            Primitive::U2 => Primitive::I2,
            Primitive::U4 => Primitive::I4,
            Primitive::U8 | Primitive::I | Primitive::U => Primitive::I8,
            p => p,
        }
    }
}

/// What a TypeDef, or an instantiation of one, says about itself.
#[derive(Clone, Debug)]
pub struct ClassInfo {
    /// The module of the definition.
    pub module: ModuleId,
    /// The TypeDef rid of the definition.
    pub rid: u32,
    /// TypeAttributes (II.23.1.15).
    pub flags: u32,
    /// The namespace (of the outermost type, for nested types: empty).
    pub namespace: String,
    /// The simple name (with its generic arity suffix, e.g. `` List`1 ``).
    pub name: String,
    /// The base type, with the instantiation's arguments substituted; `None` for
    /// `System.Object`, interfaces and `<Module>`.
    pub parent: Option<TypeHandle>,
    /// Class, value type, enum or interface.
    pub category: Category,
    /// The generic definition's handle when this is an instantiation.
    pub generic_definition: Option<TypeHandle>,
    /// The instantiation's arguments (empty for non-generic types and generic definitions).
    pub type_args: Box<[TypeHandle]>,
    /// How many generic parameters the definition declares.
    pub generic_param_count: u32,
    /// The primitive this core-library type stands for, if it is one.
    pub primitive: Option<Primitive>,
}

impl ClassInfo {
    /// True for value types and enums.
    pub fn is_value_type(&self) -> bool {
        matches!(self.category, Category::ValueType | Category::Enum)
    }

    /// True for interfaces.
    pub fn is_interface(&self) -> bool {
        self.category == Category::Interface
    }

    /// The layout bits of `flags` (auto, sequential, explicit).
    pub fn layout_kind(&self) -> u32 {
        self.flags & ngen_metadata::flags::type_attributes::LAYOUT_MASK
    }
}

/// A field of a (possibly instantiated) type.
#[derive(Clone, Debug)]
pub struct FieldDesc {
    /// The (possibly instantiated) type the field belongs to.
    pub owner: TypeHandle,
    /// The module of the owner's definition.
    pub module: ModuleId,
    /// The Field rid in the definition's module.
    pub rid: u32,
    /// The field's name.
    pub name: String,
    /// FieldAttributes (II.23.1.5).
    pub flags: u16,
    pub(crate) ty: Option<TypeHandle>,
}

impl FieldDesc {
    /// True for static fields (including literals).
    pub fn is_static(&self) -> bool {
        self.flags & ngen_metadata::flags::field_attributes::STATIC != 0
    }

    /// True for `const` fields, which have no storage.
    pub fn is_literal(&self) -> bool {
        self.flags & ngen_metadata::flags::field_attributes::LITERAL != 0
    }
}

/// A method of a (possibly instantiated) type, possibly itself instantiated.
#[derive(Clone, Debug)]
pub struct MethodDesc {
    /// The (possibly instantiated) type the method belongs to.
    pub owner: TypeHandle,
    /// The module of the owner's definition.
    pub module: ModuleId,
    /// The MethodDef rid in the definition's module.
    pub rid: u32,
    /// The method's name.
    pub name: String,
    /// MethodAttributes (II.23.1.10).
    pub flags: u16,
    /// MethodImplAttributes (II.23.1.11).
    pub impl_flags: u16,
    /// The method instantiation (empty unless this is a MethodSpec-style instantiation).
    pub method_args: Box<[TypeHandle]>,
    pub(crate) signature: Option<Arc<MethodSignature>>,
}

impl MethodDesc {
    /// True for virtual methods.
    pub fn is_virtual(&self) -> bool {
        self.flags & ngen_metadata::flags::method_attributes::VIRTUAL != 0
    }

    /// True for static methods.
    pub fn is_static(&self) -> bool {
        self.flags & ngen_metadata::flags::method_attributes::STATIC != 0
    }

    /// True for abstract methods.
    pub fn is_abstract(&self) -> bool {
        self.flags & ngen_metadata::flags::method_attributes::ABSTRACT != 0
    }

    /// True for `final` (sealed) virtual methods.
    pub fn is_final(&self) -> bool {
        self.flags & ngen_metadata::flags::method_attributes::FINAL != 0
    }

    /// True when the method asks for a new vtable slot.
    pub fn is_new_slot(&self) -> bool {
        self.flags & ngen_metadata::flags::method_attributes::VTABLE_LAYOUT_MASK
            == ngen_metadata::flags::method_attributes::NEW_SLOT
    }
}

/// The generic arguments in scope while resolving a token or signature. `None` leaves `!n`
/// (or `!!n`) uninstantiated, as in a generic definition's own signatures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenericContext {
    /// What `!n` stands for, if anything.
    pub type_args: Option<Arc<[TypeHandle]>>,
    /// What `!!n` stands for, if anything.
    pub method_args: Option<Arc<[TypeHandle]>>,
}

impl GenericContext {
    /// No arguments in scope.
    pub fn none() -> GenericContext {
        GenericContext::default()
    }

    /// The type arguments of an instantiation.
    pub fn of_type(args: &[TypeHandle]) -> GenericContext {
        GenericContext {
            type_args: (!args.is_empty()).then(|| Arc::from(args)),
            method_args: None,
        }
    }
}

pub(crate) type FieldList = Arc<[FieldHandle]>;
pub(crate) type MethodList = Arc<[MethodHandle]>;
