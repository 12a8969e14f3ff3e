//! The IL inliner: a direct call ([`super::inline_select`] chose which) is replaced by the
//! callee's IL, translated in place by the same translator, AOT and JIT alike.
//!
//! ## Model
//! Wasmtime's shape: the callee's arguments become homes of its own (Variables), filled
//! with the popped argument values, coerced as a call would coerce them; its locals are
//! fresh zeroed homes; its IL blocks get CLIF blocks of their own (the caller's per-method
//! state, `input`, `prepass`, `blocks`, `worklist`, `args`, `locals`, is set aside while
//! the callee's is translated to completion); its `ret` jumps to a join block with the
//! result as a block parameter, where the caller's translation resumes.
//!
//! Stack traces: all the callee's code carries the call instruction's IL offset (its source
//! location, its covering EH clause, mono's sequence point there), so an exception raised in
//! it is dispatched by the caller's clauses and its trace shows the caller's frame at the
//! call, which is mono's trace for a method mono inlines; a method mono calls is inlined only
//! when nothing in it can throw or call ([`crate::inline_policy`]), so no trace sees it.
//! A `callvirt` still checks `this` for null before the inlined body, as the call would.
//!
//! A `newobj`'s constructor is expanded like a call with the new instance as `this` (of a
//! value type: the new value's address, `value_types.rs`), when mono inlines it or it is an
//! invisible one (`crate::inline_policy::invisible_ctor`).
//!
//! Not inlined: value-type arguments, generic code, other
//! assemblies, the debug and profile scenarios (which keep every frame). When the translator
//! cannot take an inlined body, the whole method is translated again without inlining
//! ([`super::Reject::after_inlining`]).
//!
//! Depends on: [`super::inline_select`], [`super::place`] (homes, coercion),
//! [`super::stack`] (edges), [`super::control`] (blocks).

use std::collections::{BTreeMap, BTreeSet};

use cranelift_codegen::ir::{Block, BlockArg, InstBuilder};
use ngen_metadata::Token;

use super::place::Home;
use super::prepass::Prepass;
use super::stack::Stack;
use super::{MethodInput, Reject, Res, Translator};
use crate::backend::abi::clif_type;
use crate::inline_policy::InlineReason;
use crate::types::{IlType, StackType, ValKind};

/// The bodies one translation may expand, decoded, and where.
#[derive(Default)]
pub(super) struct Inlines<'a> {
    pub(super) inputs: BTreeMap<Token, (MethodInput<'a>, InlineReason)>,
    /// `(caller, callee)`: `caller` `None` is the method being compiled.
    pub(super) sites: Option<&'a BTreeSet<(Option<Token>, Token)>>,
    /// `(caller, constructor)` of the `newobj`s expanded.
    pub(super) ctor_sites: Option<&'a BTreeSet<(Option<Token>, Token)>>,
}

impl Inlines<'_> {
    /// Whether a call or `newobj` of `callee` in the method being compiled is expanded in place.
    pub(super) fn expands(&self, callee: Token) -> bool {
        let site = (None, callee);
        self.sites.is_some_and(|s| s.contains(&site))
            || self.ctor_sites.is_some_and(|s| s.contains(&site))
    }
}

/// Where a call to expand is.
#[derive(Clone, Copy)]
pub(super) enum Site {
    /// `call`/`callvirt`: `direct` unless it dispatches; `null_check` for a `callvirt`.
    Call { direct: bool, null_check: bool },
    /// The constructor call of a `newobj`.
    Newobj,
}

/// The inliner's part of the translation state.
#[derive(Default)]
pub(super) struct InlineState {
    /// The callees being expanded, innermost last, each with why.
    chain: Vec<(Token, InlineReason)>,
    /// Where the innermost callee's `ret` goes, and the kind of value it passes.
    ret: Option<(Block, Option<ValKind>)>,
    /// Whether the call just translated was expanded (it needs no pending-exception check).
    pub(super) expanded_call: bool,
    /// Whether anything was expanded in this translation.
    pub(super) any: bool,
}

impl InlineState {
    /// Whether an inlined body is being translated.
    pub(super) fn active(&self) -> bool {
        !self.chain.is_empty()
    }
}

/// The caller's per-method state, set aside while a callee is translated.
struct Saved<'a> {
    input: &'a MethodInput<'a>,
    prepass: Prepass,
    blocks: std::collections::HashMap<u32, super::stack::IlBlock>,
    worklist: Vec<u32>,
    args: Vec<Home>,
    locals: Vec<Home>,
    ret: Option<(Block, Option<ValKind>)>,
}

impl<'a, 'f> Translator<'a, 'f> {
    /// Expands the call of `callee` when it was chosen and is `direct` (a `call`, or a
    /// `callvirt` of an exact method: `null_check` then checks `this` first; or `Newobj`, the
    /// constructor of a `newobj`, `this` the new instance), its arguments on `stack`; whether
    /// it did.
    pub(super) fn try_inline(&mut self, callee: Token, site: Site, stack: &mut Stack) -> Res<bool> {
        let (direct, null_check) = match site {
            Site::Call { direct, null_check } => (direct, null_check),
            Site::Newobj => (true, false),
        };
        if callee.table() != Some(ngen_metadata::TableId::MethodDef) {
            return Ok(false);
        }
        let caller = self.inline.chain.last().map(|(t, _)| *t);
        let inlines: &'a Inlines<'a> = self.inlines;
        let sites = match site {
            Site::Newobj => inlines.ctor_sites,
            Site::Call { .. } => inlines.sites,
        };
        let chosen = sites.is_some_and(|sites| sites.contains(&(caller, callee)));
        let in_chain = self.inline.chain.iter().any(|(t, _)| *t == callee);
        let Some((input, reason)) = inlines.inputs.get(&callee) else {
            return self.not_expanded();
        };
        if !chosen || !direct || in_chain {
            return self.not_expanded();
        }
        let reason = *reason;
        self.inline.any = true;
        let mut prepass = Prepass::run(input.instrs)?;
        prepass.safe_regions =
            super::bounds::safe_regions(input.instrs, input.locals, &BTreeSet::new());
        let mut arg_types = input.shape.arg_types();
        if input.this_is_object && !arg_types.is_empty() {
            arg_types[0] = IlType::Val(ValKind::Ref);
        }
        let raw = stack.popn(arg_types.len())?;
        if null_check && let Some((this, _)) = raw.first() {
            self.null_check(*this);
        }
        let ret_kind = match input.shape.ret {
            None => None,
            Some(IlType::Val(kind)) => Some(kind),
            Some(IlType::Struct(_)) => return Err(Reject::new("inlined struct return")),
        };
        let mut args = Vec::with_capacity(raw.len());
        for (ty, (value, t)) in arg_types.iter().zip(raw) {
            let IlType::Val(kind) = *ty else {
                return Err(Reject::new("inlined struct argument"));
            };
            let value = self.coerce(value, t, kind)?;
            let taken = prepass.address_taken_args.contains(&(args.len() as u16));
            args.push(self.new_arg_home(*ty, value, taken));
        }
        let mut locals = Vec::with_capacity(input.locals.len());
        for (i, ty) in input.locals.iter().enumerate() {
            let taken = prepass.address_taken_locals.contains(&(i as u16));
            locals.push(self.new_local_home(*ty, taken));
        }
        let join = self.b.create_block();
        if let Some(kind) = ret_kind {
            self.b.append_block_param(join, clif_type(kind.machine()));
        }
        let saved = Saved {
            input: std::mem::replace(&mut self.input, input),
            prepass: std::mem::replace(&mut self.prepass, prepass),
            blocks: std::mem::take(&mut self.blocks),
            worklist: std::mem::take(&mut self.worklist),
            args: std::mem::replace(&mut self.args, args),
            locals: std::mem::replace(&mut self.locals, locals),
            ret: self.inline.ret.replace((join, ret_kind)),
        };
        self.inline.chain.push((callee, reason));
        let (entry, entry_args) = self.edge(0, &[])?;
        self.b.ins().jump(entry, &entry_args);
        while let Some(start) = self.worklist.pop() {
            self.translate_block(start)?;
        }
        self.inline.chain.pop();
        self.input = saved.input;
        self.prepass = saved.prepass;
        self.blocks = saved.blocks;
        self.worklist = saved.worklist;
        self.args = saved.args;
        self.locals = saved.locals;
        self.inline.ret = saved.ret;
        self.b.switch_to_block(join);
        // The last body block's facts need not hold at the join.
        self.facts.clear();
        if let Some(kind) = ret_kind {
            let value = self.b.block_params(join)[0];
            stack.push((value, StackType::of(kind)));
        }
        self.inline.expanded_call = true;
        Ok(true)
    }

    /// A chosen call that stays a call. Inside a body mono inlines, that would leave a frame
    /// mono's trace lacks: the method is translated again without inlining instead.
    fn not_expanded(&mut self) -> Res<bool> {
        match self.inline.chain.last() {
            Some((_, InlineReason::Mono)) => {
                Err(Reject::new("call left in a body mono inlines").inlining(true))
            }
            _ => Ok(false),
        }
    }

    /// `ret` inside an inlined body: the result (coerced to the callee's return kind) goes
    /// to the join block. `None` when no inlined body is being translated.
    pub(super) fn inline_return(&mut self, stack: &mut Stack) -> Res<Option<()>> {
        let Some((join, kind)) = self.inline.ret else {
            return Ok(None);
        };
        let args = match kind {
            None => Vec::new(),
            Some(kind) => {
                let (v, t) = stack.pop1()?;
                vec![BlockArg::Value(self.coerce(v, t, kind)?)]
            }
        };
        self.b.ins().jump(join, &args);
        Ok(Some(()))
    }
}
