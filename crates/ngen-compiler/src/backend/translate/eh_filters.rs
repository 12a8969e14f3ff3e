//! Filters before `finally` within a method: the first pass of ECMA-335's two-pass
//! exception handling (I.12.4.2.5), for the clauses of one method.
//!
//! ## Model
//! EH v1 dispatches in one pass ([`super::eh`]): a `finally` or `fault` clause's handler
//! runs when dispatch reaches it, and only then are the clauses after it offered the
//! exception. ECMA-335 and mono first find the handler, evaluating every filter on the way,
//! and only then run the `finally` handlers between. Within one method this module does the
//! same: the dispatch of a `finally`/`fault` clause whose chain ([`super::regions::Regions::next`])
//! holds a filter first *probes* the chain, clause by clause until one would take the
//! exception: a `catch T` by its class test (no side effects), a filter by running its code.
//! A probed filter's `endfilter` records its verdict, with the exception it judged, in two
//! variables of the clause and returns to the probe (a `br_table` on a per-filter return
//! index, as `endfinally`'s continuations); when dispatch later reaches the filter with the
//! same exception, it uses the verdict instead of running the filter again. Then the
//! `finally` runs as before. That inline probe serves code without frame records (the
//! translator's unit tests): elsewhere the runtime's first pass (helper `FirstPass`,
//! [`super::eh_frames`]) probes this frame and its callers, each by running this module's
//! probe in probe mode, over the clauses of the suspended call's site. A method with a frame
//! record keeps its verdicts there (the probe runs in another activation of the method and
//! records them for this one), else in variables.
//!
//! Depends on: [`super::eh`] (dispatch, the clause variables), [`super::regions`],
//! [`super::eh_frames`] (the record).
//! Citations: ECMA-335 I.12.4.2.5 (two passes), III.3.34 (`endfilter`); mono's
//! `mono_handle_exception_internal` (`mono/mini/mini-exceptions.c`, first pass, then second).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, TrapCode, Type, Value};
use cranelift_frontend::Variable;

use super::regions::Handler;
use super::{Res, Translator, trusted};
use crate::types::StackType;
use ngen_abi::eh_frames as rec;

/// A recorded verdict: none yet (the variables start at zero), accepted, declined.
const ACCEPTED: i64 = rec::ACCEPTED as i64;
const DECLINED: i64 = rec::DECLINED as i64;

/// Per filter clause: the variables and blocks of its probes.
#[derive(Clone, Default)]
pub(super) struct FilterProbe {
    /// The verdict recorded by a probe (0, [`ACCEPTED`], [`DECLINED`]).
    verdict: Option<Variable>,
    /// The exception the verdict is about.
    judged: Option<Variable>,
    /// Where `endfilter` returns: 0 to ordinary dispatch, `k` to `returns[k - 1]`.
    return_index: Option<Variable>,
    returns: Vec<Block>,
    /// `endfilter`'s probe exit (params: verdict `I32`, exception `I64`), filled last.
    exit: Option<Block>,
}

impl<'a, 'f> Translator<'a, 'f> {
    fn probe_var(
        &mut self,
        clause: usize,
        pick: fn(&mut FilterProbe) -> &mut Option<Variable>,
        ty: Type,
    ) -> Variable {
        if let Some(v) = *pick(&mut self.eh.probes[clause]) {
            return v;
        }
        let v = self.b.declare_var(ty);
        *pick(&mut self.eh.probes[clause]) = Some(v);
        v
    }

    fn verdict_var(&mut self, clause: usize) -> Variable {
        self.probe_var(clause, |p| &mut p.verdict, I32)
    }

    fn judged_var(&mut self, clause: usize) -> Variable {
        self.probe_var(clause, |p| &mut p.judged, I64)
    }

    fn return_index_var(&mut self, clause: usize) -> Variable {
        self.probe_var(clause, |p| &mut p.return_index, I32)
    }

    /// A word of filter `clause`'s recorded verdict, `field` ([`rec::VERDICT`], `I32`, or
    /// [`rec::JUDGED`], the exception, `I64`): in the frame record when the method has one (a
    /// probe from the runtime's first pass records it there, `eh_frames.rs`), else in a
    /// variable.
    fn read_recorded(&mut self, clause: usize, field: i32) -> Value {
        let ty = if field == rec::VERDICT { I32 } else { I64 };
        match self.verdict_address(clause) {
            Some((base, at)) => self.b.ins().load(ty, trusted(), base, at + field),
            None => {
                let var = self.recorded_var(clause, field);
                self.b.use_var(var)
            }
        }
    }

    fn write_recorded(&mut self, clause: usize, field: i32, value: Value) {
        match self.verdict_address(clause) {
            Some((base, at)) => {
                self.b.ins().store(trusted(), value, base, at + field);
            }
            None => {
                let var = self.recorded_var(clause, field);
                self.b.def_var(var, value);
            }
        }
    }

    fn recorded_var(&mut self, clause: usize, field: i32) -> Variable {
        match field == rec::VERDICT {
            true => self.verdict_var(clause),
            false => self.judged_var(clause),
        }
    }

    fn read_verdict(&mut self, clause: usize) -> Value {
        self.read_recorded(clause, rec::VERDICT)
    }

    fn write_verdict(&mut self, clause: usize, verdict: Value) {
        self.write_recorded(clause, rec::VERDICT, verdict);
    }

    /// Whether a probe recorded a verdict on `exc` for filter `clause`, and whether it
    /// accepted.
    fn known_verdict(&mut self, clause: usize, exc: Value) -> (Value, Value) {
        let verdict = self.read_verdict(clause);
        let judged = self.read_recorded(clause, rec::JUDGED);
        let same = self.b.ins().icmp(IntCC::Equal, judged, exc);
        let known = self.b.ins().icmp_imm_s(IntCC::NotEqual, verdict, 0);
        let known = self.b.ins().band(same, known);
        let accepted = self.b.ins().icmp_imm_s(IntCC::Equal, verdict, ACCEPTED);
        (known, accepted)
    }

    /// In the current block: offers the exception in `exc_var` to each clause of `chain`
    /// without running any handler, until one would take it, then jumps to `then`, or to
    /// `none` when none does. The exception is read from the variable at each step: a
    /// filter's code returns into the probe through a `br_table`, so no value of this block
    /// dominates the steps after it.
    pub(super) fn probe_then(
        &mut self,
        chain: &[usize],
        exc_var: Variable,
        then: Block,
        none: Block,
    ) -> Res<()> {
        for &k in chain {
            let next = self.b.create_block();
            self.b.set_cold_block(next);
            match self.eh.regions.clauses[k].handler {
                Handler::Catch(token) => {
                    let exc = self.b.use_var(exc_var);
                    // `catch object` takes everything: the probe ends here.
                    let hit = self.catch_test(k, token, exc)?;
                    let hit = hit.unwrap_or_else(|| self.b.ins().iconst(I32, 1));
                    self.b.ins().brif(hit, then, &[], next, &[]);
                }
                Handler::Filter(start) => {
                    // Already judged this exception (an inner `finally`'s probe): reuse.
                    let exc = self.b.use_var(exc_var);
                    let (known, accepted) = self.known_verdict(k, exc);
                    let reuse = self.b.create_block();
                    let run = self.b.create_block();
                    self.b.ins().brif(known, reuse, &[], run, &[]);
                    self.b.switch_to_block(reuse);
                    self.b.seal_block(reuse);
                    self.b.ins().brif(accepted, then, &[], next, &[]);

                    // Run the filter, returning to `back`, which goes on by its verdict.
                    self.b.switch_to_block(run);
                    self.b.seal_block(run);
                    let back = self.b.create_block();
                    self.b.set_cold_block(back);
                    self.eh.probes[k].returns.push(back);
                    let index = self.eh.probes[k].returns.len() as i64;
                    let return_index = self.return_index_var(k);
                    let index = self.b.ins().iconst(I32, index);
                    self.b.def_var(return_index, index);
                    let held = self.held(k);
                    let exc = self.b.use_var(exc_var);
                    self.b.def_var(held, exc);
                    let (filter, args) = self.edge(start, &[(exc, StackType::O)])?;
                    self.b.ins().jump(filter, &args);
                    self.b.switch_to_block(back);
                    let verdict = self.read_verdict(k);
                    let accepted = self.b.ins().icmp_imm_s(IntCC::Equal, verdict, ACCEPTED);
                    self.b.ins().brif(accepted, then, &[], next, &[]);
                }
                Handler::Finally | Handler::Fault => {
                    self.b.ins().jump(next, &[]);
                }
            }
            self.b.switch_to_block(next);
        }
        self.b.ins().jump(none, &[]);
        Ok(())
    }

    /// At a filter's dispatch: when a probe already judged `exc`, branches to `accepted` or
    /// `declined` by that verdict (and forgets it), or to `escaped` when the filter threw in
    /// the probe; otherwise continues in a new current block, where the filter is to run.
    pub(super) fn reuse_probed_verdict(
        &mut self,
        clause: usize,
        exc: Value,
        (accepted, declined): (Block, Block),
        escaped: Option<Block>,
    ) {
        let verdict = self.read_verdict(clause);
        let (known, took) = self.known_verdict(clause, exc);
        let reuse = self.b.create_block();
        let run = self.b.create_block();
        self.b.ins().brif(known, reuse, &[], run, &[]);
        self.b.switch_to_block(reuse);
        self.b.seal_block(reuse);
        let zero = self.b.ins().iconst(I32, 0);
        self.write_verdict(clause, zero);
        if let Some(escaped) = escaped {
            let escapes = self
                .b
                .ins()
                .icmp_imm_s(IntCC::Equal, verdict, i64::from(rec::ESCAPES));
            let judged = self.b.create_block();
            self.b.ins().brif(escapes, escaped, &[], judged, &[]);
            self.b.switch_to_block(judged);
            self.b.seal_block(judged);
        }
        self.b.ins().brif(took, accepted, &[], declined, &[]);
        self.b.switch_to_block(run);
        self.b.seal_block(run);
    }

    /// At `endfilter` with `verdict` about `exc`: to the probe exit when a probe ran the
    /// filter, else on to a new current block (ordinary dispatch).
    pub(super) fn endfilter_probe_exit(&mut self, clause: usize, verdict: Value, exc: Value) {
        let return_index = self.return_index_var(clause);
        let index = self.b.use_var(return_index);
        let exit = match self.eh.probes[clause].exit {
            Some(b) => b,
            None => {
                let b = self.b.create_block();
                self.b.set_cold_block(b);
                self.b.append_block_param(b, I32);
                self.b.append_block_param(b, I64);
                self.eh.probes[clause].exit = Some(b);
                b
            }
        };
        let ordinary = self.b.create_block();
        self.b
            .ins()
            .brif(index, exit, &[verdict.into(), exc.into()], ordinary, &[]);
        self.b.switch_to_block(ordinary);
        self.b.seal_block(ordinary);
    }

    /// Fills each filter's probe exit: records the verdict and the exception, clears the
    /// return index and returns to the probe that ran it. Called once, last.
    pub(super) fn emit_probe_exits(&mut self) {
        for clause in 0..self.eh.probes.len() {
            let Some(exit) = self.eh.probes[clause].exit else {
                continue;
            };
            self.b.switch_to_block(exit);
            let params = self.b.block_params(exit).to_vec();
            let (verdict, exc) = (params[0], params[1]);
            let accepted = self.b.ins().iconst(I32, ACCEPTED);
            let declined = self.b.ins().iconst(I32, DECLINED);
            let verdict = self.b.ins().select(verdict, accepted, declined);
            self.write_verdict(clause, verdict);
            self.write_recorded(clause, rec::JUDGED, exc);
            let return_index = self.return_index_var(clause);
            let index = self.b.use_var(return_index);
            let zero = self.b.ins().iconst(I32, 0);
            self.b.def_var(return_index, zero);
            let returns = self.eh.probes[clause].returns.clone();
            // Index 0 never comes here (`endfilter` branched on it being set).
            let Some(&first) = returns.first() else {
                self.b.ins().trap(TrapCode::unwrap_user(1));
                continue;
            };
            let default = self.b.func.dfg.block_call(first, &[]);
            let mut calls = vec![self.b.func.dfg.block_call(first, &[])];
            for back in returns {
                calls.push(self.b.func.dfg.block_call(back, &[]));
            }
            let table = self
                .b
                .create_jump_table(JumpTableData::new(default, &calls));
            self.b.ins().br_table(index, table);
        }
    }
}
