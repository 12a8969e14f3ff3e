//! The image header: what an image was compiled from and against, and its import cells.
//!
//! Stored in the image under `ngen_abi::image::HEADER_SYMBOL` as
//! `magic (8) | format version (u32 LE) | body length (u32 LE) | body`, where the body is
//! the UTF-8 JSON of [`ImageHeader`] with fields in declaration order. The fixed prefix lets
//! a reader reject another format version before parsing anything else.

use ngen_abi::image::{HEADER_MAGIC, HEADER_PREFIX_SIZE};
use ngen_abi::{IMAGE_FORMAT_VERSION, Scenario};
use serde::{Deserialize, Serialize};

use crate::ImageError;

/// Everything the runtime validates before it maps an image, plus the cell descriptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageHeader {
    /// `ngen_abi::IMAGE_FORMAT_VERSION` of the compiler that wrote the image.
    pub format_version: u32,
    /// Which compiler, with which code-generation settings.
    pub compiler: CompilerIdentity,
    /// Target triple of the code, e.g. `x86_64-unknown-linux-gnu`.
    pub target: String,
    /// `Scenario::bits()` the image was compiled for.
    pub scenario: u32,
    /// The compiled assembly.
    pub assembly: AssemblyStamp,
    /// Every assembly the compiled one references, as bound at compile time, sorted by name.
    pub references: Vec<AssemblyStamp>,
    /// Number of entries in the method table (the MethodDef row count).
    pub method_rows: u32,
    /// Import cells, in the order of the cell array.
    pub cells: Vec<CellEntry>,
    /// Methods with IL that the image lacks, and why (sorted by token), so a runtime that
    /// may not JIT can say why a method is missing.
    pub excluded: Vec<ExcludedEntry>,
    /// Generic contexts (instantiations) that cells and instances name, 1-based (a cell's
    /// `context` 0 is none).
    #[serde(default)]
    pub contexts: Vec<ContextEntry>,
    /// Generic method instances the image holds: entry `i`'s code is method-table entry
    /// `method_rows + i` (0 when it could not be compiled). Sorted by token, then context.
    #[serde(default)]
    pub instances: Vec<InstanceEntry>,
    /// The images this one is hard-bound to (its calls into them are direct, and the runtime
    /// maps them first), sorted by name; empty for a soft-bound image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hard_bindings: Vec<HardBinding>,
}

/// A dependency image a hard-bound image links to directly: valid only with exactly that image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HardBinding {
    /// The dependency assembly's simple name (its image's soname is `<name>.ni.so`).
    pub name: String,
    /// Its MVID (as [`AssemblyStamp::mvid`]).
    pub mvid: String,
    /// BLAKE3 of the dependency image's bytes (64 hex digits), as its digest file records it.
    pub image_blake3: String,
}

/// An instantiation: the type arguments of the owner (`!n`) and the method's own (`!!n`), as
/// serialized type names (`ngen_typesystem`'s `serialize_type`: `mscorlib#9<App#3>[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContextEntry {
    /// The assembly defining the methods of this context's instances, whose tokens their
    /// cells name (simple name; empty for the image's own assembly).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub assembly: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method_args: Vec<String>,
}

/// A generic method instance (of its context's assembly).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstanceEntry {
    /// MethodDef token.
    pub token: u32,
    /// 1-based index into [`ImageHeader::contexts`].
    pub context: u32,
}

/// A method left out of the image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExcludedEntry {
    /// MethodDef token.
    pub token: u32,
    /// Why, e.g. `unsupported opcode newobj at IL_0012`.
    pub reason: String,
}

impl ImageHeader {
    /// The scenario flags, if they are known to this build.
    pub fn scenario(&self) -> Option<Scenario> {
        Scenario::from_bits(self.scenario)
    }
}

/// The compiler's identity: images from another compiler build are invalid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompilerIdentity {
    /// `ngen-compiler`.
    pub name: String,
    /// The compiler crate version.
    pub version: String,
    /// Back end and settings, e.g. `cranelift 0.135.8 opt_level=speed ...`.
    pub codegen: String,
}

/// An assembly by simple name and MVID (lowercase hex of the 16 MVID bytes).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssemblyStamp {
    pub name: String,
    pub mvid: String,
}

impl AssemblyStamp {
    /// A stamp from raw MVID bytes.
    pub fn new(name: impl Into<String>, mvid: [u8; 16]) -> Self {
        AssemblyStamp {
            name: name.into(),
            mvid: mvid_hex(mvid),
        }
    }
}

/// MVID bytes as 32 lowercase hex digits (byte order as stored in the #GUID heap).
pub fn mvid_hex(mvid: [u8; 16]) -> String {
    mvid.iter().map(|b| format!("{b:02x}")).collect()
}

/// One import cell: what it refers to (see `ngen_abi::image::CellKind`) and the metadata
/// token in the image's own assembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellEntry {
    /// `ngen_abi::image::CellKind as u32`.
    pub kind: u32,
    /// MethodDef/MemberRef token (method cells) or user-string token (string cells).
    pub token: u32,
    /// The constraint type token of a `ConstrainedMethod` cell, else 0.
    #[serde(default)]
    pub aux: u32,
    /// The generic context the tokens resolve in: 1-based into [`ImageHeader::contexts`], 0
    /// for none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub context: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// The header's bytes as stored in the image.
pub fn encode_header(header: &ImageHeader) -> Vec<u8> {
    let body = serde_json::to_vec(header).expect("header serializes");
    let mut out = Vec::with_capacity(HEADER_PREFIX_SIZE + body.len());
    out.extend_from_slice(&HEADER_MAGIC);
    out.extend_from_slice(&header.format_version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Parses header bytes (as stored in the image; trailing bytes are ignored).
pub fn decode_header(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    let prefix = bytes
        .get(..HEADER_PREFIX_SIZE)
        .ok_or_else(|| ImageError::BadHeader("truncated".into()))?;
    if prefix[..8] != HEADER_MAGIC {
        return Err(ImageError::BadHeader("bad magic".into()));
    }
    let version = u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
    if version != IMAGE_FORMAT_VERSION {
        return Err(ImageError::FormatVersion {
            found: version,
            expected: IMAGE_FORMAT_VERSION,
        });
    }
    let len = u32::from_le_bytes([prefix[12], prefix[13], prefix[14], prefix[15]]) as usize;
    let body = bytes
        .get(HEADER_PREFIX_SIZE..HEADER_PREFIX_SIZE.saturating_add(len))
        .ok_or_else(|| ImageError::BadHeader("body truncated".into()))?;
    let header: ImageHeader =
        serde_json::from_slice(body).map_err(|e| ImageError::BadHeader(e.to_string()))?;
    if header.format_version != version {
        return Err(ImageError::BadHeader(
            "body and prefix disagree on the format version".into(),
        ));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> ImageHeader {
        ImageHeader {
            format_version: IMAGE_FORMAT_VERSION,
            compiler: CompilerIdentity {
                name: "ngen-compiler".into(),
                version: "0.1.0".into(),
                codegen: "test".into(),
            },
            target: "x86_64-unknown-linux-gnu".into(),
            scenario: 0,
            assembly: AssemblyStamp::new("App", [1; 16]),
            references: vec![AssemblyStamp::new("mscorlib", [2; 16])],
            method_rows: 3,
            cells: vec![CellEntry {
                kind: 0,
                token: 0x0a00_0001,
                aux: 0,
                context: 0,
            }],
            excluded: vec![ExcludedEntry {
                token: 0x0600_0002,
                reason: "unsupported opcode newobj at IL_0012".into(),
            }],
            contexts: Vec::new(),
            instances: Vec::new(),
            hard_bindings: Vec::new(),
        }
    }

    #[test]
    fn round_trips() {
        let h = sample();
        assert_eq!(decode_header(&encode_header(&h)).unwrap(), h);
    }

    #[test]
    fn hard_bindings_round_trip_and_are_absent_when_soft() {
        let soft = encode_header(&sample());
        assert!(!String::from_utf8_lossy(&soft).contains("hard_bindings"));
        let mut h = sample();
        h.hard_bindings.push(HardBinding {
            name: "Lib".into(),
            mvid: mvid_hex([3; 16]),
            image_blake3: "ab".repeat(32),
        });
        assert_eq!(decode_header(&encode_header(&h)).unwrap(), h);
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let mut bytes = encode_header(&sample());
        bytes[8] = bytes[8].wrapping_add(1);
        assert!(matches!(
            decode_header(&bytes),
            Err(ImageError::FormatVersion { .. })
        ));
        assert!(decode_header(b"short").is_err());
        let mut bytes = encode_header(&sample());
        bytes.truncate(bytes.len() - 3);
        assert!(decode_header(&bytes).is_err());
    }
}
