//! Canonical shared code: one body per (generic MethodDef of the compiled assembly, canonical
//! form) that serves every instantiation of that form (mono's and crossgen2's `__Canon`
//! sharing, and their partial sharing of instantiations mixing value types).
//!
//! ## Model
//! An instantiation's **canonical form** replaces every reference-type argument by
//! `System.Object` and keeps value types exact, recursively inside generic value-type
//! arguments (`TypeContext::canonical_form`: `Pair<string,int>` becomes `Pair<Object,int>`,
//! the same layout, since every reference field is a pointer). Every image compiles each of
//! its generic MethodDefs in the form over `System.Object` alone
//! (`TypeContext::canonical_context`), which serves every instantiation over reference types;
//! a framework image also compiles each form mixing value and reference types that its own
//! instances reach ([`discover`]; an application's image keeps its exact instances, so such
//! forms would serve nothing there). The body is translated in the form's context, so
//! signatures, layouts and field offsets are those of every instantiation of the form.
//! Everything that depends on the exact instantiation goes through the **dictionary**: a
//! hidden last parameter pointing at an array of import cells the runtime makes per exact
//! instance, slot `i` a copy of the body's `i`-th cell key (in key order) resolving in the
//! exact instance's generic context. Every cell of the body is a dictionary slot (correct
//! first: a string literal's slot is filled once per instantiation too); calls never go
//! direct, nothing is inlined, casts always ask the `IsInstance` helper and `constrained.`
//! calls never bind to an override found in the canonical context ([`super::plan::AotEnv`] in
//! shared mode: a value-type argument's override is then the constrained cell's, resolved for
//! the exact type). Callers never pass the dictionary: the runtime hands out an instantiating
//! stub that loads it into the parameter's register and jumps to this code.
//!
//! A framework image compiles no exact instance that shared code serves: of its own generics
//! in any form it compiles, and of another framework assembly's over reference types alone;
//! nor one of another framework assembly's generics that that assembly's image holds, exactly
//! or in a mixed form (`held.rs`) ([`drop_served_instances`]). The runtime prefers an exact
//! instance, where one exists, over shared code.
//!
//! ## Invariants
//! The dictionary must travel in a register (the stub cannot push it), so a method whose
//! integer arguments already fill the six SysV registers has no shared code. Sorted by (rid,
//! form context), the form over `System.Object` first; a mixed form's context is a header
//! context after the instances' (in name order), so images stay deterministic.
//!
//! Depends on: [`crate::method`] (generic definitions, the cell scan), [`crate::type_context`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ngen_abi::image::CellKey;
use ngen_metadata::{Assembly, TableId};
use ngen_typesystem::GenericContext;

use super::held::HeldInstances;
use super::instances::{ContextNames, ImageContext, ImageInstances};
use super::select::HeldLookup;
use crate::type_context::TypeContext;
use crate::types::{MachineType, MethodShape};

/// SysV x86-64 passes the first six integer arguments in registers.
const INTEGER_ARGUMENT_REGISTERS: usize = 6;

/// One generic MethodDef to compile as shared code, in one canonical form.
pub(crate) struct SharedMethod {
    pub rid: u32,
    /// Its canonical instantiation.
    pub generics: GenericContext,
    /// The header context naming that form (1-based in the image's contexts), or 0 for the
    /// form over `System.Object` alone, which serves every instantiation over reference types.
    pub context: u32,
    /// The cells its body uses, sorted: slot `i` of its dictionary is `keys[i]`.
    pub keys: Arc<[CellKey]>,
}

/// The shared code an image compiles, and which of its instance contexts each serves.
pub(crate) struct SharedPlan {
    /// In (rid, context) order.
    pub methods: Vec<SharedMethod>,
    /// Per instance context (index `n - 1` for context `n`): the form serving its instances
    /// of the image's own generics (0: the all-reference form), `None` when no form does.
    pub form_of: Vec<Option<u32>>,
}

/// The generic MethodDefs of `asm` with an IL body, each with its canonical context over
/// `System.Object` and dictionary keys, then, in a framework image, each canonical form mixing
/// reference and value types that the image's own instances reach ([`TypeContext::canonical_form`];
/// `Pair<Object,int>` for `Pair<string,int>`), whose contexts are added to `instances`.
pub(crate) fn discover(
    asm: &Assembly,
    types: &TypeContext,
    instances: &mut ImageInstances,
) -> SharedPlan {
    let mut keys_of: BTreeMap<u32, Arc<[CellKey]>> = BTreeMap::new();
    let mut keys = |rid: u32| -> Arc<[CellKey]> {
        keys_of
            .entry(rid)
            .or_insert_with(|| {
                let mut keys = crate::method::referenced_tokens(asm, rid);
                keys.sort();
                keys.dedup();
                keys.into()
            })
            .clone()
    };
    let mut methods: Vec<SharedMethod> = (1..=asm.row_count(TableId::MethodDef))
        .filter(|&rid| crate::method::is_generic_definition(asm, rid))
        .filter(|&rid| matches!(asm.method_body(rid), Ok(Some(_))))
        .filter_map(|rid| {
            let generics = types.canonical_context(asm, rid).ok()?;
            Some(SharedMethod {
                rid,
                generics,
                context: 0,
                keys: keys(rid),
            })
        })
        .collect();
    let form_of = partial_forms(asm, types, instances);
    let mut partial: BTreeSet<(u32, u32)> = BTreeSet::new();
    for &(rid, context) in &instances.instances {
        if let Some(Some(form)) = form_of.get(context as usize - 1)
            && *form != 0
        {
            partial.insert((rid, *form));
        }
    }
    methods.extend(partial.into_iter().map(|(rid, context)| SharedMethod {
        rid,
        generics: instances.context(context).generics.clone(),
        context,
        keys: keys(rid),
    }));
    methods.sort_by_key(|m| (m.rid, m.context));
    SharedPlan { methods, form_of }
}

/// The canonical form of each own instance context of `instances` (see [`SharedPlan`]),
/// adding a context for each form mixing value and reference types that is not one already
/// (after the scan's, in name order). Forms mixing value types only in a framework image: an
/// application's image keeps its exact instances, so they would serve nothing.
fn partial_forms(
    asm: &Assembly,
    types: &TypeContext,
    instances: &mut ImageInstances,
) -> Vec<Option<u32>> {
    let framework = is_framework(asm);
    let mut by_names: BTreeMap<ContextNames, u32> = instances
        .contexts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.names.clone(), i as u32 + 1))
        .collect();
    let mut forms: Vec<Form> = Vec::with_capacity(instances.contexts.len());
    let mut new_forms: BTreeMap<ContextNames, GenericContext> = BTreeMap::new();
    for c in &instances.contexts {
        let form = if !c.own {
            Form::None
        } else if types.all_reference_types(&c.generics) {
            Form::AllReference
        } else if !framework {
            Form::None
        } else {
            types
                .canonical_form(&c.generics)
                .and_then(|form| {
                    let (type_args, method_args, _) = types.serialize_context(&form).ok()?;
                    let names = (String::new(), type_args, method_args);
                    if !by_names.contains_key(&names) {
                        new_forms.entry(names.clone()).or_insert(form);
                    }
                    Some(Form::Mixed(names))
                })
                .unwrap_or(Form::None)
        };
        forms.push(form);
    }
    let own_assembly = instances
        .contexts
        .iter()
        .find(|c| c.own)
        .map(|c| c.assembly.clone());
    if let Some(assembly) = own_assembly {
        for (names, generics) in new_forms {
            instances.contexts.push(ImageContext {
                names: names.clone(),
                generics,
                assembly: assembly.clone(),
                own: true,
            });
            by_names.insert(names, instances.contexts.len() as u32);
        }
    }
    forms
        .into_iter()
        .map(|form| match form {
            Form::None => None,
            Form::AllReference => Some(0),
            Form::Mixed(names) => by_names.get(&names).copied(),
        })
        .collect()
}

/// Which shared code serves an instance context, while the contexts are being added.
enum Form {
    None,
    AllReference,
    Mixed(ContextNames),
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
pub(super) fn is_framework(asm: &Assembly) -> bool {
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

/// What [`drop_served_instances`] removed.
#[derive(Default)]
pub(crate) struct Dropped {
    /// Exact instances removed, in all.
    pub served: usize,
    /// Of those, instances of another framework assembly's generics that its own image holds
    /// exactly or in a mixed canonical form (`held.rs`).
    pub held_elsewhere: usize,
}

/// In a framework image, removes from `instances` the exact instances that shared code or
/// another framework image serves: the runtime serves an instance from any loaded image's exact
/// code, else from the shared code of its MethodDef's image through a dictionary
/// (`ngen-runtime`'s `state/shared_code.rs`), as mono and crossgen2 share them, so compiling
/// them again exactly would only cost compile time and image size, which is what the
/// framework's build spends most on. That is an instance of the compiled assembly's own generic
/// whose (MethodDef, canonical form) is in `own_served` (this image declares its shared code:
/// [`SharedPlan::form_of`] names the form); an instance over reference types of another
/// framework assembly's generic that has shared code there (`List<string>` in System's image:
/// mscorlib's image serves it); or any other instance of another framework assembly's generic
/// that `held` says its image holds exactly or in a mixed canonical form (System.Core's
/// `List<int>`: mscorlib's image holds it, as mono's `add_generic_instances` leaves it to
/// mscorlib's image). An application's image keeps all its exact instances: they are faster
/// than shared code (no dictionary loads), the framework may have no images, and a frame of
/// exact code names its instance as mono does (`StackFrame.GetMethod()`; shared code's frames
/// name the definition). The scan that found the removed instances still reached what they
/// call, so instances with value types they lead to and the other image lacks stay.
pub(crate) fn drop_served_instances(
    asm: &Assembly,
    instances: &mut ImageInstances,
    form_of: &[Option<u32>],
    own_served: &BTreeSet<(u32, u32)>,
    types: &TypeContext,
    held: &HeldLookup<'_>,
) -> Dropped {
    let before = instances.instances.len();
    if !is_framework(asm) {
        return Dropped::default();
    }
    let ImageInstances {
        contexts,
        instances: list,
    } = instances;
    // One answer per foreign context (most hold many instances), and per foreign MethodDef.
    let foreign: Vec<Option<ForeignContext>> = contexts
        .iter()
        .map(|c| {
            if c.own || !is_framework(&c.assembly) {
                return None;
            }
            let all_reference = types.all_reference_types(&c.generics);
            let form = if all_reference {
                None
            } else {
                types
                    .canonical_form(&c.generics)
                    .and_then(|form| types.serialize_context(&form).ok())
                    .map(|(type_args, method_args, _)| (type_args, method_args))
            };
            Some(ForeignContext {
                all_reference,
                form,
            })
        })
        .collect();
    let mut held_by: BTreeMap<String, Option<Arc<HeldInstances>>> = BTreeMap::new();
    let mut foreign_served: BTreeMap<(String, u32), bool> = BTreeMap::new();
    let mut held_elsewhere = 0;
    list.retain(|&(rid, context)| {
        let index = context as usize - 1;
        let c = &contexts[index];
        if c.own {
            return !form_of
                .get(index)
                .copied()
                .flatten()
                .is_some_and(|form| own_served.contains(&(rid, form)));
        }
        let Some(f) = &foreign[index] else {
            return true;
        };
        let home = &c.names.0;
        if f.all_reference
            && *foreign_served
                .entry((home.clone(), rid))
                .or_insert_with(|| has_shared_code(&c.assembly, rid, types))
        {
            return false;
        }
        let Some(image) = held_by.entry(home.clone()).or_insert_with(|| held(home)) else {
            return true;
        };
        let served = image.holds_exactly(rid, &c.names)
            || f.form
                .as_ref()
                .is_some_and(|(t, m)| image.holds_form(rid, t, m));
        held_elsewhere += usize::from(served);
        !served
    });
    Dropped {
        served: before - list.len(),
        held_elsewhere,
    }
}

/// What [`drop_served_instances`] asks once per context of another framework assembly.
struct ForeignContext {
    all_reference: bool,
    /// Its mixed canonical form's serialized arguments, when it has value types and a form
    /// shares them with reference types.
    form: Option<(Vec<String>, Vec<String>)>,
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
