//! Calls the translator expands in place instead of calling, each answering "not mine"
//! (`Ok(false)`) to fall back to the ordinary translation, as rustc_codegen_cranelift's
//! `codegen_intrinsic_call` does:
//! - C#'s array initialisers, `ldtoken F; call RuntimeHelpers::InitializeArray` after
//!   `newarr` (ECMA-335 III.4.17, III.4.20): the field's bytes become constant stores;
//! - BCL calls of a `float64` literal that mono's JIT folds at compile time;
//! - `Interlocked::CompareExchange<T>` of references (C#'s event accessors): an atomic
//!   compare-and-swap, as Mono's JIT expands it.
//!
//! Depends on: [`super::env`] (`is_initialize_array`, `field_init_data`, `fold_literal_call`,
//! `is_reference_compare_exchange`).

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use ngen_abi::object::ARRAY_DATA_OFFSET;
use ngen_metadata::Token;
use ngen_metadata::il::{Opcode, Operand};

use super::stack::{Stack, ldc_i4_value};
use super::{Reject, Res, Translator, flags};
use crate::types::{IlType, MethodShape, StackType, ValKind};

/// The largest array initialiser stored as constants: about 1.7 bytes of code per byte of
/// data (a 64-bit immediate move and a store per 8 bytes), in `.cctor`s that run once.
/// mscorlib's largest are `KoreanLunisolarCalendar..cctor`'s 18,128 bytes and
/// `HebrewCalendar..cctor`'s 5,264; larger ones stay excluded (and so does their method).
pub(super) const MAX_INITIALIZER_BYTES: usize = 64 * 1024;

impl<'a, 'f> Translator<'a, 'f> {
    /// Translates `ldc.i4 N; newarr T; dup; ldtoken F; call RuntimeHelpers::InitializeArray`
    /// (C#'s array initialisers) when `instrs[index]` is that `ldtoken`: the field's bytes are
    /// stored into the new array as constants. Returns false when the pattern does not match
    /// (the `ldtoken` is then translated, i.e. rejected, on its own).
    pub(super) fn array_initializer(
        &mut self,
        index: usize,
        first: usize,
        stack: &mut Stack,
    ) -> Res<bool> {
        const MAX_BYTES: usize = MAX_INITIALIZER_BYTES;
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
        // Primitive and enum elements (System.Xml's state tables are enum arrays): the
        // field's bytes are the elements' little-endian values either way.
        let element_size = match self.element_type(newarr)? {
            IlType::Val(ValKind::Ref) | IlType::Struct(_) => {
                return Err(Reject::at(
                    format!(
                        "array initializer of non-primitive elements (token 0x{:08x})",
                        element.0
                    ),
                    newarr.offset,
                ));
            }
            ty => ty.size() as usize,
        };
        let data = self.env.field_init_data(field)?;
        let Ok(length) = usize::try_from(length) else {
            return Ok(false);
        };
        let bytes = length.saturating_mul(element_size);
        if bytes > data.len() {
            return Err(Reject::new(format!(
                "array initializer needs {bytes} bytes, its field has {}",
                data.len()
            )));
        }
        if bytes > MAX_BYTES {
            return Err(Reject::new(format!(
                "array initializer of {bytes} bytes (more than {MAX_BYTES})"
            )));
        }
        let (array, t) = stack.pop1()?;
        if t != StackType::O {
            return Err(Reject::new(format!("array initializer on {}", t.name())));
        }
        self.store_constant_bytes(array, &data[..bytes]);
        Ok(true)
    }

    /// Stores `data` into the elements of `array` as constants (an array initialiser).
    pub(super) fn store_constant_bytes(&mut self, array: Value, data: &[u8]) {
        let bytes = data.len();
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
    }

    /// Folds `call token` of a `float64` literal when mono's JIT folds it; `Ok(false)` when
    /// the call is not one of those (it is then called).
    /// `call Interlocked::CompareExchange<T>(ref T, T value, T comparand)` with `T : class`:
    /// an atomic compare-and-swap of the reference at the address (sequentially consistent,
    /// as `lock cmpxchg`), pushing the old value, as Mono's JIT expands the intrinsic.
    pub(super) fn compare_exchange_reference(&mut self, stack: &mut Stack) -> Res<()> {
        let (comparand, ct) = stack.pop1()?;
        let (value, vt) = stack.pop1()?;
        let (location, lt) = stack.pop1()?;
        let reference = |t: StackType| matches!(t, StackType::O | StackType::Ptr);
        if !reference(ct) || !reference(vt) || !matches!(lt, StackType::Ptr | StackType::I) {
            return Err(Reject::new(format!(
                "CompareExchange<T> on ({}, {}, {})",
                lt.name(),
                vt.name(),
                ct.name()
            )));
        }
        self.null_check(location);
        let old = self
            .b
            .ins()
            .atomic_cas(MemFlagsData::trusted(), location, comparand, value);
        stack.push((old, StackType::O));
        Ok(())
    }

    pub(super) fn expand_literal_call(
        &mut self,
        token: Token,
        shape: &MethodShape,
        stack: &mut Stack,
    ) -> Res<bool> {
        if !shape.has_this
            && shape.params == [IlType::Val(ValKind::R8)]
            && shape.ret == Some(IlType::Val(ValKind::R8))
            && let Some(argument) = self.literal_before
            && let Some(folded) = self.env.fold_literal_call(token, argument)
        {
            // Mono's JIT evaluates this call of a literal at compile time, with results
            // that differ from the run-time entry point (`Math.Round(2.5)` is 3).
            stack.pop1()?;
            let v = self.b.ins().f64const(folded);
            stack.push((v, StackType::F8));
            return Ok(true);
        }
        Ok(false)
    }
}
