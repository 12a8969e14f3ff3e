//! `System.Runtime.CompilerServices.Unsafe` (mscorlib's internal copy, corefx's
//! `Internal.Runtime.CompilerServices.Unsafe`, and the `System.Runtime.CompilerServices.Unsafe`
//! assembly) and `Array.UnsafeMov<S,R>`, expanded in place as mono's JIT expands them: each
//! is a handful of instructions on addresses, and as calls they would need one generic
//! method instance per type argument in some image. The numbers (`T`'s element size, the
//! loaded or stored type) come from the type system per instance
//! ([`crate::type_context::Intrinsic`]); the operations follow each method's IL contract:
//! - `As`, `AsRef`, `AsPointer`, `UnsafeMov` of compatible types: the argument, retyped;
//! - `Add`/`Subtract`: address ± offset × `sizeof(T)` (an `int` offset sign-extended);
//!   `AddByteOffset`: address + bytes; `ByteOffset(origin, target)`: `target - origin`;
//! - `AreSame`, `IsAddressLessThan`, `IsAddressGreaterThan`: `ceq`, `clt.un`, `cgt.un`;
//! - `Read`/`ReadUnaligned`, `Write`/`WriteUnaligned`: `ldobj`/`stobj` of `T` (x86-64 loads
//!   and stores need no alignment).
//!
//! Depends on: [`super::span_intrinsics`] (the dispatch), [`super::value_types`]
//! (`load_value`, `store_value`). Citations: Mono 6.8 `mono/mini/intrinsics.c`
//! (`emit_unsafe_intrinsics`, `emit_array_unsafe_mov`); corefx `Unsafe.il`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};

use super::stack::Stack;
use super::{Reject, Res, Translator};
use crate::type_context::Intrinsic;
use crate::types::{IlType, StackType};

impl<'a, 'f> Translator<'a, 'f> {
    /// Expands the `Unsafe`-family `intrinsic` with its arguments on `stack`.
    pub(super) fn unsafe_intrinsic(&mut self, intrinsic: Intrinsic, stack: &mut Stack) -> Res<()> {
        match intrinsic {
            Intrinsic::Reinterpret { result } => {
                let (v, t) = stack.pop1()?;
                let retyped = match result {
                    IlType::Val(kind) => StackType::of(kind),
                    IlType::Struct(layout) => StackType::Struct(layout),
                };
                if t.machine() != retyped.machine() {
                    return Err(Reject::new(format!(
                        "reinterpreting {} as {}",
                        t.name(),
                        retyped.name()
                    )));
                }
                stack.push((v, retyped));
            }
            Intrinsic::AddElements { element_size }
            | Intrinsic::SubtractElements { element_size } => {
                let offset = self.pop_offset(stack)?;
                let (addr, t) = self.pop_address_entry(stack, "Unsafe.Add")?;
                let bytes = self.b.ins().imul_imm_s(offset, i64::from(element_size));
                let moved = match intrinsic {
                    Intrinsic::AddElements { .. } => self.b.ins().iadd(addr, bytes),
                    _ => self.b.ins().isub(addr, bytes),
                };
                stack.push((moved, t));
            }
            Intrinsic::AddByteOffset => {
                let offset = self.pop_offset(stack)?;
                let (addr, t) = self.pop_address_entry(stack, "Unsafe.AddByteOffset")?;
                let moved = self.b.ins().iadd(addr, offset);
                stack.push((moved, t));
            }
            Intrinsic::ByteOffset => {
                let (target, _) = self.pop_address_entry(stack, "Unsafe.ByteOffset")?;
                let (origin, _) = self.pop_address_entry(stack, "Unsafe.ByteOffset")?;
                let bytes = self.b.ins().isub(target, origin);
                stack.push((bytes, StackType::I));
            }
            Intrinsic::AreSame | Intrinsic::IsAddressLessThan | Intrinsic::IsAddressGreaterThan => {
                let (right, _) = self.pop_address_entry(stack, "Unsafe address comparison")?;
                let (left, _) = self.pop_address_entry(stack, "Unsafe address comparison")?;
                let cc = match intrinsic {
                    Intrinsic::AreSame => IntCC::Equal,
                    Intrinsic::IsAddressLessThan => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThan,
                };
                let c = self.b.ins().icmp(cc, left, right);
                let r = self.b.ins().uextend(I32, c);
                stack.push((r, StackType::I4));
            }
            Intrinsic::Read { value } => {
                let (addr, _) = self.pop_address_entry(stack, "Unsafe.Read")?;
                let entry = self.load_value(value, addr);
                stack.push(entry);
            }
            Intrinsic::Write { value } => {
                let entry = stack.pop1()?;
                let (addr, _) = self.pop_address_entry(stack, "Unsafe.Write")?;
                self.store_value(value, entry, addr)?;
            }
            other => {
                return Err(Reject::new(format!(
                    "internal: {other:?} is not an Unsafe intrinsic"
                )));
            }
        }
        Ok(())
    }

    /// Pops an element or byte offset as an `i64`: an `int` sign-extended, a `native int` or
    /// a `ulong` as it is.
    fn pop_offset(&mut self, stack: &mut Stack) -> Res<Value> {
        match stack.pop1()? {
            (v, StackType::I4) => Ok(self.b.ins().sextend(I64, v)),
            (v, StackType::I | StackType::I8) => Ok(v),
            (_, t) => Err(Reject::new(format!("Unsafe offset of {}", t.name()))),
        }
    }

    /// Pops an address (`ref T` or `void*`), with its stack type.
    fn pop_address_entry(&mut self, stack: &mut Stack, what: &str) -> Res<(Value, StackType)> {
        match stack.pop1()? {
            (v, t @ (StackType::Ptr | StackType::I)) => Ok((v, t)),
            (_, t) => Err(Reject::new(format!("{what} of {}", t.name()))),
        }
    }
}
