//! Which instructions need an import cell, and which one: decided once, by [`key_of`], for
//! both the AOT planner's scan of a method's IL (cells are laid out before translation,
//! `crate::method::referenced_tokens`) and the translator (which asks its environment for the
//! cell of the instruction it translates), so the two cannot disagree.
//!
//! [`emit_cell_target`] is the one emitter of a cell's fast path (load the target) and cold
//! slow path (call `ResolveCell`), for the translator and the AOT stubs alike.
//!
//! Depends on: cranelift-frontend, `ngen_abi::image`, `ngen_abi::helpers`, `ngen_metadata::il`.

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, SigRef, Value};
use cranelift_frontend::FunctionBuilder;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CELL_TARGET_OFFSET, CellKey, CellKind};
use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::{TableId, Token};

/// The cell `ins` reads, given the type of a pending `constrained.` prefix: `call` and
/// `callvirt` a method cell (a constrained-method cell after `constrained.`), `ldstr` a string
/// cell, `ldsfld` a static-field cell, casts and `box`/`unbox`/`unbox.any` a method-table
/// cell, `ldtoken` of a type a type-object cell (`typeof`), as `mkrefany` and `refanyval`.
/// `None` for any other instruction.
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
                context: 0,
            });
        }
        (Opcode::Call | Opcode::Callvirt | Opcode::Newobj, _) => CellKind::Method,
        // A function pointer for a delegate: the method's code (`ldvirtftn` of an interface
        // method passes this cell to `InterfaceTarget`).
        (Opcode::Ldftn | Opcode::Ldvirtftn, _) => CellKind::Method,
        (Opcode::Ldstr, _) => CellKind::String,
        (Opcode::Castclass | Opcode::Isinst, _) => CellKind::MethodTable,
        (Opcode::Box | Opcode::Unbox | Opcode::UnboxAny, _) => CellKind::MethodTable,
        (Opcode::Ldsfld | Opcode::Stsfld | Opcode::Ldsflda, _) => CellKind::StaticField,
        // A typed reference holds its type's `RuntimeType` (`translate/typed_refs.rs`).
        (Opcode::Mkrefany | Opcode::Refanyval, _) => CellKind::TypeObject,
        (Opcode::Ldtoken, _)
            if matches!(
                token.table(),
                Some(TableId::TypeDef | TableId::TypeRef | TableId::TypeSpec)
            ) =>
        {
            CellKind::TypeObject
        }
        _ => return None,
    };
    Some(CellKey::new(kind, token.0))
}

/// The second cell an instruction uses, if any: `newobj` needs its class's method table,
/// `newarr` and `ldelema` the method table of the array type, `ldftn` the unboxing stub of a
/// value type's method.
pub(crate) fn extra_key_of(ins: &Instruction<'_>) -> Option<CellKey> {
    match (ins.opcode, ins.operand) {
        (Opcode::Newobj, Operand::Token(token)) => {
            Some(CellKey::new(CellKind::MethodTable, token.0))
        }
        // `ldelema` compares a reference array's type with `T[]` exactly (III.4.9).
        (Opcode::Newarr | Opcode::Ldelema, Operand::Token(token)) => {
            Some(CellKey::new(CellKind::ArrayMethodTable, token.0))
        }
        // `ldftn` of a value type's instance method makes a delegate over a box: the
        // method's unboxing stub (used only for such methods).
        (Opcode::Ldftn, Operand::Token(token)) => {
            Some(CellKey::new(CellKind::UnboxingMethod, token.0))
        }
        _ => None,
    }
}

/// Loads the target of the import cell at `cell`; while it is 0, calls the `ResolveCell`
/// helper in a cold block and takes its result. `helper_table` emits the helper table's
/// address and `resolve_sig` gives the helper's imported signature, both in the cold block.
/// With `landing` (a block and the address of the pending-exception word, computed where it
/// dominates the cold block), the cold block then tests the word (resolving a static field
/// runs the type's `.cctor`, which may throw) and goes there when it is set (EH v1,
/// `translate/eh.rs`); the path that finds the cell resolved pays nothing.
pub(crate) fn emit_cell_target(
    b: &mut FunctionBuilder<'_>,
    cell: Value,
    helper_table: impl FnOnce(&mut FunctionBuilder<'_>) -> Value,
    resolve_sig: impl FnOnce(&mut FunctionBuilder<'_>) -> SigRef,
    landing: Option<(Block, Value)>,
) -> Value {
    let trusted = MemFlagsData::trusted();
    let t = b.ins().load(I64, trusted, cell, CELL_TARGET_OFFSET);
    let slow = b.create_block();
    b.set_cold_block(slow);
    let done = b.create_block();
    let result = b.append_block_param(done, I64);
    b.ins().brif(t, done, &[BlockArg::Value(t)], slow, &[]);
    b.switch_to_block(slow);
    let table = helper_table(b);
    let resolve = b
        .ins()
        .load(I64, trusted, table, HelperId::ResolveCell.table_offset());
    let sig = resolve_sig(b);
    let call = b.ins().call_indirect(sig, resolve, &[cell]);
    let resolved = b.inst_results(call)[0];
    if let Some((landing, word)) = landing {
        let pending = b.ins().load(I64, trusted, word, 0);
        let resolved_block = b.create_block();
        b.set_cold_block(resolved_block);
        b.ins().brif(pending, landing, &[], resolved_block, &[]);
        b.switch_to_block(resolved_block);
    }
    b.ins().jump(done, &[BlockArg::Value(resolved)]);
    b.switch_to_block(done);
    result
}

/// The address of the calling thread's pending-exception word: `(sp | mask) - 7`, the mask
/// from helper slot `PendingException` of the helper table `table` (filled before any code of
/// the image runs and never changed: a read-only load Cranelift may hoist). Every managed
/// thread runs on a stack region aligned to `mask + 1` whose last word it is (the runtime's
/// `threads::stack`).
pub(crate) fn pending_word_address(b: &mut FunctionBuilder<'_>, table: Value) -> Value {
    let mask = b.ins().load(
        I64,
        MemFlagsData::trusted().with_readonly(),
        table,
        HelperId::PendingException.table_offset(),
    );
    let sp = b.ins().get_stack_pointer(I64);
    let top = b.ins().bor(sp, mask);
    b.ins().iadd_imm_s(top, -7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(opcode: Opcode, token: u32) -> Instruction<'static> {
        let mut code = match opcode.value() {
            v @ 0..=0xFF => vec![v as u8],
            v => vec![0xFE, v as u8],
        };
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
                aux: 0x0100_0002,
                context: 0,
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
        // `newobj` calls its constructor through the same method cells as `call`.
        assert_eq!(
            key_of(&ins(Opcode::Newobj, m), None),
            Some(CellKey::new(CellKind::Method, m))
        );
        // A delegate's function pointer is the method cell's target.
        for op in [Opcode::Ldftn, Opcode::Ldvirtftn] {
            assert_eq!(
                key_of(&ins(op, m), None),
                Some(CellKey::new(CellKind::Method, m))
            );
        }
        assert_eq!(
            key_of(&ins(Opcode::Isinst, 0x0200_0002), None),
            Some(CellKey::new(CellKind::MethodTable, 0x0200_0002))
        );
        // `box`/`unbox` allocate and check against the value type's method table.
        assert_eq!(
            key_of(&ins(Opcode::UnboxAny, 0x0200_0003), None),
            Some(CellKey::new(CellKind::MethodTable, 0x0200_0003))
        );
        assert_eq!(key_of(&ins(Opcode::Initobj, 0x0200_0003), None), None);
        // `typeof`: a type token gets a type-object cell; an array initialiser's field does not.
        assert_eq!(
            key_of(&ins(Opcode::Ldtoken, 0x0200_0002), None),
            Some(CellKey::new(CellKind::TypeObject, 0x0200_0002))
        );
        assert_eq!(key_of(&ins(Opcode::Ldtoken, 0x0400_0001), None), None);
        // Typed references compare and store the type object.
        assert_eq!(
            key_of(&ins(Opcode::Refanyval, 0x0100_0005), None),
            Some(CellKey::new(CellKind::TypeObject, 0x0100_0005))
        );
    }
}
