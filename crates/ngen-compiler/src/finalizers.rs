//! Which classes have finalizers, and where a finalizer sits in a method table.
//!
//! ## Model
//! A class has a finalizer when the method its vtable runs for `System.Object::Finalize` is
//! not `Object`'s own (empty) one: Mono's `mono_class_has_finalizer`
//! (`mono/metadata/class.c`), which decides whether `mono_object_new` registers an instance
//! for finalization. The compiler bakes the answer into `newobj` (bit 1 of the `NewObject`
//! helper's flags), so allocation pays nothing to ask; the runtime calls the finalizer
//! through the object's method table at `Finalize`'s slot, which is the same number for every
//! class (`Object`'s slots come first, `ngen-typesystem`'s `virtuals.rs`).
//!
//! Depends on: [`crate::type_context`] (the type system).

use ngen_typesystem::{TypeHandle, TypeKind, TypeSystem, WellKnownType};

use crate::type_context::TypeContext;

/// `System.Object::Finalize` and its vtable slot.
fn object_finalize(ts: &mut TypeSystem) -> Result<(ngen_typesystem::MethodHandle, u32), String> {
    let object = ts
        .well_known(WellKnownType::Object)
        .map_err(|e| e.to_string())?;
    let methods = ts.methods(object).map_err(|e| e.to_string())?;
    for &m in methods.iter() {
        if ts.method(m).name == "Finalize"
            && ts.method(m).is_virtual()
            && let Some(slot) = ts.slot_of(m).map_err(|e| e.to_string())?
        {
            return Ok((m, slot));
        }
    }
    Err("System.Object has no virtual Finalize".into())
}

/// Whether instances of the class `ty` are registered for finalization.
pub(crate) fn has_finalizer(ts: &mut TypeSystem, ty: TypeHandle) -> Result<bool, String> {
    if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) {
        return Ok(false);
    }
    let (finalize, slot) = object_finalize(ts)?;
    let vtable = ts.vtable(ty).map_err(|e| e.to_string())?;
    Ok(vtable
        .slots
        .get(slot as usize)
        .is_some_and(|s| s.implementation != finalize))
}

impl TypeContext {
    /// The vtable slot of `System.Object::Finalize` (the runtime calls finalizers through it).
    pub fn finalize_slot(&self) -> Result<u32, String> {
        let mut inner = self.lock()?;
        Ok(object_finalize(&mut inner.ts)?.1)
    }

    /// Whether instances of `ty` are registered for finalization (a class overriding
    /// `Finalize`), for objects the runtime allocates or clones itself.
    pub fn has_finalizer(&self, ty: TypeHandle) -> Result<bool, String> {
        let mut inner = self.lock()?;
        has_finalizer(&mut inner.ts, ty)
    }
}
