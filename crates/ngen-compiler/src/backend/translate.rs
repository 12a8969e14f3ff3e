//! IL to Cranelift IR for one method, in the Wasmtime style.
//!
//! A pre-pass finds the IL block starts (branch targets and the instructions after branches)
//! and checks every target is an instruction boundary. Translation then walks blocks from a
//! worklist: a block's entry stack shape (ECMA-335 III.1.7.5) is fixed by the first edge that
//! reaches it, and becomes typed CLIF block parameters; later edges must agree. Arguments and
//! locals are `Variable`s, except address-taken ones (`ldarga`/`ldloca`), which live in stack
//! slots. Checked operations branch to cold blocks calling the throw helper.
//!
//! Anything outside the supported subset, or malformed, returns `Err(reason)`: the caller
//! excludes the method; nothing is ever guessed.
//!
//! Depends on: cranelift-codegen/frontend, `ngen_metadata::il`, [`crate::types`], [`super::env`],
//! and `crate::method` (only for [`MethodInput::of`]).

use std::collections::{BTreeSet, HashMap};

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, Function, InstBuilder, JumpTableData, MemFlagsData, SigRef,
    Signature, StackSlotData, StackSlotKind, TrapCode, Type, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::CELL_TARGET_OFFSET;
use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};
use ngen_metadata::Token;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::abi::{clif_signature, clif_type};
use super::env::{CallTarget, TranslateEnv};
use crate::method::PreparedMethod;
use crate::types::{MachineType, MethodShape, StackType, ValKind};

/// Everything the translator needs about the method being compiled.
pub(crate) struct MethodInput<'a> {
    pub shape: &'a MethodShape,
    pub locals: &'a [ValKind],
    pub instrs: &'a [Instruction<'a>],
}

impl<'a> MethodInput<'a> {
    /// The input for a method [`crate::method::prepare`] has decoded.
    pub fn of(prepared: &'a PreparedMethod<'a>) -> Self {
        MethodInput {
            shape: &prepared.shape,
            locals: &prepared.locals,
            instrs: &prepared.instrs,
        }
    }
}

type Res<T> = Result<T, String>;

fn at(offset: u32) -> String {
    format!("IL_{offset:04x}")
}

/// Translates `input` into `func` (whose signature must already be set). On failure `fctx`
/// is reset so it can be reused for the next method.
pub(crate) fn translate(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    input: &MethodInput<'_>,
    env: &mut dyn TranslateEnv,
) -> Res<()> {
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
) -> Res<()> {
    let prepass = Prepass::run(input.instrs)?;
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
        sigs: HashMap::new(),
        resolve_sig: None,
        throw_sig: None,
        new_array_sig: None,
        constraint: None,
        literal_before: None,
    };
    t.entry()?;
    while let Some(start) = t.worklist.pop() {
        t.translate_block(start)?;
    }
    t.emit_throw_blocks();
    t.b.seal_all_blocks();
    let config = t.env.frontend_config();
    t.b.finalize(config);
    Ok(())
}

/// Block starts and address-taken variables, computed before translation.
struct Prepass {
    index_of: HashMap<u32, usize>,
    block_starts: BTreeSet<u32>,
    address_taken_args: BTreeSet<u16>,
    address_taken_locals: BTreeSet<u16>,
}

impl Prepass {
    fn run(instrs: &[Instruction<'_>]) -> Res<Prepass> {
        let index_of: HashMap<u32, usize> = instrs
            .iter()
            .enumerate()
            .map(|(i, ins)| (ins.offset, i))
            .collect();
        let mut block_starts = BTreeSet::new();
        block_starts.insert(0);
        let mut address_taken_args = BTreeSet::new();
        let mut address_taken_locals = BTreeSet::new();
        let code_end = instrs.last().map(|i| i.next_offset()).unwrap_or(0);
        let check = |from: u32, target: u32| -> Res<()> {
            if index_of.contains_key(&target) {
                Ok(())
            } else if target < code_end {
                Err(format!(
                    "branch into the middle of an instruction (IL_{target:04x}) at {}",
                    at(from)
                ))
            } else {
                Err(format!(
                    "branch target IL_{target:04x} outside the method at {}",
                    at(from)
                ))
            }
        };
        for ins in instrs {
            match ins.operand {
                Operand::BranchTarget(target) => {
                    check(ins.offset, target)?;
                    block_starts.insert(target);
                    block_starts.insert(ins.next_offset());
                }
                Operand::Switch(targets) => {
                    for target in targets.iter() {
                        check(ins.offset, target)?;
                        block_starts.insert(target);
                    }
                    block_starts.insert(ins.next_offset());
                }
                _ => {}
            }
            match (ins.opcode, ins.operand) {
                (Opcode::Ret | Opcode::Throw | Opcode::Jmp, _) => {
                    block_starts.insert(ins.next_offset());
                }
                (Opcode::LdargaS | Opcode::Ldarga, Operand::Variable(n)) => {
                    address_taken_args.insert(n);
                }
                (Opcode::LdlocaS | Opcode::Ldloca, Operand::Variable(n)) => {
                    address_taken_locals.insert(n);
                }
                _ => {}
            }
        }
        Ok(Prepass {
            index_of,
            block_starts,
            address_taken_args,
            address_taken_locals,
        })
    }
}

/// Where an argument or local lives.
#[derive(Clone, Copy)]
enum Home {
    Var(Variable, ValKind),
    Slot(cranelift_codegen::ir::StackSlot, ValKind),
}

struct IlBlock {
    block: Block,
    shape: Vec<StackType>,
}

type Stack = Vec<(Value, StackType)>;

/// What to do after an instruction.
enum Flow {
    Next,
    End,
}

struct Translator<'a, 'f> {
    b: FunctionBuilder<'f>,
    env: &'a mut dyn TranslateEnv,
    input: &'a MethodInput<'a>,
    prepass: Prepass,
    blocks: HashMap<u32, IlBlock>,
    worklist: Vec<u32>,
    args: Vec<Home>,
    locals: Vec<Home>,
    throw_blocks: Vec<(ExceptionKind, Block)>,
    sigs: HashMap<MethodShape, SigRef>,
    resolve_sig: Option<SigRef>,
    throw_sig: Option<SigRef>,
    new_array_sig: Option<SigRef>,
    /// The type of a pending `constrained.` prefix.
    constraint: Option<Token>,
    /// The value of an `ldc.r8` immediately before the current instruction in the same block
    /// (mono's JIT folds some BCL calls of such literals; not of `ldc.r4` ones, whose implicit
    /// widening it does not look through).
    literal_before: Option<f64>,
}

/// How a call instruction dispatches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Call,
    /// `callvirt` to a non-virtual method: a null check, then a direct call.
    Callvirt,
    /// `constrained. T callvirt M` on a value-type address.
    Constrained(Token),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    DivUn,
    Rem,
    RemUn,
    And,
    Or,
    Xor,
    AddOvf,
    AddOvfUn,
    SubOvf,
    SubOvfUn,
    MulOvf,
    MulOvfUn,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    NeUn,
    Ge,
    GeUn,
    Gt,
    GtUn,
    Le,
    LeUn,
    Lt,
    LtUn,
}

/// Target of a `conv.*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ConvTo {
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    I,
    U,
}

impl ConvTo {
    fn result(self) -> StackType {
        match self {
            Self::I8 | Self::U8 => StackType::I8,
            Self::I | Self::U => StackType::I,
            _ => StackType::I4,
        }
    }
}

/// The constant an `ldc.i4*` pushes.
fn ldc_i4_value(ins: &Instruction<'_>) -> Option<i32> {
    use Opcode as O;
    Some(match (ins.opcode, ins.operand) {
        (O::LdcI4M1, _) => -1,
        (O::LdcI4_0, _) => 0,
        (O::LdcI4_1, _) => 1,
        (O::LdcI4_2, _) => 2,
        (O::LdcI4_3, _) => 3,
        (O::LdcI4_4, _) => 4,
        (O::LdcI4_5, _) => 5,
        (O::LdcI4_6, _) => 6,
        (O::LdcI4_7, _) => 7,
        (O::LdcI4_8, _) => 8,
        (O::LdcI4S, Operand::Int8(n)) => i32::from(n),
        (O::LdcI4, Operand::Int32(n)) => n,
        _ => return None,
    })
}

/// The kind of value a typed indirect or element access reads or writes: `ldind.*`,
/// `stind.*`, `ldelem.*` and `stelem.*` (the `.ref` forms included). `None` for any other
/// opcode, in particular the token forms `ldelem`/`stelem`, whose kind comes from the type
/// operand (see `Translator::array_kind`). Which of these opcodes are supported is decided
/// by the translator, not here.
fn access_kind(op: Opcode) -> Option<ValKind> {
    use Opcode as O;
    Some(match op {
        O::LdindI1 | O::StindI1 | O::LdelemI1 | O::StelemI1 => ValKind::I1,
        O::LdindU1 | O::LdelemU1 => ValKind::U1,
        O::LdindI2 | O::StindI2 | O::LdelemI2 | O::StelemI2 => ValKind::I2,
        O::LdindU2 | O::LdelemU2 => ValKind::U2,
        O::LdindI4 | O::StindI4 | O::LdelemI4 | O::StelemI4 => ValKind::I4,
        O::LdindU4 | O::LdelemU4 => ValKind::U4,
        O::LdindI8 | O::StindI8 | O::LdelemI8 | O::StelemI8 => ValKind::I8,
        O::LdindI | O::StindI | O::LdelemI | O::StelemI => ValKind::I,
        O::LdindR4 | O::StindR4 | O::LdelemR4 | O::StelemR4 => ValKind::R4,
        O::LdindR8 | O::StindR8 | O::LdelemR8 | O::StelemR8 => ValKind::R8,
        O::LdindRef | O::StindRef | O::LdelemRef | O::StelemRef => ValKind::Ref,
        _ => return None,
    })
}

fn flags() -> MemFlagsData {
    MemFlagsData::new()
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'f> Translator<'a, 'f> {
    // ---- setup -------------------------------------------------------------------------

    fn entry(&mut self) -> Res<()> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params: Vec<Value> = self.b.block_params(entry).to_vec();
        let arg_kinds = self.input.shape.arg_kinds();
        if params.len() != arg_kinds.len() {
            return Err("internal: signature/parameter mismatch".into());
        }
        for (i, (kind, value)) in arg_kinds.iter().zip(params).enumerate() {
            let taken = u16::try_from(i)
                .map(|n| self.prepass.address_taken_args.contains(&n))
                .unwrap_or(false);
            let home = self.new_home(*kind, taken);
            self.store_home(home, value);
            self.args.push(home);
        }
        for (i, kind) in self.input.locals.iter().enumerate() {
            let taken = u16::try_from(i)
                .map(|n| self.prepass.address_taken_locals.contains(&n))
                .unwrap_or(false);
            let home = self.new_home(*kind, taken);
            let zero = self.zero(kind.machine());
            self.store_home(home, zero);
            self.locals.push(home);
        }
        let first = self.edge(0, &[])?;
        self.b.ins().jump(first.0, &first.1);
        Ok(())
    }

    fn new_home(&mut self, kind: ValKind, address_taken: bool) -> Home {
        if address_taken {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                8,
                3,
            ));
            // Zero the full 8 bytes so narrower loads through pointers see clean bytes.
            let zero = self.b.ins().iconst(I64, 0);
            self.b.ins().stack_store(I64, zero, slot, 0);
            Home::Slot(slot, kind)
        } else {
            let var = self.b.declare_var(clif_type(kind.machine()));
            Home::Var(var, kind)
        }
    }

    fn zero(&mut self, m: MachineType) -> Value {
        match m {
            MachineType::I32 => self.b.ins().iconst(I32, 0),
            MachineType::I64 => self.b.ins().iconst(I64, 0),
            MachineType::F32 => self.b.ins().f32const(0.0),
            MachineType::F64 => self.b.ins().f64const(0.0),
        }
    }

    /// `starg`/`stloc`: pops the value and stores it, coerced to the variable's kind.
    fn store_popped(&mut self, home: Home, stack: &mut Stack, ins: &Instruction<'_>) -> Res<()> {
        let (v, t) = self.pop(stack, ins)?;
        let kind = match home {
            Home::Var(_, k) | Home::Slot(_, k) => k,
        };
        let v = self.coerce(v, t, kind, ins.offset)?;
        self.store_home(home, v);
        Ok(())
    }

    fn store_home(&mut self, home: Home, value: Value) {
        match home {
            Home::Var(var, _) => self.b.def_var(var, value),
            Home::Slot(slot, kind) => {
                let addr = self.b.ins().stack_addr(I64, slot, 0);
                self.store_kind(kind, value, addr, trusted());
            }
        }
    }

    fn load_home(&mut self, home: Home) -> (Value, StackType) {
        match home {
            Home::Var(var, kind) => (self.b.use_var(var), StackType::of(kind)),
            Home::Slot(slot, kind) => {
                let addr = self.b.ins().stack_addr(I64, slot, 0);
                (self.load_kind(kind, addr, trusted()), StackType::of(kind))
            }
        }
    }

    /// Loads a value of `kind` from memory, extended to its stack representation.
    fn load_kind(&mut self, kind: ValKind, addr: Value, mf: MemFlagsData) -> Value {
        let ins = self.b.ins();
        match kind {
            ValKind::I1 => ins.sload8(I32, mf, addr, 0),
            ValKind::U1 | ValKind::Bool => ins.uload8(I32, mf, addr, 0),
            ValKind::I2 => ins.sload16(I32, mf, addr, 0),
            ValKind::U2 | ValKind::Char => ins.uload16(I32, mf, addr, 0),
            ValKind::I4 | ValKind::U4 => ins.load(I32, mf, addr, 0),
            ValKind::R4 => ins.load(F32, mf, addr, 0),
            ValKind::R8 => ins.load(F64, mf, addr, 0),
            ValKind::I8 | ValKind::U8 | ValKind::I | ValKind::U | ValKind::Ref | ValKind::Ptr => {
                ins.load(I64, mf, addr, 0)
            }
        }
    }

    /// Stores `value` (already of `kind`'s machine type) with `kind`'s memory width.
    fn store_kind(&mut self, kind: ValKind, value: Value, addr: Value, mf: MemFlagsData) {
        let ins = self.b.ins();
        match kind.size() {
            1 => {
                ins.istore8(mf, value, addr, 0);
            }
            2 => {
                ins.istore16(mf, value, addr, 0);
            }
            _ => {
                ins.store(mf, value, addr, 0);
            }
        }
    }

    // ---- blocks ------------------------------------------------------------------------

    /// The CLIF block for IL offset `target` entered with `stack`, and the jump arguments.
    fn edge(&mut self, target: u32, stack: &[(Value, StackType)]) -> Res<(Block, Vec<BlockArg>)> {
        if !self.prepass.index_of.contains_key(&target) {
            return Err(format!(
                "branch target {} is not an instruction",
                at(target)
            ));
        }
        if !self.blocks.contains_key(&target) {
            let block = self.b.create_block();
            let shape: Vec<StackType> = stack
                .iter()
                .map(|(_, t)| {
                    if *t == StackType::F4 {
                        StackType::F8
                    } else {
                        *t
                    }
                })
                .collect();
            for t in &shape {
                self.b.append_block_param(block, clif_type(t.machine()));
            }
            self.blocks.insert(target, IlBlock { block, shape });
            self.worklist.push(target);
        }
        let (block, shape) = {
            let ib = &self.blocks[&target];
            (ib.block, ib.shape.clone())
        };
        if shape.len() != stack.len() {
            return Err(format!(
                "inconsistent stack depth at join {} ({} vs {})",
                at(target),
                shape.len(),
                stack.len()
            ));
        }
        let mut args = Vec::with_capacity(stack.len());
        for ((value, have), want) in stack.iter().zip(&shape) {
            let v = match (*have, *want) {
                (h, w) if h == w => *value,
                (StackType::F4, StackType::F8) => self.b.ins().fpromote(F64, *value),
                (StackType::I4, StackType::I) => self.b.ins().sextend(I64, *value),
                (StackType::Ptr, StackType::I) | (StackType::I, StackType::Ptr) => *value,
                (h, w) => {
                    return Err(format!(
                        "inconsistent stack at join {} ({} vs {})",
                        at(target),
                        h.name(),
                        w.name()
                    ));
                }
            };
            args.push(BlockArg::Value(v));
        }
        Ok((block, args))
    }

    fn translate_block(&mut self, start: u32) -> Res<()> {
        let (block, shape) = {
            let ib = &self.blocks[&start];
            (ib.block, ib.shape.clone())
        };
        self.b.switch_to_block(block);
        let params = self.b.block_params(block).to_vec();
        let mut stack: Stack = params.into_iter().zip(shape).collect();
        let mut index = self.prepass.index_of[&start];
        let first = index;
        loop {
            let Some(ins) = self.input.instrs.get(index) else {
                return Err("control falls off the end of the method".into());
            };
            if index != first && self.prepass.block_starts.contains(&ins.offset) {
                let (target, args) = self.edge(ins.offset, &stack)?;
                self.b.ins().jump(target, &args);
                return Ok(());
            }
            self.literal_before = match index.checked_sub(1).filter(|_| index != first) {
                Some(prev) => match self.input.instrs.get(prev).map(|p| (p.opcode, p.operand)) {
                    Some((Opcode::LdcR8, Operand::Float64(x))) => Some(x),
                    _ => None,
                },
                None => None,
            };
            if ins.opcode == Opcode::Ldtoken && self.array_initializer(index, first, &mut stack)? {
                // `ldtoken` and the `InitializeArray` call were translated together.
                index += 2;
                continue;
            }
            match self.instruction(ins, &mut stack)? {
                Flow::Next => index += 1,
                Flow::End => return Ok(()),
            }
        }
    }

    // ---- stack helpers -----------------------------------------------------------------

    fn pop(&self, stack: &mut Stack, ins: &Instruction<'_>) -> Res<(Value, StackType)> {
        stack
            .pop()
            .ok_or_else(|| format!("stack underflow at {}", at(ins.offset)))
    }

    /// The argument or local number of a variable instruction: fixed by the opcode for
    /// `ldarg.0`-`.3`, `ldloc.0`-`.3` and `stloc.0`-`.3`, else the operand.
    fn var_index(ins: &Instruction<'_>) -> Res<u16> {
        use Opcode as O;
        match (ins.opcode, ins.operand) {
            (O::Ldarg0 | O::Ldloc0 | O::Stloc0, _) => Ok(0),
            (O::Ldarg1 | O::Ldloc1 | O::Stloc1, _) => Ok(1),
            (O::Ldarg2 | O::Ldloc2 | O::Stloc2, _) => Ok(2),
            (O::Ldarg3 | O::Ldloc3 | O::Stloc3, _) => Ok(3),
            (_, Operand::Variable(n)) => Ok(n),
            _ => Err(format!("missing variable operand at {}", at(ins.offset))),
        }
    }

    fn token(ins: &Instruction<'_>) -> Res<Token> {
        match ins.operand {
            Operand::Token(t) => Ok(t),
            _ => Err(format!("missing token operand at {}", at(ins.offset))),
        }
    }

    fn arg_home(&self, n: u16, ins: &Instruction<'_>) -> Res<Home> {
        self.args
            .get(n as usize)
            .copied()
            .ok_or_else(|| format!("argument {n} out of range at {}", at(ins.offset)))
    }

    fn local_home(&self, n: u16, ins: &Instruction<'_>) -> Res<Home> {
        self.locals
            .get(n as usize)
            .copied()
            .ok_or_else(|| format!("local {n} out of range at {}", at(ins.offset)))
    }

    fn home_addr(&mut self, home: Home, ins: &Instruction<'_>) -> Res<Value> {
        match home {
            Home::Slot(slot, _) => Ok(self.b.ins().stack_addr(I64, slot, 0)),
            Home::Var(..) => Err(format!(
                "internal: address of a register variable at {}",
                at(ins.offset)
            )),
        }
    }

    /// Truncates/extends an `I32` to the small integer `kind` (CIL store semantics).
    fn normalize(&mut self, v: Value, kind: ValKind) -> Value {
        match kind {
            ValKind::I1 => {
                let n = self.b.ins().ireduce(I8, v);
                self.b.ins().sextend(I32, n)
            }
            ValKind::U1 | ValKind::Bool => self.b.ins().band_imm_u(v, 0xff),
            ValKind::I2 => {
                let n = self.b.ins().ireduce(I16, v);
                self.b.ins().sextend(I32, n)
            }
            ValKind::U2 | ValKind::Char => self.b.ins().band_imm_u(v, 0xffff),
            _ => v,
        }
    }

    /// Converts a stack value to the machine representation of `kind` (store/argument/return).
    fn coerce(&mut self, v: Value, t: StackType, kind: ValKind, offset: u32) -> Res<Value> {
        let bad = || {
            Err(format!(
                "cannot store {} as {:?} at {}",
                t.name(),
                kind,
                at(offset)
            ))
        };
        Ok(match kind.machine() {
            MachineType::I32 => {
                let v32 = match t {
                    StackType::I4 => v,
                    StackType::I8 | StackType::I => self.b.ins().ireduce(I32, v),
                    _ => return bad(),
                };
                self.normalize(v32, kind)
            }
            MachineType::I64 => match (t, kind) {
                (
                    StackType::I8 | StackType::I | StackType::Ptr,
                    ValKind::I8 | ValKind::U8 | ValKind::I | ValKind::U | ValKind::Ptr,
                ) => v,
                (StackType::O, ValKind::Ref | ValKind::Ptr) => v,
                // `this` of a class's instance method is typed as a pointer (the declaring
                // type's kind is not looked up); both are the same machine word.
                (StackType::Ptr, ValKind::Ref) => v,
                (StackType::I, ValKind::Ref) => v,
                (StackType::I4, ValKind::U8 | ValKind::U) => self.b.ins().uextend(I64, v),
                (StackType::I4, ValKind::I8 | ValKind::I | ValKind::Ptr) => {
                    self.b.ins().sextend(I64, v)
                }
                _ => return bad(),
            },
            MachineType::F32 => match t {
                StackType::F4 => v,
                StackType::F8 => self.b.ins().fdemote(F32, v),
                _ => return bad(),
            },
            MachineType::F64 => match t {
                StackType::F8 => v,
                StackType::F4 => self.b.ins().fpromote(F64, v),
                _ => return bad(),
            },
        })
    }

    // ---- helpers and cells -------------------------------------------------------------

    fn helper(&mut self, id: HelperId) -> Value {
        let table = self.env.helper_table(&mut self.b);
        self.b.ins().load(I64, trusted(), table, id.table_offset())
    }

    fn resolve_sig(&mut self) -> SigRef {
        if let Some(s) = self.resolve_sig {
            return s;
        }
        let mut sig = Signature::new(self.env.call_conv());
        sig.params.push(AbiParam::new(I64));
        sig.returns.push(AbiParam::new(I64));
        let s = self.b.import_signature(sig);
        self.resolve_sig = Some(s);
        s
    }

    /// Loads a cell's target, calling the resolve helper the first time.
    fn cell_target(&mut self, cell: Value) -> Value {
        let t = self.b.ins().load(I64, trusted(), cell, CELL_TARGET_OFFSET);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        self.b.ins().brif(t, done, &[BlockArg::Value(t)], slow, &[]);
        self.b.switch_to_block(slow);
        let resolve = self.helper(HelperId::ResolveCell);
        let sig = self.resolve_sig();
        let call = self.b.ins().call_indirect(sig, resolve, &[cell]);
        let resolved = self.b.inst_results(call)[0];
        self.b.ins().jump(done, &[BlockArg::Value(resolved)]);
        self.b.switch_to_block(done);
        result
    }

    fn throw_block(&mut self, kind: ExceptionKind) -> Block {
        if let Some((_, b)) = self.throw_blocks.iter().find(|(k, _)| *k == kind) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.throw_blocks.push((kind, block));
        block
    }

    fn emit_throw_blocks(&mut self) {
        for (kind, block) in std::mem::take(&mut self.throw_blocks) {
            self.b.switch_to_block(block);
            let helper = self.helper(HelperId::Throw);
            let sig = match self.throw_sig {
                Some(s) => s,
                None => {
                    let mut sig = Signature::new(self.env.call_conv());
                    sig.params.push(AbiParam::new(I32));
                    let s = self.b.import_signature(sig);
                    self.throw_sig = Some(s);
                    s
                }
            };
            let id = self.b.ins().iconst(I32, kind as u32 as i64);
            self.b.ins().call_indirect(sig, helper, &[id]);
            self.b.ins().trap(TrapCode::unwrap_user(1));
        }
    }

    /// Branches to the throw block of `kind` when `cond` is non-zero.
    fn throw_if(&mut self, cond: Value, kind: ExceptionKind) {
        let throw = self.throw_block(kind);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, throw, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    fn signature_ref(&mut self, shape: &MethodShape) -> SigRef {
        if let Some(s) = self.sigs.get(shape) {
            return *s;
        }
        let sig = clif_signature(shape, self.env.call_conv());
        let s = self.b.import_signature(sig);
        self.sigs.insert(shape.clone(), s);
        s
    }

    // ---- instructions ------------------------------------------------------------------

    fn instruction(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<Flow> {
        use Opcode as O;
        let off = ins.offset;
        if self.constraint.is_some() && ins.opcode != O::Callvirt {
            return Err(format!(
                "constrained. prefix not followed by callvirt at {}",
                at(off)
            ));
        }
        match ins.opcode {
            O::Nop | O::Tail | O::Volatile | O::Unaligned => {}
            O::Constrained => self.constraint = Some(Self::token(ins)?),
            O::Callvirt => {
                let kind = match self.constraint.take() {
                    Some(t) => CallKind::Constrained(t),
                    None => CallKind::Callvirt,
                };
                self.call(ins, stack, kind)?
            }
            O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 | O::LdargS | O::Ldarg => {
                let n = Self::var_index(ins)?;
                let home = self.arg_home(n, ins)?;
                stack.push(self.load_home(home));
            }
            O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc => {
                let n = Self::var_index(ins)?;
                let home = self.local_home(n, ins)?;
                stack.push(self.load_home(home));
            }
            O::StargS | O::Starg => {
                let n = Self::var_index(ins)?;
                let home = self.arg_home(n, ins)?;
                self.store_popped(home, stack, ins)?;
            }
            O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc => {
                let n = Self::var_index(ins)?;
                let home = self.local_home(n, ins)?;
                self.store_popped(home, stack, ins)?;
            }
            O::LdargaS | O::Ldarga => {
                let home = self.arg_home(Self::var_index(ins)?, ins)?;
                let a = self.home_addr(home, ins)?;
                stack.push((a, StackType::Ptr));
            }
            O::LdlocaS | O::Ldloca => {
                let home = self.local_home(Self::var_index(ins)?, ins)?;
                let a = self.home_addr(home, ins)?;
                stack.push((a, StackType::Ptr));
            }
            O::Ldnull => {
                let v = self.b.ins().iconst(I64, 0);
                stack.push((v, StackType::O));
            }
            O::LdcI4M1
            | O::LdcI4_0
            | O::LdcI4_1
            | O::LdcI4_2
            | O::LdcI4_3
            | O::LdcI4_4
            | O::LdcI4_5
            | O::LdcI4_6
            | O::LdcI4_7
            | O::LdcI4_8
            | O::LdcI4S
            | O::LdcI4 => {
                let Some(n) = ldc_i4_value(ins) else {
                    return Err(format!("bad ldc.i4 operand at {}", at(off)));
                };
                let v = self.b.ins().iconst(I32, n as i64);
                stack.push((v, StackType::I4));
            }
            O::LdcI8 => {
                let Operand::Int64(n) = ins.operand else {
                    return Err(format!("bad ldc.i8 operand at {}", at(off)));
                };
                let v = self.b.ins().iconst(I64, n);
                stack.push((v, StackType::I8));
            }
            O::LdcR4 => {
                let Operand::Float32(x) = ins.operand else {
                    return Err(format!("bad ldc.r4 operand at {}", at(off)));
                };
                let v = self.b.ins().f32const(x);
                stack.push((v, StackType::F4));
            }
            O::LdcR8 => {
                let Operand::Float64(x) = ins.operand else {
                    return Err(format!("bad ldc.r8 operand at {}", at(off)));
                };
                let v = self.b.ins().f64const(x);
                stack.push((v, StackType::F8));
            }
            O::Dup => {
                let top = *stack
                    .last()
                    .ok_or_else(|| format!("stack underflow at {}", at(off)))?;
                stack.push(top);
            }
            O::Pop => {
                self.pop(stack, ins)?;
            }
            O::Call => self.call(ins, stack, CallKind::Call)?,
            O::Ret => {
                match self.input.shape.ret {
                    None => {
                        self.b.ins().return_(&[]);
                    }
                    Some(kind) => {
                        let (v, t) = self.pop(stack, ins)?;
                        let v = self.coerce(v, t, kind, off)?;
                        self.b.ins().return_(&[v]);
                    }
                }
                return Ok(Flow::End);
            }
            O::Br | O::BrS => {
                let target = Self::branch_target(ins)?;
                let (blk, args) = self.edge(target, stack)?;
                self.b.ins().jump(blk, &args);
                return Ok(Flow::End);
            }
            O::Brfalse | O::BrfalseS | O::Brtrue | O::BrtrueS => {
                let target = Self::branch_target(ins)?;
                let (v, t) = self.pop(stack, ins)?;
                if t.is_float() {
                    return Err(format!("brtrue/brfalse on a float at {}", at(off)));
                }
                let (tb, targs) = self.edge(target, stack)?;
                let (fb, fargs) = self.edge(ins.next_offset(), stack)?;
                if matches!(ins.opcode, O::Brtrue | O::BrtrueS) {
                    self.b.ins().brif(v, tb, &targs, fb, &fargs);
                } else {
                    self.b.ins().brif(v, fb, &fargs, tb, &targs);
                }
                return Ok(Flow::End);
            }
            O::Beq
            | O::BeqS
            | O::BneUn
            | O::BneUnS
            | O::Bge
            | O::BgeS
            | O::BgeUn
            | O::BgeUnS
            | O::Bgt
            | O::BgtS
            | O::BgtUn
            | O::BgtUnS
            | O::Ble
            | O::BleS
            | O::BleUn
            | O::BleUnS
            | O::Blt
            | O::BltS
            | O::BltUn
            | O::BltUnS => {
                let cmp = match ins.opcode {
                    O::Beq | O::BeqS => Cmp::Eq,
                    O::BneUn | O::BneUnS => Cmp::NeUn,
                    O::Bge | O::BgeS => Cmp::Ge,
                    O::BgeUn | O::BgeUnS => Cmp::GeUn,
                    O::Bgt | O::BgtS => Cmp::Gt,
                    O::BgtUn | O::BgtUnS => Cmp::GtUn,
                    O::Ble | O::BleS => Cmp::Le,
                    O::BleUn | O::BleUnS => Cmp::LeUn,
                    O::Blt | O::BltS => Cmp::Lt,
                    _ => Cmp::LtUn,
                };
                let target = Self::branch_target(ins)?;
                let b = self.pop(stack, ins)?;
                let a = self.pop(stack, ins)?;
                let c = self.compare(cmp, a, b, off)?;
                let (tb, targs) = self.edge(target, stack)?;
                let (fb, fargs) = self.edge(ins.next_offset(), stack)?;
                self.b.ins().brif(c, tb, &targs, fb, &fargs);
                return Ok(Flow::End);
            }
            O::Switch => {
                let Operand::Switch(targets) = ins.operand else {
                    return Err(format!("bad switch operand at {}", at(off)));
                };
                let (v, t) = self.pop(stack, ins)?;
                let index = match t {
                    StackType::I4 => v,
                    StackType::I => {
                        // Out-of-range native indices must not wrap into range.
                        let max = self.b.ins().iconst(I64, u32::MAX as i64);
                        let big = self.b.ins().icmp(IntCC::UnsignedGreaterThan, v, max);
                        let low = self.b.ins().ireduce(I32, v);
                        let all = self.b.ins().iconst(I32, -1);
                        self.b.ins().select(big, all, low)
                    }
                    _ => return Err(format!("switch on {} at {}", t.name(), at(off))),
                };
                let (db, dargs) = self.edge(ins.next_offset(), stack)?;
                let default = self.b.func.dfg.block_call(db, &dargs);
                let mut calls = Vec::with_capacity(targets.len());
                for target in targets.iter() {
                    let (tb, targs) = self.edge(target, stack)?;
                    calls.push(self.b.func.dfg.block_call(tb, &targs));
                }
                let jt = self
                    .b
                    .create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, jt);
                return Ok(Flow::End);
            }
            O::LdindI1
            | O::LdindU1
            | O::LdindI2
            | O::LdindU2
            | O::LdindI4
            | O::LdindU4
            | O::LdindI8
            | O::LdindI
            | O::LdindR4
            | O::LdindR8
            | O::LdindRef => {
                let kind = self.accessed_kind(ins)?;
                let addr = self.pop_address(stack, ins, "ldind from")?;
                let v = self.load_kind(kind, addr, flags());
                stack.push((v, StackType::of(kind)));
            }
            O::StindI1
            | O::StindI2
            | O::StindI4
            | O::StindI8
            | O::StindI
            | O::StindR4
            | O::StindR8
            | O::StindRef => {
                let kind = self.accessed_kind(ins)?;
                let (v, vt) = self.pop(stack, ins)?;
                let addr = self.pop_address(stack, ins, "stind to")?;
                let v = self.coerce(v, vt, kind, off)?;
                self.store_kind(kind, v, addr, flags());
            }
            O::Add => self.binary(Bin::Add, stack, ins)?,
            O::Sub => self.binary(Bin::Sub, stack, ins)?,
            O::Mul => self.binary(Bin::Mul, stack, ins)?,
            O::Div => self.binary(Bin::Div, stack, ins)?,
            O::DivUn => self.binary(Bin::DivUn, stack, ins)?,
            O::Rem => self.binary(Bin::Rem, stack, ins)?,
            O::RemUn => self.binary(Bin::RemUn, stack, ins)?,
            O::And => self.binary(Bin::And, stack, ins)?,
            O::Or => self.binary(Bin::Or, stack, ins)?,
            O::Xor => self.binary(Bin::Xor, stack, ins)?,
            O::AddOvf => self.binary(Bin::AddOvf, stack, ins)?,
            O::AddOvfUn => self.binary(Bin::AddOvfUn, stack, ins)?,
            O::SubOvf => self.binary(Bin::SubOvf, stack, ins)?,
            O::SubOvfUn => self.binary(Bin::SubOvfUn, stack, ins)?,
            O::MulOvf => self.binary(Bin::MulOvf, stack, ins)?,
            O::MulOvfUn => self.binary(Bin::MulOvfUn, stack, ins)?,
            O::Shl | O::Shr | O::ShrUn => {
                let (amount, at_) = self.pop(stack, ins)?;
                let (v, t) = self.pop(stack, ins)?;
                if !t.is_integer() || !matches!(at_, StackType::I4 | StackType::I) {
                    return Err(format!(
                        "shift of {} by {} at {}",
                        t.name(),
                        at_.name(),
                        at(off)
                    ));
                }
                let r = match ins.opcode {
                    O::Shl => self.b.ins().ishl(v, amount),
                    O::Shr => self.b.ins().sshr(v, amount),
                    _ => self.b.ins().ushr(v, amount),
                };
                stack.push((r, t));
            }
            O::Neg => {
                let (v, t) = self.pop(stack, ins)?;
                let r = if t.is_float() {
                    self.b.ins().fneg(v)
                } else if t.is_integer() {
                    self.b.ins().ineg(v)
                } else {
                    return Err(format!("neg of {} at {}", t.name(), at(off)));
                };
                stack.push((r, t));
            }
            O::Not => {
                let (v, t) = self.pop(stack, ins)?;
                if !t.is_integer() {
                    return Err(format!("not of {} at {}", t.name(), at(off)));
                }
                let r = self.b.ins().bnot(v);
                stack.push((r, t));
            }
            O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn => {
                let cmp = match ins.opcode {
                    O::Ceq => Cmp::Eq,
                    O::Cgt => Cmp::Gt,
                    O::CgtUn => Cmp::GtUn,
                    O::Clt => Cmp::Lt,
                    _ => Cmp::LtUn,
                };
                let b = self.pop(stack, ins)?;
                let a = self.pop(stack, ins)?;
                let c = self.compare(cmp, a, b, off)?;
                let r = self.b.ins().uextend(I32, c);
                stack.push((r, StackType::I4));
            }
            O::ConvI1 => self.conv(ConvTo::I1, false, false, stack, ins)?,
            O::ConvU1 => self.conv(ConvTo::U1, false, false, stack, ins)?,
            O::ConvI2 => self.conv(ConvTo::I2, false, false, stack, ins)?,
            O::ConvU2 => self.conv(ConvTo::U2, false, false, stack, ins)?,
            O::ConvI4 => self.conv(ConvTo::I4, false, false, stack, ins)?,
            O::ConvU4 => self.conv(ConvTo::U4, false, false, stack, ins)?,
            O::ConvI8 => self.conv(ConvTo::I8, false, false, stack, ins)?,
            O::ConvU8 => self.conv(ConvTo::U8, false, false, stack, ins)?,
            O::ConvI => self.conv(ConvTo::I, false, false, stack, ins)?,
            O::ConvU => self.conv(ConvTo::U, false, false, stack, ins)?,
            O::ConvOvfI1 => self.conv(ConvTo::I1, true, false, stack, ins)?,
            O::ConvOvfU1 => self.conv(ConvTo::U1, true, false, stack, ins)?,
            O::ConvOvfI2 => self.conv(ConvTo::I2, true, false, stack, ins)?,
            O::ConvOvfU2 => self.conv(ConvTo::U2, true, false, stack, ins)?,
            O::ConvOvfI4 => self.conv(ConvTo::I4, true, false, stack, ins)?,
            O::ConvOvfU4 => self.conv(ConvTo::U4, true, false, stack, ins)?,
            O::ConvOvfI8 => self.conv(ConvTo::I8, true, false, stack, ins)?,
            O::ConvOvfU8 => self.conv(ConvTo::U8, true, false, stack, ins)?,
            O::ConvOvfI => self.conv(ConvTo::I, true, false, stack, ins)?,
            O::ConvOvfU => self.conv(ConvTo::U, true, false, stack, ins)?,
            O::ConvOvfI1Un => self.conv(ConvTo::I1, true, true, stack, ins)?,
            O::ConvOvfU1Un => self.conv(ConvTo::U1, true, true, stack, ins)?,
            O::ConvOvfI2Un => self.conv(ConvTo::I2, true, true, stack, ins)?,
            O::ConvOvfU2Un => self.conv(ConvTo::U2, true, true, stack, ins)?,
            O::ConvOvfI4Un => self.conv(ConvTo::I4, true, true, stack, ins)?,
            O::ConvOvfU4Un => self.conv(ConvTo::U4, true, true, stack, ins)?,
            O::ConvOvfI8Un => self.conv(ConvTo::I8, true, true, stack, ins)?,
            O::ConvOvfU8Un => self.conv(ConvTo::U8, true, true, stack, ins)?,
            O::ConvOvfIUn => self.conv(ConvTo::I, true, true, stack, ins)?,
            O::ConvOvfUUn => self.conv(ConvTo::U, true, true, stack, ins)?,
            O::ConvR4 | O::ConvR8 | O::ConvRUn => {
                let (v, t) = self.pop(stack, ins)?;
                let r = match (ins.opcode, t) {
                    (O::ConvR4, StackType::F4) => (v, StackType::F4),
                    (O::ConvR4, StackType::F8) => (self.b.ins().fdemote(F32, v), StackType::F4),
                    (O::ConvR8 | O::ConvRUn, StackType::F8) => (v, StackType::F8),
                    (O::ConvR8 | O::ConvRUn, StackType::F4) => {
                        (self.b.ins().fpromote(F64, v), StackType::F8)
                    }
                    (O::ConvR4, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_sint(F32, v), StackType::F4)
                    }
                    (O::ConvR8, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_sint(F64, v), StackType::F8)
                    }
                    (O::ConvRUn, StackType::I4 | StackType::I8 | StackType::I) => {
                        (self.b.ins().fcvt_from_uint(F64, v), StackType::F8)
                    }
                    _ => {
                        return Err(format!(
                            "{} of {} at {}",
                            ins.opcode.name(),
                            t.name(),
                            at(off)
                        ));
                    }
                };
                stack.push(r);
            }
            O::Ckfinite => {
                let (v, t) = self.pop(stack, ins)?;
                if !t.is_float() {
                    return Err(format!("ckfinite of {} at {}", t.name(), at(off)));
                }
                // x - x is NaN exactly when x is NaN or infinite.
                let d = self.b.ins().fsub(v, v);
                let bad = self.b.ins().fcmp(FloatCC::Unordered, d, d);
                self.throw_if(bad, ExceptionKind::Arithmetic);
                stack.push((v, t));
            }
            O::Ldstr => {
                let token = Self::token(ins)?;
                if !token.is_user_string() {
                    return Err(format!(
                        "bad token 0x{:08x} for ldstr at {}",
                        token.0,
                        at(off)
                    ));
                }
                let cell = self
                    .env
                    .string_cell(token, &mut self.b)
                    .map_err(|e| format!("{e} at {}", at(off)))?;
                let s = self.cell_target(cell);
                stack.push((s, StackType::O));
            }
            O::Ldsfld => {
                let token = Self::token(ins)?;
                let (cell, kind) = self
                    .env
                    .static_field_cell(token, &mut self.b)
                    .map_err(|e| format!("{e} at {}", at(off)))?;
                let addr = self.cell_target(cell);
                let v = self.load_kind(kind, addr, flags());
                stack.push((v, StackType::of(kind)));
            }
            O::Ldlen => {
                let (arr, t) = self.pop(stack, ins)?;
                if t != StackType::O {
                    return Err(format!("ldlen of {} at {}", t.name(), at(off)));
                }
                self.null_check(arr);
                let len = self.b.ins().load(I64, flags(), arr, ARRAY_LENGTH_OFFSET);
                stack.push((len, StackType::I));
            }
            O::LdelemI1
            | O::LdelemU1
            | O::LdelemI2
            | O::LdelemU2
            | O::LdelemI4
            | O::LdelemU4
            | O::LdelemI8
            | O::LdelemI
            | O::LdelemR4
            | O::LdelemR8
            | O::LdelemRef
            | O::Ldelem => {
                let kind = self.accessed_kind(ins)?;
                let (arr, index, it) = self.pop_array_index(stack, ins, "ldelem")?;
                let addr = self.element_addr(arr, index, it, kind.size());
                let v = self.load_kind(kind, addr, flags());
                stack.push((v, StackType::of(kind)));
            }
            O::StelemI1
            | O::StelemI2
            | O::StelemI4
            | O::StelemI8
            | O::StelemI
            | O::StelemR4
            | O::StelemR8
            | O::Stelem => {
                // `stelem.ref` is not here: storing references needs the array covariance
                // check (ArrayTypeMismatchException), i.e. the object model.
                let kind = self.accessed_kind(ins)?;
                let (v, vt) = self.pop(stack, ins)?;
                let (arr, index, it) = self.pop_array_index(stack, ins, "stelem")?;
                let v = self.coerce(v, vt, kind, off)?;
                let addr = self.element_addr(arr, index, it, kind.size());
                self.store_kind(kind, v, addr, flags());
            }
            O::Ldelema => {
                let kind = self.array_kind(ins)?;
                let (arr, index, it) = self.pop_array_index(stack, ins, "ldelema")?;
                let addr = self.element_addr(arr, index, it, kind.size());
                stack.push((addr, StackType::Ptr));
            }
            O::Newarr => {
                let kind = self.array_kind(ins)?;
                let (n, t) = self.pop(stack, ins)?;
                let length = match t {
                    StackType::I4 => self.b.ins().sextend(I64, n),
                    StackType::I => n,
                    _ => {
                        return Err(format!("newarr with a {} length at {}", t.name(), at(off)));
                    }
                };
                let helper = self.helper(HelperId::NewArray);
                let sig = self.new_array_sig();
                let size = self.b.ins().iconst(I64, i64::from(kind.size()));
                let call = self.b.ins().call_indirect(sig, helper, &[length, size]);
                let array = self.b.inst_results(call)[0];
                stack.push((array, StackType::O));
            }
            other => {
                return Err(format!(
                    "unsupported opcode {} at {}",
                    other.name(),
                    at(off)
                ));
            }
        }
        Ok(Flow::Next)
    }

    /// Translates `ldc.i4 N; newarr T; dup; ldtoken F; call RuntimeHelpers::InitializeArray`
    /// (C#'s array initialisers) when `instrs[index]` is that `ldtoken`: the field's bytes are
    /// stored into the new array as constants. Returns false when the pattern does not match
    /// (the `ldtoken` is then translated, i.e. rejected, on its own).
    fn array_initializer(&mut self, index: usize, first: usize, stack: &mut Stack) -> Res<bool> {
        /// More would bloat code; such methods stay excluded.
        const MAX_BYTES: usize = 4096;
        let instrs = self.input.instrs;
        let (Some(length_ins), Some(next)) = (
            index
                .checked_sub(3)
                .filter(|i| *i >= first)
                .and_then(|i| instrs.get(i)),
            instrs.get(index + 1),
        ) else {
            return Ok(false);
        };
        let (Some(newarr), Some(dup), Some(ldtoken)) = (
            instrs.get(index - 2),
            instrs.get(index - 1),
            instrs.get(index),
        ) else {
            return Ok(false);
        };
        let (Operand::Token(element), Operand::Token(field), Operand::Token(callee)) =
            (newarr.operand, ldtoken.operand, next.operand)
        else {
            return Ok(false);
        };
        let Some(length) = ldc_i4_value(length_ins) else {
            return Ok(false);
        };
        if newarr.opcode != Opcode::Newarr
            || dup.opcode != Opcode::Dup
            || next.opcode != Opcode::Call
            || self.prepass.block_starts.contains(&next.offset)
            || !self.env.is_initialize_array(callee)
        {
            return Ok(false);
        }
        let off = ldtoken.offset;
        let kind = self
            .env
            .array_element(element)
            .map_err(|e| format!("{e} at {}", at(newarr.offset)))?;
        let data = self
            .env
            .field_init_data(field)
            .map_err(|e| format!("{e} at {}", at(off)))?;
        let Ok(length) = usize::try_from(length) else {
            return Ok(false);
        };
        let bytes = length.saturating_mul(kind.size() as usize);
        if bytes > data.len() {
            return Err(format!(
                "array initializer needs {bytes} bytes, its field has {} at {}",
                data.len(),
                at(off)
            ));
        }
        if bytes > MAX_BYTES {
            return Err(format!(
                "array initializer of {bytes} bytes (more than {MAX_BYTES}) at {}",
                at(off)
            ));
        }
        let (array, t) = self.pop(stack, ldtoken)?;
        if t != StackType::O {
            return Err(format!("array initializer on {} at {}", t.name(), at(off)));
        }
        let mut done = 0;
        while done < bytes {
            let width = [8, 4, 2, 1]
                .into_iter()
                .find(|w| bytes - done >= *w)
                .unwrap_or(1);
            let mut chunk = [0u8; 8];
            chunk[..width].copy_from_slice(&data[done..done + width]);
            let value = u64::from_le_bytes(chunk);
            let offset = ARRAY_DATA_OFFSET + done as i32;
            let ins = self.b.ins();
            match width {
                8 => {
                    let v = ins.iconst(I64, value as i64);
                    self.b.ins().store(flags(), v, array, offset);
                }
                4 => {
                    let v = ins.iconst(I32, value as i64);
                    self.b.ins().store(flags(), v, array, offset);
                }
                2 => {
                    let v = ins.iconst(I32, value as i64);
                    self.b.ins().istore16(flags(), v, array, offset);
                }
                _ => {
                    let v = ins.iconst(I32, value as i64);
                    self.b.ins().istore8(flags(), v, array, offset);
                }
            }
            done += width;
        }
        Ok(true)
    }

    /// The kind an `ldind`/`stind`/`ldelem`/`stelem` instruction reads or writes: fixed by
    /// the opcode ([`access_kind`]), or for the token forms named by the element type.
    fn accessed_kind(&mut self, ins: &Instruction<'_>) -> Res<ValKind> {
        match access_kind(ins.opcode) {
            Some(kind) => Ok(kind),
            None => self.array_kind(ins),
        }
    }

    /// The primitive element kind named by an array instruction's type token.
    fn array_kind(&mut self, ins: &Instruction<'_>) -> Res<ValKind> {
        let token = Self::token(ins)?;
        self.env
            .array_element(token)
            .map_err(|e| format!("{e} at {}", at(ins.offset)))
    }

    /// `(i64 length, i64 element_size) -> i64 array` of the `NewArray` helper.
    fn new_array_sig(&mut self) -> SigRef {
        if let Some(s) = self.new_array_sig {
            return s;
        }
        let mut sig = Signature::new(self.env.call_conv());
        sig.params.push(AbiParam::new(I64));
        sig.params.push(AbiParam::new(I64));
        sig.returns.push(AbiParam::new(I64));
        let s = self.b.import_signature(sig);
        self.new_array_sig = Some(s);
        s
    }

    fn branch_target(ins: &Instruction<'_>) -> Res<u32> {
        match ins.operand {
            Operand::BranchTarget(t) => Ok(t),
            _ => Err(format!("missing branch target at {}", at(ins.offset))),
        }
    }

    fn null_check(&mut self, obj: Value) {
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, obj, 0);
        self.throw_if(is_null, ExceptionKind::NullReference);
    }

    /// Address of element `index` of the array `arr`, after null and bounds checks.
    /// Pops the address operand of `ldind`/`stind`, which must be a managed pointer or a
    /// `native int`; `what` starts the exclusion reason otherwise (e.g. "ldind from").
    fn pop_address(&self, stack: &mut Stack, ins: &Instruction<'_>, what: &str) -> Res<Value> {
        let (addr, t) = self.pop(stack, ins)?;
        if !matches!(t, StackType::Ptr | StackType::I) {
            return Err(format!("{what} {} at {}", t.name(), at(ins.offset)));
        }
        Ok(addr)
    }

    /// Pops the index and then the array of an element instruction (`ldelem`, `stelem`,
    /// `ldelema`, named by `what` in the exclusion reason): an object reference and an
    /// `int32` or `native int` index. Returns (array, index, index type).
    fn pop_array_index(
        &self,
        stack: &mut Stack,
        ins: &Instruction<'_>,
        what: &str,
    ) -> Res<(Value, Value, StackType)> {
        let (index, it) = self.pop(stack, ins)?;
        let (arr, t) = self.pop(stack, ins)?;
        if t != StackType::O || !matches!(it, StackType::I4 | StackType::I) {
            return Err(format!(
                "{what} on {} with {} index at {}",
                t.name(),
                it.name(),
                at(ins.offset)
            ));
        }
        Ok((arr, index, it))
    }

    fn element_addr(&mut self, arr: Value, index: Value, it: StackType, size: u32) -> Value {
        self.null_check(arr);
        let index = if it == StackType::I4 {
            self.b.ins().sextend(I64, index)
        } else {
            index
        };
        let len = self.b.ins().load(I64, flags(), arr, ARRAY_LENGTH_OFFSET);
        let out = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.throw_if(out, ExceptionKind::IndexOutOfRange);
        let scaled = self.b.ins().imul_imm_s(index, size as i64);
        let base = self.b.ins().iadd(arr, scaled);
        self.b.ins().iadd_imm_s(base, ARRAY_DATA_OFFSET as i64)
    }

    fn call(&mut self, ins: &Instruction<'_>, stack: &mut Stack, kind: CallKind) -> Res<()> {
        let off = ins.offset;
        let token = Self::token(ins)?;
        let shape = self
            .env
            .callee_shape(token)
            .map_err(|e| format!("{e} at {}", at(off)))?;
        if kind != CallKind::Call && !shape.has_this {
            return Err(format!("callvirt to a static method at {}", at(off)));
        }
        if kind == CallKind::Callvirt {
            self.env
                .check_callvirt(token)
                .map_err(|e| format!("{e} at {}", at(off)))?;
        }
        if kind == CallKind::Call
            && !shape.has_this
            && shape.params == [ValKind::R8]
            && shape.ret == Some(ValKind::R8)
            && let Some(argument) = self.literal_before
            && let Some(folded) = self.env.fold_literal_call(token, argument)
        {
            // Mono's JIT evaluates this call of a literal at compile time, with results
            // that differ from the run-time entry point (`Math.Round(2.5)` is 3).
            self.pop(stack, ins)?;
            let v = self.b.ins().f64const(folded);
            stack.push((v, StackType::F8));
            return Ok(());
        }
        let kinds = shape.arg_kinds();
        if stack.len() < kinds.len() {
            return Err(format!("stack underflow at {}", at(off)));
        }
        let raw = stack.split_off(stack.len() - kinds.len());
        match kind {
            CallKind::Callvirt => self.null_check(raw[0].0),
            CallKind::Constrained(_) if raw[0].1 != StackType::Ptr => {
                return Err(format!("constrained call on a non-address at {}", at(off)));
            }
            _ => {}
        }
        let mut args = Vec::with_capacity(raw.len());
        for ((v, t), kind) in raw.into_iter().zip(&kinds) {
            args.push(self.coerce(v, t, *kind, off)?);
        }
        let target = match kind {
            CallKind::Constrained(constraint) => CallTarget::Cell(
                self.env
                    .constrained_cell(token, constraint, &mut self.b)
                    .map_err(|e| format!("{e} at {}", at(off)))?,
            ),
            _ => self
                .env
                .call_target(token, &mut self.b)
                .map_err(|e| format!("{e} at {}", at(off)))?,
        };
        let inst = match target {
            CallTarget::Direct(fref) => self.b.ins().call(fref, &args),
            CallTarget::Cell(cell) => {
                let code = self.cell_target(cell);
                let sig = self.signature_ref(&shape);
                self.b.ins().call_indirect(sig, code, &args)
            }
        };
        if let Some(kind) = shape.ret {
            let v = self.b.inst_results(inst)[0];
            let v = self.normalize(v, kind);
            stack.push((v, StackType::of(kind)));
        }
        Ok(())
    }

    /// Brings two integer operands to a common type per ECMA-335 III.1.5 table 2.
    fn int_operands(
        &mut self,
        a: (Value, StackType),
        b: (Value, StackType),
    ) -> Option<(Value, Value, StackType)> {
        use StackType as S;
        match (a.1, b.1) {
            (S::I4, S::I4) => Some((a.0, b.0, S::I4)),
            (S::I8, S::I8) => Some((a.0, b.0, S::I8)),
            (S::I, S::I) => Some((a.0, b.0, S::I)),
            (S::I4, S::I) => Some((self.b.ins().sextend(I64, a.0), b.0, S::I)),
            (S::I, S::I4) => Some((a.0, self.b.ins().sextend(I64, b.0), S::I)),
            _ => None,
        }
    }

    fn float_operands(
        &mut self,
        a: (Value, StackType),
        b: (Value, StackType),
    ) -> Option<(Value, Value, StackType)> {
        use StackType as S;
        match (a.1, b.1) {
            (S::F4, S::F4) => Some((a.0, b.0, S::F4)),
            (S::F8, S::F8) => Some((a.0, b.0, S::F8)),
            (S::F4, S::F8) => Some((self.b.ins().fpromote(F64, a.0), b.0, S::F8)),
            (S::F8, S::F4) => Some((a.0, self.b.ins().fpromote(F64, b.0), S::F8)),
            _ => None,
        }
    }

    fn binary(&mut self, op: Bin, stack: &mut Stack, ins: &Instruction<'_>) -> Res<()> {
        let off = ins.offset;
        let b = self.pop(stack, ins)?;
        let a = self.pop(stack, ins)?;
        let bad = || {
            Err(format!(
                "{} on {} and {} at {}",
                ins.opcode.name(),
                a.1.name(),
                b.1.name(),
                at(off)
            ))
        };
        if a.1.is_float() || b.1.is_float() {
            let Some((x, y, t)) = self.float_operands(a, b) else {
                return bad();
            };
            let r = match op {
                Bin::Add => self.b.ins().fadd(x, y),
                Bin::Sub => self.b.ins().fsub(x, y),
                Bin::Mul => self.b.ins().fmul(x, y),
                Bin::Div => self.b.ins().fdiv(x, y),
                Bin::Rem => {
                    let (helper, ty) = if t == StackType::F4 {
                        (HelperId::FmodF32, F32)
                    } else {
                        (HelperId::FmodF64, F64)
                    };
                    let f = self.helper(helper);
                    let mut sig = Signature::new(self.env.call_conv());
                    sig.params.push(AbiParam::new(ty));
                    sig.params.push(AbiParam::new(ty));
                    sig.returns.push(AbiParam::new(ty));
                    let sig = self.b.import_signature(sig);
                    let call = self.b.ins().call_indirect(sig, f, &[x, y]);
                    self.b.inst_results(call)[0]
                }
                _ => return bad(),
            };
            stack.push((r, t));
            return Ok(());
        }
        // Pointer arithmetic: & +/- int, int + &, & - &.
        if a.1 == StackType::Ptr || b.1 == StackType::Ptr {
            let widen = |t: &mut Self, v: (Value, StackType)| match v.1 {
                StackType::I4 => Some(t.b.ins().sextend(I64, v.0)),
                StackType::I | StackType::Ptr => Some(v.0),
                _ => None,
            };
            let (Some(x), Some(y)) = (widen(self, a), widen(self, b)) else {
                return bad();
            };
            let r = match (op, a.1, b.1) {
                (Bin::Add | Bin::AddOvfUn, _, _)
                    if !(a.1 == StackType::Ptr && b.1 == StackType::Ptr) =>
                {
                    (self.b.ins().iadd(x, y), StackType::Ptr)
                }
                (Bin::Sub | Bin::SubOvfUn, StackType::Ptr, StackType::Ptr) => {
                    (self.b.ins().isub(x, y), StackType::I)
                }
                (Bin::Sub | Bin::SubOvfUn, StackType::Ptr, _) => {
                    (self.b.ins().isub(x, y), StackType::Ptr)
                }
                _ => return bad(),
            };
            stack.push(r);
            return Ok(());
        }
        let Some((x, y, t)) = self.int_operands(a, b) else {
            return bad();
        };
        let ty = clif_type(t.machine());
        let r = match op {
            Bin::Add => self.b.ins().iadd(x, y),
            Bin::Sub => self.b.ins().isub(x, y),
            Bin::Mul => self.b.ins().imul(x, y),
            Bin::And => self.b.ins().band(x, y),
            Bin::Or => self.b.ins().bor(x, y),
            Bin::Xor => self.b.ins().bxor(x, y),
            Bin::Div | Bin::Rem => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                self.throw_if(zero, ExceptionKind::DivideByZero);
                let min = if ty == I32 { i32::MIN as i64 } else { i64::MIN };
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let both = self.b.ins().band(is_min, is_m1);
                self.throw_if(both, ExceptionKind::Overflow);
                if op == Bin::Div {
                    self.b.ins().sdiv(x, y)
                } else {
                    self.b.ins().srem(x, y)
                }
            }
            Bin::DivUn | Bin::RemUn => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                self.throw_if(zero, ExceptionKind::DivideByZero);
                if op == Bin::DivUn {
                    self.b.ins().udiv(x, y)
                } else {
                    self.b.ins().urem(x, y)
                }
            }
            Bin::AddOvf
            | Bin::AddOvfUn
            | Bin::SubOvf
            | Bin::SubOvfUn
            | Bin::MulOvf
            | Bin::MulOvfUn => {
                let (r, of) = match op {
                    Bin::AddOvf => self.b.ins().sadd_overflow(x, y),
                    Bin::AddOvfUn => self.b.ins().uadd_overflow(x, y),
                    Bin::SubOvf => self.b.ins().ssub_overflow(x, y),
                    Bin::SubOvfUn => self.b.ins().usub_overflow(x, y),
                    Bin::MulOvf => self.b.ins().smul_overflow(x, y),
                    _ => self.b.ins().umul_overflow(x, y),
                };
                self.throw_if(of, ExceptionKind::Overflow);
                r
            }
        };
        stack.push((r, t));
        Ok(())
    }

    /// Compares two stack values; returns an `I8` truth value.
    fn compare(
        &mut self,
        cmp: Cmp,
        a: (Value, StackType),
        b: (Value, StackType),
        off: u32,
    ) -> Res<Value> {
        if a.1.is_float() || b.1.is_float() {
            let Some((x, y, _)) = self.float_operands(a, b) else {
                return Err(format!(
                    "comparison of {} and {} at {}",
                    a.1.name(),
                    b.1.name(),
                    at(off)
                ));
            };
            let cc = match cmp {
                Cmp::Eq => FloatCC::Equal,
                Cmp::NeUn => FloatCC::NotEqual,
                Cmp::Ge => FloatCC::GreaterThanOrEqual,
                Cmp::GeUn => FloatCC::UnorderedOrGreaterThanOrEqual,
                Cmp::Gt => FloatCC::GreaterThan,
                Cmp::GtUn => FloatCC::UnorderedOrGreaterThan,
                Cmp::Le => FloatCC::LessThanOrEqual,
                Cmp::LeUn => FloatCC::UnorderedOrLessThanOrEqual,
                Cmp::Lt => FloatCC::LessThan,
                Cmp::LtUn => FloatCC::UnorderedOrLessThan,
            };
            return Ok(self.b.ins().fcmp(cc, x, y));
        }
        use StackType as S;
        let (x, y) = match (a.1, b.1) {
            (S::O, S::O) | (S::Ptr, S::Ptr) | (S::Ptr, S::I) | (S::I, S::Ptr) => (a.0, b.0),
            (S::O, S::I) | (S::I, S::O) | (S::O, S::Ptr) | (S::Ptr, S::O) => (a.0, b.0),
            _ => match self.int_operands(a, b) {
                Some((x, y, _)) => (x, y),
                None => {
                    return Err(format!(
                        "comparison of {} and {} at {}",
                        a.1.name(),
                        b.1.name(),
                        at(off)
                    ));
                }
            },
        };
        let cc = match cmp {
            Cmp::Eq => IntCC::Equal,
            Cmp::NeUn => IntCC::NotEqual,
            Cmp::Ge => IntCC::SignedGreaterThanOrEqual,
            Cmp::GeUn => IntCC::UnsignedGreaterThanOrEqual,
            Cmp::Gt => IntCC::SignedGreaterThan,
            Cmp::GtUn => IntCC::UnsignedGreaterThan,
            Cmp::Le => IntCC::SignedLessThanOrEqual,
            Cmp::LeUn => IntCC::UnsignedLessThanOrEqual,
            Cmp::Lt => IntCC::SignedLessThan,
            Cmp::LtUn => IntCC::UnsignedLessThan,
        };
        Ok(self.b.ins().icmp(cc, x, y))
    }

    // ---- conversions -------------------------------------------------------------------

    fn conv(
        &mut self,
        to: ConvTo,
        ovf: bool,
        unsigned_src: bool,
        stack: &mut Stack,
        ins: &Instruction<'_>,
    ) -> Res<()> {
        let (v, t) = self.pop(stack, ins)?;
        let r = match t {
            StackType::F4 | StackType::F8 => {
                let x = if t == StackType::F4 {
                    self.b.ins().fpromote(F64, v)
                } else {
                    v
                };
                if ovf {
                    self.float_to_int_checked(x, to)
                } else {
                    self.float_to_int_x86(x, to)
                }
            }
            StackType::I4 | StackType::I8 | StackType::I | StackType::Ptr => {
                let src = if t == StackType::Ptr { StackType::I } else { t };
                if ovf {
                    self.int_to_int_checked(v, src, to, unsigned_src)
                } else {
                    self.int_to_int(v, src, to)
                }
            }
            StackType::O => {
                return Err(format!(
                    "{} of an object reference at {}",
                    ins.opcode.name(),
                    at(ins.offset)
                ));
            }
        };
        stack.push((r, to.result()));
        Ok(())
    }

    /// Truncating/extending integer conversion (no checks).
    fn int_to_int(&mut self, v: Value, src: StackType, to: ConvTo) -> Value {
        let v32 = |t: &mut Self| {
            if src == StackType::I4 {
                v
            } else {
                t.b.ins().ireduce(I32, v)
            }
        };
        match to {
            ConvTo::I1 => {
                let x = v32(self);
                self.normalize(x, ValKind::I1)
            }
            ConvTo::U1 => {
                let x = v32(self);
                self.normalize(x, ValKind::U1)
            }
            ConvTo::I2 => {
                let x = v32(self);
                self.normalize(x, ValKind::I2)
            }
            ConvTo::U2 => {
                let x = v32(self);
                self.normalize(x, ValKind::U2)
            }
            ConvTo::I4 | ConvTo::U4 => v32(self),
            ConvTo::I8 | ConvTo::I => {
                if src == StackType::I4 {
                    self.b.ins().sextend(I64, v)
                } else {
                    v
                }
            }
            ConvTo::U8 | ConvTo::U => {
                if src == StackType::I4 {
                    self.b.ins().uextend(I64, v)
                } else {
                    v
                }
            }
        }
    }

    /// Checked integer conversion: `unsigned_src` treats the source as unsigned (`.un`).
    fn int_to_int_checked(
        &mut self,
        v: Value,
        src: StackType,
        to: ConvTo,
        unsigned_src: bool,
    ) -> Value {
        // Inclusive range of the target, as i128 to compare in either signedness.
        let (lo, hi): (i128, i128) = match to {
            ConvTo::I1 => (i8::MIN as i128, i8::MAX as i128),
            ConvTo::U1 => (0, u8::MAX as i128),
            ConvTo::I2 => (i16::MIN as i128, i16::MAX as i128),
            ConvTo::U2 => (0, u16::MAX as i128),
            ConvTo::I4 => (i32::MIN as i128, i32::MAX as i128),
            ConvTo::U4 => (0, u32::MAX as i128),
            ConvTo::I8 | ConvTo::I => (i64::MIN as i128, i64::MAX as i128),
            ConvTo::U8 | ConvTo::U => (0, u64::MAX as i128),
        };
        let bits: u32 = if src == StackType::I4 { 32 } else { 64 };
        // Source range in its interpretation.
        let (src_lo, src_hi): (i128, i128) = match (bits, unsigned_src) {
            (32, false) => (i32::MIN as i128, i32::MAX as i128),
            (32, true) => (0, u32::MAX as i128),
            (_, false) => (i64::MIN as i128, i64::MAX as i128),
            (_, true) => (0, u64::MAX as i128),
        };
        let to_imm = |x: i128| -> i64 {
            // Reinterpret within the source width.
            if bits == 32 {
                x as u32 as i32 as i64
            } else {
                x as u64 as i64
            }
        };
        let mut bad: Option<Value> = None;
        if lo > src_lo {
            let cc = if unsigned_src {
                IntCC::UnsignedLessThan
            } else {
                IntCC::SignedLessThan
            };
            let c = self.b.ins().icmp_imm_s(cc, v, to_imm(lo));
            bad = Some(c);
        }
        if hi < src_hi {
            let cc = if unsigned_src {
                IntCC::UnsignedGreaterThan
            } else {
                IntCC::SignedGreaterThan
            };
            let c = self.b.ins().icmp_imm_s(cc, v, to_imm(hi));
            bad = Some(match bad {
                Some(b) => self.b.ins().bor(b, c),
                None => c,
            });
        }
        if let Some(bad) = bad {
            self.throw_if(bad, ExceptionKind::Overflow);
        }
        // In range: the plain conversion gives the value (extension per source signedness).
        match to {
            ConvTo::I8 | ConvTo::I | ConvTo::U8 | ConvTo::U if src == StackType::I4 => {
                if unsigned_src {
                    self.b.ins().uextend(I64, v)
                } else {
                    self.b.ins().sextend(I64, v)
                }
            }
            _ => self.int_to_int(v, src, to),
        }
    }

    /// x86-64 `cvttsd2si` semantics as mono uses them (out of range and NaN give the
    /// "integer indefinite" value); see the conversion tests for the observed table.
    fn cvtt(&mut self, x: Value, ty: Type) -> Value {
        let (lo, hi, indefinite) = if ty == I32 {
            (-2147483648.0f64, 2147483648.0f64, i32::MIN as i64)
        } else {
            (
                -9223372036854775808.0f64,
                9223372036854775808.0f64,
                i64::MIN,
            )
        };
        let sat = self.b.ins().fcvt_to_sint_sat(ty, x);
        let lo_v = self.b.ins().f64const(lo);
        let hi_v = self.b.ins().f64const(hi);
        let ge = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo_v);
        let lt = self.b.ins().fcmp(FloatCC::LessThan, x, hi_v);
        let ok = self.b.ins().band(ge, lt);
        let ind = self.b.ins().iconst(ty, indefinite);
        self.b.ins().select(ok, sat, ind)
    }

    fn float_to_int_x86(&mut self, x: Value, to: ConvTo) -> Value {
        match to {
            ConvTo::I1 | ConvTo::U1 | ConvTo::I2 | ConvTo::U2 => {
                let v = self.cvtt(x, I32);
                self.int_to_int(v, StackType::I4, to)
            }
            ConvTo::I4 => self.cvtt(x, I32),
            ConvTo::U4 => {
                let v = self.cvtt(x, I64);
                self.b.ins().ireduce(I32, v)
            }
            ConvTo::I8 | ConvTo::I => self.cvtt(x, I64),
            ConvTo::U8 | ConvTo::U => {
                // x < 2^63 ? cvtt(x) : cvtt(x - 2^63) ^ 2^63 (NaN takes the second arm).
                let two63 = self.b.ins().f64const(9223372036854775808.0);
                let small = self.b.ins().fcmp(FloatCC::LessThan, x, two63);
                let a = self.cvtt(x, I64);
                let shifted = self.b.ins().fsub(x, two63);
                let b0 = self.cvtt(shifted, I64);
                let b = self.b.ins().bxor_imm_s(b0, i64::MIN);
                self.b.ins().select(small, a, b)
            }
        }
    }

    fn float_to_int_checked(&mut self, x: Value, to: ConvTo) -> Value {
        // Exclusive bounds: valid iff lo < x < hi (after truncation toward zero), or for
        // the 64-bit signed case lo <= x.
        let (lo, hi, lo_inclusive) = match to {
            ConvTo::I1 => (-129.0, 128.0, false),
            ConvTo::U1 => (-1.0, 256.0, false),
            ConvTo::I2 => (-32769.0, 32768.0, false),
            ConvTo::U2 => (-1.0, 65536.0, false),
            ConvTo::I4 => (-2147483649.0, 2147483648.0, false),
            ConvTo::U4 => (-1.0, 4294967296.0, false),
            ConvTo::I8 | ConvTo::I => (-9223372036854775808.0, 9223372036854775808.0, true),
            ConvTo::U8 | ConvTo::U => (-1.0, 18446744073709551616.0, false),
        };
        let lo_v = self.b.ins().f64const(lo);
        let hi_v = self.b.ins().f64const(hi);
        let above = self.b.ins().fcmp(
            if lo_inclusive {
                FloatCC::GreaterThanOrEqual
            } else {
                FloatCC::GreaterThan
            },
            x,
            lo_v,
        );
        let below = self.b.ins().fcmp(FloatCC::LessThan, x, hi_v);
        let ok = self.b.ins().band(above, below);
        let bad = self.b.ins().bxor_imm_s(ok, 1);
        self.throw_if(bad, ExceptionKind::Overflow);
        match to {
            ConvTo::I1 | ConvTo::U1 | ConvTo::I2 | ConvTo::U2 | ConvTo::I4 => {
                self.b.ins().fcvt_to_sint_sat(I32, x)
            }
            ConvTo::U4 => self.b.ins().fcvt_to_uint_sat(I32, x),
            ConvTo::I8 | ConvTo::I => self.b.ins().fcvt_to_sint_sat(I64, x),
            ConvTo::U8 | ConvTo::U => self.b.ins().fcvt_to_uint_sat(I64, x),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The translator on hand-written IL: exclusion reasons for malformed input, and results
    //! of translated code run through cranelift-jit (verifier on).

    use super::*;
    use cranelift_codegen::isa::TargetFrontendConfig;
    use cranelift_codegen::settings::Configurable;
    use cranelift_module::Module;

    struct NoEnv {
        call_conv: cranelift_codegen::isa::CallConv,
        config: TargetFrontendConfig,
    }

    impl TranslateEnv for NoEnv {
        fn call_conv(&self) -> cranelift_codegen::isa::CallConv {
            self.call_conv
        }
        fn frontend_config(&self) -> TargetFrontendConfig {
            self.config
        }
        fn callee_shape(&mut self, token: Token) -> Res<MethodShape> {
            Err(format!("bad token 0x{:08x}", token.0))
        }
        fn call_target(&mut self, _: Token, _: &mut FunctionBuilder<'_>) -> Res<CallTarget> {
            Err("no calls in these tests".into())
        }
        fn constrained_cell(
            &mut self,
            _: Token,
            _: Token,
            _: &mut FunctionBuilder<'_>,
        ) -> Res<Value> {
            Err("no calls in these tests".into())
        }
        fn check_callvirt(&mut self, _: Token) -> Res<()> {
            Err("no calls in these tests".into())
        }
        fn string_cell(&mut self, _: Token, _: &mut FunctionBuilder<'_>) -> Res<Value> {
            Err("no strings in these tests".into())
        }
        fn fold_literal_call(&mut self, _: Token, _: f64) -> Option<f64> {
            None
        }
        fn array_element(&mut self, _: Token) -> Res<ValKind> {
            Err("no arrays in these tests".into())
        }
        fn is_initialize_array(&mut self, _: Token) -> bool {
            false
        }
        fn field_init_data(&mut self, _: Token) -> Res<Vec<u8>> {
            Err("no arrays in these tests".into())
        }
        fn static_field_cell(
            &mut self,
            _: Token,
            _: &mut FunctionBuilder<'_>,
        ) -> Res<(Value, ValKind)> {
            Err("no static fields in these tests".into())
        }
        fn helper_table(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
            b.ins().iconst(I64, 0)
        }
    }

    fn jit_module() -> cranelift_jit::JITModule {
        let mut flags = cranelift_codegen::settings::builder();
        flags.set("enable_verifier", "true").unwrap();
        flags.set("opt_level", "speed").unwrap();
        let isa = cranelift_native::builder()
            .unwrap()
            .finish(cranelift_codegen::settings::Flags::new(flags))
            .unwrap();
        cranelift_jit::JITModule::new(cranelift_jit::JITBuilder::with_isa(
            isa,
            cranelift_module::default_libcall_names(),
        ))
    }

    /// Translates `code` and JIT-compiles it; returns the entry point or the exclusion reason.
    fn compile(code: &[u8], shape: &MethodShape, locals: &[ValKind]) -> Res<*const u8> {
        let instrs = ngen_metadata::il::decode(code)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let module = Box::leak(Box::new(jit_module()));
        let call_conv = module.isa().default_call_conv();
        let sig = clif_signature(shape, call_conv);
        let id = module
            .declare_function("under_test", cranelift_module::Linkage::Local, &sig)
            .unwrap();
        let mut ctx = module.make_context();
        ctx.func.signature = sig;
        let mut fctx = FunctionBuilderContext::new();
        let mut env = NoEnv {
            call_conv,
            config: module.isa().frontend_config(),
        };
        let input = MethodInput {
            shape,
            locals,
            instrs: &instrs,
        };
        translate(&mut ctx.func, &mut fctx, &input, &mut env)?;
        module
            .define_function(id, &mut ctx)
            .map_err(|e| format!("{e:?}"))?;
        module.finalize_definitions().unwrap();
        Ok(module.get_finalized_function(id))
    }

    fn shape(params: &[ValKind], ret: Option<ValKind>) -> MethodShape {
        MethodShape {
            has_this: false,
            params: params.to_vec(),
            ret,
        }
    }

    #[test]
    fn malformed_il_gives_reasons() {
        let s = shape(&[], Some(ValKind::I4));
        // add with an empty stack
        assert_eq!(
            compile(&[0x58, 0x2A], &s, &[]).unwrap_err(),
            "stack underflow at IL_0000"
        );
        // br.s +1 lands inside the following ldc.i4
        assert_eq!(
            compile(&[0x2B, 0x01, 0x20, 0, 0, 0, 0, 0x2A], &s, &[]).unwrap_err(),
            "branch into the middle of an instruction (IL_0003) at IL_0000"
        );
        // a branch past the end
        assert_eq!(
            compile(&[0x2B, 0x10, 0x2A], &s, &[]).unwrap_err(),
            "branch target IL_0012 outside the method at IL_0000"
        );
        // newobj is outside this opcodes
        assert_eq!(
            compile(&[0x73, 1, 0, 0, 0x06, 0x2A], &s, &[]).unwrap_err(),
            "unsupported opcode newobj at IL_0000"
        );
        // call with a token that does not name a method
        assert_eq!(
            compile(&[0x28, 0xFF, 0xFF, 0, 0x06, 0x2A], &s, &[]).unwrap_err(),
            "bad token 0x0600ffff at IL_0000"
        );
        // falls off the end
        assert_eq!(
            compile(&[0x16], &s, &[]).unwrap_err(),
            "control falls off the end of the method"
        );
        // ldarg.0; brtrue.s +1; ldc.i4.1; ldc.i4.2; ret: depth 0 and 1 meet at IL_0004
        let s1 = shape(&[ValKind::I4], Some(ValKind::I4));
        assert!(
            compile(&[0x02, 0x2D, 0x01, 0x17, 0x18, 0x2A], &s1, &[])
                .unwrap_err()
                .starts_with("inconsistent stack depth at join IL_0004"),
        );
        // float + object reference
        assert_eq!(
            compile(&[0x22, 0, 0, 0x80, 0x3F, 0x14, 0x58, 0x2A], &s, &[]).unwrap_err(),
            "add on float32 and O at IL_0006"
        );
    }

    #[test]
    fn loop_with_locals_runs() {
        // s = 0; for (i = 1; i <= n; i++) s += i; return s;
        let code = [
            0x16, 0x0A, // ldc.i4.0; stloc.0
            0x17, 0x0B, // ldc.i4.1; stloc.1
            0x07, 0x02, 0x30, 0x0A, // L4: ldloc.1; ldarg.0; bgt.s END(+10 -> 0x12)
            0x06, 0x07, 0x58, 0x0A, // ldloc.0; ldloc.1; add; stloc.0
            0x07, 0x17, 0x58, 0x0B, // ldloc.1; ldc.i4.1; add; stloc.1
            0x2B, 0xF2, // br.s L4
            0x06, 0x2A, // END: ldloc.0; ret
        ];
        let s = shape(&[ValKind::I4], Some(ValKind::I4));
        let f = compile(&code, &s, &[ValKind::I4, ValKind::I4]).unwrap();
        // SAFETY: compiled with signature (i32) -> i32.
        let f = unsafe { std::mem::transmute::<*const u8, extern "C" fn(i32) -> i32>(f) };
        assert_eq!(f(100), 5050);
        assert_eq!(f(0), 0);
    }

    #[test]
    fn float_to_int_conversions_follow_x86_like_mono() {
        let s = shape(&[ValKind::R8], Some(ValKind::I8));
        // ldarg.0; conv.u8; ret
        let u8f = compile(&[0x02, 0x6E, 0x2A], &s, &[]).unwrap();
        // ldarg.0; conv.i4; conv.i8; ret
        let i4f = compile(&[0x02, 0x69, 0x6A, 0x2A], &s, &[]).unwrap();
        // ldarg.0; conv.u4; conv.u8; ret
        let u4f = compile(&[0x02, 0x6D, 0x6E, 0x2A], &s, &[]).unwrap();
        let as_fn = |p: *const u8| {
            // SAFETY: each function was compiled with signature (f64) -> i64.
            unsafe { std::mem::transmute::<*const u8, extern "C" fn(f64) -> i64>(p) }
        };
        let (u8f, i4f, u4f) = (as_fn(u8f), as_fn(i4f), as_fn(u4f));
        // Values observed under mono 6.8 on x86-64.
        assert_eq!(u8f(f64::NAN) as u64, 0);
        assert_eq!(u8f(f64::NEG_INFINITY) as u64, 9223372036854775808);
        assert_eq!(u8f(1e19) as u64, 10000000000000000000);
        assert_eq!(u8f(2e19) as u64, 0);
        assert_eq!(u8f(-1.0) as u64, u64::MAX);
        assert_eq!(i4f(f64::NAN), i32::MIN as i64);
        assert_eq!(i4f(3e9), i32::MIN as i64);
        assert_eq!(i4f(-1.5), -1);
        assert_eq!(u4f(-3e9), 1294967296);
        assert_eq!(u4f(5e18), 1156841472);
        assert_eq!(u4f(f64::NAN), 0);
    }

    #[test]
    fn access_kind_covers_every_typed_access_opcode() {
        for &op in Opcode::ALL {
            let name = op.name();
            let typed = ["ldind.", "stind.", "ldelem.", "stelem."]
                .iter()
                .find_map(|p| name.strip_prefix(p));
            let expected = typed.map(|suffix| match suffix {
                "i1" => ValKind::I1,
                "u1" => ValKind::U1,
                "i2" => ValKind::I2,
                "u2" => ValKind::U2,
                "i4" => ValKind::I4,
                "u4" => ValKind::U4,
                "i8" => ValKind::I8,
                "i" => ValKind::I,
                "r4" => ValKind::R4,
                "r8" => ValKind::R8,
                "ref" => ValKind::Ref,
                other => panic!("unexpected typed access {name} ({other})"),
            });
            assert_eq!(access_kind(op), expected, "{name}");
        }
    }
}
