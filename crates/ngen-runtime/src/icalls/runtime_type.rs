//! `System.RuntimeType`'s icalls (`icall-def.h` `RT_*`): `getFullName`, which
//! `RuntimeType.ToString()` (and so `Object.ToString()`) calls; `get_Name` and
//! `get_Namespace` (`typeof(T).Name`); `MakeGenericType` and `GetConstructors_native`
//! (`Activator`, `CreateInstanceForAnotherGenericParameter`, `Type.GetConstructors`); a
//! generic parameter's `GetGenericParameterPosition` and `get_DeclaringMethod`.

/// `getFullName(bool full_name, bool assembly_qualified)`: Mono's name of the type in the
/// reflection format (`Namespace.Outer+Inner`, ``List`1[System.Int32]``), the full-name
/// format (generic arguments assembly-qualified) or the assembly-qualified format; null for
/// a generic parameter's full names.
extern "C" fn get_full_name(this: u64, full_name: i32, assembly_qualified: i32) -> u64 {
    use ngen_compiler::runtime_types::NameFormat;
    let format = match (full_name != 0, assembly_qualified != 0) {
        (_, true) => NameFormat::AssemblyQualified,
        (true, false) => NameFormat::FullName,
        (false, false) => NameFormat::Reflection,
    };
    match crate::state::reflection::type_object_formatted_name(this, format) {
        Some(name) => crate::alloc::string_from_str(&name) as u64,
        None => 0,
    }
}

/// `GetGenericParameterPosition()`.
extern "C" fn get_generic_parameter_position(this: u64) -> i32 {
    crate::state::generic_params::position(this)
}

/// `get_DeclaringMethod()`: the generic method owning a method's generic parameter.
extern "C" fn get_declaring_method(this: u64) -> u64 {
    crate::state::generic_params::declaring_method(this)
}

/// `GetGenericArgumentsInternal(bool runtimeArray)`: the type arguments of a generic
/// instance, the parameters of a definition, an empty array otherwise; a `RuntimeType[]`
/// when `runtimeArray`, else a `Type[]`.
extern "C" fn get_generic_arguments_internal(this: u64, runtime_array: i32) -> u64 {
    crate::state::reflection::generic_arguments(this, runtime_array != 0)
}

/// `get_Name`: the type's own name (``List`1``, `Int32[]`), as `ves_icall_RuntimeType_get_Name`.
extern "C" fn get_name(this: u64) -> u64 {
    let (name, _) = crate::state::objects::type_object_simple_name(this);
    crate::alloc::string_from_str(&name) as u64
}

/// `get_Namespace`: the type's namespace (`System.Collections.Generic`).
extern "C" fn get_namespace(this: u64) -> u64 {
    let (_, namespace) = crate::state::objects::type_object_simple_name(this);
    crate::alloc::string_from_str(&namespace) as u64
}

/// `MakeGenericType(Type gt, Type[] types)` (static).
extern "C" fn make_generic_type(definition: u64, arguments: u64) -> u64 {
    if definition == 0 || arguments == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    crate::state::members::make_generic_type(definition, arguments)
}

/// `GetConstructors_native(BindingFlags bindingAttr)`: a handle array (Mono's `GPtrArray`).
extern "C" fn get_constructors_native(this: u64, binding_flags: i32) -> u64 {
    crate::state::members::constructors(this, binding_flags as u32)
}

/// `get_DeclaringType`: the enclosing type of a nested type.
extern "C" fn get_declaring_type(this: u64) -> u64 {
    crate::state::type_objects::declaring_type(this)
}

/// `GetTypeCodeImplInternal(Type type)` (static).
extern "C" fn get_type_code_impl_internal(type_object: u64) -> i32 {
    crate::state::type_objects::type_code(type_object)
}

/// `make_array_type(int rank)`: rank 0 is a vector.
extern "C" fn make_array_type(this: u64, rank: i32) -> u64 {
    use ngen_compiler::runtime_types::TypeShape;
    let shape = match rank {
        0 => TypeShape::Vector,
        r => TypeShape::Array(r as u32),
    };
    crate::state::type_objects::derived_type(this, shape)
}

/// `make_byref_type()`.
extern "C" fn make_byref_type(this: u64) -> u64 {
    crate::state::type_objects::derived_type(this, ngen_compiler::runtime_types::TypeShape::ByRef)
}

/// `MakePointerType(Type type)` (static).
extern "C" fn make_pointer_type(type_object: u64) -> u64 {
    crate::state::type_objects::derived_type(
        type_object,
        ngen_compiler::runtime_types::TypeShape::Pointer,
    )
}

/// `GetInterfaces()`.
extern "C" fn get_interfaces(this: u64) -> u64 {
    crate::state::type_objects::interfaces(this)
}

/// `GetMethodsByName_native(IntPtr namePtr, BindingFlags bindingAttr, MemberListType
/// listType)`: a handle array.
extern "C" fn get_methods_by_name_native(
    this: u64,
    name: u64,
    binding: i32,
    list_type: i32,
) -> u64 {
    crate::state::method_queries::methods_by_name(this, name, binding as u32, list_type as u32)
}

/// `GetFields_native(IntPtr name, BindingFlags bindingAttr, MemberListType listType)`.
extern "C" fn get_fields_native(this: u64, name: u64, binding: i32, list_type: i32) -> u64 {
    crate::state::field_queries::fields_by_name(this, name, binding as u32, list_type as u32)
}

/// `GetPropertiesByName_native(IntPtr name, BindingFlags bindingAttr, MemberListType
/// listType)`.
extern "C" fn get_properties_by_name_native(
    this: u64,
    name: u64,
    binding: i32,
    list_type: i32,
) -> u64 {
    crate::state::property_queries::properties_by_name(this, name, binding as u32, list_type as u32)
}

/// `CreateInstanceInternal(Type type)` (static): a zeroed instance, no constructor run.
extern "C" fn create_instance_internal(type_object: u64) -> u64 {
    crate::state::method_queries::create_instance_internal(type_object)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "CreateInstanceInternal",
            create_instance_internal as *const (),
        ),
        (
            "GetConstructors_native",
            get_constructors_native as *const (),
        ),
        ("GetFields_native", get_fields_native as *const ()),
        (
            "GetGenericArgumentsInternal",
            get_generic_arguments_internal as *const (),
        ),
        (
            "GetGenericParameterPosition",
            get_generic_parameter_position as *const (),
        ),
        ("GetInterfaces", get_interfaces as *const ()),
        (
            "GetMethodsByName_native",
            get_methods_by_name_native as *const (),
        ),
        (
            "GetPropertiesByName_native",
            get_properties_by_name_native as *const (),
        ),
        (
            "GetTypeCodeImplInternal",
            get_type_code_impl_internal as *const (),
        ),
        ("MakeGenericType", make_generic_type as *const ()),
        ("MakePointerType", make_pointer_type as *const ()),
        ("getFullName", get_full_name as *const ()),
        ("get_Name", get_name as *const ()),
        ("get_DeclaringMethod", get_declaring_method as *const ()),
        ("get_DeclaringType", get_declaring_type as *const ()),
        ("get_Namespace", get_namespace as *const ()),
        ("make_array_type", make_array_type as *const ()),
        ("make_byref_type", make_byref_type as *const ()),
    ]
}
