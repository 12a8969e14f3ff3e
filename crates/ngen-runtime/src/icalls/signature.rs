//! Mono's names for overloaded icalls: `Method(int&,int,int)`, as `icall-def.h` spells them
//! (`mono_signature_get_desc` without namespaces for the primitives: `int`, `long`, `intptr`,
//! `single`, `object`, ...; value and class types by full name; `&` for byrefs, `[]` for
//! vectors, `*` for pointers). The table lists an overloaded icall under this key; a lookup
//! tries it before the plain method name.
//!
//! Depends on: `ngen-metadata` (signatures and type names).

use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, Token};

/// `Method(param,param,...)` of MethodDef `rid`, or `None` when a parameter cannot be named.
pub(crate) fn described(asm: &Assembly, rid: u32) -> Option<String> {
    let row = asm.method_def(rid).ok()?;
    let sig = asm.method_sig(row.signature).ok()?;
    let params: Option<Vec<String>> = sig.params.iter().map(|p| type_desc(asm, p)).collect();
    Some(format!("{}({})", row.name, params?.join(",")))
}

fn type_desc(asm: &Assembly, ty: &TypeSig) -> Option<String> {
    Some(match ty {
        TypeSig::Void => "void".into(),
        TypeSig::Boolean => "bool".into(),
        TypeSig::Char => "char".into(),
        TypeSig::I1 => "sbyte".into(),
        TypeSig::U1 => "byte".into(),
        TypeSig::I2 => "int16".into(),
        TypeSig::U2 => "uint16".into(),
        TypeSig::I4 => "int".into(),
        TypeSig::U4 => "uint".into(),
        TypeSig::I8 => "long".into(),
        TypeSig::U8 => "ulong".into(),
        TypeSig::R4 => "single".into(),
        TypeSig::R8 => "double".into(),
        TypeSig::I => "intptr".into(),
        TypeSig::U => "uintptr".into(),
        TypeSig::String => "string".into(),
        TypeSig::Object => "object".into(),
        TypeSig::Class(token) | TypeSig::ValueType(token) => full_name(asm, *token)?,
        TypeSig::SzArray(element) => format!("{}[]", type_desc(asm, element)?),
        TypeSig::Ptr(inner) => format!("{}*", type_desc(asm, inner)?),
        TypeSig::ByRef(inner) => format!("{}&", type_desc(asm, inner)?),
        TypeSig::Modified { inner, .. } => type_desc(asm, inner)?,
        _ => return None,
    })
}

fn full_name(asm: &Assembly, token: Token) -> Option<String> {
    let (namespace, name) = asm.type_name(token).ok()?;
    Some(if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    })
}
