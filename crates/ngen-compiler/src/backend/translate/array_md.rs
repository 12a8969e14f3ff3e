//! Multi-dimensional arrays (`T[,]`, `T[,,]`, ...): the runtime-provided methods of array
//! types (ECMA-335 II.14.2) expanded inline, as Mono's JIT does for ranks up to its limit
//! (`mini_emit_ldelema_ins`): `newobj T[,]::.ctor(len0, ..)` (or `(lo0, len0, ..)` with lower
//! bounds), `call T[,]::Get(i0, ..)`, `Set(i0, .., value)` and `Address(i0, ..)`.
//!
//! ## Model
//! Mono's `MonoArray` (`object-internals.h`): the header, a `bounds` pointer at 16, the total
//! element count (`max_length`) at 24 and the elements from 32, row-major; `bounds` points at
//! `rank` `MonoArrayBounds {length: u64, lower_bound: i32}` (16 bytes each) stored after the
//! elements in the same block, as `mono_array_new_full_checked` lays them out. An access
//! checks each index against its dimension (`index - lower_bound`, unsigned, below `length`,
//! else IndexOutOfRangeException) and computes the row-major offset. The constructor raises
//! OverflowException (empty message) for a negative length and OutOfMemoryException when the
//! element count overflows, as Mono does, and allocates through `NewArray`/`NewScannedArray` (one block of
//! elements and bounds, in 8-byte words), then stores the method table (the instruction's
//! method-table cell), the count and the bounds. `Set` of a reference checks covariance
//! (`ArrayStoreCheck`), as Mono's `mono_helper_stelem_ref_check`.
//!
//! Depends on: [`super::array`] (the covariance check), [`super::value_types`] (element loads
//! and stores), `crate::arrays` (what the method is). Citations: ECMA-335 II.14.2, III.4.21;
//! Mono 6.8 `mono/metadata/object.c` (`mono_array_new_full_checked`), `mono/mini/method-to-ir.c`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::object::{ARRAY_BOUNDS_OFFSET, ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::stack::{Entry, Stack};
use super::{Reject, Res, Translator, flags, trusted};
use crate::arrays::{ArrayMethod, ArrayOp};
use crate::types::{IlType, StackType, ValKind};

/// Bytes of one `MonoArrayBounds` (`length: u64`, `lower_bound: i32`, padding).
const BOUNDS_SIZE: i64 = 16;
/// Offset of `lower_bound` in it.
const LOWER_BOUND_OFFSET: i32 = 8;

impl<'a, 'f> Translator<'a, 'f> {
    /// `call` of `Get`/`Set`/`Address`, or `newobj` of `.ctor`, of a multi-dimensional array
    /// type.
    pub(super) fn translate_array_method(
        &mut self,
        ins: &Instruction<'_>,
        method: ArrayMethod,
        stack: &mut Stack,
    ) -> Res<()> {
        let rank = method.rank as usize;
        let size = method.element.size();
        match method.op {
            ArrayOp::Ctor { lower_bounds } => self.new_md_array(ins, &method, lower_bounds, stack),
            ArrayOp::Get => {
                let indices = stack.popn(rank)?;
                let arr = self.pop_array(stack)?;
                let addr = self.md_element_addr(arr, &indices, size)?;
                let entry = self.load_value(method.element, addr);
                stack.push(entry);
                Ok(())
            }
            ArrayOp::Set => {
                let value = stack.pop1()?;
                let indices = stack.popn(rank)?;
                let arr = self.pop_array(stack)?;
                let addr = self.md_element_addr(arr, &indices, size)?;
                if method.element == IlType::Val(ValKind::Ref) {
                    self.array_store_check(arr, value)?;
                }
                self.store_value(method.element, value, addr)
            }
            ArrayOp::Address => {
                let indices = stack.popn(rank)?;
                let arr = self.pop_array(stack)?;
                let addr = self.md_element_addr(arr, &indices, size)?;
                stack.push((addr, StackType::Ptr));
                Ok(())
            }
        }
    }

    /// Translates `newobj T[,]::.ctor(..); dup; ldtoken F; call RuntimeHelpers::InitializeArray`
    /// (C#'s initialiser of a multi-dimensional array of primitives) when `instrs[index]` is
    /// that `ldtoken`: the field's bytes are stored as constants, after checking that the
    /// array holds that many (Mono's ArgumentException otherwise). False when the pattern does
    /// not match.
    pub(super) fn md_array_initializer(&mut self, index: usize, stack: &mut Stack) -> Res<bool> {
        const MAX_BYTES: usize = super::intrinsics::MAX_INITIALIZER_BYTES;
        let instrs = self.input.instrs;
        let (Some(newobj), Some(dup), Some(ldtoken), Some(call)) = (
            index.checked_sub(2).and_then(|i| instrs.get(i)),
            index.checked_sub(1).and_then(|i| instrs.get(i)),
            instrs.get(index),
            instrs.get(index + 1),
        ) else {
            return Ok(false);
        };
        let (Operand::Token(ctor), Operand::Token(field), Operand::Token(callee)) =
            (newobj.operand, ldtoken.operand, call.operand)
        else {
            return Ok(false);
        };
        if newobj.opcode != Opcode::Newobj
            || dup.opcode != Opcode::Dup
            || call.opcode != Opcode::Call
            || self.prepass.block_starts.contains(&call.offset)
            || !self.env.is_initialize_array(callee)
        {
            return Ok(false);
        }
        let Some(method) = self.env.array_method(ctor).map_err(Reject::new)? else {
            return Ok(false);
        };
        if !matches!(method.element, IlType::Val(kind) if kind != ValKind::Ref) {
            return Err(Reject::new("array initializer of a non-primitive array"));
        }
        let data = self.env.field_init_data(field)?;
        if data.len() > MAX_BYTES {
            return Err(Reject::new(format!(
                "array initializer of {} bytes (more than {MAX_BYTES})",
                data.len()
            )));
        }
        let (array, t) = stack.pop1()?;
        if t != StackType::O {
            return Err(Reject::new(format!("array initializer on {}", t.name())));
        }
        // Mono copies the array's bytes from the field, which may be longer (mcs pads it:
        // Coco/R's `bool[21, 43]` has a 904-byte field), and throws ArgumentException only
        // when the array needs more than the field holds (`InitializeArray` in icall.c).
        let element_size = u64::from(method.element.size());
        let lengths_only = method.shape.params.len() == method.rank as usize;
        if let Some(count) = lengths_only
            .then(|| self.constant_element_count(index - 2, method.rank))
            .flatten()
        {
            let bytes = usize::try_from(count.saturating_mul(element_size)).unwrap_or(usize::MAX);
            if bytes > data.len() {
                return Err(Reject::new(format!(
                    "array initializer needs {bytes} bytes, its field has {}",
                    data.len()
                )));
            }
            self.store_constant_bytes(array, &data[..bytes]);
            return Ok(true);
        }
        // Lengths known only at run time: exactly the field's size, else ArgumentException
        // (never a store past the array's end).
        let count = self.b.ins().load(I64, flags(), array, ARRAY_LENGTH_OFFSET);
        let capacity = self.b.ins().imul_imm_s(count, element_size as i64);
        let mismatch = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, capacity, data.len() as i64);
        self.throw_if(mismatch, ExceptionKind::Argument);
        self.store_constant_bytes(array, &data);
        Ok(true)
    }

    /// The element count of the array `newobj T[,]::.ctor(len, len, ..)` at `instrs[newobj]`
    /// makes, when each of its `rank` lengths is an `ldc.i4` just before it in the same block
    /// (C#'s initialisers); `None` otherwise.
    fn constant_element_count(&self, newobj: usize, rank: u32) -> Option<u64> {
        let instrs = self.input.instrs;
        let first = newobj.checked_sub(rank as usize)?;
        let lengths = &instrs[first..newobj];
        if instrs[first + 1..=newobj]
            .iter()
            .any(|i| self.prepass.block_starts.contains(&i.offset))
        {
            return None;
        }
        lengths.iter().try_fold(1u64, |count, ins| {
            let length = u64::try_from(super::stack::ldc_i4_value(ins)?).ok()?;
            count.checked_mul(length)
        })
    }

    /// The array reference of an array method call (`this`).
    fn pop_array(&mut self, stack: &mut Stack) -> Res<Value> {
        let (arr, t) = stack.pop1()?;
        if !matches!(t, StackType::O | StackType::Ptr) {
            return Err(Reject::new(format!("array method on {}", t.name())));
        }
        self.null_check(arr);
        Ok(arr)
    }

    /// An index operand as a 64-bit value (`int32` sign-extended, `native int` as is).
    fn index_value(&mut self, (v, t): Entry) -> Res<Value> {
        match t {
            StackType::I4 => Ok(self.b.ins().sextend(I64, v)),
            StackType::I => Ok(v),
            _ => Err(Reject::new(format!("array index of {}", t.name()))),
        }
    }

    /// The address of element `indices` of the non-null multi-dimensional array `arr`, after
    /// checking every index against its dimension's bounds.
    fn md_element_addr(&mut self, arr: Value, indices: &[Entry], size: u32) -> Res<Value> {
        let bounds = self.b.ins().load(I64, flags(), arr, ARRAY_BOUNDS_OFFSET);
        let mut linear = None;
        for (d, entry) in indices.iter().enumerate() {
            let index = self.index_value(*entry)?;
            let at = d as i32 * BOUNDS_SIZE as i32;
            let length = self.b.ins().load(I64, flags(), bounds, at);
            let lower = self
                .b
                .ins()
                .sload32(flags(), bounds, at + LOWER_BOUND_OFFSET);
            let relative = self.b.ins().isub(index, lower);
            let out = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, relative, length);
            self.throw_if(out, ExceptionKind::IndexOutOfRange);
            linear = Some(match linear {
                None => relative,
                Some(before) => {
                    let scaled = self.b.ins().imul(before, length);
                    self.b.ins().iadd(scaled, relative)
                }
            });
        }
        let linear = linear.ok_or_else(|| Reject::new("array access of rank 0"))?;
        let offset = self.b.ins().imul_imm_s(linear, i64::from(size));
        let base = self.b.ins().iadd(arr, offset);
        Ok(self.b.ins().iadd_imm_s(base, i64::from(ARRAY_DATA_OFFSET)))
    }

    /// `newobj T[,]::.ctor(..)`: checks the lengths, allocates elements and bounds in one
    /// block and fills in the header.
    fn new_md_array(
        &mut self,
        ins: &Instruction<'_>,
        method: &ArrayMethod,
        lower_bounds: bool,
        stack: &mut Stack,
    ) -> Res<()> {
        let rank = method.rank as usize;
        let args = stack.popn(if lower_bounds { 2 * rank } else { rank })?;
        let mut dims: Vec<(Value, Value)> = Vec::with_capacity(rank);
        for d in 0..rank {
            let (lower, length) = if lower_bounds {
                (
                    self.index_value(args[2 * d])?,
                    self.index_value(args[2 * d + 1])?,
                )
            } else {
                (self.b.ins().iconst(I64, 0), self.index_value(args[d])?)
            };
            // A negative length is an OverflowException with Mono's empty message (it
            // compares the length, unsigned, with its largest index): `NewArray` raises it
            // for the length `i64::MIN`.
            let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, length, 0);
            let raise = self.b.create_block();
            let fine = self.b.create_block();
            self.b.set_cold_block(raise);
            self.b.ins().brif(negative, raise, &[], fine, &[]);
            self.b.switch_to_block(raise);
            self.b.seal_block(raise);
            let helper = self.helper(HelperId::NewArray);
            let sig = self.helper_sig(HelperId::NewArray);
            let marker = self.b.ins().iconst(I64, i64::MIN);
            let zero = self.b.ins().iconst(I64, 0);
            self.b.ins().call_indirect(sig, helper, &[marker, zero]);
            self.check_pending();
            self.b.ins().jump(fine, &[]);
            self.b.switch_to_block(fine);
            self.b.seal_block(fine);
            dims.push((lower, length));
        }
        // The element count, and its bytes; an overflow is Mono's OutOfMemoryException.
        let mut count = self.b.ins().iconst(I64, 1);
        for &(_, length) in &dims {
            let high = self.b.ins().umulhi(count, length);
            let overflow = self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0);
            self.throw_if(overflow, ExceptionKind::OutOfMemory);
            count = self.b.ins().imul(count, length);
        }
        let size = self.b.ins().iconst(I64, i64::from(method.element.size()));
        let high = self.b.ins().umulhi(count, size);
        let overflow = self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0);
        self.throw_if(overflow, ExceptionKind::OutOfMemory);
        let data = self.b.ins().imul(count, size);
        let padded = self.b.ins().iadd_imm_s(data, 7);
        let padded = self.b.ins().band_imm_s(padded, -8);
        let total = self
            .b
            .ins()
            .iadd_imm_s(padded, BOUNDS_SIZE * method.rank as i64);
        let words = self.b.ins().ushr_imm_u(total, 3);
        // More words than `NewArray` takes (16 GiB) is more than Mono can allocate:
        // OutOfMemoryException (`new int[int.MaxValue, int.MaxValue]`).
        let huge = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, words, i64::from(i32::MAX));
        self.throw_if(huge, ExceptionKind::OutOfMemory);
        // In 8-byte words, so elements and bounds fit whatever the element size.
        let array = self.allocate_array(ins, method.scanned, words, 8)?;
        self.b
            .ins()
            .store(trusted(), count, array, ARRAY_LENGTH_OFFSET);
        let elements = self.b.ins().iadd_imm_s(array, i64::from(ARRAY_DATA_OFFSET));
        let bounds = self.b.ins().iadd(elements, padded);
        self.b
            .ins()
            .store(trusted(), bounds, array, ARRAY_BOUNDS_OFFSET);
        for (d, (lower, length)) in dims.into_iter().enumerate() {
            let at = d as i32 * BOUNDS_SIZE as i32;
            self.b.ins().store(trusted(), length, bounds, at);
            let lower = self.b.ins().ireduce(I32, lower);
            self.b
                .ins()
                .store(trusted(), lower, bounds, at + LOWER_BOUND_OFFSET);
        }
        stack.push((array, StackType::O));
        Ok(())
    }
}
