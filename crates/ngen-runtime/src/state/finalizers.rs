//! What finalization asks of the runtime's types: the vtable slot of `Object::Finalize`
//! (the same number in every method table) and whether an object's class overrides it.
//!
//! Depends on: the parent module's state, `ngen_compiler::finalizers`.

use std::sync::OnceLock;

use super::{fatal, lock};

/// The slot of `System.Object::Finalize` in every method table.
pub(crate) fn finalize_slot() -> u32 {
    static SLOT: OnceLock<u32> = OnceLock::new();
    *SLOT.get_or_init(|| {
        let rt = lock();
        let slot = rt.types.finalize_slot();
        drop(rt);
        slot.unwrap_or_else(|e| fatal(&format!("finalizers: {e}")))
    })
}

/// Whether `obj`'s class overrides `Finalize` (objects the runtime clones or allocates).
pub(crate) fn has_finalizer(obj: u64) -> bool {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    rt.types.has_finalizer(ty).unwrap_or(false)
}

/// Whether `obj` is a `System.IO.FileStream` (or derived): the console's streams are ones,
/// and at exit their finalizers run after the program's (see `crate::finalization`).
pub(crate) fn is_file_stream(obj: u64) -> bool {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    let Ok(file_stream) = rt.types.type_named("mscorlib", "System.IO", "FileStream") else {
        return false;
    };
    ty == file_stream || rt.types.is_subclass_of(ty, file_stream).unwrap_or(false)
}
