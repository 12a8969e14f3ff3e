//! The core library's types the type system itself must know: the roots of the hierarchy,
//! the primitives, and the types with special rules (arrays, strings, enums, delegates,
//! `Nullable<T>`, exceptions). Looked up by name in the core library on first use, as Mono's
//! `mono_defaults` (`mono/metadata/domain.c`). Depends on `crate::load`.

use crate::TypeSystem;
use crate::desc::Primitive;
use crate::error::Result;
use crate::handle::TypeHandle;

/// A well-known core-library type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WellKnownType {
    /// `System.Object`.
    Object,
    /// `System.String`.
    String,
    /// `System.Array`.
    Array,
    /// `System.ValueType`.
    ValueType,
    /// `System.Enum`.
    Enum,
    /// `System.Delegate`.
    Delegate,
    /// `System.MulticastDelegate`.
    MulticastDelegate,
    /// `` System.Nullable`1 ``.
    Nullable,
    /// `System.Exception`.
    Exception,
    /// `System.TypedReference`.
    TypedReference,
    /// `` System.Collections.Generic.IList`1 `` (arrays implement it).
    IListT,
    /// `` System.Collections.Generic.ICollection`1 ``.
    ICollectionT,
    /// `` System.Collections.Generic.IEnumerable`1 ``.
    IEnumerableT,
    /// `` System.Collections.Generic.IReadOnlyList`1 ``.
    IReadOnlyListT,
    /// `` System.Collections.Generic.IReadOnlyCollection`1 ``.
    IReadOnlyCollectionT,
    /// `System.ThreadStaticAttribute`.
    ThreadStaticAttribute,
    /// A primitive (`System.Int32`, ...).
    Primitive(Primitive),
}

/// The generic interfaces every `T[]` implements over `T` (Mono's
/// `mono_class_create_bounded_array`; the CLR's "array generic interfaces").
pub const ARRAY_GENERIC_INTERFACES: [WellKnownType; 5] = [
    WellKnownType::IListT,
    WellKnownType::ICollectionT,
    WellKnownType::IEnumerableT,
    WellKnownType::IReadOnlyListT,
    WellKnownType::IReadOnlyCollectionT,
];

impl WellKnownType {
    /// (namespace, name) in the core library.
    pub fn name(self) -> (&'static str, &'static str) {
        let generic = "System.Collections.Generic";
        match self {
            WellKnownType::Object => ("System", "Object"),
            WellKnownType::String => ("System", "String"),
            WellKnownType::Array => ("System", "Array"),
            WellKnownType::ValueType => ("System", "ValueType"),
            WellKnownType::Enum => ("System", "Enum"),
            WellKnownType::Delegate => ("System", "Delegate"),
            WellKnownType::MulticastDelegate => ("System", "MulticastDelegate"),
            WellKnownType::Nullable => ("System", "Nullable`1"),
            WellKnownType::Exception => ("System", "Exception"),
            WellKnownType::TypedReference => ("System", "TypedReference"),
            WellKnownType::IListT => (generic, "IList`1"),
            WellKnownType::ICollectionT => (generic, "ICollection`1"),
            WellKnownType::IEnumerableT => (generic, "IEnumerable`1"),
            WellKnownType::IReadOnlyListT => (generic, "IReadOnlyList`1"),
            WellKnownType::IReadOnlyCollectionT => (generic, "IReadOnlyCollection`1"),
            WellKnownType::ThreadStaticAttribute => ("System", "ThreadStaticAttribute"),
            WellKnownType::Primitive(p) => ("System", primitive_name(p)),
        }
    }
}

fn primitive_name(p: Primitive) -> &'static str {
    match p {
        Primitive::Void => "Void",
        Primitive::Boolean => "Boolean",
        Primitive::Char => "Char",
        Primitive::I1 => "SByte",
        Primitive::U1 => "Byte",
        Primitive::I2 => "Int16",
        Primitive::U2 => "UInt16",
        Primitive::I4 => "Int32",
        Primitive::U4 => "UInt32",
        Primitive::I8 => "Int64",
        Primitive::U8 => "UInt64",
        Primitive::R4 => "Single",
        Primitive::R8 => "Double",
        Primitive::I => "IntPtr",
        Primitive::U => "UIntPtr",
    }
}

impl TypeSystem {
    /// The handle of a well-known type; a `TypeLoad` error when the core library lacks it.
    pub fn well_known(&mut self, which: WellKnownType) -> Result<TypeHandle> {
        if let Some(r) = self.well_known.get(&which) {
            return r.clone();
        }
        let (ns, name) = which.name();
        let corlib = self.corlib;
        let r = match self.find_type(corlib, ns, name) {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(self.type_load(
                corlib,
                &crate::load::qualify(ns, name),
                "the core library lacks it",
            )),
            Err(e) => Err(e),
        };
        self.well_known.insert(which, r.clone());
        r
    }

    /// The well-known type when the core library has it, `None` otherwise (for rules that
    /// simply do not apply under a minimal core library).
    pub(crate) fn well_known_opt(&mut self, which: WellKnownType) -> Option<TypeHandle> {
        self.well_known(which).ok()
    }

    /// The core library's type for a primitive.
    pub fn primitive_type(&mut self, p: Primitive) -> Result<TypeHandle> {
        self.well_known(WellKnownType::Primitive(p))
    }
}
