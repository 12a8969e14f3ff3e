//! Which instructions need an import cell, and which one: decided once, by [`key_of`], for
//! both the AOT planner's scan of a method's IL (cells are laid out before translation,
//! `crate::method::referenced_tokens`) and the translator (which asks its environment for the
//! cell of the instruction it translates), so the two cannot disagree.
//!
//! Depends on: `ngen_abi::image`, `ngen_metadata::il`.

use ngen_abi::image::{CellKey, CellKind};
use ngen_metadata::Token;
use ngen_metadata::il::{Instruction, Opcode, Operand};

/// The cell `ins` reads, given the type of a pending `constrained.` prefix: `call` and
/// `callvirt` a method cell (a constrained-method cell after `constrained.`), `ldstr` a string
/// cell, `ldsfld` a static-field cell. `None` for any other instruction.
pub(crate) fn key_of(ins: &Instruction<'_>, constraint: Option<Token>) -> Option<CellKey> {
    let Operand::Token(token) = ins.operand else {
        return None;
    };
    let kind = match (ins.opcode, constraint) {
        (Opcode::Callvirt, Some(constraint)) => {
            return Some(CellKey {
                kind: CellKind::ConstrainedMethod,
                token: token.0,
                aux: constraint.0,
            });
        }
        (Opcode::Call | Opcode::Callvirt, _) => CellKind::Method,
        (Opcode::Ldstr, _) => CellKind::String,
        (Opcode::Ldsfld, _) => CellKind::StaticField,
        _ => return None,
    };
    Some(CellKey::new(kind, token.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(opcode: Opcode, token: u32) -> Instruction<'static> {
        let mut code = vec![opcode.value() as u8];
        code.extend_from_slice(&token.to_le_bytes());
        let code: &'static [u8] = Box::leak(code.into_boxed_slice());
        ngen_metadata::il::decode(code).next().unwrap().unwrap()
    }

    #[test]
    fn cell_instructions_have_keys() {
        let m = 0x0a00_0001;
        assert_eq!(
            key_of(&ins(Opcode::Call, m), None),
            Some(CellKey::new(CellKind::Method, m))
        );
        assert_eq!(
            key_of(&ins(Opcode::Callvirt, m), Some(Token(0x0100_0002))),
            Some(CellKey {
                kind: CellKind::ConstrainedMethod,
                token: m,
                aux: 0x0100_0002
            })
        );
        assert_eq!(
            key_of(&ins(Opcode::Ldstr, 0x7000_0001), None),
            Some(CellKey::new(CellKind::String, 0x7000_0001))
        );
        assert_eq!(
            key_of(&ins(Opcode::Ldsfld, 0x0a00_0003), None),
            Some(CellKey::new(CellKind::StaticField, 0x0a00_0003))
        );
        assert_eq!(key_of(&ins(Opcode::Newobj, m), None), None);
    }
}
