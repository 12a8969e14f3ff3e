//! `System.Reflection.RuntimeAssembly`'s manifest-resource icalls (`icall-def.h`
//! `RASSEM_4`, `RASSEM_5`), listed with the type's other icalls in [`super::assembly`].
//!
//! Depends on: [`crate::state::resources`], [`crate::alloc`] (string contents).

/// `bool GetManifestResourceInfoInternal(string name, ManifestResourceInfo info)` (instance).
pub(super) extern "C" fn get_manifest_resource_info_internal(
    this: u64,
    name: u64,
    info: u64,
) -> i32 {
    let Some(name) = crate::alloc::string_to_rust(name as *const _) else {
        return 0;
    };
    i32::from(info != 0 && crate::state::resources::resource_info(this, &name, info))
}

/// `IntPtr GetManifestResourceInternal(string name, out int size, out Module module)`
/// (instance): the resource's bytes inside the mapped assembly; `module` is left null (the
/// stream only keeps it alive).
pub(super) extern "C" fn get_manifest_resource_internal(
    this: u64,
    name: u64,
    size: *mut i32,
    module: *mut u64,
) -> u64 {
    let found = crate::alloc::string_to_rust(name as *const _)
        .and_then(|name| crate::state::resources::resource_data(this, &name));
    let (data, length) = found.unwrap_or((0, 0));
    // SAFETY: `out` arguments: addresses of a live i32 and a live reference slot.
    unsafe {
        if !size.is_null() {
            size.write(length);
        }
        if !module.is_null() {
            module.write(0);
        }
    }
    data
}
