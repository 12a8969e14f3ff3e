//! `System.RuntimeType`'s icalls (`icall-def.h` `RT_*`): `getFullName`, which
//! `RuntimeType.ToString()` (and so `Object.ToString()`) calls; `get_Name` and
//! `get_Namespace` (`typeof(T).Name`).

/// `getFullName(bool full_name, bool assembly_qualified)`: Mono's reflection name of the
/// type (`Namespace.Outer+Inner`, ``List`1[System.Int32]``). Assembly-qualified names are not
/// produced yet: the plain full name is returned.
extern "C" fn get_full_name(this: u64, _full_name: i32, _assembly_qualified: i32) -> u64 {
    let name = crate::state::objects::type_object_name(this);
    ngen_corlib::objects::string_from_str(&name) as u64
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

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("getFullName", get_full_name as *const ()),
        ("get_Name", get_name as *const ()),
        ("get_Namespace", get_namespace as *const ()),
    ]
}
