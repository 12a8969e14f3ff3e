//! Assemblies by reflection (`System.Reflection.RuntimeAssembly`): one object per loaded
//! assembly (`GetExecutingAssembly`, `GetCallingAssembly`, `GetEntryAssembly`,
//! `Type.Assembly`), its types (`GetTypes`, `GetType(name)`), its names (`FullName`,
//! `GetName()` through Mono's native `MonoAssemblyName` ([`super::assembly_names`]),
//! `CodeBase`, `Location`), the domain's list (`AppDomain.GetAssemblies`); loading
//! by path (`LoadFrom`) and by display name (`Assembly.Load`, [`load_by_name`]).
//!
//! ## Model
//! `RuntimeAssembly._mono_assembly` (Mono's `MonoAssembly*`) holds the runtime's assembly
//! index plus one, so an object finds its assembly again.
//!
//! Depends on: the parent module's state (loaded assemblies, the binder), [`super::reflection`],
//! [`crate::code_map`] (which assembly a return address is in).
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_System_Reflection_Assembly_GetTypes`,
//! `ves_icall_System_Reflection_AssemblyName_GetNativeName`), `mono/metadata/metadata-internals.h`
//! (`MonoAssemblyName`).

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_compiler::runtime_types::AbiClass;
use ngen_metadata::TableId;

use super::reflection::{load, store, with_runtime};
use super::{Runtime, lock};
use crate::log;

/// `RuntimeAssembly` objects by assembly index.
static OBJECTS: Mutex<Option<HashMap<usize, u64>>> = Mutex::new(None);

impl Runtime {
    /// The `RuntimeAssembly` of assembly `id`.
    pub(super) fn assembly_object(&mut self, id: usize) -> Result<u64, String> {
        let mut objects = OBJECTS.lock().unwrap_or_else(|p| p.into_inner());
        let objects = objects.get_or_insert_with(HashMap::new);
        if let Some(&obj) = objects.get(&id) {
            return Ok(obj);
        }
        let class = self
            .types
            .type_named("mscorlib", "System.Reflection", "RuntimeAssembly")?;
        let obj = self.new_instance(class)?;
        let offset = self.types.field_offset_named(class, "_mono_assembly")?;
        store(obj + u64::from(offset), AbiClass::Reference, id as u64 + 1);
        crate::gc_roots::root_forever(obj);
        objects.insert(id, obj);
        Ok(obj)
    }

    /// The index of the assembly defining the type a type object describes (an array's
    /// element's, an instance's definition's).
    pub(super) fn assembly_defining(&mut self, type_object: u64) -> Result<usize, String> {
        let ty = self.type_of_type_object(type_object)?;
        let name = self.types.defining_assembly(ty)?;
        self.assembly_named(0, &name)
    }

    /// The assembly index a `RuntimeAssembly` object stands for.
    pub(super) fn assembly_of_object(&mut self, obj: u64) -> Result<usize, String> {
        let class = self
            .types
            .type_named("mscorlib", "System.Reflection", "RuntimeAssembly")?;
        let offset = self.types.field_offset_named(class, "_mono_assembly")?;
        let value = load(obj + u64::from(offset), AbiClass::Reference);
        value
            .checked_sub(1)
            .filter(|id| (*id as usize) < self.assemblies.len())
            .map(|id| id as usize)
            .ok_or_else(|| "an assembly object this runtime did not make".to_string())
    }
}

/// The assembly object of the managed code at `return_address` (`GetExecutingAssembly`);
/// the program's when the code is unknown.
pub(crate) fn assembly_at(return_address: u64) -> u64 {
    let id = crate::code_map::lookup(return_address, |range| range.asm).unwrap_or(0);
    with_runtime("Assembly.GetExecutingAssembly", |rt| rt.assembly_object(id))
}

/// The program's file, as an absolute path (Mono's `image->name` of the entry assembly).
pub(crate) fn entry_assembly_path() -> std::path::PathBuf {
    with_runtime("the program's path", |rt| {
        std::path::absolute(&rt.assemblies[0].path).map_err(|e| e.to_string())
    })
}

/// The program's assembly object (`Assembly.GetEntryAssembly`).
pub(crate) fn entry_assembly() -> u64 {
    with_runtime("Assembly.GetEntryAssembly", |rt| rt.assembly_object(0))
}

/// `Assembly.GetTypes(exportedOnly)`: every type the assembly defines (nested ones too, not
/// `<Module>`) in TypeDef order; only the publicly visible ones when `exported_only`.
pub(crate) fn types_of(assembly: u64, exported_only: bool) -> u64 {
    with_runtime("Assembly.GetTypes", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        let name = rt.assemblies[id].name.clone();
        let md = &rt.assemblies[id].metadata;
        let count = md.row_count(TableId::TypeDef);
        let mut rids = Vec::new();
        for rid in 2..=count {
            if !exported_only || is_visible(md, rid)? {
                rids.push(rid);
            }
        }
        let mut types = Vec::with_capacity(rids.len());
        for rid in rids {
            types.push(rt.types.type_def_in(&name, rid)?);
        }
        rt.type_array("Type", types)
    })
}

/// `AppDomain.GetAssemblies(refOnly)`: an `Assembly[]` of every assembly loaded so far, in
/// load order, as mono's `get_assembly_array_from_domain` lists the domain's. This runtime
/// makes no reflection-only loads, so `refOnly` lists none.
pub(crate) fn loaded_assemblies(ref_only: bool) -> u64 {
    with_runtime("AppDomain.GetAssemblies", |rt| {
        let class = rt
            .types
            .type_named("mscorlib", "System.Reflection", "Assembly")?;
        let count = if ref_only { 0 } else { rt.assemblies.len() };
        let array = rt.new_vector(class, count)?;
        for id in 0..count {
            let obj = rt.assembly_object(id)?;
            let slot = array + ngen_abi::object::ARRAY_DATA_OFFSET as u64 + 8 * id as u64;
            store(slot, AbiClass::Reference, obj);
        }
        Ok(array)
    })
}

/// Whether TypeDef `rid` is public and so are all its enclosing types.
fn is_visible(md: &ngen_metadata::Assembly, mut rid: u32) -> Result<bool, String> {
    loop {
        let flags = md.type_def(rid).map_err(|e| e.to_string())?.flags;
        let visibility = flags & 7;
        match md.enclosing_type(rid).map_err(|e| e.to_string())? {
            None => return Ok(visibility == 1),
            // Nested public.
            Some(outer) if visibility == 2 => rid = outer,
            Some(_) => return Ok(false),
        }
    }
}

/// `Assembly.InternalGetType(module, name, throwOnError, ignoreCase)`: the type `name`
/// names in this assembly, 0 when there is none (`Err` for `TypeLoadException`).
pub(crate) fn type_in_assembly(
    assembly: u64,
    name: &str,
    throw: bool,
    ignore_case: bool,
) -> Result<u64, String> {
    let mut rt = lock();
    let found = rt.assembly_of_object(assembly).and_then(|id| {
        let defaults = vec![rt.assemblies[id].name.clone()];
        let ty = rt.types.resolve_type_name(name, &defaults, ignore_case)?;
        Ok((id, ty))
    });
    match found {
        Ok((_, Some(ty))) => rt.type_object(ty),
        Ok((id, None)) if throw => {
            let display = rt.assemblies[id]
                .metadata
                .identity()
                .map(|i| i.display_name())
                .unwrap_or_default();
            Err(format!(
                "Could not load type '{name}' from assembly '{display}'."
            ))
        }
        Ok(_) => Ok(0),
        Err(e) if throw => Err(e),
        Err(_) => Ok(0),
    }
}

/// `RuntimeAssembly.get_fullname`: the display name.
pub(crate) fn full_name(assembly: u64) -> String {
    with_runtime("Assembly.FullName", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        let identity = rt.assemblies[id]
            .metadata
            .identity()
            .map_err(|e| e.to_string())?;
        Ok(identity.display_name())
    })
}

/// `RuntimeAssembly.get_code_base` (`file://` and the absolute path) and `get_location`.
pub(crate) fn location(assembly: u64, code_base: bool) -> String {
    with_runtime("Assembly.Location", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        let path = std::path::absolute(&rt.assemblies[id].path).map_err(|e| e.to_string())?;
        let path = path.to_string_lossy().into_owned();
        Ok(if code_base {
            format!("file://{path}")
        } else {
            path
        })
    })
}

/// `RuntimeTypeHandle.GetAssembly(type)`: the assembly defining the type (an array's
/// element's, an instance's definition's).
pub(crate) fn assembly_of_type(type_object: u64) -> u64 {
    with_runtime("Type.Assembly", |rt| {
        let id = rt.assembly_defining(type_object)?;
        rt.assembly_object(id)
    })
}

/// `Assembly.LoadFrom(path)` and `LoadFile`: loads the assembly at `path` (once; a plugin
/// outside the program's closure included), its native image attached when an image
/// directory has a valid one (else its methods are JIT-compiled), and returns its object;
/// `Err` with `FileNotFoundException`'s message when it cannot be loaded.
pub(crate) fn load_from(path: &str) -> Result<u64, String> {
    let mut rt = lock();
    let file = std::path::Path::new(path);
    let id = rt.load(file).map_err(|_| {
        format!("Could not load file or assembly '{path}' or one of its dependencies.")
    })?;
    rt.assembly_object(id).map_err(|e| {
        drop(rt);
        super::fatal(&format!("Assembly.LoadFrom: {e}"))
    })
}

/// `AppDomain.LoadAssembly` (`Assembly.Load(string)`) and `Assembly.LoadWithPartialName`: the
/// assembly the display name `display` binds to, as Mono's `mono_assembly_request_byname`
/// finds it: an assembly already loaded that the name matches; else the binder's probing for a
/// reference of the program (for a strong name the GAC and the framework directory, then the
/// config's codeBase, the AppBase and its `privatePath`s); else, for a name without a public
/// key token, the framework directory (mono's default assembly path, where
/// `Assembly.Load("System.Xml")` finds System.Xml). `Ok(0)` when nothing binds or the name
/// does not parse: the caller's managed code raises `FileNotFoundException`, as mono's corlib
/// does. Loaded assemblies get their native image when one is found, as `LoadFrom`'s do.
pub(crate) fn load_by_name(display: &str) -> Result<u64, String> {
    let Ok(wanted) = ngen_binder::AssemblyName::parse(display) else {
        log::binding(|| format!("Assembly.Load(\"{display}\"): not a display name"));
        return Ok(0);
    };
    let mut rt = lock();
    if let Some(id) = rt
        .assemblies
        .iter()
        .position(|a| wanted.matches(&a.identity))
    {
        return rt.assembly_object(id);
    }
    let root = rt.binder.root().identity.clone();
    let path = match rt.binder.bind(&wanted, &root) {
        Ok(binding) => Some(binding.path),
        Err(error) => {
            log::binding(|| format!("Assembly.Load(\"{display}\"): {error}"));
            if wanted.public_key_token.is_none() {
                ngen_binder::probe::framework_candidates(rt.binder.framework_dir(), &wanted.name)
                    .into_iter()
                    .find(|path| ngen_binder::probe::existing(path))
            } else {
                None
            }
        }
    };
    let Some(path) = path else {
        return Ok(0);
    };
    log::binding(|| format!("Assembly.Load(\"{display}\"): {}", path.display()));
    match rt.load(&path) {
        Ok(id) if wanted.matches(&rt.assemblies[id].identity) => rt.assembly_object(id),
        // A file of that name that is not the assembly asked for, or not an assembly.
        _ => Ok(0),
    }
}
