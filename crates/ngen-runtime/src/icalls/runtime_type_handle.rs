//! `System.RuntimeTypeHandle`'s icalls (`icall-def.h` `RTH_*`): `type_is_assignable_from`,
//! which `Type.IsAssignableFrom` reaches (`EqualityComparer<T>.Default` asks whether `T`
//! implements `IEquatable<T>`), `HasInstantiation` and `IsGenericTypeDefinition`
//! (`Type.IsGenericType`), `GetBaseType` (`Type.BaseType`, `RuntimeType.IsSubclassOf`), `is_subclass_of` (`Type.IsSubclassOf`, `Type.IsValueType`);
//! `GetAttributes` (`Type.IsInterface`, ...), `GetCorElementType` (`Type.IsPointer`, ...) and
//! `GetElementType`, which `Array.GetValue(int)`, `Array.Copy`'s element-wise path and the
//! non-generic array enumerator reach through `Type.GetElementType()`. Also the one managed
//! method of the core library the runtime provides itself:
//! `RuntimeType.CreateInstanceForAnotherGenericParameter`, whose IL needs reflection
//! (`MakeGenericType`, a constructor's `InternalInvoke`) that this runtime does in one step
//! from the type system instead.
//!
//! Depends on: the runtime's state ([`crate::state::objects`], [`crate::state::arrays`]).

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

/// `GetGenericParameterInfo(RuntimeType type)`: a generic parameter's
/// `MonoGenericParamInfo` (attributes, constraints).
extern "C" fn get_generic_parameter_info(type_object: u64) -> u64 {
    crate::state::generic_params::info(type_object)
}

/// `GetAttributes(RuntimeType type)`: its `TypeAttributes`.
extern "C" fn get_attributes(type_object: u64) -> i32 {
    crate::state::arrays::type_attributes(type_object)
        .map(|flags| flags as i32)
        .unwrap_or_else(|e| crate::state::fatal(&format!("RuntimeTypeHandle.GetAttributes: {e}")))
}

/// `GetBaseType(RuntimeType type)`: `Type.BaseType` (null for `Object` and interfaces).
extern "C" fn get_base_type(type_object: u64) -> u64 {
    if type_object == 0 {
        return 0;
    }
    crate::state::objects::base_type_object(type_object)
}

/// `type_is_assignable_from(Type a, Type b)`: `b` assignable to `a` (Mono's
/// `ves_icall_RuntimeTypeHandle_type_is_assignable_from`).
extern "C" fn type_is_assignable_from(a: u64, b: u64) -> i32 {
    if a == 0 || b == 0 {
        return 0;
    }
    i32::from(crate::state::objects::type_object_assignable(a, b))
}

/// `RuntimeType.CreateInstanceForAnotherGenericParameter(Type genericType, RuntimeType arg)`.
extern "C" fn create_instance_for_another_generic_parameter(generic_type: u64, arg: u64) -> u64 {
    crate::state::objects::create_generic_instance(generic_type, arg)
}

/// `HasInstantiation(RuntimeType)`: a generic instance or a generic type definition.
extern "C" fn has_instantiation(ty: u64) -> i32 {
    let (instance, definition) = crate::state::objects::type_object_generic_shape(ty);
    i32::from(instance || definition)
}

/// `IsGenericTypeDefinition(RuntimeType)`.
extern "C" fn is_generic_type_definition(ty: u64) -> i32 {
    i32::from(crate::state::objects::type_object_generic_shape(ty).1)
}

/// `is_subclass_of(IntPtr child, IntPtr base)`: the types' handle values (`_impl.Value`).
extern "C" fn is_subclass_of(child: u64, base: u64) -> i32 {
    i32::from(crate::state::objects::table_is_subclass_of(child, base))
}

/// `GetAssembly(RuntimeType type)`.
extern "C" fn get_assembly(type_object: u64) -> u64 {
    crate::state::assemblies::assembly_of_type(type_object)
}

/// `HasReferences(RuntimeType type)`: whether instances (a value type's value) hold
/// references (`RuntimeHelpers.IsReferenceOrContainsReferences<T>`).
extern "C" fn has_references(type_object: u64) -> i32 {
    i32::from(crate::state::type_objects::has_references(type_object))
}

/// `GetArrayRank(RuntimeType type)`.
extern "C" fn get_array_rank(type_object: u64) -> i32 {
    crate::state::type_objects::array_rank(type_object)
}

/// `GetGenericTypeDefinition_impl(RuntimeType type)`.
extern "C" fn get_generic_type_definition(type_object: u64) -> u64 {
    crate::state::type_objects::generic_definition(type_object)
}

/// `IsInstanceOfType(RuntimeType type, object o)`.
extern "C" fn is_instance_of_type(type_object: u64, obj: u64) -> i32 {
    i32::from(crate::state::type_objects::is_instance_of_type(
        type_object,
        obj,
    ))
}

/// `internal_from_name(string name, ref StackCrawlMark mark, Assembly callerAssembly, bool
/// throwOnError, bool ignoreCase, bool reflectionOnly)`: `Type.GetType(name)`.
extern "C" fn internal_from_name(
    name: u64,
    stack_mark: u64,
    _caller_assembly: u64,
    throw_on_error: i32,
    ignore_case: i32,
    _reflection_only: i32,
) -> u64 {
    type_by_name(name, |name| {
        crate::state::type_objects::type_from_name(
            name,
            stack_mark,
            throw_on_error != 0,
            ignore_case != 0,
        )
    })
}

/// Looks the managed string `name` up with `find`: `ArgumentNullException` for a null name,
/// `TypeLoadException` with `find`'s message when it fails.
pub(super) fn type_by_name(name: u64, find: impl FnOnce(&str) -> Result<u64, String>) -> u64 {
    let Some(name) = crate::alloc::string_to_rust(name as *const ngen_abi::object::StringObject)
    else {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    };
    find(&name).unwrap_or_else(|message| {
        crate::eh::raise::raise("TypeLoadException", &message);
        0
    })
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetArrayRank", get_array_rank as *const ()),
        ("GetAssembly", get_assembly as *const ()),
        ("GetAttributes", get_attributes as *const ()),
        ("GetBaseType", get_base_type as *const ()),
        ("GetCorElementType", get_cor_element_type as *const ()),
        ("GetElementType", get_element_type as *const ()),
        (
            "GetGenericParameterInfo",
            get_generic_parameter_info as *const (),
        ),
        (
            "GetGenericTypeDefinition_impl",
            get_generic_type_definition as *const (),
        ),
        ("GetModule", super::runtime_module::get_module as *const ()),
        ("HasInstantiation", has_instantiation as *const ()),
        ("HasReferences", has_references as *const ()),
        (
            "IsGenericTypeDefinition",
            is_generic_type_definition as *const (),
        ),
        ("IsGenericVariable", is_generic_variable as *const ()),
        ("IsInstanceOfType", is_instance_of_type as *const ()),
        ("internal_from_name", internal_from_name as *const ()),
        ("is_subclass_of", is_subclass_of as *const ()),
        (
            "type_is_assignable_from",
            type_is_assignable_from as *const (),
        ),
    ]
}
/// Managed methods of the core library the runtime provides (by Mono's name), before their IL.
pub(super) fn managed_replacements() -> Vec<(&'static str, *const ())> {
    vec![(
        "System.RuntimeType::CreateInstanceForAnotherGenericParameter",
        create_instance_for_another_generic_parameter as *const (),
    )]
}
