//! Image integrity: the BLAKE3 digest recorded next to every image when it is written, and
//! checked by the runtime before the image is mapped.
//!
//! The model: an image is executable code, so the runtime maps only bytes whose digest matches
//! the one recorded by the writer (`ngen-build build`/`install` through the cache, and
//! `ngen-build compile --out`). The digest lives in a sidecar file `<Name>.ni.so.blake3` in
//! `b3sum`'s format (`<64 hex digits>  <Name>.ni.so\n`), so `b3sum --check` verifies a
//! directory of images too. A missing, malformed or different digest rejects the image.
//!
//! The digest protects against corruption and tampering by whoever cannot also rewrite the
//! sidecar; the permission checks in [`crate::trust`] make sure only the owner (or root) can.
//!
//! Depends on `blake3` only. Spec: docs/native-images.md, "Integrity".

use std::path::{Path, PathBuf};

/// Suffix of the digest file: `<Name>.ni.so` → `<Name>.ni.so.blake3`.
pub const DIGEST_SUFFIX: &str = ".blake3";

/// Why an image's bytes cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// No digest file next to the image.
    #[error("no digest file {0} (rebuild the image: `ngen-build build`, or `compile` again)")]
    Missing(String),
    /// The digest file exists but cannot be read.
    #[error("cannot read digest file {path}: {message}")]
    Unreadable { path: String, message: String },
    /// The digest file is not `<64 hex digits>  <file name>`.
    #[error("digest file {0} is malformed")]
    Malformed(String),
    /// The image's bytes do not have the recorded digest.
    #[error(
        "BLAKE3 digest mismatch: recorded {expected}, the file has {actual} (modified or corrupt)"
    )]
    Mismatch { expected: String, actual: String },
}

/// The digest file of the image at `image`.
pub fn digest_path(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_owned();
    name.push(DIGEST_SUFFIX);
    PathBuf::from(name)
}

/// The digest file's contents for an image named `file_name` with these bytes (`b3sum`'s
/// output line).
pub fn digest_line(image_bytes: &[u8], file_name: &str) -> String {
    format!("{}  {file_name}\n", blake3::hash(image_bytes).to_hex())
}

/// The digest recorded in a digest file's text.
pub fn parse_digest_line(text: &str) -> Option<blake3::Hash> {
    let hex = text.lines().next()?.split_whitespace().next()?;
    blake3::Hash::from_hex(hex).ok()
}

/// Reads the digest recorded for the image at `image`.
pub fn recorded_digest(image: &Path) -> Result<blake3::Hash, DigestError> {
    let path = digest_path(image);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DigestError::Missing(path.display().to_string()));
        }
        Err(e) => {
            return Err(DigestError::Unreadable {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    parse_digest_line(&text).ok_or_else(|| DigestError::Malformed(path.display().to_string()))
}

/// The BLAKE3 of image bytes as 64 lowercase hex digits (what the digest file and a
/// hard-bound image's header record).
pub fn hex_digest(image_bytes: &[u8]) -> String {
    blake3::hash(image_bytes).to_hex().to_string()
}

/// Checks `bytes` (the contents of the image at `image`) against the recorded digest, and
/// returns it (64 hex digits, as [`hex_digest`]).
pub fn verify(image: &Path, bytes: &[u8]) -> Result<String, DigestError> {
    verify_hash(image, blake3::hash(bytes))
}

/// As [`verify`], for a caller that hashed the image's bytes itself (the runtime hashes a
/// mapped image in chunks, releasing each chunk's pages as it goes).
pub fn verify_hash(image: &Path, actual: blake3::Hash) -> Result<String, DigestError> {
    let expected = recorded_digest(image)?;
    // blake3::Hash compares in constant time.
    if actual == expected {
        Ok(actual.to_hex().to_string())
    } else {
        Err(DigestError::Mismatch {
            expected: expected.to_hex().to_string(),
            actual: actual.to_hex().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_b3sum_format_and_round_trips() {
        let line = digest_line(b"abc", "App.ni.so");
        assert_eq!(
            line,
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85  App.ni.so\n"
        );
        assert_eq!(parse_digest_line(&line), Some(blake3::hash(b"abc")));
        assert_eq!(parse_digest_line("zz  App.ni.so\n"), None);
        assert_eq!(parse_digest_line(""), None);
    }

    #[test]
    fn verify_accepts_the_recorded_bytes_and_rejects_others() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("App.ni.so");
        assert!(matches!(
            verify(&image, b"code"),
            Err(DigestError::Missing(_))
        ));
        std::fs::write(digest_path(&image), digest_line(b"code", "App.ni.so")).unwrap();
        assert_eq!(verify(&image, b"code"), Ok(hex_digest(b"code")));
        assert!(matches!(
            verify(&image, b"cods"),
            Err(DigestError::Mismatch { .. })
        ));
        std::fs::write(digest_path(&image), "not a digest\n").unwrap();
        assert!(matches!(
            verify(&image, b"code"),
            Err(DigestError::Malformed(_))
        ));
    }
}
