//! `System.MonoCustomAttrs`'s icalls (`icall-def.h` `MCATTR_*`): `IsDefinedInternal`, which
//! `Enum.ToString` reaches for `[Flags]`, and `GetCustomAttributesInternal`, behind
//! `GetCustomAttributes` on types, methods, fields, properties and assemblies. Mono's
//! managed `MonoCustomAttrs` does the rest (inheritance, filtering, `AttributeUsage`).
//!
//! Depends on: [`crate::state::attributes`].

/// `IsDefinedInternal(ICustomAttributeProvider obj, Type attributeType)`.
extern "C" fn is_defined_internal(provider: u64, attribute_type: u64) -> i32 {
    if provider == 0 || attribute_type == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    i32::from(crate::state::attributes::is_defined(
        provider,
        attribute_type,
    ))
}

/// `GetCustomAttributesInternal(ICustomAttributeProvider obj, Type attributeType, bool
/// pseudoAttrs)`: pseudo-attributes are added by the managed caller (`pseudoAttrs` is
/// always false in Mono 6.8's class libraries).
extern "C" fn get_custom_attributes_internal(
    provider: u64,
    attribute_type: u64,
    _pseudo_attrs: i32,
) -> u64 {
    if provider == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    crate::state::attributes::custom_attributes(provider, attribute_type)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "GetCustomAttributesInternal",
            get_custom_attributes_internal as *const (),
        ),
        ("IsDefinedInternal", is_defined_internal as *const ()),
    ]
}
