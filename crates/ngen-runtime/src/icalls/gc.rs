//! `System.GC`'s icalls (`icall-def.h` `GC_*`).
//!
//! Finalizers do not run yet (issue 7), so registering or suppressing one has nothing to
//! change: `_SuppressFinalize` and `_ReRegisterForFinalize` only check their argument, as
//! Mono's do before they touch the finalization queue.

/// `_SuppressFinalize(object obj)` / `_ReRegisterForFinalize(object obj)`: `obj` must not be
/// null (`ArgumentNullException`).
extern "C" fn finalizer_registration(obj: u64) {
    if obj == 0 {
        crate::eh::raise::raise(
            "ArgumentNullException",
            "Value cannot be null.\nParameter name: obj",
        );
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "_ReRegisterForFinalize",
            finalizer_registration as *const (),
        ),
        ("_SuppressFinalize", finalizer_registration as *const ()),
    ]
}
