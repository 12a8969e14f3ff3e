//! Frame records for two-pass exception handling (ECMA-335 I.12.4.2.5): the compiled half of
//! the runtime's first pass (`ngen-runtime`'s `eh/first_pass.rs`; the layout and protocol are
//! `ngen_abi::eh_frames`).
//!
//! ## Model
//! A method with a filter clause is *registered*: it has a record (one explicit stack slot),
//! pushed on the thread's chain on entry and popped on return, it stores the site of each call
//! (its first covering clause) in the record before the call, and it keeps its arguments and
//! locals in the record ([`Home::At`]). So is shared generic code with a `catch` clause: its
//! catch types may depend on the dictionary, which the record keeps for the probe. Any other
//! method with only `catch` clauses pays nothing when nothing throws: the runtime judges its
//! frame from the metadata (the call site's IL offset, the clauses, the code's generic context;
//! `ngen-runtime`'s `eh/catch_frames.rs`), and its own `finally` dispatch tests its later
//! `catch` clauses itself before asking the runtime about the callers ([`Translator::first_pass`]).
//!
//! The entry block tests the thread block's probe word. When it is set, this activation is
//! a *probe* of a suspended activation of the same method: it works on that activation's
//! record (its variables, its verdicts), offers the record's exception to the clauses of the
//! record's site as dispatch would (`eh_filters.rs`'s probe: class tests, filters run), stores
//! the outcome and returns a zero value. The filter code is the method's own (one
//! translation): an exception leaving a filter in a probe is recorded (the verdict "escapes")
//! and the probe returns with it pending; the suspended activation's dispatch raises it from
//! the filter later, as mono 6.8 lets it leave the filter.
//!
//! Values every mode uses (the record's address, the variables' homes, a shared method's
//! dictionary) are computed in the entry block, before the test, so they dominate all code.
//!
//! Depends on: [`super::eh`], [`super::eh_filters`] (the probe), [`super::place`] (homes),
//! `ngen_abi::{eh_frames, thread_block}`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    Block, InstBuilder, JumpTableData, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::Variable;
use ngen_abi::eh_frames as rec;
use ngen_abi::thread_block::{FRAME_CHAIN, PROBE_RECORD};

use super::place::Home;
use super::regions::Handler;
use super::{Reject, Res, Translator, trusted};
use crate::types::IlType;
use ngen_abi::helpers::HelperId;

/// The record of a registered method's activation.
#[derive(Clone, Copy)]
pub(super) struct FrameRecord {
    /// The record this activation works on: its own, or in a probe the probed frame's.
    pub(super) base: Value,
    /// Whether this activation is a probe (an `i8` truth value).
    is_probe: Value,
    /// The thread's pending-exception word (the thread block's top).
    word: Value,
    /// Where the variables start, when the method keeps them in the record.
    variables: Option<i32>,
}

/// The homes of a method's variables in its record, and the values its ordinary entry
/// stores into them.
pub(super) struct RecordHomes {
    pub(super) args: Vec<Home>,
    pub(super) locals: Vec<Home>,
    /// `(address, value)`: an argument's value, or 0 for a local word; struct locals are
    /// zeroed from their homes.
    stores: Vec<(Value, Value)>,
}

/// The bytes a variable of type `ty` takes in the record: a word, or a struct local's size
/// (a struct argument is the address of the caller's copy: a word).
fn record_bytes(ty: IlType, is_arg: bool) -> i64 {
    match ty {
        IlType::Struct(layout) if !is_arg => {
            u64::from(layout.size.max(1)).next_multiple_of(8) as i64
        }
        _ => 8,
    }
}

/// The largest record a method may have (a frame of this size is already unusual).
const MAX_RECORD_BYTES: u32 = 1 << 20;

impl<'a, 'f> Translator<'a, 'f> {
    /// Whether this method needs a record, where threads have a block: it has a filter clause
    /// (the first pass runs filters in probe mode), or it is shared code with a `catch` clause
    /// (whose catch type may depend on the dictionary). The runtime judges the frames of other
    /// methods with `catch` clauses from their metadata.
    fn registered(&self) -> bool {
        let catches = || {
            self.eh
                .regions
                .clauses
                .iter()
                .any(|c| matches!(c.handler, Handler::Catch(_)))
        };
        self.env.frame_records()
            && (self.keeps_variables() || (self.env.takes_dictionary() && catches()))
    }

    fn keeps_variables(&self) -> bool {
        self.eh
            .regions
            .clauses
            .iter()
            .any(|c| matches!(c.handler, Handler::Filter(_)))
    }

    /// In the entry block: the record of a registered method (none otherwise), with
    /// `arg_types` the IL arguments' types (for the variables' layout).
    pub(super) fn open_record(&mut self, arg_types: &[IlType]) -> Res<Option<FrameRecord>> {
        if !self.registered() {
            return Ok(None);
        }
        let clauses = self.eh.regions.clauses.len() as u32;
        let variables = self
            .keeps_variables()
            .then(|| rec::variables_offset(clauses));
        let mut size = i64::from(rec::variables_offset(clauses));
        if variables.is_some() {
            let args = arg_types.iter().map(|t| record_bytes(*t, true));
            let locals = self.input.locals.iter().map(|t| record_bytes(*t, false));
            size += args.chain(locals).sum::<i64>();
        }
        let size = u32::try_from(size)
            .ok()
            .filter(|s| *s <= MAX_RECORD_BYTES)
            .ok_or_else(|| Reject::unlocated("frame record too large"))?;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        let word = self.env.pending_word(&mut self.b);
        self.pending_word = Some(word);
        let own = self.b.ins().stack_addr(I64, slot, 0);
        let request = self.b.ins().load(I64, trusted(), word, PROBE_RECORD);
        let is_probe = self.b.ins().icmp_imm_s(IntCC::NotEqual, request, 0);
        let base = self.b.ins().select(is_probe, request, own);
        let record = FrameRecord {
            base,
            is_probe,
            word,
            variables,
        };
        self.frame = Some(record);
        Ok(Some(record))
    }

    /// A shared method's dictionary: the parameter, or in a probe the probed frame's (kept in
    /// its record by its entry, [`Self::enter_record`]).
    pub(super) fn record_dictionary(&mut self, parameter: Value) -> Value {
        let Some(r) = self.frame else {
            return parameter;
        };
        let kept = self.b.ins().load(I64, trusted(), r.base, rec::DICTIONARY);
        self.b.ins().select(r.is_probe, kept, parameter)
    }

    /// In the entry block of a method that keeps its variables in its record: their homes
    /// there (`params` the IL arguments' values, in the ordinary entry).
    pub(super) fn record_homes(
        &mut self,
        arg_types: &[IlType],
        params: &[Value],
    ) -> Option<RecordHomes> {
        let r = self.frame?;
        let mut offset = i64::from(r.variables?);
        let mut homes = RecordHomes {
            args: Vec::new(),
            locals: Vec::new(),
            stores: Vec::new(),
        };
        for (ty, value) in arg_types.iter().zip(params) {
            let addr = self.b.ins().iadd_imm_s(r.base, offset);
            offset += record_bytes(*ty, true);
            homes.args.push(match *ty {
                IlType::Val(kind) => {
                    homes.stores.push((addr, *value));
                    Home::At(addr, kind)
                }
                IlType::Struct(layout) => {
                    // The caller's copy: its address, kept for probes.
                    homes.stores.push((addr, *value));
                    let kept = self.b.ins().load(I64, trusted(), addr, 0);
                    let copy = self.b.ins().select(r.is_probe, kept, *value);
                    Home::Struct(copy, layout)
                }
            });
        }
        for ty in self.input.locals {
            let addr = self.b.ins().iadd_imm_s(r.base, offset);
            offset += record_bytes(*ty, false);
            homes.locals.push(match *ty {
                IlType::Val(kind) => {
                    let zero = self.b.ins().iconst(I64, 0);
                    homes.stores.push((addr, zero));
                    Home::At(addr, kind)
                }
                IlType::Struct(layout) => Home::Struct(addr, layout),
            });
        }
        Some(homes)
    }

    /// Ends the entry block of a registered method: a probe goes to its own code
    /// ([`Self::emit_probe_entry`], filled once the entry is done), the ordinary entry goes
    /// on in a new current block, where it pushes the record. Returns the probe's block.
    pub(super) fn split_entry(&mut self, dictionary: Option<Value>) -> Option<Block> {
        let r = self.frame?;
        let probe = self.b.create_block();
        self.b.set_cold_block(probe);
        let ordinary = self.b.create_block();
        self.b.ins().brif(r.is_probe, probe, &[], ordinary, &[]);
        self.b.switch_to_block(ordinary);
        self.b.seal_block(ordinary);
        let head = self.b.ins().load(I64, trusted(), r.word, FRAME_CHAIN);
        self.b.ins().store(trusted(), head, r.base, rec::PREV);
        let fp = self.b.ins().get_frame_pointer(I64);
        self.b
            .ins()
            .store(trusted(), fp, r.base, rec::FRAME_POINTER);
        // No site yet: the runtime probes a frame suspended at a call, after its site's store.
        let zero = self.b.ins().iconst(I32, 0);
        if let Some(dictionary) = dictionary {
            self.b
                .ins()
                .store(trusted(), dictionary, r.base, rec::DICTIONARY);
        }
        for (k, c) in self.eh.regions.clauses.clone().iter().enumerate() {
            if matches!(c.handler, Handler::Filter(_)) {
                let at = rec::clause_offset(k as u32) + rec::VERDICT;
                self.b.ins().store(trusted(), zero, r.base, at);
            }
        }
        self.b.ins().store(trusted(), r.base, r.word, FRAME_CHAIN);
        Some(probe)
    }

    /// In the ordinary entry: the variables' first values (arguments, zeroed locals).
    pub(super) fn store_record_homes(&mut self, homes: &RecordHomes) {
        for &(addr, value) in &homes.stores {
            self.b.ins().store(trusted(), value, addr, 0);
        }
        for home in &homes.locals {
            if let Home::Struct(addr, layout) = *home {
                self.zero_struct(addr, layout);
            }
        }
    }

    /// Before a return: pops the record (a probe, which never pushed one, leaves the chain).
    pub(super) fn pop_record(&mut self) {
        let Some(r) = self.frame else {
            return;
        };
        let prev = self.b.ins().load(I64, trusted(), r.base, rec::PREV);
        let head = self.b.ins().load(I64, trusted(), r.word, FRAME_CHAIN);
        let head = self.b.ins().select(r.is_probe, head, prev);
        self.b.ins().store(trusted(), head, r.word, FRAME_CHAIN);
    }

    /// Before a call at the current instruction: stores its site (first covering clause + 1).
    /// In a probe, the filters' calls store into the probed frame's record: the runtime puts
    /// its site back after the probe.
    pub(super) fn store_site(&mut self) {
        let Some(r) = self.frame else {
            return;
        };
        let site = self.eh.regions.entry(self.eh.offset).map_or(0, |k| k + 1);
        let site = self.b.ins().iconst(I32, site as i64);
        self.b.ins().store(trusted(), site, r.base, rec::SITE);
    }

    /// Returns a zero value of the method's return type.
    pub(super) fn return_zero(&mut self) {
        let values: Vec<Value> = match self.input.shape.abi_ret() {
            Some(kind) => vec![self.zero(kind.machine())],
            None => Vec::new(),
        };
        self.b.ins().return_(&values);
    }

    /// Fills the probe's block: clears the probe word, offers the record's exception to the
    /// clauses of the record's site, stores the outcome and returns.
    pub(super) fn emit_probe_entry(&mut self, probe: Block) -> Res<()> {
        let Some(r) = self.frame else {
            return Ok(());
        };
        self.b.switch_to_block(probe);
        self.b.seal_block(probe);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().store(trusted(), zero, r.word, PROBE_RECORD);
        let exc = self
            .b
            .ins()
            .load(I64, trusted(), r.base, rec::PROBE_EXCEPTION);
        let exc_var = self.b.declare_var(I64);
        self.b.def_var(exc_var, exc);
        let site = self.b.ins().load(I32, trusted(), r.base, rec::SITE);
        let taken = self.b.create_block();
        self.b.set_cold_block(taken);
        let declined = self.b.create_block();
        self.b.set_cold_block(declined);
        let n = self.eh.regions.clauses.len();
        let entries: Vec<Block> = (0..n).map(|_| self.b.create_block()).collect();
        let default = self.b.func.dfg.block_call(declined, &[]);
        let mut calls = vec![self.b.func.dfg.block_call(declined, &[])];
        for &block in &entries {
            calls.push(self.b.func.dfg.block_call(block, &[]));
        }
        let table = self
            .b
            .create_jump_table(JumpTableData::new(default, &calls));
        self.b.ins().br_table(site, table);
        // One step per clause, each going on to the next clause's step: dispatch's order.
        for (k, &block) in entries.iter().enumerate() {
            self.b.switch_to_block(block);
            let step = match self.eh.regions.clauses[k].handler {
                Handler::Catch(_) | Handler::Filter(_) => vec![k],
                Handler::Finally | Handler::Fault => Vec::new(),
            };
            let next = self.eh.regions.next(k).map_or(declined, |j| entries[j]);
            self.probe_then(&step, exc_var, taken, next)?;
        }
        for (block, outcome) in [(taken, rec::PROBE_TAKEN), (declined, rec::PROBE_DECLINED)] {
            self.b.switch_to_block(block);
            let value = self.b.ins().iconst(I32, i64::from(outcome));
            self.b
                .ins()
                .store(trusted(), value, r.base, rec::PROBE_RESULT);
            self.return_zero();
        }
        Ok(())
    }

    /// The catch and filter clauses dispatch offers an exception to from clause `first` on
    /// (it included), in order.
    pub(super) fn catch_chain_from(&self, first: Option<usize>) -> Vec<usize> {
        let regions = &self.eh.regions;
        let mut chain = Vec::new();
        let mut next = first;
        while let Some(k) = next {
            if matches!(
                regions.clauses[k].handler,
                Handler::Catch(_) | Handler::Filter(_)
            ) {
                chain.push(k);
            }
            next = regions.next(k);
        }
        chain
    }

    /// Where an exception raised at `offset` goes, given `ordinary` (its landing or dispatch):
    /// inside a filter's code in a probe, to a block that records the filter's exception and
    /// returns from the probe with it pending ([`Self::emit_filter_exits`] fills it); `exc`,
    /// when given, is the exception (a `throw`), else it is already pending.
    pub(super) fn filter_exit(
        &mut self,
        offset: u32,
        ordinary: Block,
        exc: Option<Value>,
    ) -> Block {
        let (Some(_), Some(clause)) = (self.frame, self.eh.regions.filter_at(offset)) else {
            return ordinary;
        };
        let test = self.b.create_block();
        self.b.set_cold_block(test);
        self.filter_exits.push(FilterExit {
            test,
            clause,
            ordinary,
            exc,
        });
        test
    }

    /// Fills the blocks [`Self::filter_exit`] created. Called once, last.
    pub(super) fn emit_filter_exits(&mut self) {
        let Some(r) = self.frame else {
            return;
        };
        for exit in std::mem::take(&mut self.filter_exits) {
            let escape = self.b.create_block();
            self.b.set_cold_block(escape);
            self.b.switch_to_block(exit.test);
            self.b
                .ins()
                .brif(r.is_probe, escape, &[], exit.ordinary, &[]);
            self.b.switch_to_block(escape);
            if let Some(exc) = exit.exc {
                self.b.ins().store(trusted(), exc, r.word, 0);
            }
            let at = rec::clause_offset(exit.clause as u32);
            let judged = self
                .b
                .ins()
                .load(I64, trusted(), r.base, rec::PROBE_EXCEPTION);
            self.b
                .ins()
                .store(trusted(), judged, r.base, at + rec::JUDGED);
            let escapes = self.b.ins().iconst(I32, i64::from(rec::ESCAPES));
            self.b
                .ins()
                .store(trusted(), escapes, r.base, at + rec::VERDICT);
            let outcome = self.b.ins().iconst(I32, i64::from(rec::PROBE_ESCAPED));
            self.b
                .ins()
                .store(trusted(), outcome, r.base, rec::PROBE_RESULT);
            self.return_zero();
        }
    }

    /// The first pass from the dispatch of `finally` or `fault` clause `clause` for `exc`:
    /// helper `FirstPass` probes this frame's later clauses (its record's site is the clause
    /// after this one), then the callers' frames. When it answers that a filter further out
    /// threw (this frame is abandoned), dispatch goes on at `skip` without running the handler,
    /// else at `run`. A method without a record tests its later `catch` clauses here (class
    /// tests, no side effects) and calls `FirstPass` only when none takes the exception: the
    /// runtime does not judge the calling frame when it has no record. Where threads have no
    /// block, the method's later clauses are probed here when a filter is among them, and the
    /// callers are not.
    pub(super) fn first_pass(
        &mut self,
        clause: usize,
        exc_var: Variable,
        (run, skip): (Block, Block),
    ) -> Res<()> {
        let later = self.catch_chain_from(self.eh.regions.next(clause));
        if !self.env.frame_records() {
            let regions = &self.eh.regions;
            match later
                .iter()
                .any(|&k| matches!(regions.clauses[k].handler, Handler::Filter(_)))
            {
                true => self.probe_then(&later, exc_var, run, run)?,
                false => {
                    self.b.ins().jump(run, &[]);
                }
            }
            return Ok(());
        }
        match self.frame {
            Some(r) => {
                let site = self.eh.regions.next(clause).map_or(0, |k| k + 1);
                let site = self.b.ins().iconst(I32, site as i64);
                self.b.ins().store(trusted(), site, r.base, rec::SITE);
            }
            None if !later.is_empty() => {
                let callers = self.b.create_block();
                self.b.set_cold_block(callers);
                self.probe_then(&later, exc_var, run, callers)?;
                self.b.switch_to_block(callers);
                self.b.seal_block(callers);
            }
            None => {}
        }
        let exc = self.b.use_var(exc_var);
        let helper = self.helper(HelperId::FirstPass);
        let sig = self.helper_sig(HelperId::FirstPass);
        let call = self.b.ins().call_indirect(sig, helper, &[exc]);
        let abandoned = self.b.inst_results(call)[0];
        self.b.ins().brif(abandoned, skip, &[], run, &[]);
        Ok(())
    }

    /// The verdict word of filter clause `clause` in the record, when the method has one.
    pub(super) fn verdict_address(&self, clause: usize) -> Option<(Value, i32)> {
        let r = self.frame?;
        Some((r.base, rec::clause_offset(clause as u32)))
    }

    /// A filter's recorded verdict "escapes": the exception the probe kept.
    pub(super) fn escaped_exception(&mut self) -> Option<Value> {
        let r = self.frame?;
        Some(self.b.ins().load(I64, trusted(), r.base, rec::ESCAPED))
    }
}

/// A block [`Translator::filter_exit`] created, filled last.
pub(super) struct FilterExit {
    test: Block,
    clause: usize,
    ordinary: Block,
    exc: Option<Value>,
}
