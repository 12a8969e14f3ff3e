//! Assembly names as Mono's native `MonoAssemblyName` (laid out as `Mono/RuntimeStructs.cs`
//! declares it), which mscorlib's `AssemblyName.FillName` reads: a loaded assembly's
//! (`AssemblyName.GetNativeName`, `Assembly.GetName()`), an assembly file's
//! (`Assembly.InternalGetAssemblyName`, `AssemblyName.GetAssemblyName(path)`) and an
//! assembly's references (`Assembly.InternalGetReferencedAssemblies`,
//! `Assembly.GetReferencedAssemblies()`, a `GPtrArray` of them).
//!
//! ## Model
//! A loaded assembly's block is built once and never freed (Mono's lives as long as its
//! assembly); the strings and key blobs blocks point to are leaked, so
//! `RuntimeMarshal.FreeAssemblyName` frees nothing. The blocks of references are leaked too
//! (a few per call).
//!
//! Depends on: the parent module's state (loaded assemblies), [`super::members`] (`GPtrArray`).
//! Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_System_Reflection_AssemblyName_GetNativeName`,
//! `ves_icall_System_Reflection_Assembly_InternalGetAssemblyName`,
//! `create_referenced_assembly_name`), `mono/metadata/assembly.c`
//! (`mono_assembly_get_assemblyref_checked`), `mono/metadata/metadata-internals.h`
//! (`MonoAssemblyName`).

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Mutex;

use ngen_metadata::Version;

use super::lock;
use super::reflection::with_runtime;

/// `MonoAssemblyName` blocks by assembly index.
static NATIVE_NAMES: Mutex<Option<HashMap<usize, u64>>> = Mutex::new(None);

/// `AssemblyHashAlgorithm.SHA1`, which Mono gives every reference.
const HASH_SHA1: u32 = 0x8004;

/// What a `MonoAssemblyName` holds.
pub(crate) struct NameParts<'a> {
    pub name: &'a str,
    /// `None` (or empty) for the neutral culture, written as "" as Mono does.
    pub culture: Option<&'a str>,
    pub public_key: Option<&'a [u8]>,
    pub token: Option<[u8; 8]>,
    pub hash_alg: u32,
    pub flags: u32,
    pub version: Version,
}

impl<'a> NameParts<'a> {
    /// The parts of a definition's identity.
    pub(crate) fn of_identity(identity: &'a ngen_metadata::AssemblyIdentity) -> NameParts<'a> {
        NameParts {
            name: &identity.name,
            culture: identity.culture.as_deref(),
            public_key: identity.public_key.as_deref(),
            token: identity.public_key_token(),
            hash_alg: identity.hash_alg,
            flags: identity.flags,
            version: identity.version,
        }
    }
}

/// `AssemblyName.GetNativeName(IntPtr assembly)`: the assembly's `MonoAssemblyName` (see
/// [`fill_native_name`]), made once per assembly.
pub(crate) fn native_name(mono_assembly: u64) -> u64 {
    let id = mono_assembly.saturating_sub(1) as usize;
    let mut names = NATIVE_NAMES.lock().unwrap_or_else(|p| p.into_inner());
    let names = names.get_or_insert_with(HashMap::new);
    if let Some(&block) = names.get(&id) {
        return block;
    }
    let rt = lock();
    let Some(asm) = rt.assemblies.get(id) else {
        drop(rt);
        super::fatal("AssemblyName.GetNativeName: not an assembly of this runtime")
    };
    let Ok(identity) = asm.metadata.identity() else {
        drop(rt);
        super::fatal("AssemblyName.GetNativeName: the assembly has no identity")
    };
    drop(rt);
    let block: &'static mut [u8; NATIVE_NAME_SIZE] = Box::leak(Box::new([0u8; NATIVE_NAME_SIZE]));
    fill_native_name(block, &NameParts::of_identity(&identity));
    let ptr = block.as_ptr() as u64;
    names.insert(id, ptr);
    ptr
}

/// The size of Mono's `MonoAssemblyName`.
pub(crate) const NATIVE_NAME_SIZE: usize = 80;

/// Writes `identity` as Mono's `MonoAssemblyName` into `block`: `name` 0, `culture` 8,
/// `hash_value` 16, `public_key` 24, `public_key_token[17]` 32, `hash_alg` 52, `hash_len` 56,
/// `flags` 60, `major`..`revision` 64..70, `arch` 72. The strings and the key blob it points
/// to are leaked (Mono's live as long as their assembly; `RuntimeMarshal.FreeAssemblyName`
/// leaves them).
pub(crate) fn fill_native_name(block: &mut [u8; NATIVE_NAME_SIZE], parts: &NameParts) {
    let leak_c = |s: &str| CString::new(s).map_or(0, |c| c.into_raw() as u64);
    let put = |block: &mut [u8; NATIVE_NAME_SIZE], at: usize, bytes: &[u8]| {
        block[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(block, 0, &leak_c(parts.name).to_le_bytes());
    // Mono's neutral culture is "" (not null): `AssemblyName` then prints `Culture=neutral`.
    let culture = parts.culture.unwrap_or("");
    put(block, 8, &leak_c(culture).to_le_bytes());
    if let Some(key) = parts.public_key {
        // A blob: compressed length, then the bytes (`RuntimeMarshal.DecodeBlobArray`).
        let mut blob = compressed_length(key.len());
        blob.extend_from_slice(key);
        let leaked = Box::leak(blob.into_boxed_slice());
        put(block, 24, &(leaked.as_ptr() as u64).to_le_bytes());
    }
    if let Some(token) = parts.token {
        put(block, 32, ngen_metadata::identity::hex(&token).as_bytes());
    }
    put(block, 52, &parts.hash_alg.to_le_bytes());
    put(block, 60, &parts.flags.to_le_bytes());
    let v = parts.version;
    for (i, part) in [v.major, v.minor, v.build, v.revision]
        .into_iter()
        .enumerate()
    {
        put(block, 64 + 2 * i, &part.to_le_bytes());
    }
}

/// `Assembly.InternalGetAssemblyName(path)` (`AssemblyName.GetAssemblyName`): the identity of
/// the assembly file at `path` (read, not loaded) and its code base (`file://` and the path),
/// or the exception class and message Mono raises: `FileNotFoundException` when the file
/// cannot be read, `BadImageFormatException` when it is not an assembly.
pub(crate) fn assembly_file_name(
    path: &str,
) -> Result<(ngen_metadata::identity::AssemblyIdentity, String), (&'static str, String)> {
    let md = ngen_metadata::Assembly::open(path).map_err(|e| match e {
        ngen_metadata::MetadataError::Io { .. } => (
            "IO.FileNotFoundException",
            format!("Could not load file or assembly '{path}' or one of its dependencies."),
        ),
        _ => ("BadImageFormatException", format!("Invalid Image: {path}")),
    })?;
    let identity = md.identity().map_err(|_| {
        (
            "ArgumentException",
            "The file does not contain a manifest".to_string(),
        )
    })?;
    Ok((identity, format!("file://{path}")))
}

/// ECMA-335 II.23.2's compressed unsigned length.
fn compressed_length(n: usize) -> Vec<u8> {
    match n {
        0..=0x7f => vec![n as u8],
        0x80..=0x3fff => vec![0x80 | (n >> 8) as u8, n as u8],
        _ => vec![
            0xc0 | (n >> 24) as u8,
            (n >> 16) as u8,
            (n >> 8) as u8,
            n as u8,
        ],
    }
}

/// `Assembly.InternalGetReferencedAssemblies(assembly)`: a `GPtrArray` of one
/// `MonoAssemblyName` per AssemblyRef row, as Mono's `create_referenced_assembly_name` makes
/// them (SHA1 as the hash algorithm, no hash value, the token and not the key).
pub(crate) fn referenced_names(assembly: u64) -> u64 {
    let references = with_runtime("Assembly.GetReferencedAssemblies", |rt| {
        let id = rt.assembly_of_object(assembly)?;
        rt.assemblies[id]
            .metadata
            .assembly_refs()
            .map_err(|e| e.to_string())
    });
    let blocks = references
        .iter()
        .map(|reference| {
            let block: &'static mut [u8; NATIVE_NAME_SIZE] =
                Box::leak(Box::new([0u8; NATIVE_NAME_SIZE]));
            let parts = NameParts {
                name: &reference.name,
                culture: reference.culture.as_deref(),
                public_key: None,
                token: reference.public_key_token(),
                hash_alg: HASH_SHA1,
                flags: reference.flags,
                version: reference.version,
            };
            fill_native_name(block, &parts);
            block.as_ptr() as u64
        })
        .collect();
    super::members::new_gptr_array(blocks)
}

#[cfg(test)]
mod tests {
    use super::compressed_length;

    #[test]
    fn blob_lengths_are_compressed_as_ecma_335_says() {
        assert_eq!(compressed_length(0x03), [0x03]);
        assert_eq!(compressed_length(0x80), [0x80, 0x80]);
        assert_eq!(compressed_length(160), [0x80, 0xa0]);
        assert_eq!(compressed_length(0x3fff), [0xbf, 0xff]);
        assert_eq!(compressed_length(0x4000), [0xc0, 0x00, 0x40, 0x00]);
    }
}
