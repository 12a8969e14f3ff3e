//! Mono's short names for the types a signature encodes by an element type, as
//! `mono_type_get_desc` writes them (`int`, `string`, `single`, `intptr`, `typedbyref`, ...):
//! the spelling of mono's trace names (the call profile) and of its wrapper names (the
//! end-invoke wrapper's frame).
//!
//! Depends on: `ngen-metadata` (signatures). Citations: Mono 6.8
//! `mono/metadata/debug-helpers.c` (`mono_type_get_desc`).

use ngen_metadata::signature::TypeSig;

/// The name `mono_type_get_desc` gives `t` when it is a primitive, `string`, `object`, a
/// typed reference or a function pointer; `None` for any other type.
pub(crate) fn element_type_desc(t: &TypeSig) -> Option<&'static str> {
    Some(match t {
        TypeSig::Void => "void",
        TypeSig::Boolean => "bool",
        TypeSig::Char => "char",
        TypeSig::I1 => "sbyte",
        TypeSig::U1 => "byte",
        TypeSig::I2 => "int16",
        TypeSig::U2 => "uint16",
        TypeSig::I4 => "int",
        TypeSig::U4 => "uint",
        TypeSig::I8 => "long",
        TypeSig::U8 => "ulong",
        TypeSig::R4 => "single",
        TypeSig::R8 => "double",
        TypeSig::I => "intptr",
        TypeSig::U => "uintptr",
        TypeSig::String => "string",
        TypeSig::Object => "object",
        TypeSig::TypedByRef => "typedbyref",
        TypeSig::FnPtr(_) => "*()",
        _ => return None,
    })
}
