//! Calls expanded in place because their IL is unusable or because mono's JIT expands them
//! (its stack traces then show no frame for them): `ByReference<T>`'s constructor (a `call`
//! on an address or a `newobj`) and `Value`, whose IL throws `NotSupportedException`;
//! `Span<T>`/`ReadOnlySpan<T>`'s `get_Item` (bounds check raising IndexOutOfRangeException
//! in the caller's frame, then the element's address) and `get_Length`;
//! `String::get_Chars` (the same bounds check, then the UTF-16 unit);
//! `Object::GetRawData`/`Array::GetRawSzArrayData`; `Array::Get/SetGenericValueImpl<T>`
//! (runtime-implemented: a copy to or from an element); constants per instance
//! (`IsReferenceOrContainsReferences<T>`, `Unsafe.SizeOf<T>`). The `Unsafe` family is in
//! [`super::unsafe_intrinsics`]. Which call is which, per instance, is the type system's
//! answer ([`crate::type_context::Intrinsic`]).
//!
//! A `ByReference<T>` is one word holding a managed pointer, so a span on the stack holds an
//! interior pointer into its array or string: Boehm's collector scans stacks and registers
//! conservatively and maps any address inside an object to the object (`GC_mark_and_push_stack`,
//! whatever `ngen-gc` sets for heap references), which keeps the object alive.
//!
//! Depends on: [`super::env`] (`intrinsic`). Citations: Mono 6.8 `mono/mini/intrinsics.c`
//! (`mini_emit_inst_for_ctor`, `mini_emit_inst_for_method`, `emit_span_intrinsics`).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::object::{ARRAY_DATA_OFFSET, STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET};

use super::stack::Stack;
use super::{Reject, Res, Translator, flags};
use crate::type_context::Intrinsic;
use crate::types::{StackType, StructLayout};

/// `ByReference<T>`: one pointer-sized word.
const BY_REFERENCE: StructLayout = StructLayout { size: 8, align: 8 };

impl<'a, 'f> Translator<'a, 'f> {
    /// Expands `call intrinsic` with its arguments on `stack`, pushing its result.
    pub(super) fn call_intrinsic(&mut self, intrinsic: Intrinsic, stack: &mut Stack) -> Res<()> {
        match intrinsic {
            Intrinsic::ByReferenceCtor => {
                let reference = self.pop_reference(stack, "ByReference<T>(ref T)")?;
                let this = self.pop_value_address(stack, "ByReference<T>::.ctor")?;
                self.b.ins().store(flags(), reference, this, 0);
            }
            Intrinsic::Memmove => self.memmove(stack)?,
            Intrinsic::ByReferenceValue => {
                let this = self.pop_value_address(stack, "ByReference<T>::get_Value")?;
                let reference = self.b.ins().load(I64, flags(), this, 0);
                stack.push((reference, StackType::Ptr));
            }
            Intrinsic::SpanItem {
                pointer_offset,
                length_offset,
                element_size,
            } => {
                let (index, it) = stack.pop1()?;
                let span = self.pop_value_address(stack, "Span<T>::get_Item")?;
                if it != StackType::I4 {
                    return Err(Reject::new(format!("Span<T>[{}]", it.name())));
                }
                let length = self.b.ins().load(I32, flags(), span, length_offset as i32);
                let out = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
                self.throw_if(out, ExceptionKind::IndexOutOfRange);
                let base = self.b.ins().load(I64, flags(), span, pointer_offset as i32);
                let index = self.b.ins().sextend(I64, index);
                let scaled = self.b.ins().imul_imm_s(index, i64::from(element_size));
                let element = self.b.ins().iadd(base, scaled);
                stack.push((element, StackType::Ptr));
            }
            Intrinsic::SpanLength { length_offset } => {
                let span = self.pop_value_address(stack, "Span<T>::get_Length")?;
                let length = self.b.ins().load(I32, flags(), span, length_offset as i32);
                stack.push((length, StackType::I4));
            }
            Intrinsic::StringChar => {
                let (index, it) = stack.pop1()?;
                let (string, st) = stack.pop1()?;
                if it != StackType::I4 || st != StackType::O {
                    return Err(Reject::new(format!(
                        "String::get_Chars on ({}, {})",
                        st.name(),
                        it.name()
                    )));
                }
                // `callvirt String::get_Chars`: its receiver's null check.
                self.null_check(string);
                let length = self
                    .b
                    .ins()
                    .load(I32, flags(), string, STRING_LENGTH_OFFSET);
                let out = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
                self.throw_if(out, ExceptionKind::IndexOutOfRange);
                let index = self.b.ins().sextend(I64, index);
                let offset = self.b.ins().ishl_imm_u(index, 1);
                let unit = self.b.ins().iadd(string, offset);
                let unit = self
                    .b
                    .ins()
                    .uload16(I32, flags(), unit, STRING_CHARS_OFFSET);
                stack.push((unit, StackType::I4));
            }
            Intrinsic::RawData { offset } => {
                let (object, t) = stack.pop1()?;
                if t != StackType::O {
                    return Err(Reject::new(format!("GetRawData of {}", t.name())));
                }
                // `callvirt Array::GetRawSzArrayData`: its receiver's null check.
                self.null_check(object);
                let data = self.b.ins().iadd_imm_s(object, i64::from(offset));
                stack.push((data, StackType::Ptr));
            }
            Intrinsic::ArrayGenericValue {
                set,
                value,
                element_size,
            } => {
                let local = self.pop_reference(stack, "Get/SetGenericValueImpl")?;
                let (index, it) = stack.pop1()?;
                let (array, at) = stack.pop1()?;
                if it != StackType::I4 || at != StackType::O {
                    return Err(Reject::new(format!(
                        "Get/SetGenericValueImpl on ({}, {})",
                        at.name(),
                        it.name()
                    )));
                }
                let index = self.b.ins().sextend(I64, index);
                let scaled = self.b.ins().imul_imm_s(index, i64::from(element_size));
                let base = self.b.ins().iadd(array, scaled);
                let element = self.b.ins().iadd_imm_s(base, i64::from(ARRAY_DATA_OFFSET));
                let (from, to) = if set {
                    (local, element)
                } else {
                    (element, local)
                };
                let entry = self.load_value(value, from);
                self.store_value(value, entry, to)?;
            }
            Intrinsic::Constant(value) => {
                let v = self.b.ins().iconst(I32, i64::from(value));
                stack.push((v, StackType::I4));
            }
            _ => self.unsafe_intrinsic(intrinsic, stack)?,
        }
        Ok(())
    }

    /// Expands `newobj ByReference<T>::.ctor(ref T)`: a fresh one-word value holding the
    /// reference. `Ok(false)` for any other intrinsic (the `newobj` is translated as usual).
    pub(super) fn newobj_intrinsic(
        &mut self,
        intrinsic: Intrinsic,
        stack: &mut Stack,
    ) -> Res<bool> {
        if intrinsic != Intrinsic::ByReferenceCtor {
            return Ok(false);
        }
        let reference = self.pop_reference(stack, "new ByReference<T>(ref T)")?;
        let value = self.struct_temp(BY_REFERENCE);
        self.b.ins().store(flags(), reference, value, 0);
        stack.push((value, StackType::Struct(BY_REFERENCE)));
        Ok(true)
    }

    /// Pops the address of a value (a value type's `this`): a managed or unmanaged pointer,
    /// or a struct entry (its slot's address).
    fn pop_value_address(&mut self, stack: &mut Stack, what: &str) -> Res<Value> {
        match stack.pop1()? {
            (addr, StackType::Ptr | StackType::I | StackType::Struct(_)) => Ok(addr),
            (_, t) => Err(Reject::new(format!("{what} on {}", t.name()))),
        }
    }

    /// Pops a reference argument (`ref T`, or an unmanaged pointer C# passes for one).
    pub(super) fn pop_reference(&mut self, stack: &mut Stack, what: &str) -> Res<Value> {
        match stack.pop1()? {
            (reference, StackType::Ptr | StackType::I) => Ok(reference),
            (_, t) => Err(Reject::new(format!("{what} of {}", t.name()))),
        }
    }
}
