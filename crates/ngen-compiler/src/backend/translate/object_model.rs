//! Object model instructions (ECMA-335 III.4) that exist today: `ldstr` (III.4.16), through a
//! string cell the runtime resolves to the interned literal, and `ldsfld` (III.4.14) of the
//! BCL surface's static fields, through a static-field cell resolving to the field's storage.
//! Later: `newobj`, instance and static fields with type initialisation, `box`/`unbox`,
//! `castclass`/`isinst`, `ldtoken`.
//!
//! Depends on: [`super::env`] for the cells, [`super::memory`] for the load.

use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator, flags};
use crate::types::StackType;

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldstr`, `ldsfld`.
    pub(super) fn translate_object_model(
        &mut self,
        ins: &Instruction<'_>,
        stack: &mut Stack,
    ) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Ldstr => {
                let token = Self::token(ins)?;
                if !token.is_user_string() {
                    return Err(Reject::new(format!(
                        "bad token 0x{:08x} for ldstr",
                        token.0
                    )));
                }
                let key = Self::cell_key(ins, None)?;
                let cell = self.env.cell(key, &mut self.b)?;
                let s = self.cell_target(cell);
                stack.push((s, StackType::O));
            }
            O::Ldsfld => {
                let key = Self::cell_key(ins, None)?;
                let (cell, kind) = self.env.static_field_cell(key, &mut self.b)?;
                let addr = self.cell_target(cell);
                let v = self.load_kind(kind, addr, flags());
                stack.push((v, StackType::of(kind)));
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }
}
