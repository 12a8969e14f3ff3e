//! `System.Reflection.RuntimeModule`'s icalls (`icall-def.h` `MODULE_*`), which take the
//! module's `_impl` (Mono's `MonoImage*`): `GetGuidInternal` (`Module.ModuleVersionId`),
//! `GetMDStreamVersion`, `GetPEKind`, `InternalGetTypes` (`Module.GetTypes`), `GetGlobalType`,
//! `GetHINSTANCE`, and `get_MetadataToken(Module)`. The module objects themselves are
//! [`crate::state::modules`]'s; `RuntimeTypeHandle.GetModule` and `RuntimeAssembly`'s
//! `GetManifestModuleInternal`/`GetModulesInternal` hand them out.
//!
//! Depends on: [`crate::state::modules`].

use ngen_abi::object::ARRAY_DATA_OFFSET;

/// `void GetGuidInternal (IntPtr module, byte[] guid)`: fills the 16-byte `guid`.
extern "C" fn get_guid_internal(module: u64, guid: u64) {
    let bytes = crate::state::modules::module_guid(module)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Module.ModuleVersionId: {e}")));
    // SAFETY: `guid` is the `byte[16]` RuntimeModule.GetModuleVersionId allocates.
    unsafe {
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (guid + ARRAY_DATA_OFFSET as u64) as *mut u8,
            16,
        );
    }
}

/// `int GetMDStreamVersion (IntPtr module)`.
extern "C" fn get_md_stream_version(module: u64) -> i32 {
    crate::state::modules::module_headers(module)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Module.MDStreamVersion: {e}")))
        .md_stream_version
}

/// `void GetPEKind (IntPtr module, out PortableExecutableKinds peKind, out ImageFileMachine
/// machine)`.
extern "C" fn get_pe_kind(module: u64, pe_kind: *mut i32, machine: *mut i32) {
    let headers = crate::state::modules::module_headers(module)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Module.GetPEKind: {e}")));
    // SAFETY: both are the caller's `out` locals.
    unsafe {
        pe_kind.write(headers.pe_kind);
        machine.write(headers.machine);
    }
}

/// `Type[] InternalGetTypes (IntPtr module)`.
extern "C" fn internal_get_types(module: u64) -> u64 {
    crate::state::modules::types_of_module(module)
}

/// `Type GetGlobalType (IntPtr module)`: the `<Module>` type.
extern "C" fn get_global_type(module: u64) -> u64 {
    crate::state::modules::global_type(module)
}

/// `IntPtr GetHINSTANCE (IntPtr module)`: -1, as Mono answers off Windows.
extern "C" fn get_hinstance(_module: u64) -> u64 {
    u64::MAX
}

/// `int get_MetadataToken (Module module)`: the token the object was made with.
extern "C" fn get_metadata_token(module: u64) -> i32 {
    let offset = crate::state::objects::core_field_offset("Reflection.RuntimeModule", "token")
        .unwrap_or_else(|e| crate::state::fatal(&format!("Module.MetadataToken: {e}")));
    // SAFETY: `module` is a live RuntimeModule, which has the int `token` at `offset`.
    unsafe { ((module + u64::from(offset)) as *const i32).read() }
}

/// `RuntimeTypeHandle.GetModule (RuntimeType type)`.
pub(super) extern "C" fn get_module(type_object: u64) -> u64 {
    crate::state::modules::module_of_type(type_object)
}

/// `RuntimeAssembly.GetManifestModuleInternal ()`.
pub(super) extern "C" fn get_manifest_module_internal(assembly: u64) -> u64 {
    crate::state::modules::manifest_module(assembly)
}

/// `RuntimeAssembly.GetModulesInternal ()`.
pub(super) extern "C" fn get_modules_internal(assembly: u64) -> u64 {
    crate::state::modules::modules_of(assembly)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetGlobalType", get_global_type as *const ()),
        ("GetGuidInternal", get_guid_internal as *const ()),
        ("GetHINSTANCE", get_hinstance as *const ()),
        ("GetMDStreamVersion", get_md_stream_version as *const ()),
        ("GetPEKind", get_pe_kind as *const ()),
        ("InternalGetTypes", internal_get_types as *const ()),
        ("get_MetadataToken", get_metadata_token as *const ()),
    ]
}
