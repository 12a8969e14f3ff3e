//! The small icalls of reflection's handle plumbing: `Mono.RuntimeGPtrArrayHandle::
//! GPtrArrayFree` (the member listings' handle arrays), `System.Reflection.MonoMethodInfo`'s
//! `get_parameter_info` (`MethodBase.GetParameters`), `get_method_info` and
//! `get_method_attributes` (return and declaring types, attributes), `get_retval_marshal`
//! (`MethodInfo.ReturnParameter`) and
//! `System.Reflection.RuntimeConstructorInfo::InternalInvoke` (`Activator`, `Invoke`).
//!
//! Depends on: [`crate::state::members`].

/// `GPtrArrayFree(GPtrArray* value)`.
extern "C" fn gptr_array_free(array: u64) {
    crate::state::members::free_gptr_array(array);
}

/// `get_parameter_info(IntPtr handle, MemberInfo member)`.
extern "C" fn get_parameter_info(handle: u64, member: u64) -> u64 {
    crate::state::members::parameter_info(handle, member)
}

/// `get_method_info(IntPtr handle, out MonoMethodInfo info)`.
extern "C" fn get_method_info(handle: u64, info: u64) {
    crate::state::method_queries::method_info(handle, info);
}

/// `get_method_attributes(IntPtr handle)`.
extern "C" fn get_method_attributes(handle: u64) -> i32 {
    crate::state::method_queries::method_attributes(handle)
}

/// `get_retval_marshal(IntPtr handle)`: the return value's `MarshalAs` pseudo-attribute;
/// none here, as for fields (`FieldInfo.get_marshal_info`): FieldMarshal rows matter to
/// P/Invoke marshalling, which reflection does not expose yet.
extern "C" fn get_retval_marshal(_handle: u64) -> u64 {
    0
}

pub(super) fn gptr_array_methods() -> Vec<(&'static str, *const ())> {
    vec![("GPtrArrayFree", gptr_array_free as *const ())]
}

pub(super) fn method_info_methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("get_method_attributes", get_method_attributes as *const ()),
        ("get_method_info", get_method_info as *const ()),
        ("get_parameter_info", get_parameter_info as *const ()),
        ("get_retval_marshal", get_retval_marshal as *const ()),
    ]
}

pub(super) fn constructor_info_methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "InternalInvoke",
            super::runtime_method_info::internal_invoke_constructor as *const (),
        ),
        (
            "get_metadata_token",
            super::runtime_method_info::get_metadata_token as *const (),
        ),
    ]
}
