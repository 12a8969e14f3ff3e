//! Memory access through addresses: `ldind.<type>` (ECMA-335 III.3.42) and `stind.<type>`
//! (III.3.62), the value kind each typed access moves ([`access_kind`], shared with the
//! `ldelem`/`stelem` family), and the loads and stores of a kind's width with extension to
//! its stack type. Later: `ldobj`/`stobj`/`cpobj`/`initobj`/`cpblk`/`initblk`/`localloc`.
//!
//! Depends on: cranelift-frontend, [`crate::types::ValKind`].

use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator, flags};
use crate::types::{StackType, ValKind};

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

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldind.*`, `stind.*`.
    pub(super) fn translate_memory(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
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
                let addr = self.pop_address(stack, "ldind from")?;
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
                let (v, vt) = stack.pop1()?;
                let addr = self.pop_address(stack, "stind to")?;
                let v = self.coerce(v, vt, kind)?;
                self.store_kind(kind, v, addr, flags());
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// The kind an `ldind`/`stind`/`ldelem`/`stelem` instruction reads or writes: fixed by
    /// the opcode ([`access_kind`]), or for the token forms named by the element type.
    pub(super) fn accessed_kind(&mut self, ins: &Instruction<'_>) -> Res<ValKind> {
        match access_kind(ins.opcode) {
            Some(kind) => Ok(kind),
            None => self.array_kind(ins),
        }
    }

    /// Loads a value of `kind` from memory, extended to its stack representation.
    pub(super) fn load_kind(&mut self, kind: ValKind, addr: Value, mf: MemFlagsData) -> Value {
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
    pub(super) fn store_kind(
        &mut self,
        kind: ValKind,
        value: Value,
        addr: Value,
        mf: MemFlagsData,
    ) {
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

    /// Pops the address operand of `ldind`/`stind`, which must be a managed pointer or a
    /// `native int`; `what` starts the exclusion reason otherwise (e.g. "ldind from").
    pub(super) fn pop_address(&self, stack: &mut Stack, what: &str) -> Res<Value> {
        let (addr, t) = stack.pop1()?;
        if !matches!(t, StackType::Ptr | StackType::I) {
            return Err(Reject::new(format!("{what} {}", t.name())));
        }
        Ok(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::access_kind;
    use crate::types::ValKind;
    use ngen_metadata::il::Opcode;

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
