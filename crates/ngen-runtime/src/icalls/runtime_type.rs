//! `System.RuntimeType`'s icalls (`icall-def.h` `RT_*`): `getFullName`, which
//! `RuntimeType.ToString()` (and so `Object.ToString()`) calls.

/// `getFullName(bool full_name, bool assembly_qualified)`: Mono's reflection name of the
/// type (`Namespace.Outer+Inner`, ``List`1[System.Int32]``). Assembly-qualified names are not
/// produced yet: the plain full name is returned.
extern "C" fn get_full_name(this: u64, _full_name: i32, _assembly_qualified: i32) -> u64 {
    let name = crate::state::objects::type_object_name(this);
    ngen_corlib::objects::string_from_str(&name) as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("getFullName", get_full_name as *const ())]
}
