//! `System.RuntimeTypeHandle`'s icalls (`icall-def.h` `RTH_*`) that arrays need:
//! `GetAttributes` (`Type.IsInterface`, ...), `GetCorElementType` (`Type.IsPointer`, ...),
//! `is_subclass_of` (`Type.IsValueType`), `type_is_assignable_from` and
//! `GetElementType`, which `Array.GetValue(int)`, `Array.Copy`'s element-wise path and the
//! non-generic array enumerator reach through `Type.GetElementType()`.
//!
//! Depends on: [`crate::state::arrays`].

/// `GetElementType(RuntimeType type)`: the element type of an array type, null for other
/// types (Mono also answers for pointer and by-ref types, which have no type objects here).
extern "C" fn get_element_type(type_object: u64) -> u64 {
    if type_object == 0 {
        return 0;
    }
    crate::state::arrays::element_type_object(type_object)
        .unwrap_or_else(|e| crate::state::fatal(&format!("RuntimeTypeHandle.GetElementType: {e}")))
}

/// `GetCorElementType(RuntimeType type)`: Mono's `MonoTypeEnum` of the type.
extern "C" fn get_cor_element_type(type_object: u64) -> i32 {
    crate::state::arrays::cor_element_type(type_object)
        .map(i32::from)
        .unwrap_or_else(|e| {
            crate::state::fatal(&format!("RuntimeTypeHandle.GetCorElementType: {e}"))
        })
}

/// `IsGenericVariable(RuntimeType type)`: whether it is a generic parameter (`!0`, `!!0`).
extern "C" fn is_generic_variable(type_object: u64) -> i32 {
    i32::from(matches!(get_cor_element_type(type_object), 0x13 | 0x1e))
}

/// `HasInstantiation(RuntimeType type)`: whether it is generic.
extern "C" fn has_instantiation(type_object: u64) -> i32 {
    crate::state::arrays::has_instantiation(type_object)
        .map(i32::from)
        .unwrap_or_else(|e| {
            crate::state::fatal(&format!("RuntimeTypeHandle.HasInstantiation: {e}"))
        })
}

/// `GetAttributes(RuntimeType type)`: its `TypeAttributes`.
extern "C" fn get_attributes(type_object: u64) -> i32 {
    crate::state::arrays::type_attributes(type_object)
        .map(|flags| flags as i32)
        .unwrap_or_else(|e| crate::state::fatal(&format!("RuntimeTypeHandle.GetAttributes: {e}")))
}

/// `type_is_assignable_from(Type a, Type b)`: whether `b` is assignable to `a`.
extern "C" fn type_is_assignable_from(a: u64, b: u64) -> i32 {
    if a == 0 || b == 0 {
        return 0;
    }
    crate::state::arrays::type_objects_assignable(a, b)
        .map(i32::from)
        .unwrap_or_else(|e| {
            crate::state::fatal(&format!("RuntimeTypeHandle.type_is_assignable_from: {e}"))
        })
}

/// `is_subclass_of(IntPtr child, IntPtr base)` with the types' `_impl` values (their method
/// tables here): whether `base` is a proper ancestor class of `child`
/// (`mono_class_is_subclass_of_internal` without interfaces; not reflexive). A method table's
/// first word is its parent's.
extern "C" fn is_subclass_of(child: u64, base: u64) -> i32 {
    if child == 0 || base == 0 || child == base {
        return 0;
    }
    let mut table = child;
    while table != 0 {
        // SAFETY: method tables the runtime built start with their parent's table (or 0).
        table = unsafe { (table as *const u64).read() };
        if table == base {
            return 1;
        }
    }
    0
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetAttributes", get_attributes as *const ()),
        ("GetCorElementType", get_cor_element_type as *const ()),
        ("GetElementType", get_element_type as *const ()),
        ("HasInstantiation", has_instantiation as *const ()),
        ("IsGenericVariable", is_generic_variable as *const ()),
        ("is_subclass_of", is_subclass_of as *const ()),
        (
            "type_is_assignable_from",
            type_is_assignable_from as *const (),
        ),
    ]
}
