//! Which direct calls the IL inliner expands in place, and which of those mono's JIT inlines
//! too. One predicate serves the compiler (`backend/translate/inline.rs` decides with it)
//! and the runtime (`ngen-runtime`'s `eh/inlining.rs` leaves the frames of methods mono
//! inlines out of stack traces), so the two cannot drift apart.
//!
//! ## Model
//! Stack traces must stay mono's. A method mono inlines has no frame in mono's traces (its
//! code belongs to the caller's frame, at the caller's sequence point), and a method mono
//! calls has one. So a call is inlined here for one of two reasons ([`InlineReason`]):
//! - **Mono** ([`inlined_by_mono`]): mono's JIT inlines it, after `mono_method_check_inlining`
//!   and `inline_method` (mono/mini/method-to-ir.c). A direct call (`call`, `callvirt` of a
//!   non-virtual method, `newobj`) to a method is inlined when:
//!   - its IL body is under 20 bytes (`INLINE_LENGTH_LIMIT`), or of any size when it is
//!     `AggressiveInlining`, with no exception clauses, and it is not `NoInlining`,
//!     `Synchronized` or virtual;
//!   - its class needs no type initializer, or (mono inlines only once the class is
//!     initialised) the caller is of the same class and is neither the entry point nor a
//!     type initializer, which mono compiles before their class is initialised (an
//!     approximation of "the class was initialised when the caller was compiled");
//!   - every call inside it is itself inlined (a remaining "common call" makes
//!     `inline_method` fail), except `newobj` of a core-library exception right before
//!     `throw` with at most two string arguments, which mono turns into a runtime helper
//!     call. Calls into other assemblies count as not inlined (their small methods are mostly
//!     intrinsics or virtual), but for the empty `System.Object::.ctor`, which mono inlines
//!     (so a small constructor is inlined at its `newobj`), and `String::get_Chars`, which
//!     mono's JIT (and the translator) expands as an intrinsic.
//! - **Invisible** ([`invisible_inline`]): mono calls it, but nothing can observe the missing
//!   frame: the body calls nothing and no instruction in it can throw (arithmetic that cannot
//!   trap, locals, branches), so no stack trace, crash report or `StackTrace` can be taken
//!   while it runs. Its body may be larger ([`INVISIBLE_LENGTH_LIMIT`]); spectral-norm's
//!   `A(i, j)` is the case in point.
//!
//! Both require the callee's class initialisation to be settled where the call is (no
//! `.cctor`, or the caller is of the same class, which ran or is running it), no recursion
//! (the inliner tracks the chain) and the same assembly: an image then depends on no other
//! assembly's content through inlining, so its fingerprint needs nothing new.
//!
//! A third reason applies to constructors at `newobj` only: [`ctor::invisible_ctor`], a
//! straight-line constructor that only stores into the new instance's fields (which cannot
//! be null), counted as [`InlineReason::Invisible`].
//!
//! Depends on: `ngen_metadata` only (no Cranelift), so the runtime can use it.

mod ctor;

pub use ctor::{invisible_ctor, is_object_ctor};

use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

/// Mono's inline length limit (`INLINE_LENGTH_LIMIT`, mini.h).
const INLINE_LENGTH_LIMIT: usize = 20;
/// The IL size limit of an invisible inline (a call-free, throw-free body).
pub const INVISIBLE_LENGTH_LIMIT: usize = 48;
/// Mono's inline depth limit (`cfg->inline_depth > 10`); the inliner's too.
pub const MAX_DEPTH: u32 = 10;

const NO_INLINING: u16 = 0x0008;
const AGGRESSIVE_INLINING: u16 = 0x0100;
const SYNCHRONIZED: u16 = 0x0020;
const VIRTUAL: u16 = 0x0040;
const FINAL: u16 = 0x0020;

/// Why a call is inlined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlineReason {
    /// Mono inlines it: its frame vanishes from traces, as in mono's.
    Mono,
    /// Nothing in it can throw or call: no trace can see its frame.
    Invisible,
}

/// Whether (and why) the inliner expands a call of MethodDef `callee` in MethodDef `caller`
/// of the same assembly. The caller must call it directly.
pub fn decide(asm: &Assembly, callee: u32, caller: u32) -> Option<InlineReason> {
    if callee == caller {
        return None;
    }
    // At a call site of `caller`: the call is direct, no need to look for it.
    if inlinable(asm, callee, 0) && class_init_allows(asm, callee, caller) {
        return Some(InlineReason::Mono);
    }
    invisible_inline(asm, callee, caller).then_some(InlineReason::Invisible)
}

/// Whether mono's JIT inlines MethodDef `callee` into MethodDef `caller` (same assembly)
/// where `caller` calls it.
pub fn inlined_by_mono(asm: &Assembly, callee: u32, caller: u32) -> bool {
    // Cheapest first: most callees are over the size limit.
    inlinable(asm, callee, 0)
        && class_init_allows(asm, callee, caller)
        && calls_directly(asm, caller, callee)
}

/// Whether MethodDef `callee`, called from `caller`, is a call-free, throw-free body whose
/// missing frame nothing can observe (see the module doc).
pub fn invisible_inline(asm: &Assembly, callee: u32, caller: u32) -> bool {
    let Some(body) = small_body(asm, callee, INVISIBLE_LENGTH_LIMIT + 1) else {
        return false;
    };
    let Ok(instrs) = ngen_metadata::il::decode(body.code).collect::<Result<Vec<_>, _>>() else {
        return false;
    };
    cannot_throw_or_call(&instrs) && class_init_settled(asm, callee, caller)
}

/// Whether every instruction of `instrs` is one that neither calls nor can throw: variable
/// and constant traffic, non-trapping arithmetic and comparisons, non-checked conversions,
/// branches and `ret`. An integer `div`/`rem` traps on a zero or `-1` divisor, so one is
/// accepted only right after a constant divisor other than those, or after a float constant
/// or conversion (a float division never traps).
pub fn cannot_throw_or_call(instrs: &[Instruction<'_>]) -> bool {
    use Opcode as O;
    instrs.iter().enumerate().all(|(i, ins)| match ins.opcode {
        O::Nop | O::Ret | O::Dup | O::Pop => true,
        O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 | O::LdargS | O::Ldarg => true,
        O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc => true,
        O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc => true,
        O::StargS | O::Starg => true,
        O::LdcI4M1 | O::LdcI4_0 | O::LdcI4_1 | O::LdcI4_2 | O::LdcI4_3 | O::LdcI4_4 => true,
        O::LdcI4_5 | O::LdcI4_6 | O::LdcI4_7 | O::LdcI4_8 | O::LdcI4S | O::LdcI4 => true,
        O::LdcI8 | O::LdcR4 | O::LdcR8 => true,
        O::Add | O::Sub | O::Mul | O::And | O::Or | O::Xor | O::Shl | O::Shr | O::ShrUn => true,
        O::Neg | O::Not | O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn => true,
        O::ConvI1 | O::ConvU1 | O::ConvI2 | O::ConvU2 | O::ConvI4 | O::ConvU4 => true,
        O::ConvI8 | O::ConvU8 | O::ConvI | O::ConvU | O::ConvR4 | O::ConvR8 | O::ConvRUn => true,
        O::Br | O::BrS | O::Brfalse | O::BrfalseS | O::Brtrue | O::BrtrueS => true,
        O::Beq | O::BeqS | O::BneUn | O::BneUnS | O::Bge | O::BgeS | O::BgeUn | O::BgeUnS => true,
        O::Bgt | O::BgtS | O::BgtUn | O::BgtUnS | O::Ble | O::BleS | O::BleUn | O::BleUnS => true,
        O::Blt | O::BltS | O::BltUn | O::BltUnS => true,
        O::Div | O::DivUn | O::Rem | O::RemUn => i
            .checked_sub(1)
            .and_then(|p| instrs.get(p))
            .is_some_and(safe_divisor),
        _ => false,
    })
}

/// Whether the instruction pushing a divisor makes the division trap-free: a float, or an
/// integer constant other than 0 and -1.
pub(crate) fn safe_divisor(ins: &Instruction<'_>) -> bool {
    use Opcode as O;
    if let Some(n) = crate::backend::ldc_i4_value(ins) {
        return n != 0 && n != -1;
    }
    match (ins.opcode, ins.operand) {
        (O::LdcR4 | O::LdcR8 | O::ConvR4 | O::ConvR8 | O::ConvRUn, _) => true,
        (O::LdcI8, Operand::Int64(n)) => n != 0 && n != -1,
        _ => false,
    }
}

/// The body of method `rid` when it may be inlined at all: not `NoInlining`,
/// `Synchronized` or virtual (unless final), under `limit` bytes of IL, no exception clauses.
pub(crate) fn small_body(
    asm: &Assembly,
    rid: u32,
    limit: usize,
) -> Option<ngen_metadata::body::MethodBody<'_>> {
    let method = asm.method_def(rid).ok()?;
    let virtual_not_final = method.flags & VIRTUAL != 0 && method.flags & FINAL == 0;
    if method.impl_flags & (NO_INLINING | SYNCHRONIZED) != 0 || virtual_not_final {
        return None;
    }
    let body = asm.method_body(rid).ok()??;
    (body.code.len() < limit && body.exception_clauses.is_empty()).then_some(body)
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

/// Whether `callee`'s class has a `.cctor`.
fn has_cctor(asm: &Assembly, owner: u32) -> bool {
    crate::class_init::cctor_of(asm, owner).is_some()
}

/// Whether `callee`'s class initialisation is settled wherever `caller` runs: its class has
/// no `.cctor`, or it is the caller's class (initialised, or being initialised by this
/// thread, before any of the caller's code runs).
pub(crate) fn class_init_settled(asm: &Assembly, callee: u32, caller: u32) -> bool {
    let (Ok(callee_owner), Ok(caller_owner)) = (asm.method_owner(callee), asm.method_owner(caller))
    else {
        return false;
    };
    !has_cctor(asm, callee_owner) || callee_owner == caller_owner
}

/// Whether mono may inline `callee` into `caller` as far as `callee`'s class initialisation
/// goes.
fn class_init_allows(asm: &Assembly, callee: u32, caller: u32) -> bool {
    let (Ok(callee_owner), Ok(caller_owner)) = (asm.method_owner(callee), asm.method_owner(caller))
    else {
        return false;
    };
    if !has_cctor(asm, callee_owner) {
        return true;
    }
    let entry = asm.entry_point_token() == Some(Token::new(TableId::MethodDef, caller));
    let caller_is_cctor = asm.method_def(caller).is_ok_and(|d| d.name == ".cctor");
    callee_owner == caller_owner && !entry && !caller_is_cctor
}

/// Whether method `rid`'s body can be inlined by mono (see the module doc), `depth` calls
/// deep.
fn inlinable(asm: &Assembly, rid: u32, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    // Mono lifts its size limit for `AggressiveInlining` methods (mscorlib's `Marvin.Block`,
    // `BitOperations.RotateLeft`, span helpers): any size is inlined.
    let aggressive = asm
        .method_def(rid)
        .is_ok_and(|m| m.impl_flags & AGGRESSIVE_INLINING != 0);
    let limit = if aggressive {
        usize::MAX
    } else {
        INLINE_LENGTH_LIMIT
    };
    let Some(body) = small_body(asm, rid, limit) else {
        return false;
    };
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
                inlinable(asm, token.rid(), depth + 1) && class_init_allows(asm, token.rid(), rid)
            }
            // `System.Object::.ctor` is empty and mono inlines it: a small constructor
            // whose base is `object` is inlined whole.
            Some(TableId::MemberRef) => {
                is_exception_throw_helper(asm, &instrs, i)
                    || (ins.opcode == Opcode::Call && is_object_ctor(asm, token))
                    || (ins.opcode != Opcode::Newobj && is_string_get_chars(asm, token))
            }
            _ => false,
        }
    })
}

/// Whether MemberRef `token` is `System.String::get_Chars`, which mono's JIT expands in
/// place (an intrinsic, not a call: it does not stop inlining).
fn is_string_get_chars(asm: &Assembly, token: Token) -> bool {
    let Ok(parts) = asm.member_ref_parts(token.rid()) else {
        return false;
    };
    parts.name == "get_Chars"
        && parts.parent.table() == Some(TableId::TypeRef)
        && asm
            .type_ref_full_name(parts.parent.rid())
            .is_ok_and(|name| name == "System.String")
}

/// Whether `instrs[i]` is `newobj` of a core-library exception constructor with at most two
/// string arguments right before `throw`, which mono turns into a runtime helper call (so it
/// does not stop inlining).
pub fn is_exception_throw_helper(asm: &Assembly, instrs: &[Instruction<'_>], i: usize) -> bool {
    let Some(ins) = instrs.get(i) else {
        return false;
    };
    let Operand::Token(token) = ins.operand else {
        return false;
    };
    let throws_next = instrs.get(i + 1).is_some_and(|n| n.opcode == Opcode::Throw);
    ins.opcode == Opcode::Newobj
        && token.table() == Some(TableId::MemberRef)
        && throws_next
        && corlib_exception_ctor(asm, token)
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

#[cfg(test)]
mod tests {
    use super::cannot_throw_or_call;

    fn decided(code: &[u8]) -> bool {
        let instrs: Vec<_> = ngen_metadata::il::decode(code)
            .collect::<Result<_, _>>()
            .expect("valid IL");
        cannot_throw_or_call(&instrs)
    }

    #[test]
    fn arithmetic_without_traps_is_invisible() {
        // spectral-norm's A(i, j): 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1)
        let mut code = vec![0x23];
        code.extend_from_slice(&1.0f64.to_le_bytes());
        code.extend_from_slice(&[
            0x02, 0x03, 0x58, 0x02, 0x03, 0x58, 0x17, 0x58, 0x5a, 0x18, 0x5b, 0x02, 0x58, 0x17,
            0x58, 0x6c, 0x5b, 0x2a,
        ]);
        assert!(decided(&code));
    }

    #[test]
    fn traps_and_calls_are_visible() {
        // ldarg.0 ldarg.1 div ret: the divisor may be zero.
        assert!(!decided(&[0x02, 0x03, 0x5b, 0x2a]));
        // ldarg.0 ldc.i4.m1 div ret: int.MinValue / -1 overflows.
        assert!(!decided(&[0x02, 0x15, 0x5b, 0x2a]));
        // ldarg.0 ldc.i4.0 rem ret.
        assert!(!decided(&[0x02, 0x16, 0x5d, 0x2a]));
        // ldarg.0 ldc.i4.3 rem ret: safe.
        assert!(decided(&[0x02, 0x19, 0x5d, 0x2a]));
        // ldarg.0 ldfld 0x04000001 ret: a null `this` throws.
        assert!(!decided(&[0x02, 0x7b, 0x01, 0x00, 0x00, 0x04, 0x2a]));
        // ldarg.0 ldarg.1 add.ovf ret.
        assert!(!decided(&[0x02, 0x03, 0xd6, 0x2a]));
        // call 0x06000001 ret.
        assert!(!decided(&[0x28, 0x01, 0x00, 0x00, 0x06, 0x2a]));
        // ldarg.0 ldc.i4.0 ldelem.i4 ret.
        assert!(!decided(&[0x02, 0x16, 0x94, 0x2a]));
    }
}
