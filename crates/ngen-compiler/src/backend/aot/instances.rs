//! Which generic method instances an image holds: those its own code reaches, as crossgen2's
//! version bubble does, limited to methods the compiled assembly defines (their tokens are
//! the image's own, so their cells are too).
//!
//! ## Model
//! A worklist over the IL: every method of the assembly is scanned without a context; a
//! call, `newobj`, `ldftn` or static-field access that names a closed generic instance of
//! one of its own methods adds that instance, and (when its owner is a generic type
//! instance, or `box` names one) the owner's virtual methods and `.cctor` with IL, which its vtable, interface
//! map and class initialisation may run without a call naming them (its other methods are
//! added when a scanned body calls them). A `constrained.` call adds the constraint type's
//! implementation; generic virtual calls are paired with the generic type instances the
//! scan constructs (`newobj`, `box`), whichever is met second; an interface call on a
//! generic interface of the compiled assembly adds the assembly's own generic classes that
//! implement it over the same arguments, for objects only reflection creates
//! ([`crate::type_context`]'s `virtual_reach`). Each added instance is scanned in its own
//! context, and so on. An instance whose arguments nest deeper than [`MAX_DEPTH`] is left to the JIT, which cuts
//! unbounded recursion such as `G<T>` calling `G<List<T>>`; so does [`MAX_INSTANCES`].
//!
//! ## Invariants
//! The output is sorted by (MethodDef rid, serialized arguments) and the contexts by their
//! serialized names, whatever order the scan met them in, so images stay deterministic.
//!
//! Depends on: [`crate::type_context`] (method instances, serialized contexts),
//! `ngen_metadata::il`.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use ngen_metadata::il::{Opcode, Operand};
use ngen_metadata::{Assembly, TableId};
use ngen_typesystem::{GenericContext, MethodHandle, TypeHandle};

use crate::type_context::{MethodInstance, TypeContext};

/// How deeply an instance's arguments may nest (`List<int>` is 1) to be precompiled.
pub(super) const MAX_DEPTH: u32 = 3;
/// At most this many instances per image; the JIT compiles the rest. A guard, not a budget:
/// mscorlib's own code reaches 11,364 instances at depth 3 (a 26 MB image), dnlib's 33,506
/// (a 32 MB image) and de4dot.code's 27,957, and an image that stops short leaves paths
/// (`Delegate.Remove` → `Array.LastIndexOf<T>`, dnlib's `LazyList<ExportedType>` →
/// `List<LazyList<ExportedType>.Element>`) to a JIT that `--jit never` forbids.
pub(super) const MAX_INSTANCES: usize = 65536;

/// A context as the image header writes it: the assembly whose tokens the instance's body
/// uses (empty: the image's own), type arguments and method arguments.
pub(crate) type ContextNames = (String, Vec<String>, Vec<String>);

/// One instantiation context of the image.
pub(crate) struct ImageContext {
    pub names: ContextNames,
    pub generics: GenericContext,
    /// The assembly defining the instances of this context (the compiled one or another).
    pub assembly: Arc<Assembly>,
    /// Whether that is the compiled assembly (its methods may be called directly).
    pub own: bool,
}

/// The generic instances of one image.
#[derive(Default)]
pub(crate) struct ImageInstances {
    /// Contexts, in header order (a cell's or instance's context `n` is entry `n - 1`): the
    /// scan's, then the mixed canonical forms shared code is compiled in (`shared.rs`).
    pub contexts: Vec<ImageContext>,
    /// Instances in header order: MethodDef rid (in the context's assembly) and 1-based
    /// context.
    pub instances: Vec<(u32, u32)>,
}

impl ImageInstances {
    /// Context `context` (1-based).
    pub(super) fn context(&self, context: u32) -> &ImageContext {
        &self.contexts[context as usize - 1]
    }
}

/// Finds the instances the image holds (see the module documentation).
pub(crate) fn discover(asm: &Assembly, types: &TypeContext) -> ImageInstances {
    let Ok(own) = asm.assembly_row().map(|r| r.name.to_ascii_lowercase()) else {
        return ImageInstances::default();
    };
    let mut assemblies: BTreeMap<String, Arc<Assembly>> = BTreeMap::new();
    // Keyed by context (assembly and arguments), then rid: the header's order.
    let mut found: BTreeMap<(ContextNames, u32), GenericContext> = BTreeMap::new();
    let mut queue: VecDeque<(String, u32, GenericContext)> = VecDeque::new();
    // Instances already considered, by handle (the type system interns them): most are reached
    // from many call sites, and the answer for each is the same, so it is worked out once.
    let mut considered: HashSet<MethodHandle> = HashSet::new();
    let mut add = |instance: MethodInstance,
                   found: &mut BTreeMap<(ContextNames, u32), GenericContext>,
                   queue: &mut VecDeque<(String, u32, GenericContext)>| {
        if !instance.is_generic()
            || found.len() >= MAX_INSTANCES
            || !considered.insert(instance.handle)
        {
            return;
        }
        let name = instance.assembly.to_ascii_lowercase();
        let home = if name == own {
            String::new()
        } else {
            if !assemblies.contains_key(&name) {
                let Ok(loaded) = types.assembly_named(&name) else {
                    return;
                };
                assemblies.insert(name.clone(), loaded);
            }
            name
        };
        let has_body = match assemblies.get(&home) {
            Some(foreign) => matches!(foreign.method_body(instance.rid), Ok(Some(_))),
            None => matches!(asm.method_body(instance.rid), Ok(Some(_))),
        };
        if !has_body {
            return;
        }
        let Ok((type_args, method_args, depth)) = types.serialize_context(&instance.generics)
        else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        let key = ((home.clone(), type_args, method_args), instance.rid);
        if let std::collections::btree_map::Entry::Vacant(slot) = found.entry(key) {
            slot.insert(instance.generics.clone());
            queue.push_back((home, instance.rid, instance.generics));
        }
    };
    let mut pairing = VirtualPairing::default();
    let mut expanded = Expanded::default();
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        let found_here = reached(asm, rid, types, true, &mut expanded);
        for instance in pairing.absorb(found_here, types) {
            add(instance, &mut found, &mut queue);
        }
    }
    let mut loaded: BTreeMap<String, Arc<Assembly>> = BTreeMap::new();
    while let Some((home, rid, generics)) = queue.pop_front() {
        let in_context = types.in_context(generics);
        let body_asm: &Assembly = if home.is_empty() {
            asm
        } else {
            if !loaded.contains_key(&home) {
                let Ok(a) = types.assembly_named(&home) else {
                    continue;
                };
                loaded.insert(home.clone(), a);
            }
            &loaded[&home]
        };
        let own_body = home.is_empty();
        let found_here = reached(body_asm, rid, &in_context, own_body, &mut expanded);
        for instance in pairing.absorb(found_here, types) {
            add(instance, &mut found, &mut queue);
        }
    }
    let mut contexts: Vec<ImageContext> = Vec::new();
    let mut instances = Vec::with_capacity(found.len());
    for ((names, rid), generics) in found {
        if contexts.last().is_none_or(|c| c.names != names) {
            let (assembly, own) = if names.0.is_empty() {
                (None, true)
            } else {
                (loaded.get(&names.0).cloned(), false)
            };
            let assembly = match assembly {
                Some(a) => a,
                None if own => match types.assembly_named(&own_name(asm)) {
                    Ok(a) => a,
                    Err(_) => continue,
                },
                None => match types.assembly_named(&names.0) {
                    Ok(a) => a,
                    Err(_) => continue,
                },
            };
            contexts.push(ImageContext {
                names,
                generics,
                assembly,
                own,
            });
        }
        instances.push((rid, contexts.len() as u32));
    }
    ImageInstances {
        contexts,
        instances,
    }
}

/// The simple name of the compiled assembly.
fn own_name(asm: &Assembly) -> String {
    asm.assembly_row()
        .map(|r| r.name.to_string())
        .unwrap_or_default()
}

/// What one body reaches: the method instances it names (and those they imply), the
/// generic type instances it constructs, and the generic virtual methods it calls.
#[derive(Default)]
struct Reached {
    instances: Vec<MethodInstance>,
    constructed: Vec<TypeHandle>,
    generic_virtual_calls: Vec<MethodHandle>,
}

/// Generic virtual calls paired with the generic type instances constructed anywhere in the
/// scan, as crossgen2 pairs them: whichever of the two is met second adds the override
/// (see [`crate::type_context`]'s `virtual_reach`).
#[derive(Default)]
struct VirtualPairing {
    constructed: Vec<TypeHandle>,
    calls: Vec<MethodHandle>,
    seen_types: BTreeSet<TypeHandle>,
    seen_calls: BTreeSet<MethodHandle>,
}

impl VirtualPairing {
    /// The instances `reached` adds: its own, and the overrides its new constructed types and
    /// generic virtual calls pair up with those met before.
    fn absorb(&mut self, reached: Reached, types: &TypeContext) -> Vec<MethodInstance> {
        let mut out = reached.instances;
        for ty in reached.constructed {
            if self.seen_types.insert(ty) {
                out.extend(
                    self.calls
                        .iter()
                        .filter_map(|&call| types.generic_virtual_target(ty, call)),
                );
                self.constructed.push(ty);
            }
        }
        for call in reached.generic_virtual_calls {
            if self.seen_calls.insert(call) {
                out.extend(
                    self.constructed
                        .iter()
                        .filter_map(|&ty| types.generic_virtual_target(ty, call)),
                );
                self.calls.push(call);
            }
        }
        out
    }
}

/// The call targets and type instances whose consequences some body already reported, so
/// other bodies naming them report nothing new (what a target implies depends only on it, the
/// instruction, the naming body's assembly and whether that is the compiled one; the scan's
/// result is a set, so skipping repeats changes nothing but time).
#[derive(Default)]
struct Expanded {
    calls: HashSet<(MethodHandle, Opcode, bool, *const Assembly)>,
    boxed: HashSet<TypeHandle>,
    static_owners: HashSet<TypeHandle>,
}

/// What MethodDef `rid`'s IL reaches, in `types`' context; `own_body` when `asm` is the
/// compiled assembly (only its bodies reach its own interfaces' speculative implementors).
/// Targets in `expanded` are skipped, and those reported are added to it.
fn reached(
    asm: &Assembly,
    rid: u32,
    types: &TypeContext,
    own_body: bool,
    expanded: &mut Expanded,
) -> Reached {
    let mut reached = Reached::default();
    let Ok(Some(body)) = asm.method_body(rid) else {
        return reached;
    };
    let out = &mut reached.instances;
    let mut constraint = None;
    for ins in ngen_metadata::il::decode(body.code) {
        let Ok(ins) = ins else { break };
        let Operand::Token(token) = ins.operand else {
            continue;
        };
        let constrained = std::mem::take(&mut constraint);
        match ins.opcode {
            Opcode::Constrained => constraint = Some(token),
            Opcode::Call
            | Opcode::Callvirt
            | Opcode::Newobj
            | Opcode::Ldftn
            | Opcode::Ldvirtftn => {
                if ins.opcode != Opcode::Ldftn
                    && ins.opcode != Opcode::Ldvirtftn
                    && types.intrinsic(asm, token).is_some()
                {
                    // Expanded in place (`translate/span_intrinsics.rs`): nothing to compile.
                    continue;
                }
                if let Some(constraint) = constrained
                    && let Some(target) = types.constrained_target_instance(asm, token, constraint)
                {
                    // `constrained. T callvirt M`: T's implementation runs.
                    out.push(target);
                }
                if let Some(instance) = types.generic_instance(asm, token) {
                    let key = (
                        instance.handle,
                        ins.opcode,
                        own_body,
                        asm as *const Assembly,
                    );
                    if !expanded.calls.insert(key) {
                        continue;
                    }
                    if ins.opcode == Opcode::Newobj
                        && let Some(ty) = types.constructed_owner(instance.handle)
                    {
                        reached.constructed.push(ty);
                    }
                    let virtual_call = matches!(ins.opcode, Opcode::Callvirt | Opcode::Ldvirtftn);
                    if virtual_call && types.is_generic_virtual(instance.handle) {
                        reached.generic_virtual_calls.push(instance.handle);
                    }
                    if virtual_call && own_body {
                        for ty in types.own_interface_implementors(asm, instance.handle) {
                            out.extend(types.reflected_methods_of_type_instance(ty));
                            reached.constructed.push(ty);
                        }
                    }
                    out.extend(types.methods_of_owner_instance(instance.handle));
                    for companion in types.reflection_companions(instance.handle) {
                        out.extend(types.reflected_methods_of_type_instance(companion));
                    }
                    // A generic virtual call may reach the program's overrides.
                    out.extend(types.generic_virtual_overrides(asm, instance.handle));
                    // An interface call that may reach a vector runs Array's helper.
                    if let Some(helper) = types.array_interface_helper(instance.handle)
                        && let Ok(helper) = types.method_instance_of(helper)
                    {
                        out.push(helper);
                    }
                    out.push(instance);
                }
            }
            Opcode::Box => {
                if let Some(boxed) = types.boxed_type_instance(asm, token)
                    && expanded.boxed.insert(boxed)
                {
                    out.extend(types.methods_of_type_instance(boxed));
                    reached.constructed.push(boxed);
                }
            }
            Opcode::Ldsfld | Opcode::Stsfld | Opcode::Ldsflda => {
                if let Some(owner) = types.static_field_owner_instance(asm, token)
                    && expanded.static_owners.insert(owner)
                {
                    out.extend(types.methods_of_type_instance(owner));
                }
            }
            _ => {}
        }
    }
    reached
}
