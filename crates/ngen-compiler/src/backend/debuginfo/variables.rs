//! Where a debug-scenario method keeps its IL arguments and locals, for DWARF's
//! `DW_TAG_formal_parameter` and `DW_TAG_variable`: the translator gives each variable's stack
//! slot a [`VariableKey`] (a Cranelift `StackSlotKey`), and Cranelift's frame layout of the
//! compiled code says where each keyed slot lies; as an offset from the frame pointer it is a
//! `DW_OP_fbreg` location (the subprogram's frame base is `rbp`). Arguments are named from
//! the metadata's Param rows (`this` for an instance method's argument 0), locals from the
//! symbol file (`V_N` without one). Struct variables have no location yet.
//!
//! Depends on: cranelift-codegen (frame layout), ngen-metadata (Param rows), ngen-abi.

use cranelift_codegen::CompiledCode;
use cranelift_codegen::ir::StackSlotKey;
use ngen_metadata::Assembly;

use crate::method::PreparedMethod;
use crate::types::{IlType, ValKind};

/// Marks a key as a variable's (the low 32 bits are its index).
const VARIABLE_TAG: u64 = 0x7661_7200_0000_0000;
const LOCAL_BIT: u64 = 1 << 32;

/// An IL argument or local, as a stack slot's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VariableKey {
    Arg(u32),
    Local(u32),
}

impl VariableKey {
    pub(crate) fn slot_key(self) -> StackSlotKey {
        StackSlotKey::new(match self {
            VariableKey::Arg(i) => VARIABLE_TAG | u64::from(i),
            VariableKey::Local(i) => VARIABLE_TAG | LOCAL_BIT | u64::from(i),
        })
    }

    fn of_slot_key(key: StackSlotKey) -> Option<VariableKey> {
        let bits = key.bits();
        if bits & !(LOCAL_BIT | 0xffff_ffff) != VARIABLE_TAG {
            return None;
        }
        let index = bits as u32;
        Some(if bits & LOCAL_BIT != 0 {
            VariableKey::Local(index)
        } else {
            VariableKey::Arg(index)
        })
    }
}

/// One variable of a compiled method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VariableDebug {
    pub key: VariableKey,
    pub kind: ValKind,
    /// Offset of the slot from the frame pointer.
    pub fp_offset: i64,
    /// Arguments' names (locals are named from the symbol file when the DWARF is written).
    pub name: Option<String>,
}

/// The variables of `method` (MethodDef `rid` of `asm`) that live in keyed stack slots of
/// `code`, in key order.
pub(crate) fn frame_variables(
    asm: &Assembly,
    rid: u32,
    method: &PreparedMethod<'_>,
    code: &CompiledCode,
) -> Vec<VariableDebug> {
    let Some(layout) = code.buffer.frame_layout() else {
        return Vec::new();
    };
    let fp = i64::from(layout.frame_to_fp_offset);
    let arg_types = method.shape.arg_types();
    let arg_names = arg_names(asm, rid, method.shape.has_this, arg_types.len());
    let mut variables: Vec<VariableDebug> = layout
        .stackslots
        .values()
        .filter_map(|slot| {
            let key = VariableKey::of_slot_key(slot.key?)?;
            let (ty, name) = match key {
                VariableKey::Arg(i) => (
                    arg_types.get(i as usize)?,
                    arg_names.get(i as usize).cloned(),
                ),
                VariableKey::Local(i) => (method.locals.get(i as usize)?, None),
            };
            let IlType::Val(kind) = *ty else { return None };
            Some(VariableDebug {
                key,
                kind,
                fp_offset: i64::from(slot.offset) - fp,
                name,
            })
        })
        .collect();
    variables.sort_by_key(|v| match v.key {
        VariableKey::Arg(i) => (0, i),
        VariableKey::Local(i) => (1, i),
    });
    variables
}

/// Argument names by argument number: `this`, then the Param rows' names by sequence.
fn arg_names(asm: &Assembly, rid: u32, has_this: bool, count: usize) -> Vec<String> {
    let first = usize::from(has_this);
    let mut names: Vec<String> = (0..count).map(|i| format!("A_{i}")).collect();
    if has_this && count > 0 {
        names[0] = "this".into();
    }
    for param in asm.params_of(rid).unwrap_or_default() {
        let Ok(row) = asm.param(param) else { continue };
        let Some(at) = usize::from(row.sequence).checked_sub(1).map(|s| s + first) else {
            continue; // the return value
        };
        if let Some(slot) = names.get_mut(at)
            && !row.name.is_empty()
        {
            *slot = row.name.to_string();
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_other_slots_are_not_variables() {
        for key in [
            VariableKey::Arg(0),
            VariableKey::Arg(7),
            VariableKey::Local(65535),
        ] {
            assert_eq!(VariableKey::of_slot_key(key.slot_key()), Some(key));
        }
        assert_eq!(VariableKey::of_slot_key(StackSlotKey::new(3)), None);
    }
}
