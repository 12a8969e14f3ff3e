//! The image header: what an image was compiled from and against, and its import cells.
//!
//! Stored in the image under `ngen_abi::image::HEADER_SYMBOL` as
//! `magic (8) | format version (u32 LE) | body length (u32 LE) | body | tables`, where the body
//! is the UTF-8 JSON of [`ImageHeader`] with fields in declaration order, except the three
//! large lists, which follow it as packed little-endian tables: the cell count (`u32`), then
//! `kind, token, aux, context` (`u32` each) per cell; the instance count, then `token,
//! context` per instance; the excluded count, then `token, reason length` (`u32` each) and the
//! reason's UTF-8 bytes per excluded method; then the shared-code count and, per shared
//! method, `token, register, dictionary length` and that many cell indices (`u32` each).
//! mscorlib's image has about 45,000 cells and 5,000
//! excluded methods: as JSON they were 2.6 MB that every process parsed at startup (half of
//! a hello world's instructions); packed they are read in tight loops. The fixed prefix lets a reader reject another format version before
//! parsing anything else.

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
    /// Import cells, in the order of the cell array (stored as a packed table after the
    /// JSON body).
    #[serde(skip)]
    pub cells: Vec<CellEntry>,
    /// Methods with IL that the image lacks, and why (sorted by token), so a runtime that
    /// may not JIT can say why a method is missing (stored as a packed table after the
    /// instances).
    #[serde(skip)]
    pub excluded: Vec<ExcludedEntry>,
    /// Generic contexts (instantiations) that cells and instances name, 1-based (a cell's
    /// `context` 0 is none).
    #[serde(default)]
    pub contexts: Vec<ContextEntry>,
    /// Generic method instances the image holds: entry `i`'s code is method-table entry
    /// `method_rows + i` (0 when it could not be compiled). Sorted by token, then context.
    /// Stored as a packed table after the cells.
    #[serde(skip)]
    pub instances: Vec<InstanceEntry>,
    /// Canonical shared code of the image's own generic MethodDefs (for instantiations over
    /// reference types): entry `j`'s code is method-table entry `method_rows +
    /// instances.len() + j` (0 when it could not be compiled). Sorted by token. Stored as a
    /// packed table after the excluded methods.
    #[serde(skip)]
    pub shared: Vec<SharedEntry>,
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

/// A generic MethodDef's canonical shared code: one body for every instantiation of one
/// canonical form (every reference-type argument `System.Object`, value types exact), taking
/// the exact instance's dictionary as a hidden last argument.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SharedEntry {
    /// MethodDef token.
    pub token: u32,
    /// Its canonical form: a 1-based index into [`ImageHeader::contexts`] (`G<Object,int>`),
    /// or 0 for the form over `System.Object` alone, which serves every instantiation whose
    /// type arguments are all reference types.
    pub context: u32,
    /// The SysV integer argument register the dictionary travels in (0 = `rdi` ... 5 = `r9`):
    /// an instantiating stub loads it there and jumps to the code.
    pub register: u32,
    /// The dictionary's layout: slot `i` is a copy of image cell `dictionary[i]` (its kind,
    /// token and aux) resolving in the exact instance's generic context.
    pub dictionary: Vec<u32>,
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
    let reasons: usize = header.excluded.iter().map(|e| 8 + e.reason.len()).sum();
    let shared: usize = header
        .shared
        .iter()
        .map(|e| 16 + 4 * e.dictionary.len())
        .sum();
    let tables = 16 + 16 * header.cells.len() + 8 * header.instances.len() + reasons + shared;
    let mut out = Vec::with_capacity(HEADER_PREFIX_SIZE + body.len() + tables);
    out.extend_from_slice(&HEADER_MAGIC);
    out.extend_from_slice(&header.format_version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    put(&mut out, header.cells.len() as u32);
    for c in &header.cells {
        for v in [c.kind, c.token, c.aux, c.context] {
            put(&mut out, v);
        }
    }
    put(&mut out, header.instances.len() as u32);
    for i in &header.instances {
        put(&mut out, i.token);
        put(&mut out, i.context);
    }
    put(&mut out, header.excluded.len() as u32);
    for e in &header.excluded {
        put(&mut out, e.token);
        put(&mut out, e.reason.len() as u32);
        out.extend_from_slice(e.reason.as_bytes());
    }
    put(&mut out, header.shared.len() as u32);
    for e in &header.shared {
        put(&mut out, e.token);
        put(&mut out, e.context);
        put(&mut out, e.register);
        put(&mut out, e.dictionary.len() as u32);
        for &cell in &e.dictionary {
            put(&mut out, cell);
        }
    }
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
    let body_end = HEADER_PREFIX_SIZE.saturating_add(len);
    let body = bytes
        .get(HEADER_PREFIX_SIZE..body_end)
        .ok_or_else(|| ImageError::BadHeader("body truncated".into()))?;
    let mut header: ImageHeader =
        serde_json::from_slice(body).map_err(|e| ImageError::BadHeader(e.to_string()))?;
    if header.format_version != version {
        return Err(ImageError::BadHeader(
            "body and prefix disagree on the format version".into(),
        ));
    }
    let mut tables = PackedTables {
        bytes: &bytes[body_end..],
    };
    header.cells = tables.rows(4, "cells", |r| CellEntry {
        kind: r[0],
        token: r[1],
        aux: r[2],
        context: r[3],
    })?;
    header.instances = tables.rows(2, "instances", |r| InstanceEntry {
        token: r[0],
        context: r[1],
    })?;
    header.excluded = tables.excluded()?;
    header.shared = tables.shared()?;
    Ok(header)
}

/// A reader of the packed tables after the JSON body.
struct PackedTables<'a> {
    bytes: &'a [u8],
}

impl PackedTables<'_> {
    /// Reads a count, then that many rows of `width` little-endian `u32`s, each made into a
    /// `T` by `row`; a count the bytes cannot hold is an error, never an allocation.
    fn rows<T>(
        &mut self,
        width: usize,
        what: &str,
        row: impl Fn(&[u32]) -> T,
    ) -> Result<Vec<T>, ImageError> {
        let truncated = || ImageError::BadHeader(format!("{what} table truncated"));
        let count = self.take(4).ok_or_else(truncated)?;
        let count = u32::from_le_bytes(count.try_into().expect("4 bytes")) as usize;
        let size = count.checked_mul(width * 4).ok_or_else(truncated)?;
        let data = self.take(size).ok_or_else(truncated)?;
        let mut fields = [0u32; 4];
        Ok(data
            .chunks_exact(width * 4)
            .map(|r| {
                for (field, b) in fields.iter_mut().zip(r.chunks_exact(4)) {
                    *field = u32::from_le_bytes(b.try_into().expect("4 bytes"));
                }
                row(&fields[..width])
            })
            .collect())
    }

    /// Reads the excluded table: a count, then per entry its token, its reason's byte length
    /// and the reason.
    fn excluded(&mut self) -> Result<Vec<ExcludedEntry>, ImageError> {
        let truncated = || ImageError::BadHeader("excluded table truncated".into());
        let count = self.u32().ok_or_else(truncated)?;
        // Each entry takes at least 8 bytes: a count the bytes cannot hold is an error before
        // anything is allocated for it.
        if (count as usize).saturating_mul(8) > self.bytes.len() {
            return Err(truncated());
        }
        let mut out = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let token = self.u32().ok_or_else(truncated)?;
            let len = self.u32().ok_or_else(truncated)? as usize;
            let reason = self.take(len).ok_or_else(truncated)?;
            let reason = std::str::from_utf8(reason)
                .map_err(|_| ImageError::BadHeader("excluded reason is not UTF-8".into()))?;
            out.push(ExcludedEntry {
                token,
                reason: reason.to_string(),
            });
        }
        Ok(out)
    }

    /// Reads the shared-code table: a count, then per entry its token, context, register,
    /// dictionary length and the dictionary's cell indices.
    fn shared(&mut self) -> Result<Vec<SharedEntry>, ImageError> {
        let truncated = || ImageError::BadHeader("shared table truncated".into());
        let count = self.u32().ok_or_else(truncated)?;
        if (count as usize).saturating_mul(16) > self.bytes.len() {
            return Err(truncated());
        }
        let mut out = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let token = self.u32().ok_or_else(truncated)?;
            let context = self.u32().ok_or_else(truncated)?;
            let register = self.u32().ok_or_else(truncated)?;
            let len = self.u32().ok_or_else(truncated)? as usize;
            let cells = self
                .take(len.checked_mul(4).ok_or_else(truncated)?)
                .ok_or_else(truncated)?;
            let dictionary = cells
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect();
            out.push(SharedEntry {
                token,
                context,
                register,
                dictionary,
            });
        }
        Ok(out)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.bytes.get(..n)?, self.bytes.get(n..)?);
        self.bytes = rest;
        Some(head)
    }
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
            shared: Vec::new(),
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
    fn cells_and_instances_are_packed_tables_after_the_json() {
        let mut h = sample();
        h.cells.push(CellEntry {
            kind: 3,
            token: 0x0600_0007,
            aux: 0x0200_0004,
            context: 2,
        });
        h.instances = vec![
            InstanceEntry {
                token: 0x0600_0001,
                context: 1,
            },
            InstanceEntry {
                token: 0x0600_0003,
                context: 2,
            },
        ];
        let bytes = encode_header(&h);
        assert!(!String::from_utf8_lossy(&bytes).contains("\"cells\""));
        assert_eq!(decode_header(&bytes).unwrap(), h);
        assert!(!String::from_utf8_lossy(&bytes).contains("\"excluded\""));
        // Two cells of 16 bytes, two instances of 8, one excluded method (8 bytes and its
        // 36-byte reason) and no shared code, each table with its count.
        let body = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        assert_eq!(
            bytes.len(),
            HEADER_PREFIX_SIZE + body + 4 + 32 + 4 + 16 + 4 + 8 + 36 + 4
        );
    }

    #[test]
    fn shared_code_entries_round_trip_as_a_packed_table() {
        let mut h = sample();
        h.shared = vec![
            SharedEntry {
                token: 0x0600_0002,
                context: 0,
                register: 1,
                dictionary: vec![0, 3, 7],
            },
            SharedEntry {
                token: 0x0600_0003,
                context: 2,
                register: 0,
                dictionary: Vec::new(),
            },
        ];
        let bytes = encode_header(&h);
        assert!(!String::from_utf8_lossy(&bytes).contains("\"shared\""));
        assert_eq!(decode_header(&bytes).unwrap(), h);
        let without = encode_header(&sample()).len();
        assert_eq!(bytes.len(), without + 16 + 12 + 16);
        // A dictionary longer than the bytes left: an error, not an allocation.
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 16);
        assert!(decode_header(&cut).is_err());
    }

    #[test]
    fn truncated_or_overlong_tables_are_errors() {
        let bytes = encode_header(&sample());
        for cut in 1..=56 {
            let err = decode_header(&bytes[..bytes.len() - cut]).unwrap_err();
            assert!(err.to_string().contains("table truncated"), "{err}");
        }
        // A cell count far beyond the bytes: an error, not an allocation.
        let body = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        let mut huge = bytes.clone();
        huge[HEADER_PREFIX_SIZE + body..HEADER_PREFIX_SIZE + body + 4]
            .copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_header(&huge).is_err());
        // A reason that is not UTF-8 (its last byte comes before the empty shared table).
        let mut bad = bytes.clone();
        let last = bad.len() - 5;
        bad[last] = 0xff;
        let err = decode_header(&bad).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
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
