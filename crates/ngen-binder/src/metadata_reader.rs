//! The [`ManifestReader`] backed by ngen-metadata, and conversions from its identity types to
//! [`AssemblyName`]. The only module that touches ngen-metadata.

use std::path::Path;

use crate::manifest::{DependencyHint, LoadHint, Manifest, ManifestError, ManifestReader, Mvid};
use crate::name::{AssemblyName, Culture, ProcessorArchitecture, PublicKeyToken, Version};

/// Reads manifests with [`ngen_metadata::Assembly`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MetadataReader;

impl ManifestReader for MetadataReader {
    fn read(&self, path: &Path) -> Result<Manifest, ManifestError> {
        let asm = ngen_metadata::Assembly::open(path).map_err(|e| ManifestError::new(path, e))?;
        read_manifest(&asm).map_err(|e| ManifestError::new(path, e))
    }
}

/// The manifest facts of an opened assembly.
pub fn read_manifest(
    asm: &ngen_metadata::Assembly,
) -> Result<Manifest, ngen_metadata::MetadataError> {
    let identity = AssemblyName::from_identity(&asm.identity()?);
    let references = asm
        .assembly_refs()?
        .iter()
        .map(AssemblyName::from_reference)
        .collect();
    let hints = asm
        .dependency_hints()?
        .into_iter()
        .map(|h| DependencyHint {
            assembly: h.assembly,
            load_hint: load_hint(h.load_hint),
        })
        .collect();
    Ok(Manifest {
        identity,
        mvid: Mvid(asm.mvid()?),
        references,
        hints,
        default_dependency: asm.default_dependency()?.map(load_hint),
        processor_architecture: architecture(asm.processor_architecture()),
    })
}

fn load_hint(hint: ngen_metadata::LoadHint) -> LoadHint {
    match hint {
        ngen_metadata::LoadHint::Always => LoadHint::Always,
        ngen_metadata::LoadHint::Sometimes => LoadHint::Sometimes,
        _ => LoadHint::Default,
    }
}

fn architecture(a: ngen_metadata::ProcessorArchitecture) -> Option<ProcessorArchitecture> {
    use ngen_metadata::ProcessorArchitecture as M;
    Some(match a {
        M::Msil => ProcessorArchitecture::Msil,
        M::X86 => ProcessorArchitecture::X86,
        M::Amd64 => ProcessorArchitecture::Amd64,
        M::Ia64 => ProcessorArchitecture::Ia64,
        M::Arm => ProcessorArchitecture::Arm,
        M::Arm64 => ProcessorArchitecture::Arm64,
        M::Unknown(_) => return None,
    })
}

fn version(v: ngen_metadata::Version) -> Version {
    Version::new(v.major, v.minor, v.build, v.revision)
}

fn culture(c: Option<&str>) -> Culture {
    c.map(Culture::parse).unwrap_or(Culture::Neutral)
}

fn token(t: Option<[u8; 8]>) -> PublicKeyToken {
    t.map(PublicKeyToken::Token).unwrap_or(PublicKeyToken::Null)
}

impl AssemblyName {
    /// The full name of an assembly definition (version, culture and token all set).
    pub fn from_identity(identity: &ngen_metadata::AssemblyIdentity) -> AssemblyName {
        AssemblyName {
            name: identity.name.clone(),
            version: Some(version(identity.version)),
            culture: Some(culture(identity.culture.as_deref())),
            public_key_token: Some(token(identity.public_key_token())),
            processor_architecture: None,
            retargetable: identity.flags & ngen_metadata::identity::ASSEMBLY_FLAG_RETARGETABLE != 0,
        }
    }

    /// The full name of an AssemblyRef row.
    pub fn from_reference(reference: &ngen_metadata::AssemblyRefIdentity) -> AssemblyName {
        AssemblyName {
            name: reference.name.clone(),
            version: Some(version(reference.version)),
            culture: Some(culture(reference.culture.as_deref())),
            public_key_token: Some(token(reference.public_key_token())),
            processor_architecture: None,
            retargetable: reference.flags & ngen_metadata::identity::ASSEMBLY_FLAG_RETARGETABLE
                != 0,
        }
    }
}
