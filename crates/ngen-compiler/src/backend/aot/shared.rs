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
//! An image compiles no exact instance over reference types that shared code serves: of its
//! own generics, and in a framework image of another framework assembly's
//! ([`drop_served_instances`]). The runtime prefers an exact instance, where one exists, over
//! shared code.
//!
//! ## Invariants
//! The dictionary must travel in a register (the stub cannot push it), so a method whose
//! integer arguments already fill the six SysV registers has no shared code. Sorted by rid.
//!
//! Depends on: [`crate::method`] (generic definitions, the cell scan), [`crate::type_context`].

use std::collections::{BTreeMap, BTreeSet};

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

/// Public key tokens of the framework's assemblies (ECMA, Microsoft, Microsoft's newer key,
/// Mono's): their images are built together (`compile-framework`, Ngen's install of a
/// framework closure), so one of them may leave an instance to another's shared code.
const FRAMEWORK_KEY_TOKENS: [[u8; 8]; 4] = [
    [0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89],
    [0xb0, 0x3f, 0x5f, 0x7f, 0x11, 0xd5, 0x0a, 0x3a],
    [0x31, 0xbf, 0x38, 0x56, 0xad, 0x36, 0x4e, 0x35],
    [0x07, 0x38, 0xeb, 0x9f, 0x13, 0x2e, 0xd7, 0x56],
];

/// Whether `asm` is one of the framework's assemblies (by its strong name's key token).
fn is_framework(asm: &Assembly) -> bool {
    asm.identity()
        .ok()
        .and_then(|identity| identity.public_key_token())
        .is_some_and(|token| FRAMEWORK_KEY_TOKENS.contains(&token))
}

/// Whether the image of `asm` has shared code for its MethodDef `rid`: the test
/// [`discover`], `plan::declare_shared` and the compilation apply, asked of another
/// assembly's generic (the same compiler, the same file, the same answer).
fn has_shared_code(asm: &Assembly, rid: u32, types: &TypeContext) -> bool {
    if !crate::method::is_generic_definition(asm, rid)
        || !matches!(asm.method_body(rid), Ok(Some(_)))
        || crate::method::check_aot_allowed(asm, rid).is_err()
    {
        return false;
    }
    let Ok(generics) = types.canonical_context(asm, rid) else {
        return false;
    };
    types
        .in_context(generics)
        .instance_method_shape(asm, rid)
        .is_ok_and(|(shape, _)| dictionary_register(&shape).is_ok())
}

/// In a framework image, removes from `instances` the exact instances whose every type
/// argument is a reference type and that shared code serves: the runtime serves those from the
/// shared code of their MethodDef's image through a dictionary (`ngen-runtime`'s
/// `state/shared_code.rs`), as mono shares every such instantiation, so compiling them again
/// exactly would only cost compile time and image size, which is what the framework's build
/// spends most on. That is an instance of the compiled assembly's own generic whose MethodDef is
/// in `own_served` (this image declares its shared code), or of another framework assembly's
/// generic that has shared code there (`List<string>` in System's image: mscorlib's image
/// serves it). An application's image keeps all its exact instances: they are faster than
/// shared code (no dictionary loads), the framework may have no images, and a frame of exact
/// code names its instance as mono does (`StackFrame.GetMethod()`; shared code's frames name
/// the definition). The scan that found the removed instances still reached what they call, so
/// instances with value types they lead to stay. Returns how many were removed.
pub(crate) fn drop_served_instances(
    asm: &Assembly,
    instances: &mut ImageInstances,
    own_served: &BTreeSet<u32>,
    types: &TypeContext,
) -> usize {
    let before = instances.instances.len();
    if !is_framework(asm) {
        return 0;
    }
    let ImageInstances {
        contexts,
        instances: list,
    } = instances;
    // One answer per context (most hold many instances), and per foreign MethodDef.
    let shareable: Vec<bool> = contexts
        .iter()
        .map(|c| (c.own || is_framework(&c.assembly)) && types.all_reference_types(&c.generics))
        .collect();
    let mut foreign_served: BTreeMap<(String, u32), bool> = BTreeMap::new();
    list.retain(|&(rid, context)| {
        let index = context as usize - 1;
        if !shareable[index] {
            return true;
        }
        let c = &contexts[index];
        let served = if c.own {
            own_served.contains(&rid)
        } else {
            *foreign_served
                .entry((c.names.0.clone(), rid))
                .or_insert_with(|| has_shared_code(&c.assembly, rid, types))
        };
        !served
    });
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
