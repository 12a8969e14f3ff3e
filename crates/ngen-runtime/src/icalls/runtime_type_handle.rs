//! `System.RuntimeTypeHandle`'s icalls (`icall-def.h` `RTH_*`): `type_is_assignable_from`,
//! which `Type.IsAssignableFrom` reaches (`EqualityComparer<T>.Default` asks whether `T`
//! implements `IEquatable<T>`). Also the one managed method of the core library the runtime
//! provides itself: `RuntimeType.CreateInstanceForAnotherGenericParameter`, whose IL needs
//! reflection (`MakeGenericType`, a constructor's `InternalInvoke`) that this runtime does
//! in one step from the type system instead.
//!
//! Depends on: the runtime's state ([`crate::state::objects`]).

/// `type_is_assignable_from(Type a, Type b)`: `b` assignable to `a` (Mono's
/// `ves_icall_RuntimeTypeHandle_type_is_assignable_from`).
extern "C" fn type_is_assignable_from(a: u64, b: u64) -> i32 {
    i32::from(crate::state::objects::type_object_assignable(a, b))
}

/// `RuntimeType.CreateInstanceForAnotherGenericParameter(Type genericType, RuntimeType arg)`.
extern "C" fn create_instance_for_another_generic_parameter(generic_type: u64, arg: u64) -> u64 {
    crate::state::objects::create_generic_instance(generic_type, arg)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "type_is_assignable_from",
        type_is_assignable_from as *const (),
    )]
}

/// Managed methods of the core library the runtime provides (by Mono's name), before their IL.
pub(super) fn managed_replacements() -> Vec<(&'static str, *const ())> {
    vec![(
        "System.RuntimeType::CreateInstanceForAnotherGenericParameter",
        create_instance_for_another_generic_parameter as *const (),
    )]
}
