//! Which calls of one method the IL inliner expands, gathered before translation starts:
//! the callee bodies (owned, so the translator can borrow their decoded instructions for the
//! whole translation) and the call sites, `(caller, callee)` pairs, that may be expanded.
//!
//! ## Model
//! [`inline_body_of`] is the environments' answer for one call (AOT and JIT alike): the
//! callee must be a MethodDef of the same assembly that [`crate::inline_policy::decide`]
//! accepts, outside any generic context (its tokens then mean the same in the caller's
//! body, and an image's cells for them exist), not generic itself, not `BypassNGen`, and
//! free of value types in its signature and locals (struct arguments would need the call's
//! copy semantics). A constructor `newobj` calls is expanded only when it is an invisible one
//! ([`crate::inline_policy::invisible_ctor`]); its sites are kept apart from plain calls'.
//! [`Collected::of`] walks the calls of the method's IL, and of each
//! accepted body, to [`crate::inline_policy::MAX_DEPTH`], refusing recursion. A body
//! accepted because mono inlines it is kept only if every call in it is expanded as well:
//! mono's trace has no frame for any method of that tree, so none may remain here (a call
//! it keeps, of a core-library exception's constructor before `throw`, is a plain call).
//!
//! Depends on: [`crate::inline_policy`], [`crate::method`], [`super::super::env`].

use std::collections::{BTreeMap, BTreeSet};

use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::{Assembly, TableId, Token};

use crate::backend::env::TranslateEnv;
use crate::inline_policy::{InlineReason, MAX_DEPTH, decide, invisible_ctor};
use crate::type_context::TypeContext;
use crate::types::{IlType, MethodShape};

/// A callee's body as the inliner expands it.
pub(crate) struct InlineBody {
    pub reason: InlineReason,
    pub code: Vec<u8>,
    pub shape: MethodShape,
    pub locals: Vec<IlType>,
    /// `this` is an object reference (an instance method of a class).
    pub this_is_object: bool,
}

/// The body of MethodDef `callee` to expand where `caller` (a MethodDef of `asm`) calls it
/// (`newobj`: allocates an instance and calls it), if the inliner may (see the module doc).
pub(crate) fn inline_body_of(
    asm: &Assembly,
    types: &TypeContext,
    callee: Token,
    caller: u32,
    newobj: bool,
) -> Option<InlineBody> {
    if callee.table() != Some(TableId::MethodDef) {
        return None;
    }
    let generics = types.generics();
    if generics.type_args.is_some() || generics.method_args.is_some() {
        return None;
    }
    let rid = callee.rid();
    let reason = match decide(asm, rid, caller) {
        Some(reason) => reason,
        None if newobj && invisible_ctor(asm, rid, caller) => InlineReason::Invisible,
        None => return None,
    };
    let owner = asm.method_owner(rid).ok()?;
    let generic = |t: Token| asm.generic_params_of(t).map_or(true, |p| !p.is_empty());
    if generic(callee) || generic(Token::new(TableId::TypeDef, owner)) {
        return None;
    }
    if crate::method::check_aot_allowed(asm, rid).is_err() {
        return None;
    }
    let prepared = crate::method::prepare(asm, rid, types).ok()?;
    let is_struct = |t: &IlType| matches!(t, IlType::Struct(_));
    if prepared.shape.params.iter().any(is_struct)
        || prepared.shape.ret.as_ref().is_some_and(is_struct)
        || prepared.locals.iter().any(is_struct)
        || !prepared.clauses.is_empty()
    {
        return None;
    }
    let code = asm.method_body(rid).ok()??.code.to_vec();
    Some(InlineBody {
        reason,
        code,
        shape: prepared.shape,
        locals: prepared.locals,
        this_is_object: prepared.this_is_object,
    })
}

/// The bodies and call sites one method's translation may expand. `caller` `None` is the
/// method being compiled.
#[derive(Default)]
pub(super) struct Collected {
    pub(super) bodies: BTreeMap<Token, InlineBody>,
    pub(super) sites: BTreeSet<(Option<Token>, Token)>,
    /// The constructors `newobj` expands, by `(caller, constructor)`.
    pub(super) ctor_sites: BTreeSet<(Option<Token>, Token)>,
    /// Calls found not to be expanded (each is asked once), and whether by `newobj`.
    refused: BTreeSet<(Option<Token>, Token, bool)>,
}

impl Collected {
    /// The expansions for a method with these instructions.
    pub(super) fn of(instrs: &[Instruction<'_>], env: &mut dyn TranslateEnv) -> Collected {
        let mut collected = Collected::default();
        let mut chain = Vec::new();
        for ins in instrs {
            if let Some((callee, newobj)) = expandable_call(ins) {
                collected.consider(None, callee, newobj, env, &mut chain);
            }
        }
        collected
    }

    /// Whether the call of `callee` in `caller` is expanded (recording it, and its body's
    /// own expansions, when it is).
    fn consider(
        &mut self,
        caller: Option<Token>,
        callee: Token,
        newobj: bool,
        env: &mut dyn TranslateEnv,
        chain: &mut Vec<Token>,
    ) -> bool {
        let sites = if newobj {
            &self.ctor_sites
        } else {
            &self.sites
        };
        if sites.contains(&(caller, callee)) {
            return true;
        }
        if self.refused.contains(&(caller, callee, newobj))
            || chain.contains(&callee)
            || chain.len() >= MAX_DEPTH as usize
        {
            return false;
        }
        let Some(body) = env.inline_body(callee, caller, newobj) else {
            self.refused.insert((caller, callee, newobj));
            return false;
        };
        let Ok(instrs) = ngen_metadata::il::decode(&body.code).collect::<Result<Vec<_>, _>>()
        else {
            return false;
        };
        chain.push(callee);
        let mut complete = true;
        for ins in &instrs {
            let call = matches!(ins.opcode, Opcode::Call | Opcode::Callvirt | Opcode::Newobj);
            let expanded = match expandable_call(ins) {
                Some((inner, by_newobj)) => {
                    self.consider(Some(callee), inner, by_newobj, env, chain)
                }
                // In a body mono inlines, the policy let through only one kind of call to
                // another assembly: a core-library exception's constructor before `throw`.
                None => !call || is_member_ref(ins),
            };
            complete &= expanded;
        }
        chain.pop();
        // Mono's tree must vanish whole (module doc); an invisible body has no calls.
        if body.reason == InlineReason::Mono && !complete {
            self.refused.insert((caller, callee, newobj));
            return false;
        }
        if newobj {
            self.ctor_sites.insert((caller, callee));
        } else {
            self.sites.insert((caller, callee));
        }
        self.bodies.insert(callee, body);
        true
    }
}

/// The MethodDef a `call`/`callvirt`/`newobj` names, the calls the inliner may expand, and
/// whether it is a `newobj`'s constructor.
fn expandable_call(ins: &Instruction<'_>) -> Option<(Token, bool)> {
    match (ins.opcode, ins.operand) {
        (Opcode::Call | Opcode::Callvirt | Opcode::Newobj, Operand::Token(t))
            if t.table() == Some(TableId::MethodDef) =>
        {
            Some((t, ins.opcode == Opcode::Newobj))
        }
        _ => None,
    }
}

/// Whether `ins` names a MemberRef (a method of another assembly).
fn is_member_ref(ins: &Instruction<'_>) -> bool {
    matches!(ins.operand, Operand::Token(t) if t.table() == Some(TableId::MemberRef))
}
