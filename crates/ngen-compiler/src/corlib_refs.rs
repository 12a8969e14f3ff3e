//! References from compiled code into the core library (`mscorlib`): which of its members a
//! token names, for the few the compiler treats specially (`System.Object`, the primitive
//! element types of arrays, `typeof`, `Interlocked.CompareExchange<T>`, array initialisers,
//! the methods the runtime provides, `Math`'s literal folding).
//!
//! A member is "in mscorlib" when its parent is a TypeRef whose resolution scope is an
//! AssemblyRef named `mscorlib`, the same test the runtime applies after binding, or a TypeDef
//! of mscorlib itself (when compiling its own IL).
//!
//! Depends on `ngen-metadata` (read-only) and [`crate::math_intrinsics`]; no Cranelift.

use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

use crate::types::ValKind;

/// Core-library methods the runtime provides instead of their IL (Mono's IL goes through
/// reflection there), by `Namespace.Type::Method`. Images keep them out (a stub, resolved by
/// the runtime), so calls from mscorlib's own image reach the runtime's code too.
const PROVIDED_BY_RUNTIME: &[&str] =
    &["System.RuntimeType::CreateInstanceForAnotherGenericParameter"];

/// Whether MethodDef `rid` of `asm` is one of [`PROVIDED_BY_RUNTIME`] (in mscorlib).
pub(crate) fn provided_by_runtime(asm: &Assembly, rid: u32) -> bool {
    let Ok(row) = asm.method_def(rid) else {
        return false;
    };
    // The method's own name first: the full name and the identity only for candidates.
    PROVIDED_BY_RUNTIME
        .iter()
        .any(|full| full.ends_with(&format!("::{}", row.name)))
        && PROVIDED_BY_RUNTIME.contains(&crate::method_display_name(asm, rid).as_str())
        && asm
            .identity()
            .is_ok_and(|id| id.name.eq_ignore_ascii_case("mscorlib"))
}

/// Whether type token `token` names `mscorlib`'s `System.Object`.
pub(crate) fn is_object_type(asm: &Assembly, token: Token) -> bool {
    mscorlib_class(asm, token) == Some(("System", "Object"))
}

/// Namespace and name of the `mscorlib` class type token `token` names: a TypeRef, a TypeDef
/// of mscorlib itself, or a TypeSpec of `object` or of `class` such a TypeRef (as ilasm writes
/// `catch [mscorlib]System.Object`).
fn mscorlib_class(asm: &Assembly, token: Token) -> Option<(&str, &str)> {
    if token.table() == Some(TableId::TypeDef) {
        // Inside mscorlib itself, its classes are TypeDefs.
        let is_corlib = asm
            .identity()
            .is_ok_and(|id| id.name.eq_ignore_ascii_case("mscorlib"));
        let row = asm.type_def(token.rid()).ok().filter(|_| is_corlib)?;
        return Some((row.namespace, row.name));
    }
    if token.table() == Some(TableId::TypeSpec) {
        return match asm.type_spec_sig(token.rid()).ok()? {
            ngen_metadata::signature::TypeSig::Object => Some(("System", "Object")),
            ngen_metadata::signature::TypeSig::Class(inner)
                if inner.table() == Some(TableId::TypeRef) =>
            {
                mscorlib_type(asm, inner)
            }
            _ => None,
        };
    }
    mscorlib_type(asm, token)
}

/// Namespace and name of `parent` when it is a TypeRef into `mscorlib`, or a TypeDef of
/// mscorlib itself (its own IL names `System.Char` by TypeDef).
fn mscorlib_type(asm: &Assembly, parent: Token) -> Option<(&str, &str)> {
    if parent.table() == Some(TableId::TypeDef) {
        let own = asm.assembly_row().ok()?.name;
        let td = asm.type_def(parent.rid()).ok()?;
        return own
            .eq_ignore_ascii_case("mscorlib")
            .then_some((td.namespace, td.name));
    }
    if parent.table() != Some(TableId::TypeRef) {
        return None;
    }
    let tr = asm.type_ref(parent.rid()).ok()?;
    let scope = tr.resolution_scope;
    if scope.table() != Some(TableId::AssemblyRef) {
        return None;
    }
    let home = asm.assembly_ref(scope.rid()).ok()?;
    home.name
        .eq_ignore_ascii_case("mscorlib")
        .then_some((tr.namespace, tr.name))
}

/// The value mono's JIT folds `call token` with the literal `argument` to (`ldc.r8 c; call
/// [mscorlib]System.Math::Round(float64)` and the like), or `None` when it calls.
pub(crate) fn fold_literal_call(asm: &Assembly, token: Token, argument: f64) -> Option<f64> {
    crate::math_intrinsics::fold_literal(asm, token, argument)
}

/// The element kind of `newarr`/`ldelema`/`ldelem`/`stelem` `token` when it names one of
/// mscorlib's primitive value types (`System.Int32`, `System.Double`, ...); otherwise why the
/// array operation cannot be compiled (reference and other value types need the object model:
/// covariance checks, GC references, struct layouts).
pub(crate) fn primitive_element(asm: &Assembly, token: Token) -> Result<ValKind, String> {
    let (namespace, name) = mscorlib_type(asm, token)
        .ok_or_else(|| format!("array of non-primitive type (token 0x{:08x})", token.0))?;
    let kind = match (namespace, name) {
        ("System", "Boolean") => ValKind::Bool,
        ("System", "Char") => ValKind::Char,
        ("System", "SByte") => ValKind::I1,
        ("System", "Byte") => ValKind::U1,
        ("System", "Int16") => ValKind::I2,
        ("System", "UInt16") => ValKind::U2,
        ("System", "Int32") => ValKind::I4,
        ("System", "UInt32") => ValKind::U4,
        ("System", "Int64") => ValKind::I8,
        ("System", "UInt64") => ValKind::U8,
        ("System", "Single") => ValKind::R4,
        ("System", "Double") => ValKind::R8,
        ("System", "IntPtr") => ValKind::I,
        ("System", "UIntPtr") => ValKind::U,
        _ => return Err(format!("array of non-primitive type {namespace}.{name}")),
    };
    Ok(kind)
}

/// Whether `token` is `[mscorlib]System.Type::GetTypeFromHandle` (what `typeof(T)` calls after
/// `ldtoken T`), referenced from another assembly or mscorlib's own MethodDef.
pub(crate) fn is_get_type_from_handle(asm: &Assembly, token: Token) -> bool {
    let Some((name, parent)) = method_name_and_parent(asm, token) else {
        return false;
    };
    name == "GetTypeFromHandle" && mscorlib_type(asm, parent) == Some(("System", "Type"))
}

/// The name and parent type of the method a MemberRef (another assembly's reference) or a
/// MethodDef (mscorlib's own) token names.
fn method_name_and_parent(asm: &Assembly, token: Token) -> Option<(&str, Token)> {
    match token.table() {
        Some(TableId::MemberRef) => asm
            .member_ref_parts(token.rid())
            .ok()
            .map(|parts| (parts.name, parts.parent)),
        Some(TableId::MethodDef) => {
            match (asm.method_def(token.rid()), asm.method_owner(token.rid())) {
                (Ok(row), Ok(owner)) => Some((row.name, Token::new(TableId::TypeDef, owner))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `token` is an instance of `[mscorlib]System.Threading.Interlocked::CompareExchange<T>`
/// (a MethodSpec; `T : class`, so it exchanges references): what C# compilers' event
/// accessors call. Mono's JIT expands it as an intrinsic, and so does the translator.
pub(crate) fn is_reference_compare_exchange(asm: &Assembly, token: Token) -> bool {
    if token.table() != Some(TableId::MethodSpec) {
        return false;
    }
    let Ok(spec) = asm.method_spec(token.rid()) else {
        return false;
    };
    let (name, parent) = match spec.method.table() {
        Some(TableId::MemberRef) => match asm.member_ref_parts(spec.method.rid()) {
            Ok(parts) => (parts.name, parts.parent),
            Err(_) => return false,
        },
        Some(TableId::MethodDef) => match (
            asm.method_def(spec.method.rid()),
            asm.method_owner(spec.method.rid()),
        ) {
            (Ok(row), Ok(owner)) => (row.name, Token::new(TableId::TypeDef, owner)),
            _ => return false,
        },
        _ => return false,
    };
    name == "CompareExchange"
        && mscorlib_type(asm, parent) == Some(("System.Threading", "Interlocked"))
}

/// Whether `token` is `[mscorlib]System.Runtime.CompilerServices.RuntimeHelpers::InitializeArray`
/// (what C# compilers call after `newarr; dup; ldtoken <field>` for array initialisers).
pub(crate) fn is_initialize_array(asm: &Assembly, token: Token) -> bool {
    let Some((name, parent)) = method_name_and_parent(asm, token) else {
        return false;
    };
    name == "InitializeArray"
        && mscorlib_type(asm, parent) == Some(("System.Runtime.CompilerServices", "RuntimeHelpers"))
}

/// The initial data of FieldDef `token` (a `.data` field whose type has an explicit size, as
/// C# compilers emit for array initialisers), exactly `class_size` bytes.
pub(crate) fn field_init_data(asm: &Assembly, token: Token) -> Result<&[u8], String> {
    let none = || format!("ldtoken 0x{:08x} is not a field with initial data", token.0);
    if token.table() != Some(TableId::Field) {
        return Err(none());
    }
    let rva = asm
        .field_rva_of(token.rid())
        .map_err(|_| none())?
        .ok_or_else(none)?;
    let row = asm.field(token.rid()).map_err(|_| none())?;
    let sig = asm.field_sig(row.signature).map_err(|_| none())?;
    let TypeSig::ValueType(ty) = sig.ty.unmodified() else {
        return Err(none());
    };
    if ty.table() != Some(TableId::TypeDef) {
        return Err(none());
    }
    let size = asm
        .class_layout_of(ty.rid())
        .map_err(|_| none())?
        .ok_or_else(none)?
        .class_size as usize;
    asm.data_at_rva(rva)
        .ok()
        .and_then(|data| data.get(..size))
        .ok_or_else(|| format!("initial data of field 0x{:08x} is truncated", token.0))
}
