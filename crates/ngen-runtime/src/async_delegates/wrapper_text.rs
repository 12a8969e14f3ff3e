//! The frame mono's traces show for a delegate type's end-invoke wrapper, which an exception
//! `EndInvoke` rethrows passes through:
//! `(wrapper delegate-end-invoke) <Module>.end_invoke_int__this___IAsyncResult(System.IAsyncResult)`.
//!
//! ## Model
//! Mono names the wrapper after `EndInvoke`'s signature (`mono_signature_to_name`:
//! `end_invoke_`, the return type, `__this__`, then `_` and each parameter, as
//! `mono_type_get_desc` writes types without namespaces), from the generic definition's
//! signature for a generic delegate (`end_invoke_TResult__this___IAsyncResult`). The wrapper
//! belongs to `<Module>`, or to the delegate type itself when it is a generic instance
//! (``System.Func`1[System.Int32]``, its reflection name), and its frame lists the
//! parameters of the instance's signature with namespaces (`mono_signature_get_desc`:
//! `string&,System.IAsyncResult`).
//!
//! Depends on: the runtime's type system (names, generic arguments), `ngen-metadata`
//! (`EndInvoke`'s signature) and [`crate::type_desc`]. Citations: Mono 6.8 `mono/metadata/marshal.c`
//! (`mono_marshal_get_delegate_end_invoke`, `mono_signature_to_name`),
//! `mono/metadata/debug-helpers.c` (`mono_type_get_desc`, `mono_method_get_name_full`).

use ngen_compiler::runtime_types::{MethodHandle, NameFormat, TypeHandle};
use ngen_compiler::type_context::TypeContext;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

/// How deep a type may nest before its description is cut (a malformed signature).
const MAX_DEPTH: u32 = 32;

/// The frame text (without `"  at "`) of the end-invoke wrapper of `end_invoke`, the
/// `EndInvoke` of delegate type `owner`; `None` when the type system cannot describe it.
pub(super) fn end_invoke_frame(
    types: &TypeContext,
    end_invoke: MethodHandle,
    owner: TypeHandle,
) -> Option<String> {
    let method = types.method_instance_of(end_invoke).ok()?;
    let asm = types.assembly_named(&method.assembly).ok()?;
    let row = asm.method_def(method.rid).ok()?;
    let sig = asm.method_sig(row.signature).ok()?;
    let owner_rid = asm.method_owner(method.rid).ok()?;
    let params = parameter_names(&asm, Token::new(TableId::TypeDef, owner_rid));
    let args = types.generic_arguments(owner).ok()?;
    let class = if args.is_empty() {
        "<Module>".to_string()
    } else {
        types.formatted_name(owner, NameFormat::Reflection).ok()?
    };
    // The name: the definition's signature, without namespaces.
    let open = |n: u32, _: bool| params.get(n as usize).cloned();
    let mut name = format!(
        "end_invoke_{}__this__",
        describe(&asm, &sig.ret, false, &open)?
    );
    for param in &sig.params {
        name.push('_');
        name.push_str(&describe(&asm, param, false, &open)?);
    }
    // The parameter list: the instance's signature, with namespaces.
    let instance = |n: u32, namespaces: bool| {
        let arg = *args.get(n as usize)?;
        describe_handle(types, arg, namespaces)
    };
    let listed = sig
        .params
        .iter()
        .map(|p| describe(&asm, p, true, &instance))
        .collect::<Option<Vec<_>>>()?;
    Some(format!(
        "(wrapper delegate-end-invoke) {class}.{name}({})",
        listed.join(",")
    ))
}

/// The names of the generic parameters of `owner`, in order.
fn parameter_names(asm: &Assembly, owner: Token) -> Vec<String> {
    let mut params: Vec<(u16, String)> = asm
        .generic_params_of(owner)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|rid| asm.generic_param(rid).ok())
        .map(|p| (p.number, p.name.to_string()))
        .collect();
    params.sort();
    params.into_iter().map(|(_, name)| name).collect()
}

/// How a type variable `!n` is written (`namespaces` as for the rest of the type).
type VarText<'a> = dyn Fn(u32, bool) -> Option<String> + 'a;

/// `mono_type_get_desc` of a signature type of `asm`, with or without namespaces.
fn describe(asm: &Assembly, t: &TypeSig, namespaces: bool, var: &VarText) -> Option<String> {
    let mut out = String::new();
    write_desc(&mut out, asm, t, namespaces, var, 0)?;
    Some(out)
}

fn write_desc(
    out: &mut String,
    asm: &Assembly,
    t: &TypeSig,
    namespaces: bool,
    var: &VarText,
    depth: u32,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(name) = crate::type_desc::element_type_desc(t) {
        out.push_str(name);
        return Some(());
    }
    let inner = |out: &mut String, t: &TypeSig| write_desc(out, asm, t, namespaces, var, depth + 1);
    match t {
        TypeSig::Class(token) | TypeSig::ValueType(token) => {
            out.push_str(&class_desc(asm, *token, namespaces, 0)?);
        }
        TypeSig::SzArray(element) => {
            inner(out, element)?;
            out.push_str("[]");
        }
        TypeSig::Array { element, rank, .. } => {
            inner(out, element)?;
            out.push('[');
            out.push_str(&",".repeat((*rank as usize).saturating_sub(1)));
            out.push(']');
        }
        TypeSig::Ptr(element) => {
            inner(out, element)?;
            out.push('*');
        }
        TypeSig::ByRef(element) => {
            inner(out, element)?;
            out.push('&');
        }
        TypeSig::GenericInst { generic, args, .. } => {
            out.push_str(&class_desc(asm, *generic, namespaces, 0)?);
            out.push('<');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inner(out, arg)?;
            }
            out.push('>');
        }
        TypeSig::Var(n) => out.push_str(&var(*n, namespaces)?),
        TypeSig::MVar(n) => out.push_str(&format!("!!{n}")),
        TypeSig::Modified { inner: t, .. } => inner(out, t)?,
        _ => return None,
    }
    Some(())
}

/// A TypeDef's or TypeRef's name as mono's `append_class_name` writes it: enclosing types
/// first, joined by `/`, the outermost with its namespace when asked.
fn class_desc(asm: &Assembly, token: Token, namespaces: bool, depth: u32) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let enclosing = match token.table()? {
        TableId::TypeDef => asm
            .enclosing_type(token.rid())
            .ok()?
            .map(|rid| Token::new(TableId::TypeDef, rid)),
        TableId::TypeRef => {
            let scope = asm.type_ref(token.rid()).ok()?.resolution_scope;
            (scope.table() == Some(TableId::TypeRef) && !scope.is_null()).then_some(scope)
        }
        _ => return None,
    };
    let (namespace, name) = asm.type_name(token).ok()?;
    let mut out = match enclosing {
        Some(outer) => class_desc(asm, outer, namespaces, depth + 1)? + "/",
        None => String::new(),
    };
    if namespaces && !namespace.is_empty() {
        out.push_str(namespace);
        out.push('.');
    }
    out.push_str(name);
    Some(out)
}

/// `mono_type_get_desc` of a delegate instance's type argument; `None` for an array or a
/// pointer, which this does not describe (no frame rather than a wrong one).
fn describe_handle(types: &TypeContext, ty: TypeHandle, namespaces: bool) -> Option<String> {
    let reflection = types.formatted_name(ty, NameFormat::Reflection).ok()?;
    if let Some(name) = core_primitive_desc(&reflection) {
        return Some(name.to_string());
    }
    let (assembly, rid) = types.type_def_of(ty).ok()??;
    let asm = types.assembly_named(&assembly).ok()?;
    let mut out = class_desc(&asm, Token::new(TableId::TypeDef, rid), namespaces, 0)?;
    let args = types.generic_arguments(ty).ok()?;
    let is_instance = types
        .generic_definition(ty)
        .ok()?
        .is_some_and(|def| def != ty);
    if is_instance {
        let args = args
            .into_iter()
            .map(|arg| describe_handle(types, arg, namespaces))
            .collect::<Option<Vec<_>>>()?;
        out.push('<');
        out.push_str(&args.join(", "));
        out.push('>');
    }
    Some(out)
}

/// The `mono_type_get_desc` name of a core library type a signature encodes by an element
/// type, by its reflection name.
fn core_primitive_desc(reflection: &str) -> Option<&'static str> {
    Some(match reflection {
        "System.Void" => "void",
        "System.Boolean" => "bool",
        "System.Char" => "char",
        "System.SByte" => "sbyte",
        "System.Byte" => "byte",
        "System.Int16" => "int16",
        "System.UInt16" => "uint16",
        "System.Int32" => "int",
        "System.UInt32" => "uint",
        "System.Int64" => "long",
        "System.UInt64" => "ulong",
        "System.Single" => "single",
        "System.Double" => "double",
        "System.IntPtr" => "intptr",
        "System.UIntPtr" => "uintptr",
        "System.String" => "string",
        "System.Object" => "object",
        "System.TypedReference" => "typedbyref",
        _ => return None,
    })
}
