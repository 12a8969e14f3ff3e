//! Gathering what the translator needs about one MethodDef, and deciding up front when a
//! method is excluded (no body, BypassNGen, generics, unsupported types,
//! undecodable IL). Also the shape of a `call` operand.
//!
//! Depends on `ngen-metadata` (read-only) and [`crate::signature`]; no Cranelift.

use ngen_metadata::il::Instruction;
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::{Assembly, TableId, Token};

use crate::signature::{il_type, method_shape, no_value_types};
use crate::type_context::TypeContext;
use crate::types::{IlType, MethodShape};

/// A method ready to translate.
pub(crate) struct PreparedMethod<'a> {
    pub shape: MethodShape,
    /// The class-initialisation cells the method checks on entry, in order
    /// ([`crate::class_init::entry_class_inits`]).
    pub class_inits: Vec<ngen_abi::image::CellKey>,
    pub locals: Vec<IlType>,
    pub instrs: Vec<Instruction<'a>>,
    pub clauses: Vec<ngen_metadata::body::ExceptionClause>,
    /// An instance method of a class: `this` is an object reference (`O`), not a `&`
    /// (ECMA-335 III.1.6: `this` of a reference type is `O`).
    pub this_is_object: bool,
}

/// `Namespace.Type::Method` of a MethodDef, for reports and messages.
pub fn method_display_name(asm: &Assembly, rid: u32) -> String {
    let name = asm
        .method_def(rid)
        .map(|m| m.name.to_string())
        .unwrap_or_else(|_| format!("<method {rid}>"));
    match asm
        .method_owner(rid)
        .and_then(|t| asm.type_def_full_name(t))
    {
        Ok(owner) => format!("{owner}::{name}"),
        Err(_) => name,
    }
}

/// Whether MethodDef `rid` or its type declares generic parameters (a nested type of a
/// generic type redeclares its outer type's, ECMA-335 II.10.7), so only its instantiations
/// are code.
pub fn is_generic_definition(asm: &Assembly, rid: u32) -> bool {
    let declares = |owner: Token| asm.generic_params_of(owner).is_ok_and(|p| !p.is_empty());
    declares(Token::new(TableId::MethodDef, rid))
        || asm
            .method_owner(rid)
            .is_ok_and(|t| declares(Token::new(TableId::TypeDef, t)))
}

/// The calling-convention shape of MethodDef `rid` (its own signature), for callers without
/// a type system: value types in the signature are refused.
pub fn method_def_shape(asm: &Assembly, rid: u32) -> Result<MethodShape, String> {
    let row = asm.method_def(rid).map_err(|e| e.to_string())?;
    let sig = asm.method_sig(row.signature).map_err(|e| e.to_string())?;
    method_shape(&sig, &mut no_value_types)
}

/// The calling-convention shape of MethodDef `rid`, value types resolved by `types`.
pub(crate) fn method_def_shape_in(
    types: &TypeContext,
    asm: &Assembly,
    rid: u32,
) -> Result<MethodShape, String> {
    let row = asm.method_def(rid).map_err(|e| e.to_string())?;
    let sig = asm.method_sig(row.signature).map_err(|e| e.to_string())?;
    method_shape(&sig, &mut |t| types.il_type_of_sig(asm, t))
}

/// Whether MethodDef `rid` must stay out of native images (`BypassNGenAttribute`); the JIT
/// still compiles such methods.
pub(crate) fn check_aot_allowed(asm: &Assembly, rid: u32) -> Result<(), String> {
    if asm.is_bypass_ngen(rid).map_err(|e| e.to_string())? {
        return Err("marked with BypassNGenAttribute".into());
    }
    if crate::corlib_refs::provided_by_runtime(asm, rid) {
        // Its stub resolves through the runtime, which serves its own code.
        return Err("provided by the runtime instead of its IL".into());
    }
    Ok(())
}

/// Decides whether MethodDef `rid` can be compiled and gathers its translation input.
pub(crate) fn prepare<'a>(
    asm: &'a Assembly,
    rid: u32,
    types: &TypeContext,
) -> Result<PreparedMethod<'a>, String> {
    let body = asm
        .method_body(rid)
        .map_err(|e| format!("malformed method body: {e}"))?
        .ok_or_else(|| "no IL body (abstract, extern or runtime-implemented)".to_string())?;
    // A generic instance (the context names its arguments) takes its shape from its
    // instantiated signature; any other method from its own.
    let instance = if types.generics().type_args.is_some() || types.generics().method_args.is_some()
    {
        Some(types.instance_method_shape(asm, rid)?)
    } else {
        None
    };
    let shape = match &instance {
        Some((shape, _)) => shape.clone(),
        None => method_def_shape_in(types, asm, rid)?,
    };
    let locals = match body.local_var_sig_token {
        None => Vec::new(),
        Some(tok) => asm
            .local_var_sig(tok)
            .map_err(|e| format!("bad local signature: {e}"))?
            .0
            .iter()
            .map(|ty| il_type(ty, &mut |t| types.il_type_of_sig(asm, t)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("local variable: {e}"))?,
    };
    let instrs = ngen_metadata::il::decode(body.code)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("malformed IL: {e}"))?;
    let this_is_object = match instance {
        Some((_, this_is_object)) => this_is_object,
        None => {
            shape.has_this
                && asm.method_owner(rid).is_ok_and(|owner| {
                    types.il_type_of(asm, Token::new(TableId::TypeDef, owner))
                        == Ok(IlType::Val(crate::types::ValKind::Ref))
                })
        }
    };
    Ok(PreparedMethod {
        shape,
        this_is_object,
        class_inits: crate::class_init::entry_class_inits(asm, rid),
        locals,
        instrs,
        clauses: body.exception_clauses,
    })
}

/// The shape of the method a `call` operand names, or why it cannot be called.
pub(crate) fn call_shape(
    types: &TypeContext,
    asm: &Assembly,
    token: Token,
) -> Result<MethodShape, String> {
    let bad = || format!("bad token 0x{:08x}", token.0);
    match token.table() {
        Some(TableId::MethodDef) => {
            if token.rid() == 0 || token.rid() > asm.row_count(TableId::MethodDef) {
                return Err(bad());
            }
            method_def_shape_in(types, asm, token.rid()).map_err(|e| format!("callee: {e}"))
        }
        Some(TableId::MemberRef) => {
            if token.rid() == 0 || token.rid() > asm.row_count(TableId::MemberRef) {
                return Err(bad());
            }
            let parts = asm.member_ref_parts(token.rid()).map_err(|_| bad())?;
            if parts.parent.table() == Some(TableId::TypeSpec) {
                // A member of a generic instance: the instantiated signature.
                return types
                    .method_shape_of(asm, token)
                    .map_err(|e| format!("callee: {e}"));
            }
            match parts.signature {
                MemberRefSig::Method(sig) => {
                    method_shape(&sig, &mut |t| types.il_type_of_sig(asm, t))
                        .map_err(|e| format!("callee: {e}"))
                }
                MemberRefSig::Field(_) => Err(bad()),
            }
        }
        Some(TableId::MethodSpec) => {
            if token.rid() == 0 || token.rid() > asm.row_count(TableId::MethodSpec) {
                return Err(bad());
            }
            types
                .method_shape_of(asm, token)
                .map_err(|e| format!("callee: {e}"))
        }
        _ => Err(bad()),
    }
}

/// The type of the static field `token` of `asm` names (mscorlib's fields included), from the
/// type system.
pub(crate) fn static_field_kind(
    types: &TypeContext,
    asm: &Assembly,
    token: Token,
) -> Result<IlType, String> {
    match types.static_field(asm, token)? {
        Some(storage) => Ok(storage.kind),
        None => Err(format!(
            "static field 0x{:08x} has no storage (a literal or an instance field)",
            token.0
        )),
    }
}

/// Whether the static field `token` of `asm` is `[ThreadStatic]` (its cell's target is then a
/// descriptor for the `ThreadStaticAddress` helper, not the field's address).
pub(crate) fn is_thread_static_field(types: &TypeContext, asm: &Assembly, token: Token) -> bool {
    matches!(types.static_field(asm, token), Ok(Some(storage)) if storage.thread_static)
}

/// Whether `callvirt token` may be compiled as a null-checked direct call: exact by the type
/// system ([`TypeContext::check_exact_callvirt`]: not virtual, `final`, or in a sealed class),
/// else by [`check_callvirt`]'s metadata-only rule, whose reason is kept when both refuse.
pub(crate) fn check_exact_callvirt(
    types: &TypeContext,
    asm: &Assembly,
    token: Token,
) -> Result<(), String> {
    types
        .check_exact_callvirt(asm, token)
        .or_else(|_| check_callvirt(asm, token))
}

/// Whether `callvirt token` may be compiled as a null-checked direct call: the callee must
/// not be virtual (MethodDefs), or be a member of the sealed `System.String` (MemberRefs).
/// Virtual dispatch needs the object model (a later issue).
pub(crate) fn check_callvirt(asm: &Assembly, token: Token) -> Result<(), String> {
    const VIRTUAL: u16 = 0x0040;
    match token.table() {
        Some(TableId::MethodDef) => {
            let row = asm
                .method_def(token.rid())
                .map_err(|_| format!("bad token 0x{:08x}", token.0))?;
            if row.flags & VIRTUAL != 0 {
                return Err(format!(
                    "virtual call to {}",
                    method_display_name(asm, token.rid())
                ));
            }
            Ok(())
        }
        Some(TableId::MemberRef) => {
            let parts = asm
                .member_ref_parts(token.rid())
                .map_err(|_| format!("bad token 0x{:08x}", token.0))?;
            let (ns, name) = asm
                .type_name(parts.parent)
                .map_err(|_| "virtual call through an unsupported parent".to_string())?;
            if ns == "System" && name == "String" {
                Ok(())
            } else {
                Err(format!("virtual call to {ns}.{name}::{}", parts.name))
            }
        }
        _ => Err(format!("bad token 0x{:08x}", token.0)),
    }
}

/// The import cells a method's IL needs (for laying out cells up front): the keys
/// [`crate::backend::cells::key_of`] gives its instructions, as the translator will ask.
pub(crate) fn referenced_tokens(asm: &Assembly, rid: u32) -> Vec<ngen_abi::image::CellKey> {
    use ngen_metadata::il::{Opcode, Operand};
    if crate::pinvoke::is_pinvoke(asm, rid) {
        return crate::backend::pinvoke_stub::stub_cells(
            Token::new(TableId::MethodDef, rid),
            &crate::pinvoke::class_tokens(asm, rid),
        );
    }
    let Ok(Some(body)) = asm.method_body(rid) else {
        return Vec::new();
    };
    let mut out: Vec<ngen_abi::image::CellKey> = crate::class_init::entry_class_inits(asm, rid);
    let mut constraint: Option<Token> = None;
    for ins in ngen_metadata::il::decode(body.code) {
        let Ok(ins) = ins else { break };
        if let (Opcode::Constrained, Operand::Token(t)) = (ins.opcode, ins.operand) {
            constraint = Some(t);
            continue;
        }
        out.extend(crate::backend::cells::key_of(&ins, constraint));
        // A constrained call may box its receiver against the constraint's method table and
        // call the method as a plain `callvirt` would (III.2.1).
        if let (Opcode::Callvirt, Some(c), Operand::Token(m)) =
            (ins.opcode, constraint, ins.operand)
        {
            use ngen_abi::image::{CellKey, CellKind};
            out.push(CellKey::new(CellKind::MethodTable, c.0));
            out.push(CellKey::new(CellKind::Method, m.0));
        }
        out.extend(crate::backend::cells::extra_key_of(&ins));
        constraint = None;
    }
    // A `catch` of a class tests the exception against the class's method table.
    for clause in &body.exception_clauses {
        if let ngen_metadata::body::ClauseKind::Catch(token) = clause.kind {
            out.push(ngen_abi::image::CellKey::new(
                ngen_abi::image::CellKind::MethodTable,
                token.0,
            ));
        }
    }
    out
}
