//! Canonical shared code: one body per generic MethodDef of the compiled assembly that serves
//! every instantiation whose type arguments are all reference types (mono's and crossgen2's
//! `__Canon` sharing, first step).
//!
//! ## Model
//! The body is translated in the method's canonical context (`System.Object` for each generic
//! parameter, `TypeContext::canonical_context`), so signatures, layouts and field offsets are
//! those of any instantiation over reference types. Everything that depends on the exact
//! instantiation goes through the **dictionary**: a hidden last parameter pointing at an
//! array of import cells the runtime makes per exact instance, slot `i` a copy of the body's
//! `i`-th cell key (in key order) resolving in the exact instance's generic context. Every
//! cell of the body is a dictionary slot (correct first: a string literal's slot is filled once
//! per instantiation too); calls never go direct, nothing is inlined, casts always ask the
//! `IsInstance` helper and `constrained.` calls never bind to an override found in the
//! canonical context ([`super::plan::AotEnv`] in shared mode). Callers never pass the
//! dictionary: the runtime hands out an instantiating stub that loads it into the
//! parameter's register and jumps to this code.
//!
//! An image compiles no exact instance of its own generics that its shared code serves
//! ([`drop_served_instances`]); the runtime prefers an exact instance, where one exists, over
//! shared code.
//!
//! ## Invariants
//! The dictionary must travel in a register (the stub cannot push it), so a method whose
//! integer arguments already fill the six SysV registers has no shared code. Sorted by rid.
//!
//! Depends on: [`crate::method`] (generic definitions, the cell scan), [`crate::type_context`].

use std::collections::BTreeSet;

use ngen_abi::image::CellKey;
use ngen_metadata::{Assembly, TableId};
use ngen_typesystem::GenericContext;

use super::instances::ImageInstances;
use crate::type_context::TypeContext;
use crate::types::{MachineType, MethodShape};

/// SysV x86-64 passes the first six integer arguments in registers.
const INTEGER_ARGUMENT_REGISTERS: usize = 6;

/// One generic MethodDef to compile as shared code.
pub(crate) struct SharedMethod {
    pub rid: u32,
    /// Its canonical instantiation.
    pub generics: GenericContext,
    /// The cells its body uses, sorted: slot `i` of its dictionary is `keys[i]`.
    pub keys: Vec<CellKey>,
}

/// The generic MethodDefs of `asm` with an IL body, each with its canonical context and
/// dictionary keys, in rid order.
pub(crate) fn discover(asm: &Assembly, types: &TypeContext) -> Vec<SharedMethod> {
    (1..=asm.row_count(TableId::MethodDef))
        .filter(|&rid| crate::method::is_generic_definition(asm, rid))
        .filter(|&rid| matches!(asm.method_body(rid), Ok(Some(_))))
        .filter_map(|rid| {
            let generics = types.canonical_context(asm, rid).ok()?;
            let mut keys = crate::method::referenced_tokens(asm, rid);
            keys.sort();
            keys.dedup();
            Some(SharedMethod {
                rid,
                generics,
                keys,
            })
        })
        .collect()
}

/// Removes from `instances` the exact instances of the compiled assembly's own generics whose
/// every type argument is a reference type and whose MethodDef is in `served` (it has declared
/// shared code): the runtime serves those from the shared code through a dictionary
/// (`ngen-runtime`'s `state/shared_code.rs`), as mono shares every such instantiation, so
/// compiling them again exactly would only cost compile time and image size. The scan that
/// found them still reached what they call, so instances with value types they lead to stay.
/// Instances of other assemblies' generics stay (their shared code is in another image, which
/// may not exist). Returns how many were removed.
pub(crate) fn drop_served_instances(
    instances: &mut ImageInstances,
    served: &BTreeSet<u32>,
    types: &TypeContext,
) -> usize {
    let before = instances.instances.len();
    let ImageInstances {
        contexts,
        instances: list,
    } = instances;
    // One answer per context: most contexts hold many instances.
    let shareable: Vec<bool> = contexts
        .iter()
        .map(|c| c.own && types.all_reference_types(&c.generics))
        .collect();
    list.retain(|&(rid, context)| !(shareable[context as usize - 1] && served.contains(&rid)));
    before - list.len()
}

/// The integer argument register (0 = `rdi` ... 5 = `r9`) the dictionary travels in after the
/// parameters of `shape`, or why it cannot.
pub(crate) fn dictionary_register(shape: &MethodShape) -> Result<u32, String> {
    let integers = shape
        .abi_params()
        .iter()
        .filter(|k| matches!(k.machine(), MachineType::I32 | MachineType::I64))
        .count();
    if integers >= INTEGER_ARGUMENT_REGISTERS {
        return Err(format!(
            "shared code: {integers} integer arguments leave no register for the dictionary"
        ));
    }
    Ok(integers as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IlType, ValKind};

    fn shape(has_this: bool, params: &[ValKind]) -> MethodShape {
        MethodShape {
            has_this,
            params: params.iter().map(|&k| IlType::Val(k)).collect(),
            ret: None,
        }
    }

    #[test]
    fn the_dictionary_takes_the_next_integer_register_and_floats_do_not_count() {
        assert_eq!(dictionary_register(&shape(false, &[])), Ok(0));
        assert_eq!(dictionary_register(&shape(true, &[ValKind::Ref])), Ok(2));
        assert_eq!(
            dictionary_register(&shape(true, &[ValKind::R8, ValKind::I4, ValKind::R4])),
            Ok(2)
        );
        assert!(dictionary_register(&shape(true, &[ValKind::Ref; 5])).is_err());
    }
}
