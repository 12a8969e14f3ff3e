//! What the remote cache stores for one image: its action key, and its action entry, the list
//! of the image directory's files by SHA-256 and size.
//!
//! **Key.** SHA-256 (lowercase hex, 64 digits, as bazel-remote requires of AC keys) over the
//! protocol tag [`PROTOCOL`], the image's full BLAKE3 fingerprint and its directory in the
//! cache. The fingerprint already covers the assembly, its dependencies, binding config,
//! hints, scenario, target and the compiler's identity (including the executable's build-id),
//! so two machines share an entry exactly when they would compile the same bytes.
//!
//! **Entry.** A REAPI `ActionResult` protobuf (`build.bazel.remote.execution.v2`) with one
//! `OutputFile {path, digest {hash, size_bytes}}` per file, sorted by path, exit code 0. That
//! is the form bazel-remote validates AC uploads against by default, and each digest names a
//! blob stored under `/cas/<sha256>`, so a server that checks CAS references accepts it.
//! Decoding refuses entries that could write outside the image directory (paths with `/`,
//! `..`, duplicates) or that are not SHA-256 digests.
//!
//! Depends on prost (the three messages, derived by hand rather than generated from the proto
//! files, which would need protoc) and sha2.

use prost::Message;
use sha2::{Digest as _, Sha256};

/// Versions the key scheme and the entry format: a change gives every image a new key.
pub const PROTOCOL: &str = "ngen-build/remote-cache/v1";

/// Entries larger than this are not read (one image has a handful of files).
pub const MAX_ENTRY_BYTES: u64 = 1 << 20;

/// One file of an image directory as the remote knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// File name inside the image directory.
    pub name: String,
    /// Lowercase hex SHA-256 of the content: the CAS key.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The action key of the image with `fingerprint` stored at `dir` (relative to the cache).
pub fn action_key(fingerprint: &str, dir: &str) -> String {
    let mut h = Sha256::new();
    for part in [PROTOCOL, fingerprint, dir] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// `build.bazel.remote.execution.v2.Digest`.
#[derive(Clone, PartialEq, Message)]
struct ProtoDigest {
    #[prost(string, tag = "1")]
    hash: String,
    #[prost(int64, tag = "2")]
    size_bytes: i64,
}

/// `build.bazel.remote.execution.v2.OutputFile` (the fields we use).
#[derive(Clone, PartialEq, Message)]
struct ProtoOutputFile {
    #[prost(string, tag = "1")]
    path: String,
    #[prost(message, optional, tag = "2")]
    digest: Option<ProtoDigest>,
    #[prost(bool, tag = "4")]
    is_executable: bool,
}

/// `build.bazel.remote.execution.v2.ActionResult` (the fields we use).
#[derive(Clone, PartialEq, Message)]
struct ProtoActionResult {
    #[prost(message, repeated, tag = "2")]
    output_files: Vec<ProtoOutputFile>,
    #[prost(int32, tag = "4")]
    exit_code: i32,
}

/// The entry for `files` (any order; encoded sorted by name, so the bytes are canonical).
pub fn encode_entry(files: &[FileDigest]) -> Vec<u8> {
    let mut files = files.to_vec();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    ProtoActionResult {
        output_files: files
            .into_iter()
            .map(|f| ProtoOutputFile {
                path: f.name,
                digest: Some(ProtoDigest {
                    hash: f.sha256,
                    size_bytes: i64::try_from(f.size).unwrap_or(i64::MAX),
                }),
                is_executable: false,
            })
            .collect(),
        exit_code: 0,
    }
    .encode_to_vec()
}

/// Reads an entry back, refusing anything this version would not have written.
pub fn decode_entry(bytes: &[u8]) -> Result<Vec<FileDigest>, String> {
    let result = ProtoActionResult::decode(bytes)
        .map_err(|e| format!("the action entry is not an ActionResult ({e})"))?;
    if result.exit_code != 0 {
        return Err(format!(
            "the action entry records exit code {}",
            result.exit_code
        ));
    }
    if result.output_files.is_empty() {
        return Err("the action entry lists no files".into());
    }
    let mut files: Vec<FileDigest> = Vec::new();
    for f in result.output_files {
        let name = f.path;
        if !is_plain_file_name(&name) {
            return Err(format!(
                "the action entry names a file outside the image: {name:?}"
            ));
        }
        let digest = f
            .digest
            .ok_or_else(|| format!("the action entry gives {name} no digest"))?;
        if digest.hash.len() != 64
            || !digest
                .hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!("the digest of {name} is not a SHA-256"));
        }
        let size = u64::try_from(digest.size_bytes)
            .map_err(|_| format!("the size of {name} is negative"))?;
        if files.iter().any(|g| g.name == name) {
            return Err(format!("the action entry lists {name} twice"));
        }
        files.push(FileDigest {
            name,
            sha256: digest.hash,
            size,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// A name that stays inside the directory it is joined to.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, content: &[u8]) -> FileDigest {
        FileDigest {
            name: name.into(),
            sha256: sha256_hex(content),
            size: content.len() as u64,
        }
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn keys_are_64_lowercase_hex_and_depend_on_every_part() {
        let k = action_key("ab12", "default/Lib/1.0.0.0/ab12");
        assert_eq!(k.len(), 64);
        assert!(
            k.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(k, action_key("ab13", "default/Lib/1.0.0.0/ab12"));
        assert_ne!(k, action_key("ab12", "debug/Lib/1.0.0.0/ab12"));
        // Length prefixes: moving a character between parts changes the key.
        assert_ne!(action_key("ab", "c"), action_key("a", "bc"));
    }

    #[test]
    fn entries_round_trip_sorted_and_are_canonical() {
        let a = [file("b.so", b"elf"), file("a.json", b"{}")];
        let b = [file("a.json", b"{}"), file("b.so", b"elf")];
        assert_eq!(encode_entry(&a), encode_entry(&b));
        let back = decode_entry(&encode_entry(&a)).unwrap();
        assert_eq!(back, vec![file("a.json", b"{}"), file("b.so", b"elf")]);
    }

    #[test]
    fn the_entry_is_a_reapi_action_result_on_the_wire() {
        // output_files (field 2, length-delimited) { path (1) "x", digest (2) { hash (1), size (2) = 3 } }
        let bytes = encode_entry(&[file("x", b"abc")]);
        assert_eq!(bytes[0], 0x12);
        let inner = &bytes[2..];
        assert_eq!(&inner[..3], &[0x0a, 1, b'x']);
        assert_eq!(inner[3], 0x12);
        assert!(bytes.ends_with(&[0x10, 3]));
    }

    #[test]
    fn hostile_or_broken_entries_are_refused() {
        let bad = |files: &[FileDigest]| decode_entry(&encode_entry(files)).unwrap_err();
        assert!(bad(&[file("../x", b"")]).contains("outside"));
        assert!(bad(&[file("a/b", b"")]).contains("outside"));
        assert!(bad(&[file("..", b"")]).contains("outside"));
        assert!(bad(&[file("a", b""), file("a", b"1")]).contains("twice"));
        let mut upper = file("a", b"");
        upper.sha256 = upper.sha256.to_uppercase();
        assert!(bad(&[upper]).contains("SHA-256"));
        assert!(bad(&[]).contains("no files"));
        assert!(
            decode_entry(b"\xff\xff\xff")
                .unwrap_err()
                .contains("not an ActionResult")
        );
        assert!(decode_entry(b"not protobuf at all").is_err());
    }
}
