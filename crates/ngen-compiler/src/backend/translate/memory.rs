//! Memory access through addresses: `ldind.<type>` (ECMA-335 III.3.42) and `stind.<type>`
//! (III.3.62), the value kind each typed access moves ([`access_kind`], shared with the
//! `ldelem`/`stelem` family), and the loads and stores of a kind's width with extension to
//! its stack type; blocks: `cpblk` (III.3.30) and `initblk` (III.3.36) as byte loops, and
//! `localloc` (III.3.47) through the `LocalAlloc` helper (zeroed heap memory: Cranelift has no
//! dynamic stack allocation, and the conservative collector keeps the block alive while the
//! method holds its address). `ldobj`/`stobj`/`cpobj`/`initobj` are in [`super::value_types`].
//!
//! Depends on: cranelift-frontend, [`crate::types::ValKind`].

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I8, I32, I64};
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, Type, Value};
use ngen_abi::helpers::HelperId;
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
    /// `ldind.*`, `stind.*`, `localloc`, `cpblk`, `initblk`.
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
            O::Localloc => {
                let size = self.pop_size(stack, "localloc")?;
                let helper = self.helper(HelperId::LocalAlloc);
                let sig = self.helper_sig(HelperId::LocalAlloc);
                let call = self.b.ins().call_indirect(sig, helper, &[size]);
                let block = self.b.inst_results(call)[0];
                stack.push((block, StackType::I));
            }
            O::Cpblk => {
                let size = self.pop_size(stack, "cpblk")?;
                let src = self.pop_address(stack, "cpblk from")?;
                let dst = self.pop_address(stack, "cpblk to")?;
                self.block_loop(dst, Ok(src), size, I8);
            }
            O::Initblk => {
                let size = self.pop_size(stack, "initblk")?;
                let (value, t) = stack.pop1()?;
                if t != StackType::I4 {
                    return Err(Reject::new(format!("initblk with a {} value", t.name())));
                }
                let dst = self.pop_address(stack, "initblk to")?;
                let byte = self.b.ins().ireduce(I8, value);
                self.block_loop(dst, Err(byte), size, I8);
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// Pops the size operand of `localloc`/`cpblk`/`initblk` (`int32`, zero-extended as the
    /// unsigned size it is, or `native int`) as an `i64`.
    fn pop_size(&mut self, stack: &mut Stack, what: &str) -> Res<Value> {
        let (size, t) = stack.pop1()?;
        Ok(match t {
            StackType::I4 => self.b.ins().uextend(I64, size),
            StackType::I => size,
            _ => return Err(Reject::new(format!("{what} of a {} size", t.name()))),
        })
    }

    /// Writes `limit` bytes at `dst` in units of `ty` (`limit` a multiple of its size), in a
    /// loop: copied from `Ok(src)` (ascending, as `cpblk` of non-overlapping blocks may), or
    /// the unit `Err(value)`.
    pub(super) fn block_loop(
        &mut self,
        dst: Value,
        src: Result<Value, Value>,
        limit: Value,
        ty: Type,
    ) {
        let header = self.b.create_block();
        let index = self.b.append_block_param(header, I64);
        let inside = self.b.create_block();
        let done = self.b.create_block();
        let start = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(header, &[BlockArg::Value(start)]);
        self.b.switch_to_block(header);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, index, limit);
        self.b.ins().brif(more, inside, &[], done, &[]);
        self.b.switch_to_block(inside);
        let unit = match src {
            Ok(src) => {
                let from = self.b.ins().iadd(src, index);
                self.b.ins().load(ty, flags(), from, 0)
            }
            Err(value) => value,
        };
        let to = self.b.ins().iadd(dst, index);
        self.b.ins().store(flags(), unit, to, 0);
        let next = self.b.ins().iadd_imm_s(index, i64::from(ty.bytes()));
        self.b.ins().jump(header, &[BlockArg::Value(next)]);
        self.b.switch_to_block(done);
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
