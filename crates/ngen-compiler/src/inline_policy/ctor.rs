//! Invisible constructors: the constructors `newobj` may expand in place although mono calls
//! them, because nothing can observe their missing frame.
//!
//! ## Model
//! At `newobj` the new instance is never null, so a constructor whose straight-line body only
//! moves values into and out of `this`'s fields (`ldarg.0 ... stfld`, `ldarg.0 ldfld`), calls
//! the empty `System.Object::.ctor` on `this`, and otherwise does what
//! [`super::cannot_throw_or_call`] allows can neither throw nor call: no stack trace, crash
//! report or `StackTrace` can be taken while it runs. binary-trees'
//! `TreeNode(TreeNode left, TreeNode right)` is the case in point (21 bytes of IL, over mono's
//! limit of 20, so mono calls it). Which stack slot holds `this` is tracked by a small
//! abstract interpretation of the body (one flag per slot); a branch, `starg 0`, or any other
//! instruction refuses the constructor.
//!
//! Depends on: `ngen_metadata` (IL decoding, member references).

use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::{Assembly, TableId, Token};

/// Whether MethodDef `ctor` of `asm`, called by `newobj` in `caller`, is an invisible
/// constructor (see the module doc).
pub fn invisible_ctor(asm: &Assembly, ctor: u32, caller: u32) -> bool {
    if !asm.method_def(ctor).is_ok_and(|m| m.name == ".ctor") {
        return false;
    }
    let Some(body) = super::small_body(asm, ctor, super::INVISIBLE_LENGTH_LIMIT + 1) else {
        return false;
    };
    let Ok(instrs) = ngen_metadata::il::decode(body.code).collect::<Result<Vec<_>, _>>() else {
        return false;
    };
    stores_only_into_this(asm, &instrs) && super::class_init_settled(asm, ctor, caller)
}

/// Whether straight-line `instrs` (an instance constructor's body) touch only `this`'s fields
/// and otherwise neither call nor throw.
fn stores_only_into_this(asm: &Assembly, instrs: &[Instruction<'_>]) -> bool {
    use Opcode as O;
    // One flag per evaluation-stack slot: whether it holds `this`.
    let mut stack: Vec<bool> = Vec::new();
    for (i, ins) in instrs.iter().enumerate() {
        let ok = match ins.opcode {
            O::Ldarg0 => push(&mut stack, true),
            O::LdargS | O::Ldarg => push(&mut stack, ins.operand == Operand::Variable(0)),
            O::StargS | O::Starg if ins.operand == Operand::Variable(0) => false,
            O::Stfld => stack.pop().is_some() && stack.pop() == Some(true),
            O::Ldfld => stack.pop() == Some(true) && push(&mut stack, false),
            O::Call => {
                matches!(ins.operand, Operand::Token(t) if is_object_ctor(asm, t))
                    && stack.pop() == Some(true)
            }
            O::Dup => stack
                .last()
                .copied()
                .is_some_and(|top| push(&mut stack, top)),
            O::Ret => return stack.is_empty() && i + 1 == instrs.len(),
            O::Div | O::DivUn | O::Rem | O::RemUn
                if !i
                    .checked_sub(1)
                    .and_then(|p| instrs.get(p))
                    .is_some_and(super::safe_divisor) =>
            {
                false
            }
            opcode => match simple_effect(opcode) {
                Some((pops, pushes)) => {
                    (0..pops).all(|_| stack.pop().is_some())
                        && (0..pushes).all(|_| push(&mut stack, false))
                }
                None => false,
            },
        };
        if !ok {
            return false;
        }
    }
    false
}

fn push(stack: &mut Vec<bool>, this: bool) -> bool {
    stack.push(this);
    true
}

/// The stack effect `(pops, pushes)` of the straight-line instructions that neither call nor
/// throw (a division only after a safe divisor, checked by the caller) and need no `this`
/// tracking; `None` for every other instruction, branches included.
fn simple_effect(opcode: Opcode) -> Option<(u8, u8)> {
    use Opcode as O;
    Some(match opcode {
        O::Nop => (0, 0),
        O::Pop | O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 | O::StlocS | O::Stloc => (1, 0),
        O::StargS | O::Starg => (1, 0),
        O::Ldarg1 | O::Ldarg2 | O::Ldarg3 => (0, 1),
        O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 | O::LdlocS | O::Ldloc => (0, 1),
        O::LdcI4M1 | O::LdcI4_0 | O::LdcI4_1 | O::LdcI4_2 | O::LdcI4_3 | O::LdcI4_4 => (0, 1),
        O::LdcI4_5 | O::LdcI4_6 | O::LdcI4_7 | O::LdcI4_8 | O::LdcI4S | O::LdcI4 => (0, 1),
        O::LdcI8 | O::LdcR4 | O::LdcR8 | O::Ldnull => (0, 1),
        O::Add | O::Sub | O::Mul | O::And | O::Or | O::Xor | O::Shl | O::Shr | O::ShrUn => (2, 1),
        O::Div | O::DivUn | O::Rem | O::RemUn => (2, 1),
        O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn => (2, 1),
        O::Neg | O::Not => (1, 1),
        O::ConvI1 | O::ConvU1 | O::ConvI2 | O::ConvU2 | O::ConvI4 | O::ConvU4 => (1, 1),
        O::ConvI8 | O::ConvU8 | O::ConvI | O::ConvU | O::ConvR4 | O::ConvR8 | O::ConvRUn => (1, 1),
        _ => return None,
    })
}

/// Whether `token` names `System.Object::.ctor()`: a MemberRef of another assembly's
/// `System.Object`, or the core library's own MethodDef.
pub fn is_object_ctor(asm: &Assembly, token: Token) -> bool {
    match token.table() {
        Some(TableId::MemberRef) => asm.member_ref_parts(token.rid()).is_ok_and(|parts| {
            parts.name == ".ctor"
                && parts.parent.table() == Some(TableId::TypeRef)
                && asm
                    .type_ref_full_name(parts.parent.rid())
                    .is_ok_and(|n| n == "System.Object")
        }),
        Some(TableId::MethodDef) => {
            asm.method_def(token.rid()).is_ok_and(|m| m.name == ".ctor")
                && asm.method_owner(token.rid()).is_ok_and(|owner| {
                    asm.type_def_full_name(owner)
                        .is_ok_and(|n| n == "System.Object")
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(code: &'static [u8]) -> Vec<Instruction<'static>> {
        ngen_metadata::il::decode(code)
            .collect::<Result<_, _>>()
            .expect("valid IL")
    }

    #[test]
    fn field_stores_into_this_are_invisible_and_others_are_not() {
        // Any assembly will do: the bodies below call nothing.
        let Ok(asm) = Assembly::open("/usr/lib/mono/4.5/mscorlib.dll") else {
            return;
        };
        // ldarg.0 ldarg.1 stfld 0x04000001 ldarg.0 ldarg.2 stfld 0x04000002 ret
        let this_stores = decode(&[
            0x02, 0x03, 0x7d, 0x01, 0, 0, 0x04, 0x02, 0x04, 0x7d, 0x02, 0, 0, 0x04, 0x2a,
        ]);
        assert!(stores_only_into_this(&asm, &this_stores));
        // ldarg.1 ldarg.2 stfld 0x04000001 ret: a store into another object may throw.
        let other = decode(&[0x03, 0x04, 0x7d, 0x01, 0, 0, 0x04, 0x2a]);
        assert!(!stores_only_into_this(&asm, &other));
        // ldarg.0 ldarg.1 ldarg.2 div stfld ret: the division may trap.
        let div = decode(&[0x02, 0x03, 0x04, 0x5b, 0x7d, 0x01, 0, 0, 0x04, 0x2a]);
        assert!(!stores_only_into_this(&asm, &div));
        // ldarg.0 ldarg.1 ldc.i4.2 div stfld ret: a constant divisor cannot.
        let half = decode(&[0x02, 0x03, 0x18, 0x5b, 0x7d, 0x01, 0, 0, 0x04, 0x2a]);
        assert!(stores_only_into_this(&asm, &half));
        // ldarg.0 ldarg.1 brtrue.s +0 stfld ret: a branch refuses.
        let branch = decode(&[0x02, 0x03, 0x2d, 0x00, 0x7d, 0x01, 0, 0, 0x04, 0x2a]);
        assert!(!stores_only_into_this(&asm, &branch));
    }
}
