//! `System.ValueType`'s icalls (`icall-def.h` `VALUET_*`): `InternalEquals`, which the
//! default `Equals` of every struct without an override runs.
//!
//! Depends on: [`crate::state::value_equality`].

/// `InternalEquals(object o1, object o2, out object[] fields)`.
extern "C" fn internal_equals(this: u64, that: u64, fields: u64) -> i32 {
    i32::from(crate::state::value_equality::internal_equals(
        this, that, fields,
    ))
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("InternalEquals", internal_equals as *const ())]
}
