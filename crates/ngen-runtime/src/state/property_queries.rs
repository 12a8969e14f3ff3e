//! Property reflection (`RuntimePropertyInfo`): `GetPropertiesByName_native`
//! (`Type.GetProperties`, `GetProperty`), property objects from handles
//! (`internal_from_handle_type`) and `get_property_info`, which fills the managed
//! `MonoPropertyInfo` (reflected and declaring type, name, accessors, attributes) that
//! `Name`, `PropertyType`, `GetGetMethod` and so `GetValue`/`SetValue` read.
//!
//! Depends on: [`super::handles`], [`super::members`] (method objects, handle arrays),
//! [`super::reflection`]. Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_RuntimeType_GetPropertiesByName_native`,
//! `ves_icall_RuntimePropertyInfo_get_property_info`).

use ngen_abi::object::OBJECT_HEADER_SIZE;
use ngen_compiler::runtime_types::{AbiClass, NameFilter, PropertyKey};

use super::handles::HandleTable;
use super::members::new_gptr_array;
use super::method_queries::c_string;
use super::reflection::{store, with_runtime};

/// Property handles and property objects.
static PROPERTIES: HandleTable<PropertyKey> = HandleTable::new();

/// `PInfo` bits of `get_property_info`'s request.
const ATTRIBUTES: i32 = 1;
const GET_METHOD: i32 = 2;
const SET_METHOD: i32 = 4;
const REFLECTED_TYPE: i32 = 8;
const DECLARING_TYPE: i32 = 16;
const NAME: i32 = 32;

/// `RuntimeType.GetPropertiesByName_native(namePtr, bindingAttr, listType)`.
pub(crate) fn properties_by_name(type_object: u64, name: u64, binding: u32, list_type: u32) -> u64 {
    let filter = NameFilter::new(c_string(name), binding, list_type);
    let properties = with_runtime("Type.GetProperties", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.types.properties_by_name(ty, &filter, binding)
    });
    new_gptr_array(
        properties
            .into_iter()
            .map(|p| PROPERTIES.value(p))
            .collect(),
    )
}

/// The (property, reflected table) a `RuntimePropertyInfo` holds (`klass` 16, `prop` 24).
pub(super) fn property_of_object(info: u64) -> (PropertyKey, u64) {
    // SAFETY: `info` is a live `RuntimePropertyInfo`, whose first two fields are these words.
    let (klass, handle) = unsafe {
        let fields = (info + OBJECT_HEADER_SIZE as u64) as *const u64;
        (fields.read(), fields.add(1).read())
    };
    let key = PROPERTIES
        .key(handle)
        .unwrap_or_else(|| super::fatal("reflection: a property object without a handle"));
    (key, klass)
}

/// `RuntimePropertyInfo.internal_from_handle_type(prop, type)`: the property object
/// reflected from the type whose method table is `type_handle` (0: its declaring type).
pub(crate) fn property_object(handle: u64, type_handle: u64) -> u64 {
    let Some(key) = PROPERTIES.key(handle) else {
        return 0;
    };
    with_runtime("PropertyInfo.GetPropertyFromHandle", |rt| {
        let reflected = match type_handle {
            0 => rt.method_table_of(key.0)?,
            t => t,
        };
        if let Some(obj) = PROPERTIES.object(key, reflected) {
            return Ok(obj);
        }
        let class = rt
            .types
            .type_named("mscorlib", "System.Reflection", "RuntimePropertyInfo")?;
        let obj = rt.new_instance(class)?;
        for (field, value) in [("klass", reflected), ("prop", handle)] {
            let offset = rt.types.field_offset_named(class, field)?;
            store(obj + u64::from(offset), AbiClass::Reference, value);
        }
        crate::gc_roots::root_forever(obj);
        PROPERTIES.set_object(key, reflected, obj);
        Ok(obj)
    })
}

/// `get_property_info(prop, ref info, req)`: fills the requested parts of the managed
/// `MonoPropertyInfo` at `info` (`parent` 0, `declaring_type` 8, `name` 16, `get_method`
/// 24, `set_method` 32, `attrs` 40).
pub(crate) fn property_info(property: u64, info: u64, requested: i32) {
    let (key, reflected) = property_of_object(property);
    with_runtime("PropertyInfo", |rt| {
        let data = rt.types.property_data(key)?;
        let reference = AbiClass::Reference;
        if requested & REFLECTED_TYPE != 0 {
            let ty = rt
                .type_of_table(reflected)
                .ok_or_else(|| "a property object of an unknown type".to_string())?;
            store(info, reference, rt.type_object(ty)?);
        }
        if requested & DECLARING_TYPE != 0 {
            store(info + 8, reference, rt.type_object(key.0)?);
        }
        if requested & NAME != 0 {
            let name = crate::alloc::string_from_str(&data.name) as u64;
            store(info + 16, reference, name);
        }
        for (bit, at, accessor) in [(GET_METHOD, 24, data.getter), (SET_METHOD, 32, data.setter)] {
            if requested & bit != 0 {
                let obj = match accessor {
                    Some(m) => rt.member_object(m, reflected)?,
                    None => 0,
                };
                store(info + at, reference, obj);
            }
        }
        if requested & ATTRIBUTES != 0 {
            let int = AbiClass::Int {
                size: 4,
                signed: true,
            };
            store(info + 40, int, u64::from(data.flags));
        }
        Ok(())
    })
}
