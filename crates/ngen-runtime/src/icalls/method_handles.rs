//! The small icalls of reflection's handle plumbing: `Mono.RuntimeGPtrArrayHandle::
//! GPtrArrayFree` (the member listings' handle arrays), `System.Reflection.MonoMethodInfo::
//! get_parameter_info` (`MethodBase.GetParameters`, `GetParametersCount`) and
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

pub(super) fn gptr_array_methods() -> Vec<(&'static str, *const ())> {
    vec![("GPtrArrayFree", gptr_array_free as *const ())]
}

pub(super) fn method_info_methods() -> Vec<(&'static str, *const ())> {
    vec![("get_parameter_info", get_parameter_info as *const ())]
}

pub(super) fn constructor_info_methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "InternalInvoke",
        super::runtime_method_info::internal_invoke as *const (),
    )]
}
