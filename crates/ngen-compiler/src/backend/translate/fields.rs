//! Instance fields (ECMA-335 III.4.10 `ldfld`, III.4.28 `stfld`, III.4.11 `ldflda`) of
//! classes and value types, holding primitives, references or structs, at the offsets the
//! type system computes ([`crate::type_context::FieldAccess`]).
//!
//! ## Model
//! The object operand is a reference (`O`: a null check, then the field at its offset from
//! the start of the object, header included), a managed or unmanaged pointer to a value type
//! (`&`, native int: the offset from the start of the value; `this` of a class's instance
//! method is typed `&` too, see `coerce`, and is null-checked like a reference), or for
//! `ldfld` a struct value on the stack (its slot). A struct field is copied in and out
//! ([`super::value_types`]).
//!
//! Depends on: [`super::env`] (the field), [`super::value_types`] (loads and stores).

use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator};
use crate::type_context::FieldAccess;
use crate::types::StackType;

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldfld`, `stfld`, `ldflda`.
    pub(super) fn translate_field(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        let token = Self::token(ins)?;
        let field = self.env.field_access(token).map_err(Reject::new)?;
        match ins.opcode {
            Opcode::Ldfld => {
                let (obj, t) = stack.pop1()?;
                let addr = self.field_addr(obj, t, field, "ldfld")?;
                let entry = self.load_value(field.ty, addr);
                stack.push(entry);
            }
            Opcode::Stfld => {
                let value = stack.pop1()?;
                let (obj, t) = stack.pop1()?;
                let addr = self.field_addr(obj, t, field, "stfld")?;
                self.store_value(field.ty, value, addr)?;
            }
            Opcode::Ldflda => {
                let (obj, t) = stack.pop1()?;
                let addr = self.field_addr(obj, t, field, "ldflda")?;
                stack.push((addr, StackType::Ptr));
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// The address of `field` of the object or value `obj` (of stack type `t`), after a null
    /// check of references, and of pointers to read or write through (NullReferenceException).
    fn field_addr(
        &mut self,
        obj: Value,
        t: StackType,
        field: FieldAccess,
        what: &str,
    ) -> Res<Value> {
        match t {
            StackType::O => self.null_check(obj),
            // Mono checks `ldflda` only on object references: the address of a field
            // through a (possibly null) pointer is arithmetic (`&p->f`), and faults only when
            // used (method-to-ir.c, `CEE_LDFLDA`; mono/mini exceptions.cs
            // `test_0_ldflda_null_pointer`).
            StackType::Ptr if what == "ldflda" => {}
            StackType::Ptr => self.null_check(obj),
            StackType::I => {}
            // Only `ldfld` reads a field of a struct value (III.4.10).
            StackType::Struct(_) if what == "ldfld" => {}
            _ => return Err(Reject::new(format!("{what} on {}", t.name()))),
        }
        Ok(self.b.ins().iadd_imm_s(obj, i64::from(field.offset)))
    }
}
