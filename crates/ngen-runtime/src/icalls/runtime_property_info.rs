//! `System.Reflection.RuntimePropertyInfo`'s icalls (`icall-def.h` `MPROP_*`): property
//! objects from handles and `get_property_info`, from which the managed class answers
//! `Name`, `PropertyType`, `GetGetMethod`/`GetSetMethod` and so `GetValue`/`SetValue`.
//!
//! Depends on: [`crate::state::property_queries`].

/// `internal_from_handle_type(IntPtr prop, IntPtr type_handle)` (static).
extern "C" fn internal_from_handle_type(property: u64, type_handle: u64) -> u64 {
    crate::state::property_queries::property_object(property, type_handle)
}

/// `get_property_info(RuntimePropertyInfo prop, ref MonoPropertyInfo info, PInfo req_info)`.
extern "C" fn get_property_info(property: u64, info: u64, requested: i32) {
    crate::state::property_queries::property_info(property, info, requested);
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("get_property_info", get_property_info as *const ()),
        (
            "internal_from_handle_type",
            internal_from_handle_type as *const (),
        ),
    ]
}
