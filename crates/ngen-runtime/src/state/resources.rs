//! An assembly's manifest resources (`RuntimeAssembly.GetManifestResourceInfoInternal` and
//! `GetManifestResourceInternal`): embedded resources of the assembly's own file, found by
//! name in its ManifestResource table and addressed inside the mapped file (the CLI header's
//! resources directory: a `u32` length, then the bytes). mscorlib's `CharUnicodeInfo` and
//! `CompareInfo` read their tables (`charinfo.nlp`) this way.
//!
//! ## Model
//! Assemblies stay mapped for the life of the process, so a resource's address is stable, as
//! in Mono (`mono_image_get_resource`). Resources in other files (a `File` or `AssemblyRef`
//! implementation) are not found here: `GetManifestResourceStream` then returns null.
//!
//! Depends on: the parent module's state (loaded assemblies, their metadata),
//! [`super::reflection`] (object field access).
//! Citations: ECMA-335 II.22.24 (ManifestResource), II.25.3.3 (CLI header); Mono 6.8
//! `mono/metadata/icall.c` (`get_manifest_resource_info_internal`).

use ngen_compiler::runtime_types::AbiClass;
use ngen_metadata::{Assembly, TableId};

use super::reflection::{store, with_runtime};

/// `RESOURCE_LOCATION_EMBEDDED | RESOURCE_LOCATION_IN_MANIFEST` (`ResourceLocation`).
const EMBEDDED_IN_MANIFEST: u64 = 1 | 4;

/// The bytes of the embedded resource `name` of `asm`, if it has one in its own file.
fn embedded_resource<'a>(asm: &'a Assembly, name: &str) -> Option<&'a [u8]> {
    let rows = asm.row_count(TableId::ManifestResource);
    let row = (1..=rows)
        .filter_map(|rid| asm.manifest_resource(rid).ok())
        .find(|row| row.name == name && row.implementation.is_null())?;
    let directory = asm.data_at_rva(asm.cli_header().resources_rva).ok()?;
    let at = usize::try_from(row.offset).ok()?;
    let length = directory.get(at..at + 4)?;
    let length = u32::from_le_bytes(length.try_into().ok()?) as usize;
    directory.get(at + 4..(at + 4).checked_add(length)?)
}

/// `bool GetManifestResourceInfoInternal(string name, ManifestResourceInfo info)`: whether
/// assembly object `assembly` embeds `name`; if so, `info`'s location says so.
pub(crate) fn resource_info(assembly: u64, name: &str, info: u64) -> bool {
    with_runtime("Assembly.GetManifestResourceInfo", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        if embedded_resource(&rt.assemblies[id].metadata, name).is_none() {
            return Ok(false);
        }
        let class = rt
            .types
            .type_named("mscorlib", "System.Reflection", "ManifestResourceInfo")?;
        let offset = rt
            .types
            .field_offset_named(class, "<ResourceLocation>k__BackingField")?;
        store(
            info + u64::from(offset),
            AbiClass::Int {
                size: 4,
                signed: true,
            },
            EMBEDDED_IN_MANIFEST,
        );
        Ok(true)
    })
}

/// `IntPtr GetManifestResourceInternal(string name, out int size, out Module module)`: the
/// address and size of the embedded resource `name`, or null.
pub(crate) fn resource_data(assembly: u64, name: &str) -> Option<(u64, i32)> {
    with_runtime("Assembly.GetManifestResourceStream", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        Ok(embedded_resource(&rt.assemblies[id].metadata, name)
            .and_then(|bytes| Some((bytes.as_ptr() as u64, i32::try_from(bytes.len()).ok()?))))
    })
}
