//! `System.ValueType`'s icalls (`icall-def.h` `VALUET_*`): `InternalEquals` and
//! `InternalGetHashCode`, which the default `Equals` and `GetHashCode` of every struct without
//! an override run.
//!
//! Depends on: [`crate::state::value_equality`].

/// `InternalEquals(object o1, object o2, out object[] fields)`.
extern "C" fn internal_equals(this: u64, that: u64, fields: u64) -> i32 {
    i32::from(crate::state::value_equality::internal_equals(
        this, that, fields,
    ))
}

/// `int InternalGetHashCode(object o, out object[] fields)`.
extern "C" fn internal_get_hash_code(this: u64, fields: u64) -> i32 {
    crate::state::value_equality::internal_get_hash_code(this, fields)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("InternalEquals", internal_equals as *const ()),
        ("InternalGetHashCode", internal_get_hash_code as *const ()),
    ]
}
