//! The icalls mono's managed reflection uses to read a generic parameter's constraints out of
//! its `MonoGenericParamInfo` ([`crate::state::generic_params`]): `Mono.RuntimeClassHandle::
//! GetTypeFromClass` (a constraint's `MonoClass*` to its `MonoType*`, here both the method
//! table a type object describes) and `System.Type::internal_from_handle`
//! (`Type.GetTypeFromHandle` of that value).

/// `RuntimeClassHandle.GetTypeFromClass(MonoClass* klass)`: the class's type, which is the
/// same method table here.
extern "C" fn get_type_from_class(klass: u64) -> u64 {
    klass
}

/// `Type.internal_from_handle(IntPtr handle)`: the type object of the type whose method table
/// is `handle`.
extern "C" fn internal_from_handle(handle: u64) -> u64 {
    crate::state::generic_params::type_from_handle(handle)
}

pub(super) fn class_handle_methods() -> Vec<(&'static str, *const ())> {
    vec![("GetTypeFromClass", get_type_from_class as *const ())]
}

pub(super) fn type_methods() -> Vec<(&'static str, *const ())> {
    vec![("internal_from_handle", internal_from_handle as *const ())]
}
