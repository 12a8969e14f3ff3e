//! `System.Reflection.Assembly`'s, `RuntimeAssembly`'s and `AssemblyName`'s icalls
//! (`icall-def.h` `ASSEM_*`, `RASSEM_*`, `ASSEMN_*`): the executing, calling and entry
//! assemblies, `GetTypes`, `GetType(name)`, `FullName`, `CodeBase`, `Location` and
//! `GetName()`'s native name; `LoadFrom`/`LoadFile` of plugins; `Assembly.Load` by display
//! name (`AppDomain.LoadAssembly`) and `LoadWithPartialName`; `InternalGetAssemblyName`
//! (`AssemblyName.GetAssemblyName(path)`: NUnit reads its test assembly's name so) and
//! `Mono.RuntimeMarshal.FreeAssemblyName`; `InternalGetReferencedAssemblies`
//! (`Assembly.GetReferencedAssemblies()`: NUnit finds its framework among them).
//!
//! Depends on: [`crate::state::assemblies`], [`crate::eh::trace::managed_entry`] (the
//! caller's return address and frame pointer).

use crate::eh::trace::managed_entry;

managed_entry! {
    /// `GetExecutingAssembly()`: the assembly of the calling method.
    fn get_executing_assembly() -> u64 => executing_assembly_from, fp = "rdi", ra = "rsi"
}

extern "C" fn executing_assembly_from(_fp: u64, return_address: u64) -> u64 {
    crate::state::assemblies::assembly_at(return_address)
}

managed_entry! {
    /// `GetCallingAssembly()`: the assembly of the calling method's caller.
    fn get_calling_assembly() -> u64 => calling_assembly_from, fp = "rdi", ra = "rsi"
}

extern "C" fn calling_assembly_from(fp: u64, _return_address: u64) -> u64 {
    // The caller's frame: its saved frame pointer at [fp], its return address at [fp + 8].
    // SAFETY: managed frames keep frame pointers; `fp` is the calling managed frame's.
    let outer = if fp == 0 {
        0
    } else {
        unsafe { ((fp + 8) as *const u64).read() }
    };
    crate::state::assemblies::assembly_at(outer)
}

/// `GetEntryAssembly()`.
extern "C" fn get_entry_assembly() -> u64 {
    crate::state::assemblies::entry_assembly()
}

/// `GetTypes(bool exportedOnly)`.
extern "C" fn get_types(this: u64, exported_only: i32) -> u64 {
    crate::state::assemblies::types_of(this, exported_only != 0)
}

/// `InternalGetType(Module module, string name, bool throwOnError, bool ignoreCase)`.
extern "C" fn internal_get_type(
    this: u64,
    _module: u64,
    name: u64,
    throw: i32,
    ignore_case: i32,
) -> u64 {
    super::runtime_type_handle::type_by_name(name, |name| {
        crate::state::assemblies::type_in_assembly(this, name, throw != 0, ignore_case != 0)
    })
}

/// `LoadFrom(string assemblyFile, bool refOnly, ref StackCrawlMark mark)`.
extern "C" fn load_from(path: u64, _ref_only: i32, _stack_mark: u64) -> u64 {
    load_file_internal(path, _stack_mark)
}

/// `LoadFile_internal(string assemblyFile, ref StackCrawlMark mark)`.
extern "C" fn load_file_internal(path: u64, _stack_mark: u64) -> u64 {
    let Some(path) = crate::alloc::string_to_rust(path as *const ngen_abi::object::StringObject)
    else {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    };
    crate::state::assemblies::load_from(&path).unwrap_or_else(|message| {
        crate::eh::raise::raise("IO.FileNotFoundException", &message);
        0
    })
}

/// The assembly `name` (a managed string holding a display name) binds to, or 0.
fn load_by_name(name: u64) -> u64 {
    let Some(name) = crate::alloc::string_to_rust(name as *const ngen_abi::object::StringObject)
    else {
        return 0;
    };
    crate::state::assemblies::load_by_name(&name)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Assembly.Load: {e}")))
}

/// `AppDomain.LoadAssembly(string assemblyRef, Evidence securityEvidence, bool refOnly,
/// ref StackCrawlMark stackMark)`: `Assembly.Load(string)`. Null when nothing binds, and
/// `AppDomain.Load` raises `FileNotFoundException` ("Could not load the file 'NAME'.").
pub(super) extern "C" fn load_assembly(
    _domain: u64,
    name: u64,
    _evidence: u64,
    _ref_only: i32,
    _stack_mark: u64,
) -> u64 {
    load_by_name(name)
}

/// `Assembly.load_with_partial_name(string name, Evidence e)`: null when nothing binds.
extern "C" fn load_with_partial_name(name: u64, _evidence: u64) -> u64 {
    load_by_name(name)
}

/// `RuntimeAssembly.get_fullname(Assembly a)`.
extern "C" fn get_fullname(assembly: u64) -> u64 {
    let name = crate::state::assemblies::full_name(assembly);
    crate::alloc::string_from_str(&name) as u64
}

/// `RuntimeAssembly.get_code_base(Assembly a, bool escaped)`.
extern "C" fn get_code_base(assembly: u64, _escaped: i32) -> u64 {
    let text = crate::state::assemblies::location(assembly, true);
    crate::alloc::string_from_str(&text) as u64
}

/// `RuntimeAssembly.get_location()`.
extern "C" fn get_location(this: u64) -> u64 {
    let text = crate::state::assemblies::location(this, false);
    crate::alloc::string_from_str(&text) as u64
}

/// `Assembly.InternalGetAssemblyName(string assemblyFile, out MonoAssemblyName aname, out
/// string codebase)`: fills the caller's `MonoAssemblyName` from the file's identity;
/// `FileNotFoundException`, `BadImageFormatException` or `ArgumentException` as Mono raises.
extern "C" fn internal_get_assembly_name(
    path: u64,
    name: *mut [u8; crate::state::assembly_names::NATIVE_NAME_SIZE],
    codebase: *mut u64,
) {
    let Some(path) = crate::alloc::string_to_rust(path as *const ngen_abi::object::StringObject)
    else {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return;
    };
    match crate::state::assembly_names::assembly_file_name(&path) {
        Ok((identity, code_base)) => {
            // SAFETY: `name` is the caller's `out MonoAssemblyName` local (80 bytes) and
            // `codebase` its `out string` local.
            unsafe {
                let parts = crate::state::assembly_names::NameParts::of_identity(&identity);
                crate::state::assembly_names::fill_native_name(&mut *name, &parts);
                codebase.write(crate::alloc::string_from_str(&code_base) as u64);
            }
        }
        Err((class, message)) => crate::eh::raise::raise(class, &message),
    }
}

/// `RuntimeMarshal.FreeAssemblyName(ref MonoAssemblyName name, bool freeStruct)`: nothing to
/// free: the strings a `MonoAssemblyName` points to here are leaked on purpose (the cached
/// names of loaded assemblies share them).
extern "C" fn free_assembly_name(_name: u64, _free_struct: i32) {}

/// `Assembly.InternalGetReferencedAssemblies(Assembly module)`: a `GPtrArray` of
/// `MonoAssemblyName*`.
extern "C" fn internal_get_referenced_assemblies(assembly: u64) -> u64 {
    crate::state::assembly_names::referenced_names(assembly)
}

/// `AssemblyName.GetNativeName(IntPtr assembly)`.
extern "C" fn get_native_name(mono_assembly: u64) -> u64 {
    crate::state::assembly_names::native_name(mono_assembly)
}

pub(super) fn assembly_methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetCallingAssembly", get_calling_assembly as *const ()),
        ("GetEntryAssembly", get_entry_assembly as *const ()),
        ("GetExecutingAssembly", get_executing_assembly as *const ()),
        ("GetTypes", get_types as *const ()),
        (
            "InternalGetAssemblyName",
            internal_get_assembly_name as *const (),
        ),
        (
            "InternalGetReferencedAssemblies",
            internal_get_referenced_assemblies as *const (),
        ),
        ("InternalGetType", internal_get_type as *const ()),
        ("LoadFile_internal", load_file_internal as *const ()),
        ("LoadFrom", load_from as *const ()),
        (
            "load_with_partial_name",
            load_with_partial_name as *const (),
        ),
    ]
}

/// `bool GetAotIdInternal(byte[] aotid)`: the AOT id mono's AOT images carry, which
/// `StackTrace.ToString()` prints once before the first frame when there is one. Mono running
/// from its JIT, the behaviour this runtime reproduces, has none: false, the array untouched.
extern "C" fn get_aot_id_internal(_aotid: u64) -> u32 {
    0
}

pub(super) fn runtime_assembly_methods() -> Vec<(&'static str, *const ())> {
    use super::manifest_resources::*;
    vec![
        ("GetAotIdInternal", get_aot_id_internal as *const ()),
        (
            "GetManifestModuleInternal",
            super::runtime_module::get_manifest_module_internal as *const (),
        ),
        (
            "GetManifestResourceInfoInternal",
            get_manifest_resource_info_internal as *const (),
        ),
        (
            "GetManifestResourceInternal",
            get_manifest_resource_internal as *const (),
        ),
        (
            "GetModulesInternal",
            super::runtime_module::get_modules_internal as *const (),
        ),
        ("get_code_base", get_code_base as *const ()),
        ("get_fullname", get_fullname as *const ()),
        ("get_location", get_location as *const ()),
    ]
}

pub(super) fn assembly_name_methods() -> Vec<(&'static str, *const ())> {
    vec![("GetNativeName", get_native_name as *const ())]
}

pub(super) fn runtime_marshal_methods() -> Vec<(&'static str, *const ())> {
    vec![("FreeAssemblyName", free_assembly_name as *const ())]
}
