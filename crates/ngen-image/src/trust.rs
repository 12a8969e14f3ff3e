//! Whether a file or directory may hold native images: no one but its owner (this user or
//! root) may be able to write it, as ssh requires of private keys.
//!
//! The model: an image is code that the runtime maps and runs, often as root (installers,
//! services). A digest (see [`crate::digest`]) proves the bytes are the ones the writer
//! recorded, but whoever can write the directory can rewrite the image and its digest
//! together. So the runtime and the cache refuse an image, image directory or cache directory
//! that is group- or world-writable, or owned by another user who is not root, and say how to
//! fix it (`chmod go-w …`, `chown …`).
//!
//! Depends on `libc` (the effective uid) and the standard library's Unix metadata.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Why a path cannot be trusted to hold images.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UntrustedPath {
    /// Group- or world-writable.
    #[error(
        "permissions {mode:04o} for '{path}' are too open: other users could replace the native \
         code it holds; run `chmod go-w '{path}'`"
    )]
    TooOpen { path: String, mode: u32 },
    /// Owned by another user who is not root.
    #[error(
        "'{path}' is owned by uid {owner}, not by this user (uid {me}) or root: that user could \
         replace the native code it holds; run `chown {me} '{path}'` or use a cache you own"
    )]
    ForeignOwner { path: String, owner: u32, me: u32 },
    /// Its metadata cannot be read.
    #[error("cannot check '{path}': {message}")]
    Unreadable { path: String, message: String },
}

/// The effective user id of this process.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Checks one file or directory (symbolic links followed).
pub fn check_path(path: &Path) -> Result<(), UntrustedPath> {
    let meta = std::fs::metadata(path).map_err(|e| UntrustedPath::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    check_metadata(path, meta.mode(), meta.uid(), effective_uid())
}

/// The rule, on already-read metadata (`mode` as `st_mode`, `owner` as `st_uid`).
pub fn check_metadata(path: &Path, mode: u32, owner: u32, me: u32) -> Result<(), UntrustedPath> {
    if owner != me && owner != 0 {
        return Err(UntrustedPath::ForeignOwner {
            path: path.display().to_string(),
            owner,
            me,
        });
    }
    if mode & 0o022 != 0 {
        return Err(UntrustedPath::TooOpen {
            path: path.display().to_string(),
            mode: mode & 0o7777,
        });
    }
    Ok(())
}

/// Checks `path` and every directory between it and `root` (both included). `path` must be
/// under `root`; when it is not, only `path` and its own directory are checked.
pub fn check_chain(root: &Path, path: &Path) -> Result<(), UntrustedPath> {
    check_path(path)?;
    let mut dir = path.parent();
    while let Some(d) = dir {
        check_path(d)?;
        if d == root || !d.starts_with(root) {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_refuses_writable_by_others_and_foreign_owners() {
        let p = Path::new("/c/App.ni.so");
        assert_eq!(check_metadata(p, 0o100644, 1000, 1000), Ok(()));
        assert_eq!(check_metadata(p, 0o100755, 0, 1000), Ok(()));
        assert_eq!(check_metadata(p, 0o040700, 0, 0), Ok(()));
        let open = check_metadata(p, 0o100666, 0, 0).unwrap_err();
        assert_eq!(
            open.to_string(),
            "permissions 0666 for '/c/App.ni.so' are too open: other users could replace the \
             native code it holds; run `chmod go-w '/c/App.ni.so'`"
        );
        assert!(matches!(
            check_metadata(p, 0o040775, 0, 0),
            Err(UntrustedPath::TooOpen { mode: 0o775, .. })
        ));
        let foreign = check_metadata(p, 0o100644, 1000, 0).unwrap_err();
        assert!(
            foreign.to_string().contains("owned by uid 1000"),
            "{foreign}"
        );
        assert!(foreign.to_string().contains("chown 0 '/c/App.ni.so'"));
    }

    #[test]
    fn chain_checks_every_directory_up_to_the_root() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        std::fs::create_dir_all(&dir).unwrap();
        for d in [root.path().join("a"), dir.clone()] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let file = dir.join("X.ni.so");
        std::fs::write(&file, b"").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check_chain(root.path(), &file), Ok(()));
        std::fs::set_permissions(
            root.path().join("a"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        let err = check_chain(root.path(), &file).unwrap_err();
        assert!(
            matches!(&err, UntrustedPath::TooOpen { path, mode: 0o777 } if path.ends_with("/a")),
            "{err}"
        );
    }
}
