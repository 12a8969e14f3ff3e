//! Verification stamps: the runtime's memo that an image file, as identified by its metadata,
//! was hashed and had its recorded digest, so a later run may skip hashing it again.
//!
//! The model is the build tool's input memo (docs/cache-layout.md, *Fast path*): a file whose
//! (size, mtime, ctime, inode, device) are unchanged has unchanged bytes, because any write
//! through the file system updates ctime, which no one but root can set back, and a replaced
//! file has a new inode. A file changed less than [`RACY_NANOS`] before it was hashed gets no
//! stamp, so a change in the same timestamp tick as the hash cannot be missed ("racy git").
//!
//! A stamp is one line, `v1 <size> <mtime ns> <ctime ns> <BLAKE3 hex>`, in a file named
//! `<device>-<inode>` in a per-user directory ([`stamp_dir`]: `$XDG_CACHE_HOME` or
//! `~/.cache`, then `ngen-build-verified`; not inside `ngen-build`, which is a user's default
//! image cache), never next to the image: a cache directory stays exactly what the build wrote. A stamp is used only when it and every directory from the
//! base down to it are trusted as images are ([`crate::trust`]: writable by no one but their
//! owner, this user or root), and only for the digest recorded next to the image now: whoever
//! could forge a stamp could rewrite the digest file too.
//!
//! Every failure (no home, unreadable, untrusted, malformed, read-only) means "no stamp": the
//! image is hashed, as it would be without this module. `NGEN_VERIFIED_STAMPS=0` turns stamps
//! off (benchmarks of the hash itself).
//!
//! Depends on `blake3` (the digest type) and [`crate::trust`].

use std::fs::Metadata;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How long before hashing a file must have last changed for its hash to be stamped.
pub const RACY_NANOS: i128 = 2_000_000_000;

/// What identifies a file's contents without reading them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    pub device: u64,
    pub inode: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileIdentity {
    /// The identity of an open file's metadata (`File::metadata`, an `fstat`).
    pub fn of(meta: &Metadata) -> FileIdentity {
        FileIdentity {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }

    /// Whether the file changed so shortly before `now_ns` that a change in the same
    /// timestamp tick could follow unnoticed.
    pub fn is_racy(&self, now_ns: i128) -> bool {
        now_ns - self.mtime_ns.max(self.ctime_ns) < RACY_NANOS
    }

    fn file_name(&self) -> String {
        format!("{}-{}", self.device, self.inode)
    }

    fn line(&self, digest: &blake3::Hash) -> String {
        format!(
            "v1 {} {} {} {}\n",
            self.size,
            self.mtime_ns,
            self.ctime_ns,
            digest.to_hex()
        )
    }
}

/// The per-user stamp directory and the base its trust is checked from, unless stamps are
/// off or there is no home.
pub fn stamp_dir() -> Option<(PathBuf, PathBuf)> {
    if std::env::var_os("NGEN_VERIFIED_STAMPS").is_some_and(|v| v == "0") {
        return None;
    }
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(cache) => PathBuf::from(cache),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    base.is_absolute()
        .then(|| (base.join("ngen-build-verified"), base))
}

/// Whether `dir` holds a trusted stamp saying the file with `identity` has `digest`.
pub fn is_stamped(dir: &Path, base: &Path, identity: &FileIdentity, digest: &blake3::Hash) -> bool {
    let path = dir.join(identity.file_name());
    let Ok(text) = std::fs::read_to_string(&path) else {
        return false;
    };
    // Trust is checked after reading: a stamp swapped in between is still one this user (or
    // root) wrote, since the directories above it let no one else write.
    crate::trust::check_chain(base, &path).is_ok() && text == identity.line(digest)
}

/// Records that the file with `identity` has `digest`, unless it changed within
/// [`RACY_NANOS`] of `now_ns`. Best effort: a failure leaves no stamp (written to a temporary
/// file and renamed, so a reader never sees half a stamp).
pub fn stamp(dir: &Path, identity: &FileIdentity, digest: &blake3::Hash, now_ns: i128) {
    if identity.is_racy(now_ns) {
        return;
    }
    let _ = write_stamp(dir, identity, digest);
}

fn write_stamp(dir: &Path, identity: &FileIdentity, digest: &blake3::Hash) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let path = dir.join(identity.file_name());
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        identity.file_name(),
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(identity.line(digest).as_bytes())?;
    drop(file);
    std::fs::rename(&temp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// Nanoseconds since the Unix epoch, as file times count them.
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity_of(path: &Path) -> FileIdentity {
        FileIdentity::of(&std::fs::metadata(path).unwrap())
    }

    /// A home directory holding an image `App.ni.so` with the bytes `code`: the home, the
    /// image, its digest and identity.
    fn home_with_image() -> (tempfile::TempDir, PathBuf, blake3::Hash, FileIdentity) {
        let home = tempfile::tempdir().unwrap();
        let image = home.path().join("App.ni.so");
        std::fs::write(&image, b"code").unwrap();
        let id = identity_of(&image);
        (home, image, blake3::hash(b"code"), id)
    }

    #[test]
    fn a_stamp_holds_only_while_the_file_and_its_digest_are_unchanged() {
        let (home, image, digest, id) = home_with_image();
        let dir = home.path().join("ngen-build-verified");
        let later = id.ctime_ns.max(id.mtime_ns) + RACY_NANOS;

        // Just written: racy, so no stamp.
        stamp(&dir, &id, &digest, later - 1);
        assert!(!is_stamped(&dir, home.path(), &id, &digest));

        stamp(&dir, &id, &digest, later);
        assert!(is_stamped(&dir, home.path(), &id, &digest));
        // Another digest recorded next to the image now: the stamp does not vouch for it.
        assert!(!is_stamped(&dir, home.path(), &id, &blake3::hash(b"cods")));

        // Rewritten in place with the same size: ctime moves, the stamp no longer matches.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&image, b"cods").unwrap();
        let changed = identity_of(&image);
        assert_ne!(changed, id);
        assert!(!is_stamped(&dir, home.path(), &changed, &digest));
    }

    #[test]
    fn a_stamp_in_a_directory_others_can_write_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let (home, _image, digest, id) = home_with_image();
        let dir = home.path().join("verified");
        stamp(&dir, &id, &digest, now_ns() + RACY_NANOS);
        assert!(is_stamped(&dir, home.path(), &id, &digest));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!is_stamped(&dir, home.path(), &id, &digest));
    }
}
