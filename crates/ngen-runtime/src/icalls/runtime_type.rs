//! `System.RuntimeType`'s icalls (`icall-def.h` `RT_*`): `getFullName`, which
//! `RuntimeType.ToString()` (and so `Object.ToString()`) calls; `get_Name` and
//! `get_Namespace` (`typeof(T).Name`); `MakeGenericType` and `GetConstructors_native`
//! (`Activator`, `CreateInstanceForAnotherGenericParameter`, `Type.GetConstructors`).

/// `getFullName(bool full_name, bool assembly_qualified)`: Mono's name of the type in the
/// reflection format (`Namespace.Outer+Inner`, ``List`1[System.Int32]``), the full-name
/// format (generic arguments assembly-qualified) or the assembly-qualified format.
extern "C" fn get_full_name(this: u64, full_name: i32, assembly_qualified: i32) -> u64 {
    use ngen_compiler::runtime_types::NameFormat;
    let format = match (full_name != 0, assembly_qualified != 0) {
        (_, true) => NameFormat::AssemblyQualified,
        (true, false) => NameFormat::FullName,
        (false, false) => NameFormat::Reflection,
    };
    let name = crate::state::reflection::type_object_formatted_name(this, format);
    ngen_corlib::objects::string_from_str(&name) as u64
}

/// `GetGenericArgumentsInternal(bool runtimeArray)`: the type arguments of a generic
/// instance, the parameters of a definition, an empty array otherwise.
extern "C" fn get_generic_arguments_internal(this: u64, _runtime_array: i32) -> u64 {
    crate::state::reflection::generic_arguments(this)
}

/// `get_Name`: the type's own name (``List`1``, `Int32[]`), as `ves_icall_RuntimeType_get_Name`.
extern "C" fn get_name(this: u64) -> u64 {
    let (name, _) = crate::state::objects::type_object_simple_name(this);
    ngen_corlib::objects::string_from_str(&name) as u64
}

/// `get_Namespace`: the type's namespace (`System.Collections.Generic`).
extern "C" fn get_namespace(this: u64) -> u64 {
    let (_, namespace) = crate::state::objects::type_object_simple_name(this);
    ngen_corlib::objects::string_from_str(&namespace) as u64
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

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "GetConstructors_native",
            get_constructors_native as *const (),
        ),
        (
            "GetGenericArgumentsInternal",
            get_generic_arguments_internal as *const (),
        ),
        ("MakeGenericType", make_generic_type as *const ()),
        ("getFullName", get_full_name as *const ()),
        ("get_Name", get_name as *const ()),
        ("get_Namespace", get_namespace as *const ()),
    ]
}
