//! `System.Reflection.RuntimeFieldInfo`'s icalls (`icall-def.h` `MFIELD_*`) and
//! `System.Reflection.FieldInfo::internal_from_handle_type`: field objects from handles,
//! their types, and `FieldInfo.GetValue`/`SetValue`.
//!
//! Depends on: [`crate::state::field_queries`].

/// `FieldInfo.internal_from_handle_type(IntPtr field_handle, IntPtr type_handle)`.
extern "C" fn internal_from_handle_type(field: u64, type_handle: u64) -> u64 {
    crate::state::field_queries::field_object(field, type_handle)
}

/// `GetValueInternal(object obj)`.
extern "C" fn get_value_internal(this: u64, obj: u64) -> u64 {
    crate::state::field_queries::get_value(this, obj)
}

/// `SetValueInternal(FieldInfo fi, object obj, object value)` (static).
extern "C" fn set_value_internal(field: u64, obj: u64, value: u64) {
    crate::state::field_queries::set_value(field, obj, value);
}

/// `ResolveType()`.
extern "C" fn resolve_type(this: u64) -> u64 {
    crate::state::field_queries::field_type(this)
}

/// `GetParentType(bool declaring)`.
extern "C" fn get_parent_type(this: u64, declaring: i32) -> u64 {
    crate::state::field_queries::parent_type(this, declaring != 0)
}

/// `FieldInfo.get_marshal_info()`: the field's `MarshalAs` pseudo-attribute; none here
/// (FieldMarshal rows matter to P/Invoke marshalling, which reflection does not expose yet).
extern "C" fn get_marshal_info(_this: u64) -> u64 {
    0
}

pub(super) fn field_info_methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("get_marshal_info", get_marshal_info as *const ()),
        (
            "internal_from_handle_type",
            internal_from_handle_type as *const (),
        ),
    ]
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetParentType", get_parent_type as *const ()),
        ("GetValueInternal", get_value_internal as *const ()),
        ("ResolveType", resolve_type as *const ()),
        ("SetValueInternal", set_value_internal as *const ()),
        ("UnsafeGetValue", get_value_internal as *const ()),
    ]
}
