//! Which generic method instances an image holds: those its own code reaches, as crossgen2's
//! version bubble does, limited to methods the compiled assembly defines (their tokens are
//! the image's own, so their cells are too).
//!
//! ## Model
//! A worklist over the IL: every method of the assembly is scanned without a context; a
//! call, `newobj`, `ldftn` or static-field access that names a closed generic instance of
//! one of its own methods adds that instance, and (when its owner is a generic type
//! instance) every method of the owner with IL, which its vtable, interface map and
//! `.cctor` may run. Each added instance is scanned in its own context, and so on. An
//! instance whose arguments nest deeper than [`MAX_DEPTH`] is left to the JIT, which cuts
//! unbounded recursion such as `G<T>` calling `G<List<T>>`; so does [`MAX_INSTANCES`].
//!
//! ## Invariants
//! The output is sorted by (MethodDef rid, serialized arguments) and the contexts by their
//! serialized names, whatever order the scan met them in, so images stay deterministic.
//!
//! Depends on: [`crate::type_context`] (method instances, serialized contexts),
//! `ngen_metadata::il`.

use std::collections::{BTreeMap, VecDeque};

use ngen_metadata::il::{Opcode, Operand};
use ngen_metadata::{Assembly, TableId};
use ngen_typesystem::GenericContext;

use crate::type_context::{MethodInstance, TypeContext};

/// How deeply an instance's arguments may nest (`List<int>` is 1) to be precompiled.
pub(super) const MAX_DEPTH: u32 = 3;
/// At most this many instances per image; the JIT compiles the rest.
pub(super) const MAX_INSTANCES: usize = 4096;

/// A context as the image header writes it: type arguments and method arguments.
pub(crate) type ContextNames = (Vec<String>, Vec<String>);

/// The generic instances of one image.
#[derive(Default)]
pub(crate) struct ImageInstances {
    /// Contexts, in header order (a cell's or instance's context `n` is entry `n - 1`).
    pub contexts: Vec<(ContextNames, GenericContext)>,
    /// Instances in header order: MethodDef rid and 1-based context.
    pub instances: Vec<(u32, u32)>,
}

impl ImageInstances {
    /// The generic context of 1-based context index `context`.
    pub(super) fn context(&self, context: u32) -> &GenericContext {
        &self.contexts[context as usize - 1].1
    }
}

/// Finds the instances the image holds (see the module documentation).
pub(crate) fn discover(asm: &Assembly, types: &TypeContext) -> ImageInstances {
    let Ok(own) = asm.assembly_row().map(|r| r.name.to_ascii_lowercase()) else {
        return ImageInstances::default();
    };
    let mut found: BTreeMap<(u32, ContextNames), GenericContext> = BTreeMap::new();
    let mut queue: VecDeque<(u32, GenericContext)> = VecDeque::new();
    let add = |instance: MethodInstance,
               found: &mut BTreeMap<(u32, ContextNames), GenericContext>,
               queue: &mut VecDeque<(u32, GenericContext)>| {
        if !instance.is_generic()
            || instance.assembly.to_ascii_lowercase() != own
            || found.len() >= MAX_INSTANCES
            || !matches!(asm.method_body(instance.rid), Ok(Some(_)))
        {
            return;
        }
        let Ok((type_args, method_args, depth)) = types.serialize_context(&instance.generics)
        else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        let key = (instance.rid, (type_args, method_args));
        if let std::collections::btree_map::Entry::Vacant(slot) = found.entry(key) {
            slot.insert(instance.generics.clone());
            queue.push_back((instance.rid, instance.generics));
        }
    };
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        for instance in reached(asm, rid, types) {
            add(instance, &mut found, &mut queue);
        }
    }
    while let Some((rid, generics)) = queue.pop_front() {
        let in_context = types.in_context(generics);
        for instance in reached(asm, rid, &in_context) {
            add(instance, &mut found, &mut queue);
        }
    }
    let unique: BTreeMap<&ContextNames, &GenericContext> =
        found.iter().map(|((_, names), g)| (names, g)).collect();
    let contexts: Vec<(ContextNames, GenericContext)> = unique
        .into_iter()
        .map(|(names, g)| (names.clone(), g.clone()))
        .collect();
    let index: BTreeMap<&ContextNames, u32> = contexts
        .iter()
        .enumerate()
        .map(|(i, (names, _))| (names, i as u32 + 1))
        .collect();
    let instances = found
        .keys()
        .map(|(rid, names)| (*rid, index[names]))
        .collect();
    ImageInstances {
        contexts,
        instances,
    }
}

/// The generic method instances MethodDef `rid`'s IL reaches, in `types`' context.
fn reached(asm: &Assembly, rid: u32, types: &TypeContext) -> Vec<MethodInstance> {
    let Ok(Some(body)) = asm.method_body(rid) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ins in ngen_metadata::il::decode(body.code) {
        let Ok(ins) = ins else { break };
        let Operand::Token(token) = ins.operand else {
            continue;
        };
        match ins.opcode {
            Opcode::Call
            | Opcode::Callvirt
            | Opcode::Newobj
            | Opcode::Ldftn
            | Opcode::Ldvirtftn => {
                if let Some(instance) = types.generic_instance(asm, token) {
                    out.extend(types.methods_of_owner_instance(instance.handle));
                    out.push(instance);
                }
            }
            Opcode::Ldsfld | Opcode::Stsfld | Opcode::Ldsflda => {
                if let Some(owner) = types.static_field_owner_instance(asm, token) {
                    out.extend(types.methods_of_type_instance(owner));
                }
            }
            _ => {}
        }
    }
    out
}
