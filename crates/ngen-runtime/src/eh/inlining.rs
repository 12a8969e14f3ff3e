//! Which calls mono's JIT inlines, as far as stack traces see it: an inlined method has no
//! frame of its own in mono's traces (its code belongs to the caller's frame, at the caller's
//! sequence point), so [`super::frame_text`] leaves such frames out.
//!
//! ## Model
//! After `mono_method_check_inlining` and `inline_method` (mono/mini/method-to-ir.c), a direct
//! call (`call`, `callvirt` of a non-virtual method, `newobj`) to a method is inlined when:
//! - its IL body is under 20 bytes (`INLINE_LENGTH_LIMIT`) with no exception clauses, and it
//!   is not `NoInlining`, `Synchronized` or virtual;
//! - its class needs no type initializer, or (mono inlines only once the class is initialised)
//!   the caller is of the same class and is neither the entry point nor a type initializer,
//!   which mono compiles before their class is initialised (an approximation of "the class
//!   was initialised when the caller was compiled");
//! - every call inside it is itself inlined (a remaining "common call" makes `inline_method`
//!   fail), except `newobj` of a core-library exception right before `throw` with at most two
//!   string arguments, which mono turns into a runtime helper call. Calls into other
//!   assemblies count as not inlined (their small methods are mostly intrinsics or virtual).
//!
//! Depends on: [`crate::state`] (metadata), `ngen_metadata`.

use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

/// Mono's inline length limit (`INLINE_LENGTH_LIMIT`, mini.h).
const INLINE_LENGTH_LIMIT: usize = 20;
/// Mono's inline depth limit (`cfg->inline_depth > 10`).
const MAX_DEPTH: u32 = 10;

const NO_INLINING: u16 = 0x0008;
const SYNCHRONIZED: u16 = 0x0020;
const VIRTUAL: u16 = 0x0040;
const FINAL: u16 = 0x0020;

/// Whether mono's JIT inlines method `callee` into `caller` (each `(assembly, MethodDef rid)`)
/// where `caller` calls it.
pub(crate) fn inlined_by_mono(callee: (usize, u32), caller: (usize, u32)) -> bool {
    if callee.0 != caller.0 {
        return false;
    }
    crate::state::try_with_metadata(callee.0, |asm| {
        calls_directly(asm, caller.1, callee.1)
            && class_init_allows(asm, callee.1, caller.1)
            && inlinable(asm, callee.1, 0)
    })
    .unwrap_or(false)
}

/// Whether `caller` has a direct call to `callee` (same assembly).
fn calls_directly(asm: &Assembly, caller: u32, callee: u32) -> bool {
    let Ok(Some(body)) = asm.method_body(caller) else {
        return false;
    };
    body.instructions().filter_map(Result::ok).any(|ins| {
        matches!(ins.opcode, Opcode::Call | Opcode::Callvirt | Opcode::Newobj)
            && ins.operand == Operand::Token(Token::new(TableId::MethodDef, callee))
    })
}

/// Whether mono may inline `callee` into `caller` as far as `callee`'s class initialisation
/// goes.
fn class_init_allows(asm: &Assembly, callee: u32, caller: u32) -> bool {
    let (Ok(callee_owner), Ok(caller_owner)) = (asm.method_owner(callee), asm.method_owner(caller))
    else {
        return false;
    };
    let has_cctor = asm
        .methods_of(callee_owner)
        .unwrap_or_default()
        .into_iter()
        .any(|m| asm.method_def(m).is_ok_and(|d| d.name == ".cctor"));
    if !has_cctor {
        return true;
    }
    let entry = asm.entry_point_token() == Some(Token::new(TableId::MethodDef, caller));
    let caller_is_cctor = asm.method_def(caller).is_ok_and(|d| d.name == ".cctor");
    callee_owner == caller_owner && !entry && !caller_is_cctor
}

/// Whether method `rid`'s body can be inlined (see the module doc), `depth` calls deep.
fn inlinable(asm: &Assembly, rid: u32, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let Ok(method) = asm.method_def(rid) else {
        return false;
    };
    let virtual_not_final = method.flags & VIRTUAL != 0 && method.flags & FINAL == 0;
    if method.impl_flags & (NO_INLINING | SYNCHRONIZED) != 0 || virtual_not_final {
        return false;
    }
    let Ok(Some(body)) = asm.method_body(rid) else {
        return false;
    };
    if body.code.len() >= INLINE_LENGTH_LIMIT || !body.exception_clauses.is_empty() {
        return false;
    }
    let instrs: Vec<Instruction<'_>> = body.instructions().filter_map(Result::ok).collect();
    instrs.iter().enumerate().all(|(i, ins)| {
        let call = matches!(ins.opcode, Opcode::Call | Opcode::Callvirt | Opcode::Newobj);
        let Operand::Token(token) = ins.operand else {
            return !call;
        };
        if !call {
            return true;
        }
        match token.table() {
            Some(TableId::MethodDef) => {
                class_init_allows(asm, token.rid(), rid) && inlinable(asm, token.rid(), depth + 1)
            }
            Some(TableId::MemberRef) => {
                let throws_next = instrs.get(i + 1).is_some_and(|n| n.opcode == Opcode::Throw);
                ins.opcode == Opcode::Newobj && throws_next && corlib_exception_ctor(asm, token)
            }
            _ => false,
        }
    })
}

/// Whether MemberRef `token` is a constructor of an exception class of another assembly
/// taking at most two strings (`mono_create_corlib_exception_*`).
fn corlib_exception_ctor(asm: &Assembly, token: Token) -> bool {
    let Ok(parts) = asm.member_ref_parts(token.rid()) else {
        return false;
    };
    let MemberRefSig::Method(sig) = parts.signature else {
        return false;
    };
    let strings = sig.params.len() <= 2 && sig.params.iter().all(|p| *p == TypeSig::String);
    let exception = parts.parent.table() == Some(TableId::TypeRef)
        && asm
            .type_ref_full_name(parts.parent.rid())
            .is_ok_and(|name| name.ends_with("Exception"));
    strings && exception
}
