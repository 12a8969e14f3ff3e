//! Typed references: `mkrefany` (III.4.19), `refanyval` (III.4.24) and `refanytype`
//! (III.4.23) followed by `Type::GetTypeFromHandle` (C#'s `__makeref`, `__refvalue`,
//! `__reftype`).
//!
//! ## Model
//! A `typedref` is mscorlib's `System.TypedReference`, laid out as Mono's `MonoTypedRef`:
//! three words, the type, the address of the value, and the class. Here the first and the
//! third word both hold the type's `RuntimeType` object (the `ldtoken`/`typeof` cell of
//! kind `TypeObject`, one object per type), so `__reftype` is a load and `__refvalue`'s
//! exact type check (III.4.24: the types must match exactly) is one comparison, raising
//! `InvalidCastException` when they differ. A `refanytype` whose handle is used other than
//! by `GetTypeFromHandle` is refused (the method is excluded): the first word is not a
//! `RuntimeTypeHandle` value of this runtime.
//!
//! Depends on: [`super::value_types`] (struct temporaries), [`super::eh`] (the throw),
//! `ngen_abi::image` (cells).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::stack::Stack;
use super::{Flow, Reject, Res, Translator, cells, trusted};
use crate::types::{StackType, StructLayout};

/// `System.TypedReference` on x86-64: three pointer-sized words.
pub(super) const TYPED_REFERENCE: StructLayout = StructLayout { size: 24, align: 8 };
/// Offsets of the words in a typed reference (Mono's `MonoTypedRef`: type, value, klass).
const TYPE_OFFSET: i32 = 0;
const VALUE_OFFSET: i32 = 8;
const CLASS_OFFSET: i32 = 16;

impl<'a, 'f> Translator<'a, 'f> {
    /// `mkrefany`, `refanyval` and `refanytype` (fused with the `GetTypeFromHandle` call
    /// after it at `index + 1`).
    pub(super) fn translate_typed_ref(
        &mut self,
        ins: &Instruction<'_>,
        index: usize,
        stack: &mut Stack,
    ) -> Res<Flow> {
        match ins.opcode {
            Opcode::Mkrefany => {
                let (addr, t) = stack.pop1()?;
                if !matches!(t, StackType::Ptr | StackType::I) {
                    return Err(Reject::new(format!("mkrefany of {}", t.name())));
                }
                let type_object = self.type_object(ins)?;
                let typed_ref = self.struct_temp(TYPED_REFERENCE);
                for (value, offset) in [
                    (type_object, TYPE_OFFSET),
                    (addr, VALUE_OFFSET),
                    (type_object, CLASS_OFFSET),
                ] {
                    self.b.ins().store(trusted(), value, typed_ref, offset);
                }
                stack.push((typed_ref, StackType::Struct(TYPED_REFERENCE)));
                Ok(Flow::Next)
            }
            Opcode::Refanyval => {
                let typed_ref = self.pop_typed_ref(stack)?;
                let expected = self.type_object(ins)?;
                let class = self.b.ins().load(I64, trusted(), typed_ref, CLASS_OFFSET);
                let wrong = self.b.ins().icmp(IntCC::NotEqual, class, expected);
                self.throw_if(wrong, ExceptionKind::InvalidCast);
                let addr = self.b.ins().load(I64, trusted(), typed_ref, VALUE_OFFSET);
                stack.push((addr, StackType::Ptr));
                Ok(Flow::Next)
            }
            Opcode::Refanytype => {
                let next = self.input.instrs.get(index + 1);
                let fused = next.is_some_and(|next| {
                    next.opcode == Opcode::Call
                        && !self.prepass.block_starts.contains(&next.offset)
                        && matches!(next.operand, Operand::Token(callee) if self.env.is_get_type_from_handle(callee))
                });
                if !fused {
                    return Err(Reject::new(
                        "refanytype whose handle is not passed to Type.GetTypeFromHandle",
                    ));
                }
                let typed_ref = self.pop_typed_ref(stack)?;
                let type_object = self.b.ins().load(I64, trusted(), typed_ref, TYPE_OFFSET);
                stack.push((type_object, StackType::O));
                Ok(Flow::Fused)
            }
            _ => Err(Self::misrouted(ins)),
        }
    }

    /// The `RuntimeType` object of `ins`'s type token (a `TypeObject` cell, as `typeof`;
    /// `cells::key_of` plans it for the image).
    fn type_object(&mut self, ins: &Instruction<'_>) -> Res<Value> {
        let key = cells::key_of(ins, None)
            .ok_or_else(|| Reject::new("internal: a typed-reference instruction without a cell"))?;
        let cell = self.env.cell(key, &mut self.b)?;
        Ok(self.cell_target(cell))
    }

    /// Pops a `typedref` (its address).
    fn pop_typed_ref(&mut self, stack: &mut Stack) -> Res<Value> {
        let (typed_ref, t) = stack.pop1()?;
        match t {
            StackType::Struct(layout) if layout.size == TYPED_REFERENCE.size => Ok(typed_ref),
            other => Err(Reject::new(format!(
                "typedref expected, found {}",
                other.name()
            ))),
        }
    }
}
