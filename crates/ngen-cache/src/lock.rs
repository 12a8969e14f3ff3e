//! Inter-process locking of a cache: an advisory `flock` on `<cache>/.local/lock`.
//!
//! Writers (build, install, uninstall, update, queue changes) hold the exclusive lock for the
//! whole operation; readers (display, explain, queue status) take it shared. The lock is
//! released by the kernel when a process dies, so a `kill -9` never leaves a stale lock.
//! Manual commands also drop a marker in `.local/manual/` while they run, so the background
//! service can yield to them (Ngen: "manual commands take precedence").
//!
//! A command that has to wait says so once on stderr (`Blocking waiting for the lock on the
//! cache DIR (another ngen-build is using it)`, as Cargo does), so a wait never looks like a hang.
//!
//! Depends on [`crate::error`] and [`crate::fsutil`]; the lock is the standard library's
//! `File::lock`.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{CacheError, Result};
use crate::fsutil::create_dir_all;

/// A held lock; dropping it unlocks.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

impl CacheLock {
    fn open(local: &Path) -> Result<File> {
        create_dir_all(local)?;
        let path = local.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .read(true)
            .mode(crate::fsutil::FILE_MODE)
            .open(&path)
            .map_err(|e| CacheError::io("cannot open lock file", &path, e))?;
        // Whatever the umask (best effort: only the owner can change it, and only the mode of
        // a file in `.local` is at stake).
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(crate::fsutil::FILE_MODE));
        Ok(file)
    }

    /// Blocks until this process holds the exclusive lock.
    pub fn exclusive(local: &Path) -> Result<CacheLock> {
        let file = Self::open(local)?;
        match file.try_lock() {
            Ok(()) => return Ok(CacheLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => say_waiting(local),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(CacheError::io("cannot lock", &local.join("lock"), e));
            }
        }
        file.lock()
            .map_err(|e| CacheError::io("cannot lock", &local.join("lock"), e))?;
        Ok(CacheLock { _file: file })
    }

    /// Takes the exclusive lock if free.
    pub fn try_exclusive(local: &Path) -> Result<Option<CacheLock>> {
        let file = Self::open(local)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(CacheLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(CacheError::io("cannot lock", &local.join("lock"), e))
            }
        }
    }

    /// Blocks until this process holds a shared lock. Falls back to no lock when the cache
    /// directory cannot be written (a read-only cache can still be displayed).
    pub fn shared(local: &Path) -> Option<CacheLock> {
        let file = Self::open(local).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                say_waiting(local);
                file.lock_shared().ok()?;
            }
            Err(std::fs::TryLockError::Error(_)) => return None,
        }
        Some(CacheLock { _file: file })
    }
}

/// The one line a command prints before it blocks on the lock.
fn say_waiting(local: &Path) {
    let cache = local.parent().unwrap_or(local);
    eprintln!(
        "    Blocking waiting for the lock on the cache {} (another ngen-build is using it)",
        cache.display()
    );
}

/// While alive, tells the service that a manual command is running or waiting.
#[derive(Debug)]
pub struct ManualMarker {
    path: Option<PathBuf>,
}

impl ManualMarker {
    /// Registers this process as a manual command on the cache whose local dir is `local`.
    pub fn register(local: &Path) -> ManualMarker {
        let dir = local.join("manual");
        let path = dir.join(std::process::id().to_string());
        // Best effort: a marker that cannot be written only makes the service less polite.
        let _ = create_dir_all(&dir).and_then(|()| crate::fsutil::write_new_file(&path, b""));
        ManualMarker { path: Some(path) }
    }

    /// No marker (the service itself).
    pub fn none() -> ManualMarker {
        ManualMarker { path: None }
    }

    /// Whether some live process other than this one is a manual command. Markers of dead
    /// processes (killed mid-command) are removed.
    pub fn others_active(local: &Path) -> bool {
        let Ok(entries) = std::fs::read_dir(local.join("manual")) else {
            return false;
        };
        let me = std::process::id().to_string();
        let mut active = false;
        for entry in entries.flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if pid == me {
                continue;
            }
            if Path::new("/proc").join(&pid).exists() {
                active = true;
            } else {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        active
    }
}

impl Drop for ManualMarker {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}
