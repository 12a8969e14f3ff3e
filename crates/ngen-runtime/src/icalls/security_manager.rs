//! `System.Security.SecurityManager`'s icalls (`icall-def.h` `SECMAN_*`): Mono's CAS
//! security is off unless `--security` is given, which `RuntimeAssembly.GetName` and
//! `CodeBase` ask before disclosing file paths.

/// `get_SecurityEnabled`: false, as `mono` without `--security`.
extern "C" fn get_security_enabled() -> i32 {
    0
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("get_SecurityEnabled", get_security_enabled as *const ())]
}
