//! Mono's three spellings of a type's name (`mono_type_get_name_full`): the reflection
//! format of `Type.ToString()` (``List`1[System.Int32]``), the full-name format of
//! `Type.FullName` (generic arguments assembly-qualified in double brackets:
//! ``List`1[[System.Int32, mscorlib, Version=4.0.0.0, ...]]``) and the assembly-qualified
//! format of `Type.AssemblyQualifiedName` (the full name, then `, ` and the assembly's
//! display name).
//!
//! Depends on: [`crate::type_context`], ngen-typesystem, ngen-metadata (assembly identities).
//! Citations: Mono 6.8 `mono/metadata/reflection.c`
//! (`mono_type_get_name_recurse`, `_mono_type_get_assembly_name`).

use ngen_typesystem::{TypeHandle, TypeKind, TypeSystem};

use crate::type_context::TypeContext;

/// Which of Mono's name formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameFormat {
    /// `Type.ToString()`.
    Reflection,
    /// `Type.FullName`.
    FullName,
    /// `Type.AssemblyQualifiedName`.
    AssemblyQualified,
}

impl TypeContext {
    /// The name of `ty` in `format`.
    pub fn formatted_name(&self, ty: TypeHandle, format: NameFormat) -> Result<String, String> {
        let inner = self.lock()?;
        let mut out = String::new();
        write_name(&inner.ts, ty, format, &mut out)?;
        Ok(out)
    }

    /// The display name of the assembly defining `ty` (an array's element's, an instance's
    /// definition's), as `Assembly.FullName` prints it.
    pub fn assembly_display_name_of(&self, ty: TypeHandle) -> Result<String, String> {
        let inner = self.lock()?;
        assembly_of(&inner.ts, ty)
    }
}

fn assembly_of(ts: &TypeSystem, ty: TypeHandle) -> Result<String, String> {
    match ts.kind(ty) {
        TypeKind::Def(module, _) => ts
            .assembly(*module)
            .identity()
            .map(|i| i.display_name())
            .map_err(|e| e.to_string()),
        TypeKind::Inst(def, _) => assembly_of(ts, *def),
        TypeKind::SzArray(e) | TypeKind::Array(e, _) | TypeKind::ByRef(e) | TypeKind::Ptr(e) => {
            assembly_of(ts, *e)
        }
        _ => ts
            .assembly(ts.corlib())
            .identity()
            .map(|i| i.display_name())
            .map_err(|e| e.to_string()),
    }
}

/// `[T,U]` after the name of TypeDef `rid` of `module` when it is a generic definition
/// (mono's `mono_type_get_name_recurse` for a generic type definition in the reflection
/// format); nothing otherwise.
fn write_parameter_names(
    ts: &TypeSystem,
    module: ngen_typesystem::ModuleId,
    rid: u32,
    out: &mut String,
) -> Result<(), String> {
    let assembly = ts.assembly(module);
    let owner = ngen_metadata::Token::new(ngen_metadata::TableId::TypeDef, rid);
    let params = assembly
        .generic_params_of(owner)
        .map_err(|e| e.to_string())?;
    if params.is_empty() {
        return Ok(());
    }
    let mut named = Vec::with_capacity(params.len());
    for param in params {
        let row = assembly.generic_param(param).map_err(|e| e.to_string())?;
        named.push((row.number, row.name.to_string()));
    }
    named.sort();
    let names: Vec<String> = named.into_iter().map(|(_, name)| name).collect();
    out.push('[');
    out.push_str(&names.join(","));
    out.push(']');
    Ok(())
}

fn write_name(
    ts: &TypeSystem,
    ty: TypeHandle,
    format: NameFormat,
    out: &mut String,
) -> Result<(), String> {
    let element_format = match format {
        NameFormat::AssemblyQualified => NameFormat::FullName,
        f => f,
    };
    match ts.kind(ty) {
        TypeKind::Def(module, rid) => {
            out.push_str(&ts.type_name(ty).replace('/', "+"));
            // A generic definition's reflection name lists its parameters: ``List`1[T]``.
            if format == NameFormat::Reflection {
                write_parameter_names(ts, *module, *rid, out)?;
            }
        }
        TypeKind::Inst(def, args) => {
            out.push_str(&ts.type_name(*def).replace('/', "+"));
            out.push('[');
            for (i, &arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // A generic parameter has no assembly to qualify it with: bare, as mono.
                if matches!(ts.kind(arg), TypeKind::Param(..)) {
                    out.push_str(&ts.type_name(arg));
                } else if element_format == NameFormat::FullName {
                    out.push('[');
                    write_name(ts, arg, NameFormat::AssemblyQualified, out)?;
                    out.push(']');
                } else {
                    write_name(ts, arg, NameFormat::Reflection, out)?;
                }
            }
            out.push(']');
        }
        TypeKind::SzArray(e) => {
            write_name(ts, *e, element_format, out)?;
            out.push_str("[]");
        }
        TypeKind::Array(e, rank) => {
            write_name(ts, *e, element_format, out)?;
            out.push('[');
            out.push_str(&",".repeat(rank.saturating_sub(1) as usize));
            out.push(']');
        }
        TypeKind::ByRef(e) => {
            write_name(ts, *e, element_format, out)?;
            out.push('&');
        }
        TypeKind::Ptr(e) => {
            write_name(ts, *e, element_format, out)?;
            out.push('*');
        }
        _ => out.push_str(&ts.type_name(ty)),
    }
    if format == NameFormat::AssemblyQualified {
        out.push_str(", ");
        out.push_str(&assembly_of(ts, ty)?);
    }
    Ok(())
}
