//! Exception handling, EH v1 "check after call" (runtime-anchors §6.7; `ngen-runtime`'s
//! `eh` module is the other half): `throw` (III.4.31), `rethrow` (III.4.24), `leave`
//! (III.3.46), `endfinally` (III.3.35), `endfilter` (III.3.34), the check after calls, and
//! the cold blocks of exceptions raised by compiled code's own checks.
//!
//! ## Model
//! The exception in flight lives in the runtime's pending-exception word (helper slot
//! `PendingException`) while it crosses frames, and in the variable `exc` while this method
//! dispatches it:
//! - **After every call** that can throw, the word is tested; when set, control goes to the
//!   *landing* of the first clause covering the call ([`super::regions::Regions::entry`]),
//!   which moves the exception into `exc`, clears the word and jumps to that clause's
//!   *dispatch* block; with no covering clause it goes to `unwind_return`, which returns a
//!   zero value with the word still set, so the caller does the same.
//! - **Dispatch** of clause `c`: `catch T` tests the class (the parent chain of method
//!   tables, as `isinst`; `catch object` takes everything) and enters the handler with the
//!   exception on the stack, or goes on to the dispatch of [`Regions::next`]; a `finally` or
//!   `fault` handler is entered with continuation index 0; a filter's code is entered with the
//!   exception on the stack, and `endfilter` enters the handler or goes on. Past the last
//!   clause, `rethrow_out` stores `exc` into the word and returns.
//! - **`finally`** is an ordinary block entered by `leave` with a continuation index in a
//!   variable of the clause: `endfinally` is a `br_table` on it, 0 resuming dispatch with the
//!   exception the handler was entered with, `k > 0` the `k`-th `leave` target (or the next
//!   `finally` a `leave` crosses).
//! - **`throw`** and the exception helpers jump into the same dispatch as a call would.
//!
//! Dispatch is ECMA-335 I.12.4.2.5's second pass. Before a `finally` or `fault` handler runs
//! for an exception, its dispatch runs the first pass: helper `FirstPass` probes this frame's
//! later clauses and its callers' through their frame records (`eh_frames.rs`); a filter
//! judged by a probe is not run again (`eh_filters.rs`). An exception escaping a filter propagates: ECMA-335 would discard
//! it and let the filter decline, but mono 6.8, the oracle, propagates it.
//!
//! Depends on: [`super::regions`], [`super::stack`] (edges into handler blocks),
//! `super::object_model` (the class test), `ngen_abi::{exceptions, helpers, image}`.

use cranelift_codegen::ir::SourceLoc;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Value};
use cranelift_frontend::Variable;
use ngen_abi::exceptions::{ExceptionKind, TraceMode};
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CellKey, CellKind};
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::eh_filters::FilterProbe;
use super::regions::{Handler, Regions};
use super::stack::Stack;
use super::{Flow, Reject, Res, Translator, trusted};
use crate::type_context::CastTarget;
use crate::types::StackType;

/// The EH state of one method's translation.
#[derive(Default)]
pub(super) struct EhState {
    pub(super) regions: Regions,
    /// IL offset of the instruction being translated (decides the covering clauses).
    pub(super) offset: u32,
    /// The exception being dispatched in this frame.
    exc: Option<Variable>,
    /// Per clause: the exception its handler (or filter) was entered with.
    held: Vec<Option<Variable>>,
    /// Per `finally`/`fault` clause: the continuation index `endfinally` branches on.
    continuation: Vec<Option<Variable>>,
    /// Per clause: its dispatch block, once something jumps there.
    dispatch: Vec<Option<Block>>,
    /// Per clause: its landing block (pending word → `exc`, then dispatch).
    landing: Vec<Option<Block>>,
    /// Per `finally`/`fault`/filter clause: the block resuming dispatch after it.
    resume: Vec<Option<Block>>,
    /// Per `finally`/`fault` clause: its `endfinally` block and the `leave` continuations
    /// (index `k` is `targets[k - 1]`).
    exit: Vec<Option<Block>>,
    targets: Vec<Vec<Block>>,
    unwind_return: Option<Block>,
    rethrow_out: Option<Block>,
    /// Blocks created but not yet filled.
    unfilled: Vec<Unfilled>,
    /// Per clause: the probes of a filter clause (`eh_filters.rs`).
    pub(super) probes: Vec<FilterProbe>,
}

/// A block the EH translation created and fills between worklist rounds.
#[derive(Clone, Copy)]
enum Unfilled {
    Dispatch(usize),
    Landing(usize),
    Resume(usize),
    UnwindReturn,
    RethrowOut,
}

impl EhState {
    /// The state for a method with these regions.
    pub(super) fn new(regions: Regions) -> EhState {
        let n = regions.clauses.len();
        EhState {
            regions,
            held: vec![None; n],
            continuation: vec![None; n],
            dispatch: vec![None; n],
            landing: vec![None; n],
            resume: vec![None; n],
            exit: vec![None; n],
            targets: vec![Vec::new(); n],
            probes: vec![FilterProbe::default(); n],
            ..EhState::default()
        }
    }
}

impl<'a, 'f> Translator<'a, 'f> {
    // ---- exceptions raised by compiled code's checks ------------------------------------

    /// The cold block raising `kind` at the current instruction: it calls the `Throw` helper
    /// (which makes the exception pending) and lands like a call that threw.
    /// Instructions share it when a stack trace would show them alike (the same sequence
    /// point), so the helper call's source location names the right IL offset.
    pub(super) fn throw_block(&mut self, kind: ExceptionKind) -> Block {
        let entry = self.eh.regions.entry(self.eh.offset);
        let reported = self.seq.current();
        // Inside a filter's code, an exception leaves differently in a probe (`eh_frames.rs`).
        let filter = self.eh.regions.filter_at(self.eh.offset);
        if let Some((_, _, _, b)) = self.throw_blocks.iter().find(|(k, e, (r, il), _)| {
            *k == kind && *e == entry && *r == reported && self.eh.regions.filter_at(*il) == filter
        }) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.throw_blocks
            .push((kind, entry, (reported, self.eh.offset), block));
        block
    }

    /// Fills the throw blocks created since the last call; whether there were any.
    pub(super) fn emit_throw_blocks(&mut self) -> bool {
        let blocks = std::mem::take(&mut self.throw_blocks);
        let any = !blocks.is_empty();
        let here = self.b.srcloc();
        for (kind, entry, (_, il), block) in blocks {
            self.b.switch_to_block(block);
            self.b.set_srcloc(SourceLoc::new(il));
            let helper = self.helper(HelperId::Throw);
            let sig = self.helper_sig(HelperId::Throw);
            let id = self.b.ins().iconst(I32, kind as u32 as i64);
            self.b.ins().call_indirect(sig, helper, &[id]);
            let landing = self.landing_block(entry);
            let landing = self.filter_exit(il, landing, None);
            self.b.ins().jump(landing, &[]);
        }
        self.b.set_srcloc(here);
        any
    }

    /// Branches to the throw block of `kind` when `cond` is non-zero.
    pub(super) fn throw_if(&mut self, cond: Value, kind: ExceptionKind) {
        let throw = self.throw_block(kind);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, throw, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    pub(super) fn null_check(&mut self, obj: Value) {
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, obj, 0);
        self.throw_if(is_null, ExceptionKind::NullReference);
    }

    // ---- the check after calls ----------------------------------------------------------

    /// The address of this thread's pending-exception word (helper slot `PendingException`
    /// holds the mask that finds it from the stack pointer, see `cells::pending_word_address`):
    /// the one the entry block computed when the method makes calls on its ordinary path
    /// ([`Translator::hoist_pending_word`]), else computed here, where it is used.
    pub(super) fn pending_word(&mut self) -> Value {
        match self.pending_word {
            Some(word) => word,
            None => self.env.pending_word(&mut self.b),
        }
    }

    /// Computes the pending-exception word's address once, in the entry block, for a method
    /// that makes four calls or more that are not expanded in place: the stack pointer stays
    /// in the same region for the whole method and every call is followed by a test of the
    /// word, so computing it at each site was about a fifth of all the instructions
    /// Cranelift compiled for mscorlib. A method with fewer calls computes it where it is used
    /// (often only on a cold path): hoisted, it cost leaf methods such as `String.get_Chars`
    /// a fifth more instructions per call.
    pub(super) fn hoist_pending_word(&mut self) {
        let calls_left = self
            .input
            .instrs
            .iter()
            .filter(|ins| match (ins.opcode, ins.operand) {
                (Opcode::Call | Opcode::Callvirt | Opcode::Newobj, Operand::Token(t)) => {
                    !self.inlines.expands(t)
                }
                _ => false,
            })
            .count();
        if calls_left >= 4 {
            self.pending_word = Some(self.env.pending_word(&mut self.b));
        }
    }

    /// After a call that can throw: when an exception is pending, go to the landing of the
    /// clause covering the current instruction (or return to the caller).
    pub(super) fn check_pending(&mut self) {
        let word = self.pending_word();
        let pending = self.b.ins().load(I64, trusted(), word, 0);
        let entry = self.eh.regions.entry(self.eh.offset);
        let landing = self.landing_block(entry);
        let landing = self.filter_exit(self.eh.offset, landing, None);
        let cont = self.b.create_block();
        self.b.ins().brif(pending, landing, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Where an exception pending after a cell's resolution at the current instruction goes.
    pub(super) fn resolve_landing(&mut self) -> Block {
        let entry = self.eh.regions.entry(self.eh.offset);
        let landing = self.landing_block(entry);
        self.filter_exit(self.eh.offset, landing, None)
    }

    // ---- throw, rethrow, leave, endfinally, endfilter -----------------------------------

    /// `throw`, `rethrow`, `leave`, `leave.s`, `endfinally`, `endfilter`: each ends its block.
    pub(super) fn translate_eh(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<Flow> {
        // The current instruction's, or in inlined code the call's (`inline.rs`).
        let offset = self.eh.offset;
        match ins.opcode {
            Opcode::Throw => {
                let (obj, t) = stack.pop1()?;
                if t != StackType::O {
                    return Err(Reject::new(format!("throw of {}", t.name())));
                }
                self.null_check(obj);
                self.capture_trace(obj, TraceMode::Throw);
                self.dispatch_from(offset, obj);
            }
            Opcode::Rethrow => {
                let clause = self
                    .eh
                    .regions
                    .handler_at(offset, |h| {
                        matches!(h, Handler::Catch(_) | Handler::Filter(_))
                    })
                    .ok_or_else(|| Reject::new("rethrow outside a catch handler"))?;
                let exc = self.held(clause);
                let exc = self.b.use_var(exc);
                self.capture_trace(exc, TraceMode::Rethrow);
                self.dispatch_from(offset, exc);
            }
            Opcode::Leave | Opcode::LeaveS => {
                let Operand::BranchTarget(target) = ins.operand else {
                    return Err(Reject::new("missing branch target"));
                };
                self.leave(offset, target)?;
            }
            Opcode::Endfinally => {
                let clause = self
                    .eh
                    .regions
                    .handler_at(offset, |h| matches!(h, Handler::Finally | Handler::Fault))
                    .ok_or_else(|| Reject::new("endfinally outside a finally or fault handler"))?;
                let exit = self.exit_block(clause);
                self.b.ins().jump(exit, &[]);
            }
            Opcode::Endfilter => {
                let clause = self
                    .eh
                    .regions
                    .filter_at(offset)
                    .ok_or_else(|| Reject::new("endfilter outside a filter"))?;
                let (verdict, t) = stack.pop1()?;
                if t != StackType::I4 {
                    return Err(Reject::new(format!("endfilter of {}", t.name())));
                }
                let exc = self.held(clause);
                let exc = self.b.use_var(exc);
                // A probe (`eh_filters.rs`) ran the filter: back to it with the verdict.
                self.endfilter_probe_exit(clause, verdict, exc);
                let start = self.eh.regions.clauses[clause].handler_range.0;
                let (handler, args) = self.edge(start, &[(exc, StackType::O)])?;
                let resume = self.resume_block(clause);
                // An accepting filter ends the trace at this frame; a declining one does not.
                self.catch_if(verdict, exc, (handler, &args), resume);
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(Flow::End)
    }

    /// Calls `CaptureTrace` for `exc` from this frame (`throw`, `rethrow`, a handler taking
    /// it): the runtime keeps mono's `trace_ips` in the exception object.
    fn capture_trace(&mut self, exc: Value, mode: TraceMode) {
        let helper = self.helper(HelperId::CaptureTrace);
        let sig = self.helper_sig(HelperId::CaptureTrace);
        let mode = self.b.ins().iconst(I32, mode as u32 as i64);
        self.b.ins().call_indirect(sig, helper, &[exc, mode]);
    }

    /// When `cond` is non-zero, the handler `(block, args)` takes `exc` (its trace ends at this
    /// frame), else control goes to `declined`.
    fn catch_if(
        &mut self,
        cond: Value,
        exc: Value,
        (handler, args): (Block, &[BlockArg]),
        declined: Block,
    ) {
        let caught = self.b.create_block();
        self.b.set_cold_block(caught);
        self.b.ins().brif(cond, caught, &[], declined, &[]);
        self.b.switch_to_block(caught);
        self.capture_trace(exc, TraceMode::Caught);
        self.b.ins().jump(handler, args);
    }

    /// Dispatches `exc`, raised at `offset`, from the first clause covering it.
    fn dispatch_from(&mut self, offset: u32, exc: Value) {
        let var = self.exc_var();
        self.b.def_var(var, exc);
        let entry = self.eh.regions.entry(offset);
        let dispatch = self.dispatch_block(entry);
        let dispatch = self.filter_exit(offset, dispatch, Some(exc));
        self.b.ins().jump(dispatch, &[]);
    }

    /// `leave` from `offset` to `target`: through every `finally` it crosses, innermost
    /// first, each told by its continuation index where to go next (the next `finally`'s
    /// entry, or the target).
    fn leave(&mut self, offset: u32, target: u32) -> Res<()> {
        let finallys = self.eh.regions.finallys_left(offset, target);
        let (mut next, args) = self.edge(target, &[])?;
        if !args.is_empty() {
            return Err(Reject::new(
                "leave to a block entered with a non-empty stack",
            ));
        }
        // Built outermost first. The innermost step runs in the current block; each outer
        // one in a block of its own, filled once the current block is terminated.
        let mut first_step = None;
        let mut later_steps = Vec::new();
        for (position, &clause) in finallys.iter().enumerate().rev() {
            let index = self.continuation_index(clause, next);
            let start = self.eh.regions.clauses[clause].handler_range.0;
            let (handler, _) = self.edge(start, &[])?;
            if position == 0 {
                first_step = Some((clause, index, handler));
            } else {
                next = self.b.create_block();
                later_steps.push((next, clause, index, handler));
            }
        }
        match first_step {
            None => {
                self.b.ins().jump(next, &[]);
            }
            Some(step) => self.enter_finally(step),
        }
        for (block, clause, index, handler) in later_steps {
            self.b.switch_to_block(block);
            self.enter_finally((clause, index, handler));
        }
        Ok(())
    }

    /// Enters `finally` clause `clause` (its handler block `handler`) with continuation
    /// `index`.
    fn enter_finally(&mut self, (clause, index, handler): (usize, u32, Block)) {
        let var = self.continuation_var(clause);
        let k = self.b.ins().iconst(I32, i64::from(index));
        self.b.def_var(var, k);
        self.b.ins().jump(handler, &[]);
    }

    /// The index of continuation `block` in `finally` clause `clause`'s table (1-based).
    fn continuation_index(&mut self, clause: usize, block: Block) -> u32 {
        let targets = &mut self.eh.targets[clause];
        let position = match targets.iter().position(|b| *b == block) {
            Some(p) => p,
            None => {
                targets.push(block);
                targets.len() - 1
            }
        };
        position as u32 + 1
    }

    // ---- variables and lazily created blocks --------------------------------------------

    fn exc_var(&mut self) -> Variable {
        if let Some(v) = self.eh.exc {
            return v;
        }
        let v = self.b.declare_var(I64);
        self.eh.exc = Some(v);
        v
    }

    pub(super) fn held(&mut self, clause: usize) -> Variable {
        if let Some(v) = self.eh.held[clause] {
            return v;
        }
        let v = self.b.declare_var(I64);
        self.eh.held[clause] = Some(v);
        v
    }

    fn continuation_var(&mut self, clause: usize) -> Variable {
        if let Some(v) = self.eh.continuation[clause] {
            return v;
        }
        let v = self.b.declare_var(I32);
        self.eh.continuation[clause] = Some(v);
        v
    }

    fn cold_block(&mut self, unfilled: Unfilled) -> Block {
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.eh.unfilled.push(unfilled);
        block
    }

    /// Where a pending exception at a call goes: the landing of `entry`, or (no clause)
    /// straight back to the caller with the word still set.
    fn landing_block(&mut self, entry: Option<usize>) -> Block {
        let Some(clause) = entry else {
            return self.unwind_return_block();
        };
        if let Some(b) = self.eh.landing[clause] {
            return b;
        }
        let b = self.cold_block(Unfilled::Landing(clause));
        self.eh.landing[clause] = Some(b);
        b
    }

    /// The dispatch of `entry`, or (no clause) the block passing `exc` to the caller.
    fn dispatch_block(&mut self, entry: Option<usize>) -> Block {
        let Some(clause) = entry else {
            return self.rethrow_out_block();
        };
        if let Some(b) = self.eh.dispatch[clause] {
            return b;
        }
        let b = self.cold_block(Unfilled::Dispatch(clause));
        self.eh.dispatch[clause] = Some(b);
        b
    }

    fn resume_block(&mut self, clause: usize) -> Block {
        if let Some(b) = self.eh.resume[clause] {
            return b;
        }
        let b = self.cold_block(Unfilled::Resume(clause));
        self.eh.resume[clause] = Some(b);
        b
    }

    /// The `endfinally` block of `clause`, filled last ([`Self::emit_finally_exits`]), when
    /// every `leave` has registered its continuation.
    fn exit_block(&mut self, clause: usize) -> Block {
        if let Some(b) = self.eh.exit[clause] {
            return b;
        }
        let b = self.b.create_block();
        self.eh.exit[clause] = Some(b);
        // Created now, so that it is filled in the rounds before the exits.
        self.resume_block(clause);
        b
    }

    fn unwind_return_block(&mut self) -> Block {
        if let Some(b) = self.eh.unwind_return {
            return b;
        }
        let b = self.cold_block(Unfilled::UnwindReturn);
        self.eh.unwind_return = Some(b);
        b
    }

    fn rethrow_out_block(&mut self) -> Block {
        if let Some(b) = self.eh.rethrow_out {
            return b;
        }
        let b = self.cold_block(Unfilled::RethrowOut);
        self.eh.rethrow_out = Some(b);
        b
    }

    // ---- filling the EH blocks -----------------------------------------------------------

    /// Fills every EH block created so far (and those they create); whether there were any.
    pub(super) fn emit_eh_blocks(&mut self) -> Res<bool> {
        let mut any = false;
        while let Some(unfilled) = self.eh.unfilled.pop() {
            any = true;
            match unfilled {
                Unfilled::Dispatch(clause) => self.fill_dispatch(clause)?,
                Unfilled::Landing(clause) => {
                    let block = self.eh.landing[clause].expect("landing created");
                    self.b.switch_to_block(block);
                    let word = self.pending_word();
                    let exc = self.b.ins().load(I64, trusted(), word, 0);
                    let zero = self.b.ins().iconst(I64, 0);
                    self.b.ins().store(trusted(), zero, word, 0);
                    let var = self.exc_var();
                    self.b.def_var(var, exc);
                    let dispatch = self.dispatch_block(Some(clause));
                    self.b.ins().jump(dispatch, &[]);
                }
                Unfilled::Resume(clause) => {
                    let block = self.eh.resume[clause].expect("resume created");
                    self.b.switch_to_block(block);
                    let held = self.held(clause);
                    let exc = self.b.use_var(held);
                    let var = self.exc_var();
                    self.b.def_var(var, exc);
                    let next = self.eh.regions.next(clause);
                    let dispatch = self.dispatch_block(next);
                    self.b.ins().jump(dispatch, &[]);
                }
                Unfilled::UnwindReturn => {
                    let block = self.eh.unwind_return.expect("created");
                    self.b.switch_to_block(block);
                    self.pop_record();
                    self.return_zero();
                }
                Unfilled::RethrowOut => {
                    let block = self.eh.rethrow_out.expect("created");
                    self.b.switch_to_block(block);
                    let var = self.exc_var();
                    let exc = self.b.use_var(var);
                    let word = self.pending_word();
                    self.b.ins().store(trusted(), exc, word, 0);
                    let unwind = self.unwind_return_block();
                    self.b.ins().jump(unwind, &[]);
                }
            }
        }
        Ok(any)
    }

    /// The dispatch block of `clause`: offer the exception in `exc` to it.
    fn fill_dispatch(&mut self, clause: usize) -> Res<()> {
        let block = self.eh.dispatch[clause].expect("dispatch created");
        let c = self.eh.regions.clauses[clause];
        self.b.switch_to_block(block);
        let var = self.exc_var();
        let exc = self.b.use_var(var);
        let held = self.held(clause);
        self.b.def_var(held, exc);
        match c.handler {
            Handler::Catch(token) => {
                let (handler, args) = self.edge(c.handler_range.0, &[(exc, StackType::O)])?;
                let Some(hit) = self.catch_test(clause, token, exc)? else {
                    self.capture_trace(exc, TraceMode::Caught);
                    self.b.ins().jump(handler, &args);
                    return Ok(());
                };
                let next = self.eh.regions.next(clause);
                let declined = self.dispatch_block(next);
                self.catch_if(hit, exc, (handler, &args), declined);
            }
            Handler::Filter(start) => {
                // A probe may have judged this exception already (`eh_filters.rs`).
                let (handler, handler_args) =
                    self.edge(c.handler_range.0, &[(exc, StackType::O)])?;
                let caught = self.b.create_block();
                self.b.set_cold_block(caught);
                let declined = self.resume_block(clause);
                // A filter that threw in the first pass: its exception leaves it now.
                let escaped = self.frame.map(|_| {
                    let block = self.b.create_block();
                    self.b.set_cold_block(block);
                    block
                });
                self.reuse_probed_verdict(clause, exc, (caught, declined), escaped);
                let (filter, args) = self.edge(start, &[(exc, StackType::O)])?;
                self.b.ins().jump(filter, &args);
                if let Some(escaped) = escaped {
                    self.b.switch_to_block(escaped);
                    self.b.seal_block(escaped);
                    let thrown = self.escaped_exception().expect("a frame record");
                    let var = self.exc_var();
                    self.b.def_var(var, thrown);
                    let entry = self.eh.regions.entry(start);
                    let dispatch = self.dispatch_block(entry);
                    self.b.ins().jump(dispatch, &[]);
                }
                self.b.switch_to_block(caught);
                self.b.seal_block(caught);
                self.capture_trace(exc, TraceMode::Caught);
                self.b.ins().jump(handler, &handler_args);
            }
            Handler::Finally | Handler::Fault => {
                // The first pass before the handler: this method's later clauses, then its
                // callers' (`eh_frames.rs`).
                let run = self.b.create_block();
                self.b.set_cold_block(run);
                let skip = self.resume_block(clause);
                self.first_pass(clause, held, (run, skip))?;
                self.b.switch_to_block(run);
                let var = self.continuation_var(clause);
                let zero = self.b.ins().iconst(I32, 0);
                self.b.def_var(var, zero);
                let (handler, _) = self.edge(c.handler_range.0, &[])?;
                self.b.ins().jump(handler, &[]);
            }
        }
        Ok(())
    }

    /// The class test of `catch T` for `exc` (`None` for `catch object`, which takes
    /// everything): the test of `isinst`, against the class's method table (cell kind 4).
    pub(super) fn catch_test(
        &mut self,
        clause: usize,
        token: ngen_metadata::Token,
        exc: Value,
    ) -> Res<Option<Value>> {
        if self.env.is_object_type(token) {
            return Ok(None);
        }
        let how = self
            .env
            .cast_target(token)
            .map_err(|e| Reject::unlocated(format!("catch clause {clause}: {e}")))?;
        let key = CellKey::new(CellKind::MethodTable, token.0);
        let cell = self.env.cell(key, &mut self.b).map_err(Reject::unlocated)?;
        let target = self.cell_target(cell);
        Ok(Some(match how {
            CastTarget::ParentChain => self.cast(exc, target, false),
            CastTarget::Helper => self.cast_by_helper(exc, target, false),
        }))
    }

    /// Fills each `endfinally` block: a `br_table` on the clause's continuation index, 0
    /// resuming dispatch, `k` the `k`-th `leave` continuation. Called once, last.
    pub(super) fn emit_finally_exits(&mut self) {
        for clause in 0..self.eh.exit.len() {
            let Some(exit) = self.eh.exit[clause] else {
                continue;
            };
            let resume = self.eh.resume[clause].expect("created with the exit");
            self.b.switch_to_block(exit);
            let var = self.continuation_var(clause);
            let index = self.b.use_var(var);
            let default = self.b.func.dfg.block_call(resume, &[]);
            // Its own block call: the SSA builder appends arguments to each call once.
            let mut calls = vec![self.b.func.dfg.block_call(resume, &[])];
            for target in self.eh.targets[clause].clone() {
                calls.push(self.b.func.dfg.block_call(target, &[]));
            }
            let table = self
                .b
                .create_jump_table(JumpTableData::new(default, &calls));
            self.b.ins().br_table(index, table);
        }
    }
}
