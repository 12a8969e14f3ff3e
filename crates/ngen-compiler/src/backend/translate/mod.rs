//! IL to Cranelift IR for one method, in the Wasmtime style, split by concern as
//! rustc_codegen_cranelift is: this file owns the [`Translator`] (our `FunctionCx`) and the
//! dispatch; each opcode family lives in its own file.
//!
//! ## Model
//! A pre-pass ([`prepass`]) finds the IL block starts (branch targets and the instructions
//! after branches) and checks every target is an instruction boundary. Translation then walks
//! blocks from a worklist ([`control`]): a block's entry stack shape (ECMA-335 III.1.7.5) is
//! fixed by the first edge that reaches it, and becomes typed CLIF block parameters; later
//! edges must agree ([`stack`]). Arguments and locals are `Variable`s, except address-taken
//! ones (`ldarga`/`ldloca`), which live in stack slots ([`place`]). Checked operations branch
//! to cold blocks calling the throw helper ([`eh`]).
//!
//! The dispatch ([`Translator::instruction`]) only routes: [`Family::of`] names the file that
//! handles an opcode (ECMA-335 Partition III: prefixes ch. 2, base instructions ch. 3, object
//! model ch. 4), and every other opcode is an exclusion ("unsupported opcode"). A unit test
//! routes every `Opcode::ALL`.
//!
//! | file | opcodes |
//! |---|---|
//! | [`place`] | `ldarg*`, `ldarga*`, `starg*`, `ldloc*`, `ldloca*`, `stloc*` |
//! | [`stack`] | `ldnull`, `ldc.*`, `dup`, `pop` |
//! | [`control`] | `br*`, `brtrue*`, `brfalse*`, `b<cc>*`, `switch`, `ret` |
//! | [`arith`] | `add`…`xor`, `.ovf` forms, `shl`, `shr*`, `neg`, `not`, `ceq`, `cgt*`, `clt*`, `ckfinite` |
//! | [`conv`] | `conv.*`, `conv.ovf.*` |
//! | [`memory`] | `ldind.*`, `stind.*`, `localloc`, `cpblk`, `initblk` |
//! | [`array`] | `newarr`, `ldlen`, `ldelem*`, `stelem*`, `ldelema` |
//! | [`object_model`] | `ldstr`, `ldsfld`, `stsfld`, `ldsflda`, `ldfld`, `stfld`, `ldflda`, `castclass`, `isinst` |
//! | [`fields`] | `ldfld`, `stfld`, `ldflda` (routed through [`object_model`]) |
//! | [`value_types`] | `initobj`, `ldobj`, `stobj`, `cpobj`, `sizeof`, `box`, `unbox`, `unbox.any` |
//! | [`call`] | `call`, `callvirt`, `constrained.`, `newobj` |
//! | [`delegates`] | `ldftn`, `ldvirtftn`; a delegate's `newobj` and `Invoke` (routed through [`call`]) |
//! | [`intrinsics`] | calls expanded in place: array initialisers, literal folding |
//! | [`span_intrinsics`], [`unsafe_intrinsics`] | `ByReference<T>`, `Span<T>`, `Unsafe` calls expanded in place (routed through [`call`]) |
//! | [`math`] | `System.Math` calls as instructions (`Sqrt`, `Abs`, integer `Min`/`Max`) |
//! | [`inline`] | direct calls expanded in place: the IL inliner ([`inline_select`] chooses) |
//! | [`eh`] | `throw`, `rethrow`, `leave*`, `endfinally`, `endfilter`; the check after calls |
//! | this file | `nop`, `tail.`, `volatile.`, `unaligned.` (ignored prefixes) |
//!
//! ## Invariants
//! Anything outside the supported subset, or malformed, returns a [`Reject`] (the exclusion
//! reason; the dispatch attaches the instruction's IL offset once): the caller excludes the
//! method; nothing is ever guessed, and nothing panics on bad IL. Reasons are part of the image
//! header and report, so their text is stable (`… at IL_001a`).
//!
//! ## Deliberately not done
//! Parts of the object model (issue 7) are rejected by the dispatch; `object_model.rs` holds
//! only what exists today. Exception handling is EH v1 ([`eh`], [`regions`]).
//!
//! ## Debugging
//! `NGEN_DUMP_CLIF=1` prints the CLIF of every AOT-compiled method.
//!
//! Depends on: cranelift-codegen/frontend, `ngen_metadata::il`, [`crate::types`], [`super::env`],
//! and `crate::method` (only for [`MethodInput::of`]).

mod alloc;
mod arith;
mod array;
mod array_md;
mod bounds;
mod buffer_intrinsics;
mod call;
mod check_facts;
mod control;
mod conv;
mod delegates;
mod eh;
mod eh_filters;
mod eh_frames;
mod fields;
mod inline;
mod inline_select;
mod intrinsics;
mod math;
mod memory;
mod object_model;
mod place;
mod prepass;
mod profile;
mod regions;
mod reject;
pub(crate) mod seq_points;
mod span_intrinsics;
mod stack;
mod typed_refs;
mod unsafe_intrinsics;
mod value_types;

use std::collections::HashMap;

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, Function, InstBuilder, MemFlagsData, SigRef, SourceLoc, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::CellKey;
use ngen_metadata::Token;
use ngen_metadata::body::ExceptionClause;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::cells;
use super::env::TranslateEnv;
use super::helpers::HelperSigs;
use crate::method::PreparedMethod;
use crate::types::{IlType, MethodShape, StackType};
use place::Home;
use prepass::Prepass;
use stack::{IlBlock, Stack};

/// Everything the translator needs about the method being compiled.
pub(crate) struct MethodInput<'a> {
    pub shape: &'a MethodShape,
    /// The class-initialisation checks to emit on entry, in order.
    pub class_inits: &'a [CellKey],
    pub locals: &'a [IlType],
    pub instrs: &'a [Instruction<'a>],
    /// The body's exception-handling clauses, in metadata order.
    pub clauses: &'a [ExceptionClause],
    /// `this` is an object reference (an instance method of a class), else a `&`.
    pub this_is_object: bool,
    /// Whether the IL inliner may expand calls ([`inline`]; callers turn it off to retry a
    /// method whose inlined code failed).
    pub inlining: bool,
}

impl<'a> MethodInput<'a> {
    /// The input for a method [`crate::method::prepare`] has decoded.
    pub fn of(prepared: &'a PreparedMethod<'a>) -> Self {
        MethodInput {
            shape: &prepared.shape,
            class_inits: &prepared.class_inits,
            locals: &prepared.locals,
            instrs: &prepared.instrs,
            clauses: &prepared.clauses,
            this_is_object: prepared.this_is_object,
            inlining: true,
        }
    }
}

pub(crate) use inline_select::{InlineBody, inline_body_of};
pub(crate) use reject::Reject;
pub(crate) use stack::ldc_i4_value;

type Res<T> = Result<T, Reject>;

fn at(offset: u32) -> String {
    format!("IL_{offset:04x}")
}

/// Translates `input` into `func` (whose signature must already be set). On failure `fctx`
/// is reset so it can be reused for the next method. Returns, per IL offset, the IL offset a
/// stack trace shows for it ([`seq_points`]); each instruction's code carries its own IL
/// offset as its source location.
pub(crate) fn translate(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    input: &MethodInput<'_>,
    env: &mut dyn TranslateEnv,
) -> Res<Vec<(u32, u32)>> {
    let result = translate_inner(func, fctx, input, env);
    if result.is_err() {
        *fctx = FunctionBuilderContext::new();
    }
    result
}

fn translate_inner(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    input: &MethodInput<'_>,
    env: &mut dyn TranslateEnv,
) -> Res<Vec<(u32, u32)>> {
    let mut prepass = Prepass::run(input.instrs)?;
    let code_end = input.instrs.last().map(|i| i.next_offset()).unwrap_or(0);
    let regions = regions::Regions::new(
        input.clauses,
        |o| prepass.index_of.contains_key(&o),
        code_end,
    )?;
    prepass.block_starts.extend(regions.block_starts());
    prepass.safe_regions =
        bounds::safe_regions(input.instrs, input.locals, &regions.block_starts());
    // The calls to expand in place, gathered up front so that their decoded bodies outlive
    // the translation ([`inline_select`]).
    let collected = match input.inlining {
        true => inline_select::Collected::of(input.instrs, env),
        false => inline_select::Collected::default(),
    };
    let decoded = collected
        .bodies
        .iter()
        .map(|(token, body)| {
            let instrs = ngen_metadata::il::decode(&body.code).collect::<Result<Vec<_>, _>>();
            (*token, instrs.unwrap_or_default())
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    let inlines = inline::Inlines {
        inputs: collected
            .bodies
            .iter()
            .map(|(token, body)| {
                let input = MethodInput {
                    shape: &body.shape,
                    class_inits: &[],
                    locals: &body.locals,
                    instrs: &decoded[token],
                    clauses: &[],
                    this_is_object: body.this_is_object,
                    inlining: true,
                };
                (*token, (input, body.reason))
            })
            .collect(),
        sites: Some(&collected.sites),
        ctor_sites: Some(&collected.ctor_sites),
    };
    // Debug code with symbols shows each instruction's own IL offset, as `mono --debug` does.
    let seq = match env.exact_il_offsets() {
        true => seq_points::SeqPoints::exact(input.instrs),
        false => seq_points::SeqPoints::default(),
    };
    let b = FunctionBuilder::new(func, fctx);
    let mut t = Translator {
        b,
        env,
        input,
        prepass,
        blocks: HashMap::new(),
        worklist: Vec::new(),
        args: Vec::new(),
        locals: Vec::new(),
        throw_blocks: Vec::new(),
        eh: eh::EhState::new(regions),
        sigs: HashMap::new(),
        helper_sigs: HelperSigs::default(),
        constraint: None,
        literal_before: None,
        ret_buffer: None,
        seq,
        inlines: &inlines,
        inline: inline::InlineState::default(),
        facts: check_facts::CheckFacts::default(),
        pending_word: None,
        frame: None,
        filter_exits: Vec::new(),
    };
    // The prologue (the class-initialisation check and its cold path) belongs to no
    // instruction.
    t.b.set_srcloc(SourceLoc::new(crate::il_offsets::NO_IL_OFFSET));
    t.run().map_err(|reject| reject.inlining(t.inline.any))?;
    t.emit_filter_exits();
    t.emit_finally_exits();
    t.emit_probe_exits();
    t.b.seal_all_blocks();
    let config = t.env.frontend_config();
    t.b.finalize(config);
    Ok(t.seq.into_reported())
}

impl Translator<'_, '_> {
    /// The entry block, then every IL block and EH block reached.
    fn run(&mut self) -> Res<()> {
        self.entry()?;
        // Handlers are reached only through the EH blocks, which are filled between rounds.
        loop {
            while let Some(start) = self.worklist.pop() {
                self.translate_block(start)?;
            }
            let threw = self.emit_throw_blocks();
            if !self.emit_eh_blocks()? && !threw && self.worklist.is_empty() {
                return Ok(());
            }
        }
    }
}

/// A cold block raising `kind`: its first covering clause, (the IL offset a trace shows, the
/// IL offset of the first instruction using it), and the block.
type ThrowBlock = (ExceptionKind, Option<usize>, (u32, u32), Block);

/// What to do after an instruction.
enum Flow {
    Next,
    /// This instruction and the next were translated together (an intrinsic).
    Fused,
    End,
}

/// The state of one method's translation (rustc_codegen_cranelift's `FunctionCx`). Its
/// fields are private to this module tree: the family files are its children.
struct Translator<'a, 'f> {
    b: FunctionBuilder<'f>,
    env: &'a mut dyn TranslateEnv,
    input: &'a MethodInput<'a>,
    prepass: Prepass,
    blocks: HashMap<u32, IlBlock>,
    worklist: Vec<u32>,
    args: Vec<Home>,
    locals: Vec<Home>,
    /// Cold blocks raising an exception, by kind, first covering clause and the IL offset a
    /// trace shows; with the IL offset of the first instruction using it (its source location).
    throw_blocks: Vec<ThrowBlock>,
    eh: eh::EhState,
    sigs: HashMap<MethodShape, SigRef>,
    helper_sigs: HelperSigs,
    /// The type of a pending `constrained.` prefix.
    constraint: Option<Token>,
    /// The value of an `ldc.r8` immediately before the current instruction in the same block
    /// (mono's JIT folds some BCL calls of such literals; not of `ldc.r4` ones, whose implicit
    /// widening it does not look through).
    literal_before: Option<f64>,
    /// The hidden buffer a struct-returning method writes its result to.
    ret_buffer: Option<Value>,
    /// Mono's sequence points, for the IL offsets of stack traces.
    seq: seq_points::SeqPoints,
    /// The calls this translation may expand in place, and their bodies.
    inlines: &'a inline::Inlines<'a>,
    /// The inliner's state ([`inline`]).
    inline: inline::InlineState,
    /// The array checks done so far in the block ([`check_facts`]).
    facts: check_facts::CheckFacts,
    /// This thread's pending-exception word, when computed once in the entry block
    /// ([`Translator::hoist_pending_word`]).
    pending_word: Option<Value>,
    /// The frame record of a method with filter clauses, or shared code with `catch` clauses
    /// ([`eh_frames`]).
    frame: Option<eh_frames::FrameRecord>,
    /// Blocks leaving a filter's code in a probe, filled last ([`eh_frames`]).
    filter_exits: Vec<eh_frames::FilterExit>,
}

/// The file (opcode family) that translates an opcode: the dispatch's routing table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// `nop` (III.3.51) and the prefixes that need no code: `tail.`, `unaligned.`,
    /// `volatile.` (III.2.4-2.6).
    Nop,
    /// `constrained.` (III.2.1), consumed by the `callvirt` that follows.
    Constrained,
    /// [`place`]: argument and local access (III.3.38-3.39, 3.43-3.44, 3.61, 3.63).
    Variable,
    /// [`stack`]: constants, `dup`, `pop` (III.3.33, 3.40, 3.45, 3.54).
    Stack,
    /// [`control`]: branches, `switch`, `ret` (III.3.5-3.15, 3.17-3.18, 3.57, 3.66).
    Control,
    /// [`arith`]: arithmetic, bitwise, shifts, comparisons, `ckfinite` (III.3.1-3.3,
    /// 3.21-3.26, 3.31-3.32, 3.48-3.50, 3.52-3.53, 3.55-3.56, 3.58-3.60, 3.64-3.65, 3.67).
    Arith,
    /// [`conv`]: numeric conversions (III.3.27-3.29).
    Conv,
    /// [`memory`]: `ldind.*`, `stind.*`, `localloc`, `cpblk`, `initblk` (III.3.30, 3.36,
    /// 3.42, 3.47, 3.62).
    Memory,
    /// [`array`]: vectors (III.4.7-4.9, 4.12, 4.20, 4.26-4.27).
    Array,
    /// [`object_model`]: `ldstr`, `ldsfld`, `ldfld`, `stfld`, `ldflda` (III.4.10-4.11, 4.14,
    /// 4.16, 4.28).
    Object,
    /// [`call`]: `call`, `callvirt` (III.3.19, 4.2).
    Call,
    /// [`call`]: `newobj` (III.4.21).
    New,
    /// [`delegates`]: `ldftn`, `ldvirtftn` (III.3.41, 4.18).
    Ftn,
    /// [`eh`]: `throw`, `rethrow`, `leave`, `endfinally`, `endfilter` (III.4.31, 4.24,
    /// 3.46, 3.35, 3.34).
    Eh,
    /// [`value_types`]: `initobj`, `ldobj`, `stobj`, `cpobj`, `sizeof`, `box`, `unbox`,
    /// `unbox.any` (III.4.1, 4.4-4.5, 4.13, 4.25, 4.29, 4.32-4.33).
    ValueType,
    /// `mkrefany`, `refanyval`, `refanytype` (III.4.19, 4.23-4.24; `typed_refs.rs`).
    TypedRef,
}

impl Family {
    /// The family that handles `op`, or `None` when the translator does not support it.
    fn of(op: Opcode) -> Option<Family> {
        use Opcode as O;
        Some(match op {
            // `readonly.` (before `ldelema` in generic code) only relaxes a type check.
            O::Nop | O::Tail | O::Volatile | O::Unaligned | O::Readonly => Family::Nop,
            O::Constrained => Family::Constrained,
            O::Mkrefany | O::Refanyval | O::Refanytype => Family::TypedRef,
            O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 | O::LdargS | O::Ldarg => {
                Family::Variable
            }
            O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc => {
                Family::Variable
            }
            O::StargS | O::Starg | O::LdargaS | O::Ldarga | O::LdlocaS | O::Ldloca => {
                Family::Variable
            }
            O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc => {
                Family::Variable
            }
            O::Ldnull | O::LdcI4M1 | O::LdcI4_0 | O::LdcI4_1 | O::LdcI4_2 | O::LdcI4_3 => {
                Family::Stack
            }
            O::LdcI4_4 | O::LdcI4_5 | O::LdcI4_6 | O::LdcI4_7 | O::LdcI4_8 | O::LdcI4S => {
                Family::Stack
            }
            O::LdcI4 | O::LdcI8 | O::LdcR4 | O::LdcR8 | O::Dup | O::Pop => Family::Stack,
            O::Ret | O::Br | O::BrS | O::Brfalse | O::BrfalseS | O::Brtrue | O::BrtrueS => {
                Family::Control
            }
            O::Beq | O::BeqS | O::BneUn | O::BneUnS | O::Bge | O::BgeS | O::BgeUn | O::BgeUnS => {
                Family::Control
            }
            O::Bgt | O::BgtS | O::BgtUn | O::BgtUnS | O::Ble | O::BleS | O::BleUn | O::BleUnS => {
                Family::Control
            }
            O::Blt | O::BltS | O::BltUn | O::BltUnS | O::Switch => Family::Control,
            O::Add | O::Sub | O::Mul | O::Div | O::DivUn | O::Rem | O::RemUn => Family::Arith,
            O::And | O::Or | O::Xor | O::Shl | O::Shr | O::ShrUn | O::Neg | O::Not => Family::Arith,
            O::AddOvf | O::AddOvfUn | O::SubOvf | O::SubOvfUn | O::MulOvf | O::MulOvfUn => {
                Family::Arith
            }
            O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn | O::Ckfinite => Family::Arith,
            O::ConvI1 | O::ConvU1 | O::ConvI2 | O::ConvU2 | O::ConvI4 | O::ConvU4 => Family::Conv,
            O::ConvI8 | O::ConvU8 | O::ConvI | O::ConvU | O::ConvR4 | O::ConvR8 => Family::Conv,
            O::ConvRUn => Family::Conv,
            O::ConvOvfI1 | O::ConvOvfU1 | O::ConvOvfI2 | O::ConvOvfU2 | O::ConvOvfI4 => {
                Family::Conv
            }
            O::ConvOvfU4 | O::ConvOvfI8 | O::ConvOvfU8 | O::ConvOvfI | O::ConvOvfU => Family::Conv,
            O::ConvOvfI1Un | O::ConvOvfU1Un | O::ConvOvfI2Un | O::ConvOvfU2Un => Family::Conv,
            O::ConvOvfI4Un | O::ConvOvfU4Un | O::ConvOvfI8Un | O::ConvOvfU8Un => Family::Conv,
            O::ConvOvfIUn | O::ConvOvfUUn => Family::Conv,
            O::LdindI1 | O::LdindU1 | O::LdindI2 | O::LdindU2 | O::LdindI4 | O::LdindU4 => {
                Family::Memory
            }
            O::LdindI8 | O::LdindI | O::LdindR4 | O::LdindR8 | O::LdindRef => Family::Memory,
            O::StindI1 | O::StindI2 | O::StindI4 | O::StindI8 | O::StindI => Family::Memory,
            O::StindR4 | O::StindR8 | O::StindRef => Family::Memory,
            O::Localloc | O::Cpblk | O::Initblk => Family::Memory,
            O::Newarr | O::Ldlen | O::Ldelema | O::Ldelem | O::Stelem => Family::Array,
            O::LdelemI1 | O::LdelemU1 | O::LdelemI2 | O::LdelemU2 | O::LdelemI4 => Family::Array,
            O::LdelemU4 | O::LdelemI8 | O::LdelemI | O::LdelemR4 | O::LdelemR8 => Family::Array,
            O::LdelemRef => Family::Array,
            O::StelemI1 | O::StelemI2 | O::StelemI4 | O::StelemI8 | O::StelemI => Family::Array,
            O::StelemR4 | O::StelemR8 | O::StelemRef => Family::Array,
            O::Ldstr | O::Ldsfld | O::Stsfld | O::Ldsflda => Family::Object,
            O::Ldfld | O::Stfld | O::Ldflda => Family::Object,
            O::Castclass | O::Isinst => Family::Object,
            O::Call | O::Callvirt => Family::Call,
            O::Newobj => Family::New,
            O::Ldftn | O::Ldvirtftn => Family::Ftn,
            O::Initobj | O::Ldobj | O::Stobj | O::Cpobj | O::Sizeof => Family::ValueType,
            O::Box | O::Unbox | O::UnboxAny => Family::ValueType,
            O::Throw | O::Rethrow | O::Leave | O::LeaveS | O::Endfinally | O::Endfilter => {
                Family::Eh
            }
            _ => return None,
        })
    }
}

fn flags() -> MemFlagsData {
    MemFlagsData::new()
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'f> Translator<'a, 'f> {
    /// Translates `instrs[index]` (`first` is its block's first instruction), placing any
    /// reason at its IL offset: the one place offsets enter reasons.
    fn dispatch(&mut self, index: usize, first: usize, stack: &mut Stack) -> Res<Flow> {
        let instrs = self.input.instrs;
        let ins = &instrs[index];
        if self.inline.active() {
            // Inlined code is the call instruction's, for EH and traces ([`inline`]).
            return self.instruction(ins, index, first, stack);
        }
        self.eh.offset = ins.offset;
        self.b.set_srcloc(SourceLoc::new(ins.offset));
        let float_operand = matches!(stack.last(), Some((_, StackType::F4 | StackType::F8)));
        self.seq.branch(ins, float_operand);
        // Mono's points (`seq_points.rs`): an empty stack, a handler's or filter's start (always
        // a block's first instruction), a `nop`.
        let region_start = index == first
            && self.input.clauses.iter().any(|c| {
                c.handler_offset == ins.offset
                    || matches!(c.kind, ngen_metadata::ClauseKind::Filter(f) if f == ins.offset)
            });
        let point = stack.is_empty() || region_start || ins.opcode == Opcode::Nop;
        self.seq.before(ins, index == first, point);
        if matches!(ins.opcode, Opcode::Call | Opcode::Callvirt | Opcode::Newobj) {
            // The first pass asks this frame about the call's clauses (`eh_frames.rs`).
            self.store_site();
        }
        let flow = self
            .instruction(ins, index, first, stack)
            .map_err(|reject| reject.located(ins.offset))?;
        let no_point_after = ins.opcode == Opcode::Newobj
            && (seq_points::delegate_newobj(instrs, index, first) || {
                let token = Self::token(ins)?;
                let params = self
                    .env
                    .callee_shape(token)
                    .map_or(usize::MAX, |s| s.params.len());
                let member_ref = token.table() == Some(ngen_metadata::TableId::MemberRef);
                seq_points::corlib_exception_newobj(instrs, index, member_ref, params)
            });
        self.seq.after(ins, no_point_after);
        Ok(flow)
    }

    /// Translates one instruction: expands an intrinsic `ldtoken`, checks the pending prefix,
    /// then routes by [`Family`].
    fn instruction(
        &mut self,
        ins: &Instruction<'_>,
        index: usize,
        first: usize,
        stack: &mut Stack,
    ) -> Res<Flow> {
        if ins.opcode == Opcode::Ldtoken
            && (self.array_initializer(index, first, stack)?
                || self.md_array_initializer(index, stack)?)
        {
            // `ldtoken` and the `InitializeArray` call were translated together.
            return Ok(Flow::Fused);
        }
        if ins.opcode == Opcode::Ldtoken && self.type_of(index, stack)? {
            // `ldtoken T; call Type::GetTypeFromHandle` (`typeof(T)`) was one cell load.
            return Ok(Flow::Fused);
        }
        if self.constraint.is_some() && ins.opcode != Opcode::Callvirt {
            return Err(Reject::new("constrained. prefix not followed by callvirt"));
        }
        let Some(family) = Family::of(ins.opcode) else {
            return Err(Reject::new(format!(
                "unsupported opcode {}",
                ins.opcode.name()
            )));
        };
        match family {
            Family::Nop => {}
            Family::Constrained => self.constraint = Some(Self::token(ins)?),
            Family::Variable => self.translate_variable(ins, stack)?,
            Family::Stack => {
                self.translate_stack(ins, stack)?;
                if let Some(n) = stack::ldc_i4_value(ins) {
                    self.facts.note_const(stack.peek()?.0, i64::from(n));
                }
            }
            Family::Control => return self.translate_control(ins, stack),
            Family::Arith => {
                let operands = self.facts.operands(ins.opcode, stack);
                self.translate_arith(ins, stack)?;
                if let Some(operands) = operands {
                    self.facts.note_op(stack.peek()?.0, ins.opcode, operands);
                }
            }
            Family::Conv => self.translate_conv(ins, stack)?,
            Family::Memory => self.translate_memory(ins, stack)?,
            // `newarr` checks the pending exception itself (before it stores the method table).
            Family::Array => self.translate_array(ins, stack)?,
            Family::Object => self.translate_object_model(ins, stack)?,
            Family::Call => {
                self.translate_call(ins, stack)?;
                if !std::mem::take(&mut self.inline.expanded_call) {
                    self.check_pending();
                }
            }
            Family::New => {
                self.translate_newobj(ins, stack)?;
                if !std::mem::take(&mut self.inline.expanded_call) {
                    self.check_pending();
                }
            }
            // A cell's slow path checks the pending exception itself.
            Family::Ftn => self.translate_ldftn(ins, stack)?,
            Family::Eh => return self.translate_eh(ins, stack),
            // `box` checks the pending exception itself (before it stores the value).
            Family::ValueType => self.translate_value_type(ins, stack)?,
            Family::TypedRef => return self.translate_typed_ref(ins, index, stack),
        }
        Ok(Flow::Next)
    }

    /// The reason for an opcode the dispatch routed to a family that does not handle it (a
    /// translator bug, never bad input).
    fn misrouted(ins: &Instruction<'_>) -> Reject {
        Reject::new(format!(
            "internal: {} routed to the wrong family",
            ins.opcode.name()
        ))
    }

    fn token(ins: &Instruction<'_>) -> Res<Token> {
        match ins.operand {
            Operand::Token(t) => Ok(t),
            _ => Err(Reject::new("missing token operand")),
        }
    }

    // ---- helpers and cells -------------------------------------------------------------

    /// The import cell `ins` uses ([`cells::key_of`], as the AOT planner's scan decides).
    fn cell_key(ins: &Instruction<'_>, constraint: Option<Token>) -> Res<CellKey> {
        cells::key_of(ins, constraint).ok_or_else(|| Reject::new("missing token operand"))
    }

    fn helper(&mut self, id: HelperId) -> Value {
        let table = self.env.helper_table(&mut self.b);
        self.b.ins().load(I64, trusted(), table, id.table_offset())
    }

    /// The signature of helper `id`, imported into the function once.
    fn helper_sig(&mut self, id: HelperId) -> SigRef {
        let call_conv = self.env.call_conv();
        self.helper_sigs.get(id, self.b.func, call_conv)
    }

    /// Loads a cell's target, calling the resolve helper the first time.
    fn cell_target(&mut self, cell: Value) -> Value {
        let call_conv = self.env.call_conv();
        // Resolving may run a `.cctor` that throws: the slow path checks (EH v1).
        let landing = (self.resolve_landing(), self.pending_word());
        let (env, sigs) = (&mut self.env, &mut self.helper_sigs);
        cells::emit_cell_target(
            &mut self.b,
            cell,
            |b| env.helper_table(b),
            |b| sigs.get(HelperId::ResolveCell, b.func, call_conv),
            Some(landing),
        )
    }
}

#[cfg(test)]
mod eh_tests;
#[cfg(test)]
mod tests;
