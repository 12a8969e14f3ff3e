//! Which generic code an image compiles: the instances its code reaches ([`super::instances`]),
//! the canonical shared code of its generics ([`super::shared`]), less the exact instances that
//! shared code or another framework image serves ([`super::shared::drop_served_instances`]).
//! One function for the image's own compilation and for [`super::held`], which asks the same
//! question of another framework assembly, so the two cannot disagree.
//!
//! Depends on: [`super::instances`], [`super::shared`], [`crate::type_context`].

use std::collections::BTreeSet;
use std::sync::Arc;

use ngen_metadata::Assembly;

use super::held::HeldInstances;
use super::instances::{self, ImageInstances};
use super::shared::{self, SharedMethod, dictionary_register};
use crate::type_context::TypeContext;
use crate::types::MethodShape;

/// What the image of an assembly holds of its own generics, by the assembly's simple name
/// (lowercase), when it is a framework assembly whose image is built with this one.
pub(crate) type HeldLookup<'a> = dyn Fn(&str) -> Option<Arc<HeldInstances>> + 'a;

/// The generic code of one image.
pub(crate) struct Selection {
    pub instances: ImageInstances,
    /// Shared code in (rid, context) order, and each one's signature (its canonical
    /// instance's), or why it has none (`Err`: no function is declared).
    pub shared: Vec<SharedMethod>,
    pub shared_shapes: Vec<Result<MethodShape, String>>,
    /// Per instance of `instances`, whether its instantiated signature is supported (else it
    /// gets no function and the JIT compiles it).
    pub instance_declarable: Vec<bool>,
    /// Exact instances dropped because shared code or another image serves them.
    pub served: usize,
    /// Of those, instances of another framework assembly's generics its image holds exactly
    /// or in a mixed canonical form ([`super::held`]).
    pub held_elsewhere: usize,
}

/// Selects the generic code of `asm`'s image (see the module documentation); `held` answers
/// for the framework assemblies whose generics its code instantiates.
pub(crate) fn select_instances(
    asm: &Assembly,
    types: &TypeContext,
    held: &HeldLookup<'_>,
) -> Selection {
    if shared::is_framework(asm) {
        // Worked out before this image's own scan, so mscorlib's type system is freed before
        // this one grows and its memory is reused (asked during the drop, after the scan, it
        // raised the compile's peak RSS by about 6 MB).
        let _ = held(super::held::ASKED);
    }
    let mut instances = instances::discover(asm, types);
    let shared::SharedPlan {
        methods: shared,
        form_of,
    } = shared::discover(asm, types, &mut instances);
    let shared_shapes: Vec<Result<MethodShape, String>> = shared
        .iter()
        .map(|method| shared_shape(asm, types, method))
        .collect();
    let with_shared_code: BTreeSet<(u32, u32)> = shared
        .iter()
        .zip(&shared_shapes)
        .filter(|(_, shape)| shape.is_ok())
        .map(|(m, _)| (m.rid, m.context))
        .collect();
    let dropped = shared::drop_served_instances(
        asm,
        &mut instances,
        &form_of,
        &with_shared_code,
        types,
        held,
    );
    let instance_declarable = instances
        .instances
        .iter()
        .map(|&(rid, context)| {
            let c = instances.context(context);
            types
                .in_context(c.generics.clone())
                .instance_method_shape(&c.assembly, rid)
                .is_ok()
        })
        .collect();
    Selection {
        instances,
        shared,
        shared_shapes,
        instance_declarable,
        served: dropped.served,
        held_elsewhere: dropped.held_elsewhere,
    }
}

/// The signature of `method`'s shared code (without the dictionary), or why it has none: its
/// canonical instance's signature must be supported and leave an integer register for the
/// dictionary.
fn shared_shape(
    asm: &Assembly,
    types: &TypeContext,
    method: &SharedMethod,
) -> Result<MethodShape, String> {
    let (shape, _) = types
        .in_context(method.generics.clone())
        .instance_method_shape(asm, method.rid)
        .map_err(|reason| format!("shared code: {reason}"))?;
    dictionary_register(&shape)?;
    Ok(shape)
}
