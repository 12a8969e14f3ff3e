//! Modules by reflection (`System.Reflection.RuntimeModule`): one object per loaded assembly's
//! manifest module (`Type.Module`, `Assembly.ManifestModule`, `Assembly.GetModules()`), with
//! the names, token, version id, PE kind and types Mono's icalls give it. dnlib's assembly
//! resolver reads `typeof(object).Module.FullyQualifiedName` to find Mono's prefix.
//!
//! ## Model
//! Mono's `MonoReflectionModule` (`RuntimeModule`'s fields, in `object-internals.h` order):
//! `_impl` (Mono's `MonoImage*`; here the assembly index plus one, as `RuntimeAssembly.
//! _mono_assembly` holds it), `assembly`, `fqname` (the file's absolute path), `name` (its file
//! name), `scopename` (the Module table's name), `is_resource` (false), `token` (Module row 1:
//! `0x00000001`). The fields are filled when the object is made, as Mono's
//! `module_object_construct` fills them, and the object is made once per assembly and rooted
//! for the life of the process, so `typeof(object).Module == typeof(string).Module`. Only
//! manifest modules: multi-file assemblies (File table rows) get no objects for their other
//! files.
//!
//! Depends on: the parent module's state (loaded assemblies, type objects),
//! [`super::assemblies`] (assembly objects), [`super::reflection`].
//! Citations: Mono 6.8 `mono/metadata/reflection.c` (`module_object_construct`),
//! `mono/metadata/icall.c` (`ves_icall_System_Reflection_RuntimeModule_*`,
//! `ves_icall_RuntimeTypeHandle_GetModule`).

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_abi::object::ARRAY_DATA_OFFSET;
use ngen_compiler::runtime_types::AbiClass;
use ngen_metadata::TableId;

use super::Runtime;
use super::reflection::{store, with_runtime};

/// `RuntimeModule` objects by assembly index.
static OBJECTS: Mutex<Option<HashMap<usize, u64>>> = Mutex::new(None);

/// Mono's metadata token of a manifest module (Module table, row 1).
const MANIFEST_MODULE_TOKEN: u64 = 0x0000_0001;

impl Runtime {
    /// The `RuntimeModule` of assembly `id`'s manifest module.
    pub(super) fn module_object(&mut self, id: usize) -> Result<u64, String> {
        let mut objects = OBJECTS.lock().unwrap_or_else(|p| p.into_inner());
        let objects = objects.get_or_insert_with(HashMap::new);
        if let Some(&obj) = objects.get(&id) {
            return Ok(obj);
        }
        let asm = self
            .assemblies
            .get(id)
            .ok_or_else(|| format!("no assembly {id}"))?;
        let path = std::path::absolute(&asm.path).map_err(|e| e.to_string())?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let full_path = path.to_string_lossy().into_owned();
        let scope_name = asm
            .metadata
            .module(1)
            .map_err(|e| e.to_string())?
            .name
            .to_string();
        let class = self
            .types
            .type_named("mscorlib", "System.Reflection", "RuntimeModule")?;
        let obj = self.new_instance(class)?;
        // Rooted before anything else is allocated, so the strings below have a live holder.
        crate::gc_roots::root_forever(obj);
        objects.insert(id, obj);
        let assembly = self.assembly_object(id)?;
        let set = |rt: &mut Runtime, field: &str, abi: AbiClass, bits: u64| {
            let offset = rt.types.field_offset_named(class, field)?;
            store(obj + u64::from(offset), abi, bits);
            Ok::<(), String>(())
        };
        set(self, "_impl", AbiClass::Reference, id as u64 + 1)?;
        set(self, "assembly", AbiClass::Reference, assembly)?;
        for (field, text) in [
            ("fqname", &full_path),
            ("name", &file_name),
            ("scopename", &scope_name),
        ] {
            let string = crate::alloc::string_from_str(text) as u64;
            set(self, field, AbiClass::Reference, string)?;
        }
        let int = AbiClass::Int {
            size: 4,
            signed: true,
        };
        set(self, "token", int, MANIFEST_MODULE_TOKEN)?;
        Ok(obj)
    }

    /// The assembly index a `RuntimeModule._impl` value stands for.
    fn assembly_of_module_handle(&self, handle: u64) -> Result<usize, String> {
        handle
            .checked_sub(1)
            .map(|id| id as usize)
            .filter(|id| *id < self.assemblies.len())
            .ok_or_else(|| "a module handle this runtime did not make".to_string())
    }
}

/// `RuntimeTypeHandle.GetModule(type)`: the module defining the type (an array's element's,
/// an instance's definition's).
pub(crate) fn module_of_type(type_object: u64) -> u64 {
    with_runtime("Type.Module", |rt| {
        let id = rt.assembly_defining(type_object)?;
        rt.module_object(id)
    })
}

/// `RuntimeAssembly.GetManifestModuleInternal(assembly)`.
pub(crate) fn manifest_module(assembly: u64) -> u64 {
    with_runtime("Assembly.ManifestModule", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        rt.module_object(id)
    })
}

/// `RuntimeAssembly.GetModulesInternal(assembly)`: a `Module[]` of the manifest module.
pub(crate) fn modules_of(assembly: u64) -> u64 {
    with_runtime("Assembly.GetModules", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        let module = rt.module_object(id)?;
        let element = rt
            .types
            .type_named("mscorlib", "System.Reflection", "Module")?;
        let array = rt.new_vector(element, 1)?;
        store(
            array + ARRAY_DATA_OFFSET as u64,
            AbiClass::Reference,
            module,
        );
        Ok(array)
    })
}

/// `RuntimeModule.InternalGetTypes(_impl)`: every type the module defines, as
/// `Assembly.GetTypes()` lists them.
pub(crate) fn types_of_module(handle: u64) -> u64 {
    let assembly = with_runtime("Module.GetTypes", |rt| {
        let id = rt.assembly_of_module_handle(handle)?;
        rt.assembly_object(id)
    });
    super::assemblies::types_of(assembly, false)
}

/// `RuntimeModule.GetGuidInternal(_impl, guid)`: the first GUID of the `#GUID` heap (the
/// module version id), as Mono copies it.
pub(crate) fn module_guid(handle: u64) -> Result<[u8; 16], String> {
    let rt = super::lock();
    let id = rt.assembly_of_module_handle(handle)?;
    rt.assemblies[id]
        .metadata
        .guid(1)
        .map_err(|e| e.to_string())
}

/// What Mono's module icalls read from the file's headers: the metadata root's version as
/// `MDStreamVersion` (`major << 16 | minor`), the CLI flags' `ILONLY` and `32BITREQUIRED` bits
/// as the PE kind, and the PE machine.
pub(crate) struct ModuleHeaders {
    pub md_stream_version: i32,
    pub pe_kind: i32,
    pub machine: i32,
}

/// The [`ModuleHeaders`] of the module `_impl` stands for.
pub(crate) fn module_headers(handle: u64) -> Result<ModuleHeaders, String> {
    let rt = super::lock();
    let id = rt.assembly_of_module_handle(handle)?;
    let md = &rt.assemblies[id].metadata;
    let (major, minor) = md.metadata_root_version();
    Ok(ModuleHeaders {
        md_stream_version: (i32::from(major) << 16) | i32::from(minor),
        pe_kind: (md.cli_header().flags & 0x3) as i32,
        machine: i32::from(md.pe_machine()),
    })
}

/// `RuntimeModule.GetGlobalType(_impl)`: the `<Module>` type (TypeDef row 1).
pub(crate) fn global_type(handle: u64) -> u64 {
    with_runtime("Module.GetGlobalType", |rt| {
        let id = rt.assembly_of_module_handle(handle)?;
        if rt.assemblies[id].metadata.row_count(TableId::TypeDef) == 0 {
            return Ok(0);
        }
        let name = rt.assemblies[id].name.clone();
        let ty = rt.types.type_def_in(&name, 1)?;
        rt.type_object(ty)
    })
}
