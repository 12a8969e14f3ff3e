//! `System.Delegate`'s icalls (`icall-def.h` `DELEGATE_*`): `AllocDelegateLike_internal`,
//! which `MulticastDelegate.CombineImpl` (mscorlib's IL) uses to make the combined delegate,
//! and `CreateDelegate_internal` (`Delegate.CreateDelegate`, reflection's delegates).
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

/// `CreateDelegate_internal(Type type, object target, MethodInfo info, bool
/// throwOnBindFailure)` (static): see [`crate::state::reflected_delegates`].
extern "C" fn create_delegate_internal(
    type_object: u64,
    target: u64,
    info: u64,
    _throw_on_bind_failure: i32,
) -> u64 {
    if type_object == 0 || info == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    crate::state::reflected_delegates::create_delegate(type_object, target, info)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "AllocDelegateLike_internal",
            alloc_delegate_like as *const (),
        ),
        (
            "CreateDelegate_internal",
            create_delegate_internal as *const (),
        ),
    ]
}
