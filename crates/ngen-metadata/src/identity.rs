//! Assembly identity: name, version, culture, public key / token (SHA-1), MVID, processor
//! architecture, and the same facts for each AssemblyRef. Depends on rows and the PE layout.

use std::fmt;

use crate::Assembly;
use crate::error::Result;
use crate::pe::cli_flags;
use crate::tables::TableId;

/// A four-part assembly version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub build: u16,
    pub revision: u16,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.major, self.minor, self.build, self.revision
        )
    }
}

/// AssemblyFlags bit: the PublicKey(OrToken) blob holds a full public key (II.23.1.2).
pub const ASSEMBLY_FLAG_PUBLIC_KEY: u32 = 0x0001;
/// AssemblyFlags bit: the assembly can be retargeted (e.g. portable libraries).
pub const ASSEMBLY_FLAG_RETARGETABLE: u32 = 0x0100;

/// The identity of the assembly defined by this file (the Assembly table row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssemblyIdentity {
    pub name: String,
    pub version: Version,
    /// `None` for the neutral culture.
    pub culture: Option<String>,
    pub flags: u32,
    pub public_key: Option<Vec<u8>>,
    pub hash_alg: u32,
}

impl AssemblyIdentity {
    /// The public key token: the last 8 bytes of SHA-1(public key), reversed.
    pub fn public_key_token(&self) -> Option<[u8; 8]> {
        self.public_key.as_deref().map(public_key_token)
    }

    /// `Name, Version=a.b.c.d, Culture=neutral, PublicKeyToken=...|null`.
    pub fn display_name(&self) -> String {
        display_name(
            &self.name,
            self.version,
            self.culture.as_deref(),
            self.public_key_token(),
        )
    }
}

/// One AssemblyRef row's identity. It carries either a full key or an 8-byte token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssemblyRefIdentity {
    pub rid: u32,
    pub name: String,
    pub version: Version,
    pub culture: Option<String>,
    pub flags: u32,
    /// The full key when `flags & ASSEMBLY_FLAG_PUBLIC_KEY`, else `None`.
    pub public_key: Option<Vec<u8>>,
    /// The token as stored (token refs) or computed from the key (key refs).
    token: Option<[u8; 8]>,
    pub hash_value: Vec<u8>,
}

impl AssemblyRefIdentity {
    pub fn public_key_token(&self) -> Option<[u8; 8]> {
        self.token
    }

    pub fn display_name(&self) -> String {
        display_name(
            &self.name,
            self.version,
            self.culture.as_deref(),
            self.public_key_token(),
        )
    }
}

/// Formats a full display name the way the CLR does.
pub fn display_name(
    name: &str,
    version: Version,
    culture: Option<&str>,
    token: Option<[u8; 8]>,
) -> String {
    format!(
        "{name}, Version={version}, Culture={}, PublicKeyToken={}",
        culture.unwrap_or("neutral"),
        token.map(|t| hex(&t)).unwrap_or_else(|| "null".to_string())
    )
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The public key token of `public_key`: SHA-1, last 8 bytes, reversed.
pub fn public_key_token(public_key: &[u8]) -> [u8; 8] {
    let digest = sha1_smol::Sha1::from(public_key).digest().bytes();
    let mut token = [0u8; 8];
    for (i, b) in digest[12..20].iter().rev().enumerate() {
        token[i] = *b;
    }
    token
}

fn culture_of(s: &str) -> Option<String> {
    if s.is_empty() || s.eq_ignore_ascii_case("neutral") {
        None
    } else {
        Some(s.to_string())
    }
}

/// The processor architecture an assembly targets, as display names spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcessorArchitecture {
    Msil,
    X86,
    Amd64,
    Ia64,
    Arm,
    Arm64,
    /// A machine type this reader does not know.
    Unknown(u16),
}

impl ProcessorArchitecture {
    /// The `processorArchitecture=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessorArchitecture::Msil => "MSIL",
            ProcessorArchitecture::X86 => "x86",
            ProcessorArchitecture::Amd64 => "AMD64",
            ProcessorArchitecture::Ia64 => "IA64",
            ProcessorArchitecture::Arm => "ARM",
            ProcessorArchitecture::Arm64 => "ARM64",
            ProcessorArchitecture::Unknown(_) => "None",
        }
    }
}

impl fmt::Display for ProcessorArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GUID (MVID) with registry-format Display (`{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` without braces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub [u8; 16]);

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        // The first three groups are little-endian in storage.
        write!(
            f,
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            b[3],
            b[2],
            b[1],
            b[0],
            b[5],
            b[4],
            b[7],
            b[6],
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

impl Assembly {
    /// The identity from the Assembly table row.
    pub fn identity(&self) -> Result<AssemblyIdentity> {
        let row = self.assembly_row()?;
        let key = self.blob(row.public_key)?;
        Ok(AssemblyIdentity {
            name: row.name.to_string(),
            version: Version {
                major: row.major_version,
                minor: row.minor_version,
                build: row.build_number,
                revision: row.revision_number,
            },
            culture: culture_of(row.culture),
            flags: row.flags,
            public_key: if key.is_empty() {
                None
            } else {
                Some(key.to_vec())
            },
            hash_alg: row.hash_alg_id,
        })
    }

    /// Every AssemblyRef, in table order.
    pub fn assembly_refs(&self) -> Result<Vec<AssemblyRefIdentity>> {
        (1..=self.row_count(TableId::AssemblyRef))
            .map(|rid| self.assembly_ref_identity(rid))
            .collect()
    }

    /// The identity of AssemblyRef `rid`.
    pub fn assembly_ref_identity(&self, rid: u32) -> Result<AssemblyRefIdentity> {
        let row = self.assembly_ref(rid)?;
        let blob = self.blob(row.public_key_or_token)?;
        let (public_key, token) = if blob.is_empty() {
            (None, None)
        } else if row.flags & ASSEMBLY_FLAG_PUBLIC_KEY != 0 {
            (Some(blob.to_vec()), Some(public_key_token(blob)))
        } else {
            let mut t = [0u8; 8];
            match blob.get(..8) {
                Some(b) if blob.len() == 8 => t.copy_from_slice(b),
                // Not a token: compilers that omit the flag still sometimes store a key.
                _ => t = public_key_token(blob),
            }
            (None, Some(t))
        };
        Ok(AssemblyRefIdentity {
            rid,
            name: row.name.to_string(),
            version: Version {
                major: row.major_version,
                minor: row.minor_version,
                build: row.build_number,
                revision: row.revision_number,
            },
            culture: culture_of(row.culture),
            flags: row.flags,
            public_key,
            token,
            hash_value: self.blob(row.hash_value)?.to_vec(),
        })
    }

    /// The module version id (Module row 1's Mvid GUID).
    pub fn mvid(&self) -> Result<[u8; 16]> {
        let module = self.module(1)?;
        self.guid(module.mvid)
    }

    /// The processor architecture, from the PE machine type and the CLI flags.
    pub fn processor_architecture(&self) -> ProcessorArchitecture {
        let flags = self.cli.flags;
        match self.pe.machine {
            0x014c => {
                let il_only = flags & cli_flags::IL_ONLY != 0;
                let req32 = flags & cli_flags::REQUIRED_32BIT != 0;
                let pref32 = flags & cli_flags::PREFERRED_32BIT != 0;
                if il_only && (!req32 || pref32) {
                    ProcessorArchitecture::Msil
                } else {
                    ProcessorArchitecture::X86
                }
            }
            0x8664 => ProcessorArchitecture::Amd64,
            0x0200 => ProcessorArchitecture::Ia64,
            0x01c0 | 0x01c2 | 0x01c4 => ProcessorArchitecture::Arm,
            0xaa64 => ProcessorArchitecture::Arm64,
            m => ProcessorArchitecture::Unknown(m),
        }
    }

    /// True if the PE file is an executable (not flagged as a DLL).
    pub fn is_exe(&self) -> bool {
        self.pe.characteristics & crate::pe::IMAGE_FILE_DLL == 0
    }

    /// The CLI header's entry point token, if it names a method (not a native entry point).
    pub fn entry_point_token(&self) -> Option<crate::Token> {
        if self.cli.flags & cli_flags::NATIVE_ENTRYPOINT != 0 || self.cli.entry_point_token == 0 {
            None
        } else {
            Some(crate::Token(self.cli.entry_point_token))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_key_token() {
        // The ECMA standard "neutral" public key has the well-known token b77a5c561934e089.
        let ecma = [0u8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(hex(&public_key_token(&ecma)), "b77a5c561934e089");
    }

    #[test]
    fn guid_display_is_registry_format() {
        let g = Guid([
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        assert_eq!(g.to_string(), "00112233-4455-6677-8899-aabbccddeeff");
    }
}
