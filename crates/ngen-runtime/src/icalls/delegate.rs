//! `System.Delegate`'s icalls (`icall-def.h` `DELEGATE_*`): `AllocDelegateLike_internal`,
//! which `MulticastDelegate.CombineImpl` (mscorlib's IL) uses to make the combined delegate.
//! Mono also sets the new delegate's `invoke_impl` trampoline; compiled `Invoke` walks
//! `delegates` itself (the translator's `delegates.rs`), so the fields stay zero here.

/// `AllocDelegateLike_internal(Delegate)`: a zeroed instance of the delegate's own class
/// (`ves_icall_System_Delegate_AllocDelegateLike_internal`, `mono/metadata/icall.c`).
extern "C" fn alloc_delegate_like(delegate: u64) -> u64 {
    let (size, has_references) = match crate::state::objects::instance_shape(delegate) {
        Ok(shape) => shape,
        Err(e) => crate::state::fatal(&format!("System.Delegate::AllocDelegateLike_internal: {e}")),
    };
    let fresh = crate::helpers::alloc_instance(size as usize, has_references);
    // SAFETY: `delegate` is a live object whose first word is its method table, and `fresh` a
    // zeroed block of at least the header's size: only the method table is copied.
    unsafe {
        fresh.cast::<u64>().write((delegate as *const u64).read());
    }
    fresh as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "AllocDelegateLike_internal",
        alloc_delegate_like as *const (),
    )]
}
