//! The marshalling stub of a P/Invoke: a function with the method's managed signature that
//! calls its native target (mono's managed-to-native wrapper, crossgen2's
//! `PInvokeILEmitter`), the same for images and the JIT (it asks a [`TranslateEnv`] for its
//! cells and the helper table), so P/Invokes run under `--jit never`.
//!
//! ## Model
//! 1. The target is the method's [`CellKind::PInvoke`] cell, resolved on first use through
//!    `ResolveCell` (the runtime's dllmap, `dlopen`, `dlsym`); a missing library or entry
//!    point leaves an exception pending, and the stub returns at once (the caller tests the
//!    pending word after every call).
//! 2. `SafeHandle` arguments are add-ref'd first (a closed one raises before anything is
//!    allocated), then strings and `StringBuilder`s get native buffers
//!    ([`MarshalOp`]), arrays the address of element 0, `bool`s 0 or 1, small integers
//!    their widened value, `out SafeHandle` the address of a zeroed stack word.
//! 3. The native call (SystemV), then at once `errno` saved when `SetLastError` is set.
//! 4. Buffers copied back and freed, references released, `out` handles wrapped, the result
//!    converted ([`crate::pinvoke::ReturnMarshal`]).
//!
//! A signature [`crate::pinvoke::classify`] refuses gives a stub that raises
//! `MarshalDirectiveException` with the reason ([`MarshalOp::Unsupported`]).
//!
//! Depends on: cranelift-frontend, [`crate::pinvoke`], `ngen_abi::{pinvoke, helpers, image}`,
//! [`super::cells`].

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{
    AbiParam, Block, Function, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
    Type, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CellKey, CellKind};
use ngen_abi::object::ARRAY_DATA_OFFSET;
use ngen_abi::pinvoke::MarshalOp;
use ngen_metadata::Token;

use super::abi::clif_type;
use super::cells::emit_cell_target;
use super::env::TranslateEnv;
use super::helpers::helper_signature;
use crate::pinvoke::{CharEncoding, PInvokeSignature, ParamMarshal, ReturnMarshal};
use crate::types::ValKind;

/// The cells a P/Invoke's stub uses: its own target and the method tables of the
/// `SafeHandle` classes it may construct.
pub(crate) fn stub_cells(method: Token, classes: &[Token]) -> Vec<CellKey> {
    std::iter::once(CellKey::new(CellKind::PInvoke, method.0))
        .chain(
            classes
                .iter()
                .map(|c| CellKey::new(CellKind::MethodTable, c.0)),
        )
        .collect()
}

/// Builds into `func` (whose signature is `shape`'s) the stub of P/Invoke `method`, which
/// marshals as `marshal` says, or raises `MarshalDirectiveException` when it is `None`.
pub(crate) fn build_pinvoke_stub(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    method: Token,
    marshal: Option<&PInvokeSignature>,
    env: &mut dyn TranslateEnv,
) -> Result<(), String> {
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let args = b.block_params(entry).to_vec();
    let fail = b.create_block();
    b.set_cold_block(fail);
    let cell = env.cell(CellKey::new(CellKind::PInvoke, method.0), &mut b)?;
    let mut stub = Stub { env, fail };
    match marshal {
        None => {
            stub.op(&mut b, MarshalOp::Unsupported, cell, None);
            b.ins().jump(fail, &[]);
        }
        Some(marshal) => stub.body(&mut b, cell, &args, marshal)?,
    }
    b.switch_to_block(fail);
    // The exception is pending: any value will do, the caller never reads it.
    let zeros: Vec<Value> = b
        .func
        .signature
        .returns
        .clone()
        .iter()
        .map(|r| zero(&mut b, r.value_type))
        .collect();
    b.ins().return_(&zeros);
    b.seal_all_blocks();
    b.finalize(stub.env.frontend_config());
    Ok(())
}

fn zero(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    match ty {
        F32 => b.ins().f32const(0.0),
        F64 => b.ins().f64const(0.0),
        ty => b.ins().iconst(ty, 0),
    }
}

/// What runs after the native call, in reverse order of the conversions that need it.
enum After {
    Free(Value),
    CopyBack(MarshalOp, Value, Value),
    Release(Value),
    WrapOut {
        class: Token,
        word: Value,
        into: Value,
    },
}

struct Stub<'e> {
    env: &'e mut dyn TranslateEnv,
    /// Returns zeros with an exception pending.
    fail: Block,
}

impl Stub<'_> {
    /// Calls `PInvokeMarshal(op, value, extra)`; with `check`, then goes to the failure
    /// block when an exception is pending.
    fn op(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        op: MarshalOp,
        value: Value,
        extra: Option<Value>,
    ) -> Value {
        let table = self.env.helper_table(b);
        let helper = b.ins().load(
            I64,
            MemFlagsData::trusted(),
            table,
            HelperId::PInvokeMarshal.table_offset(),
        );
        let sig = b.import_signature(helper_signature(
            HelperId::PInvokeMarshal,
            self.env.call_conv(),
        ));
        let op = b.ins().iconst(I32, op as i64);
        let extra = extra.unwrap_or_else(|| b.ins().iconst(I64, 0));
        let call = b.ins().call_indirect(sig, helper, &[op, value, extra]);
        b.inst_results(call)[0]
    }

    /// Goes to the failure block when an exception is pending.
    fn check_pending(&mut self, b: &mut FunctionBuilder<'_>) {
        let word = self.env.pending_word(b);
        let pending = b.ins().load(I64, MemFlagsData::trusted(), word, 0);
        let next = b.create_block();
        b.ins().brif(pending, self.fail, &[], next, &[]);
        b.switch_to_block(next);
    }

    /// The target of cell `cell`, resolving it (and failing with its exception) on first use.
    fn target(&mut self, b: &mut FunctionBuilder<'_>, cell: Value) -> Value {
        let call_conv = self.env.call_conv();
        let fail = self.fail;
        let word = self.env.pending_word(b);
        let env = &mut *self.env;
        emit_cell_target(
            b,
            cell,
            |b| env.helper_table(b),
            |b| b.import_signature(helper_signature(HelperId::ResolveCell, call_conv)),
            Some((fail, word)),
        )
    }

    fn body(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        cell: Value,
        args: &[Value],
        marshal: &PInvokeSignature,
    ) -> Result<(), String> {
        let target = self.target(b, cell);
        let mut native = vec![None; marshal.params.len()];
        let mut after = Vec::new();
        // Add-refs first: a closed handle raises before anything needs freeing.
        for (i, (m, &v)) in marshal.params.iter().zip(args).enumerate() {
            if *m == ParamMarshal::SafeHandle {
                native[i] = Some(self.op(b, MarshalOp::SafeHandleAddRef, v, None));
                self.check_pending(b);
                after.push(After::Release(v));
            }
        }
        for (i, (m, &v)) in marshal.params.iter().zip(args).enumerate() {
            let value = match *m {
                ParamMarshal::SafeHandle => continue,
                ParamMarshal::Direct(kind) => widen(b, kind, v),
                ParamMarshal::Bool => {
                    let set = b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                    b.ins().uextend(I32, set)
                }
                ParamMarshal::String(encoding) => {
                    let op = match encoding {
                        CharEncoding::Utf8 => MarshalOp::StringToUtf8,
                        CharEncoding::Utf16 => MarshalOp::StringToUtf16,
                    };
                    let p = self.op(b, op, v, None);
                    after.push(After::Free(p));
                    p
                }
                ParamMarshal::Builder(encoding) => {
                    let (to, back) = match encoding {
                        CharEncoding::Utf8 => {
                            (MarshalOp::BuilderToUtf8, MarshalOp::BuilderFromUtf8)
                        }
                        CharEncoding::Utf16 => {
                            (MarshalOp::BuilderToUtf16, MarshalOp::BuilderFromUtf16)
                        }
                    };
                    let p = self.op(b, to, v, None);
                    after.push(After::CopyBack(back, v, p));
                    p
                }
                ParamMarshal::Array => {
                    let data = b.ins().iadd_imm_s(v, i64::from(ARRAY_DATA_OFFSET));
                    let null = b.ins().iconst(I64, 0);
                    b.ins().select(v, data, null)
                }
                ParamMarshal::SafeHandleOut(class) => {
                    let slot = b.create_sized_stack_slot(StackSlotData::new(
                        StackSlotKind::ExplicitSlot,
                        8,
                        3,
                    ));
                    let zero = b.ins().iconst(I64, 0);
                    let word = b.ins().stack_addr(I64, slot, 0);
                    b.ins().store(MemFlagsData::trusted(), zero, word, 0);
                    after.push(After::WrapOut {
                        class,
                        word,
                        into: v,
                    });
                    word
                }
            };
            native[i] = Some(value);
        }
        let native: Vec<Value> = native.into_iter().flatten().collect();
        let mut sig = Signature::new(self.env.call_conv());
        for &v in &native {
            sig.params.push(AbiParam::new(b.func.dfg.value_type(v)));
        }
        let native_ret = native_return(marshal.ret);
        sig.returns.extend(native_ret.map(AbiParam::new));
        let sig = b.import_signature(sig);
        let call = b.ins().call_indirect(sig, target, &native);
        let result = b.inst_results(call).first().copied();
        if marshal.set_last_error {
            let none = b.ins().iconst(I64, 0);
            self.op(b, MarshalOp::SaveLastError, none, None);
        }
        for step in after.into_iter().rev() {
            match step {
                After::Free(p) => {
                    self.op(b, MarshalOp::Free, p, None);
                }
                After::CopyBack(op, builder, p) => {
                    self.op(b, op, builder, Some(p));
                }
                After::Release(handle) => {
                    self.op(b, MarshalOp::SafeHandleRelease, handle, None);
                }
                After::WrapOut { class, word, into } => {
                    let table = self.class_table(b, class)?;
                    let handle = b.ins().load(I64, MemFlagsData::trusted(), word, 0);
                    let object = self.op(b, MarshalOp::SafeHandleNew, table, Some(handle));
                    b.ins().store(MemFlagsData::trusted(), object, into, 0);
                }
            }
        }
        let managed = match (marshal.ret, result) {
            (ReturnMarshal::Void, _) | (_, None) => None,
            (ReturnMarshal::Direct(kind), Some(r)) => Some(narrow_result(b, kind, r)),
            (ReturnMarshal::Bool, Some(r)) => Some(b.ins().uextend(I32, r)),
            (ReturnMarshal::String(encoding), Some(r)) => {
                let op = match encoding {
                    CharEncoding::Utf8 => MarshalOp::StringFromUtf8,
                    CharEncoding::Utf16 => MarshalOp::StringFromUtf16,
                };
                Some(self.op(b, op, r, None))
            }
            (ReturnMarshal::SafeHandle(class), Some(r)) => {
                let table = self.class_table(b, class)?;
                Some(self.op(b, MarshalOp::SafeHandleNew, table, Some(r)))
            }
        };
        b.ins().return_(&managed.into_iter().collect::<Vec<_>>());
        Ok(())
    }

    /// The method table of class `class` (a `SafeHandle` to construct).
    fn class_table(&mut self, b: &mut FunctionBuilder<'_>, class: Token) -> Result<Value, String> {
        let cell = self
            .env
            .cell(CellKey::new(CellKind::MethodTable, class.0), b)?;
        Ok(self.target(b, cell))
    }
}

/// A managed argument of `kind` as the C convention wants it: small integers widened from
/// their own bits (sign or zero as the kind says), the rest as they are.
fn widen(b: &mut FunctionBuilder<'_>, kind: ValKind, v: Value) -> Value {
    let (narrow, signed) = match kind {
        ValKind::I1 => (I8, true),
        ValKind::U1 | ValKind::Bool => (I8, false),
        ValKind::I2 => (I16, true),
        ValKind::U2 | ValKind::Char => (I16, false),
        _ => return v,
    };
    let bits = b.ins().ireduce(narrow, v);
    if signed {
        b.ins().sextend(I32, bits)
    } else {
        b.ins().uextend(I32, bits)
    }
}

/// The machine type the native function returns for `ret`.
fn native_return(ret: ReturnMarshal) -> Option<Type> {
    match ret {
        ReturnMarshal::Void => None,
        ReturnMarshal::Bool => Some(I8),
        ReturnMarshal::Direct(kind) => Some(match kind {
            ValKind::I1 | ValKind::U1 | ValKind::Bool => I8,
            ValKind::I2 | ValKind::U2 | ValKind::Char => I16,
            other => clif_type(crate::types::StackType::of(other).machine()),
        }),
        ReturnMarshal::String(_) | ReturnMarshal::SafeHandle(_) => Some(I64),
    }
}

/// A native result of `kind` as the managed convention carries it.
fn narrow_result(b: &mut FunctionBuilder<'_>, kind: ValKind, r: Value) -> Value {
    match kind {
        ValKind::I1 | ValKind::I2 => b.ins().sextend(I32, r),
        ValKind::U1 | ValKind::Bool | ValKind::U2 | ValKind::Char => b.ins().uextend(I32, r),
        _ => r,
    }
}
