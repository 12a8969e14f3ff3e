//! `System.Environment`'s icalls (`icall-def.h` `ENV_*`).

/// `get_Platform`: the `PlatformID` Mono reports on Linux, `Unix` (4), which `Console`'s
/// static constructor and `Environment.OSVersion` test.
extern "C" fn get_platform() -> i32 {
    4
}

/// `string internalGetEnvironmentVariable_native(IntPtr utf8_name)`: the variable's value
/// (as UTF-8, invalid bytes replaced), or null when it is not set.
extern "C" fn get_environment_variable_native(utf8_name: u64) -> u64 {
    if utf8_name == 0 {
        return 0;
    }
    // SAFETY: mscorlib passes a NUL-terminated string from SafeStringMarshal.StringToUtf8.
    let name = unsafe { std::ffi::CStr::from_ptr(utf8_name as *const libc::c_char) };
    let name = std::ffi::OsStr::new(std::str::from_utf8(name.to_bytes()).unwrap_or(""));
    use std::os::unix::ffi::OsStrExt;
    match std::env::var_os(name) {
        Some(value) if !name.is_empty() => {
            ngen_corlib::objects::string_from_str(&String::from_utf8_lossy(value.as_bytes())) as u64
        }
        _ => 0,
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("get_Platform", get_platform as *const ()),
        (
            "internalGetEnvironmentVariable_native",
            get_environment_variable_native as *const (),
        ),
    ]
}
