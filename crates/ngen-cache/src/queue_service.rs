//! The native image service's presence on a cache: the one-service lock, the status file
//! `queue status` reads, and the service log.
//!
//! - `.local/service.lock`: the service holds an exclusive `flock` on it for its whole life,
//!   so at most one service runs per cache and a killed service (even `kill -9`) frees it at
//!   once. Whether a service runs is whether that lock is held, never a pid that may have been
//!   reused.
//! - `.local/service.json`: pid, state and the item in progress, replaced atomically by the
//!   service whenever its state changes; meaningful only while the lock is held.
//! - `.local/service.log`: what the service did, one timestamped line per event plus the output
//!   of each item, so an installer's failure can be diagnosed afterwards. Started in the
//!   background, the service's stderr is this file; under systemd its stderr is the journal
//!   and lines go to both. Over 1 MiB at start, the log moves to `service.log.1`.
//!
//! The exit race (a service leaving just as an installer queues an item) is closed by order:
//! the service sees the queue empty and releases this lock while it holds the cache lock,
//! and `install /queue` pushes and then checks this lock while it holds the cache lock.
//!
//! Depends on [`crate::layout`], [`crate::fsutil`], [`crate::error`]; timestamps are
//! `humantime`'s RFC 3339.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{CacheError, Result};
use crate::fsutil;
use crate::layout::Layout;

/// Past this size at start, the log is rotated to `service.log.1`.
const LOG_ROTATE_BYTES: u64 = 1 << 20;

/// `.local/service.lock`.
pub fn lock_path(layout: &Layout) -> PathBuf {
    layout.local().join("service.lock")
}

/// `.local/service.json`.
pub fn status_path(layout: &Layout) -> PathBuf {
    layout.local().join("service.json")
}

/// `.local/service.log`.
pub fn log_path(layout: &Layout) -> PathBuf {
    layout.local().join("service.log")
}

fn open_lock_file(layout: &Layout) -> Result<File> {
    fsutil::create_dir_all(&layout.local())?;
    let path = lock_path(layout);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(fsutil::FILE_MODE)
        .open(&path)
        .map_err(|e| CacheError::io("cannot open", &path, e))
}

/// Held by the running service; dropping it removes the status file and frees the lock.
#[derive(Debug)]
pub struct ServiceLock {
    file: File,
    layout: Layout,
}

impl ServiceLock {
    /// Takes the service lock if no other service holds it.
    pub fn try_acquire(layout: &Layout) -> Result<Option<ServiceLock>> {
        let file = open_lock_file(layout)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ServiceLock {
                file,
                layout: layout.clone(),
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(CacheError::io("cannot lock", &lock_path(layout), e))
            }
        }
    }

    /// Records the service's state for `queue status`.
    pub fn set_status(&self, status: &ServiceStatus) -> Result<()> {
        let path = status_path(&self.layout);
        // Not `fsutil::write_atomic`: its staging directory belongs to the cache lock's
        // holder, which clears it; the status file is the service's own.
        let tmp = self.layout.local().join("service.json.tmp");
        let mut bytes = serde_json::to_vec_pretty(status).unwrap_or_default();
        bytes.push(b'\n');
        let _ = std::fs::remove_file(&tmp);
        fsutil::write_new_file(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path).map_err(|e| CacheError::io("cannot rename into", &path, e))
    }
}

impl Drop for ServiceLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(status_path(&self.layout));
        let _ = self.file.unlock();
    }
}

/// Whether a service holds the lock of this cache now.
pub fn is_running(layout: &Layout) -> bool {
    let Ok(file) = OpenOptions::new().read(true).open(lock_path(layout)) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// What the service is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ServiceState {
    /// Just started.
    Starting,
    /// Running an item.
    Executing {
        /// The item's sequence number.
        seq: u64,
        /// Its priority.
        priority: u8,
        /// What it does (`install /abs/App.exe (default)`).
        what: String,
    },
    /// Only priority-3 items are left and the machine is busy.
    WaitingForIdle {
        /// Why the machine is not idle (load, CPU share).
        reason: String,
    },
    /// `queue pause` is in effect.
    Paused,
    /// A manual command runs or waits for the cache.
    YieldingToManual,
    /// Another process holds the cache lock.
    WaitingForLock,
    /// The queue is empty and `--keep-running` keeps the service.
    WaitingForWork,
}

impl std::fmt::Display for ServiceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceState::Starting => write!(f, "starting"),
            ServiceState::Executing {
                seq,
                priority,
                what,
            } => write!(f, "executing item {seq} (priority {priority}): {what}"),
            ServiceState::WaitingForIdle { reason } => {
                write!(f, "waiting for an idle machine ({reason})")
            }
            ServiceState::Paused => write!(f, "paused (`ngen-build queue continue` resumes it)"),
            ServiceState::YieldingToManual => write!(f, "yielding to a manual command"),
            ServiceState::WaitingForLock => write!(f, "waiting for the cache lock"),
            ServiceState::WaitingForWork => write!(f, "waiting for work (the queue is empty)"),
        }
    }
}

/// The content of `.local/service.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// The service's process id.
    pub pid: u32,
    /// What it is doing.
    #[serde(flatten)]
    pub state: ServiceState,
}

/// The live service's status: `None` when no service holds the lock. A service that holds the
/// lock but has not written its status yet is `Starting`.
pub fn live_status(layout: &Layout) -> Option<ServiceStatus> {
    if !is_running(layout) {
        return None;
    }
    let read = std::fs::read(status_path(layout))
        .ok()
        .and_then(|b| serde_json::from_slice::<ServiceStatus>(&b).ok());
    Some(read.unwrap_or(ServiceStatus {
        pid: 0,
        state: ServiceState::Starting,
    }))
}

/// The service log: timestamped lines to `.local/service.log`, and to stderr when stderr is
/// something else (the journal under systemd, a terminal).
#[derive(Debug)]
pub struct ServiceLog {
    /// `None` when stderr is the log file itself (or the file cannot be opened).
    file: Option<File>,
}

impl ServiceLog {
    /// Opens (and, past 1 MiB, first rotates) the log of the cache at `layout`.
    pub fn open(layout: &Layout) -> ServiceLog {
        let path = log_path(layout);
        let _ = fsutil::create_dir_all(&layout.local());
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
            let _ = std::fs::rename(&path, layout.local().join("service.log.1"));
        }
        let file = open_append(&path).ok();
        let stderr_is_log = file.as_ref().is_some_and(stderr_is);
        ServiceLog {
            // When stderr is the log file, writing to stderr alone keeps one copy of each line.
            file: if stderr_is_log { None } else { file },
        }
    }

    /// Writes one line, prefixed with the UTC time and the pid.
    pub fn line(&self, message: &str) {
        let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
        let mut text = String::new();
        for part in message.lines() {
            text.push_str(&format!("{stamp} [{}] {part}\n", std::process::id()));
        }
        // One write per message with O_APPEND: lines of concurrent writers do not interleave.
        if let Some(mut f) = self.file.as_ref() {
            let _ = f.write_all(text.as_bytes());
        }
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// Opens the log for appending, creating it 0644 (for the service's stdio when spawned too).
pub fn open_append(path: &std::path::Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(fsutil::FILE_MODE)
        .open(path)
}

/// Whether this process's stderr is the file `file` (same device and inode).
fn stderr_is(file: &File) -> bool {
    let (Ok(log), Ok(err)) = (file.metadata(), std::fs::metadata("/proc/self/fd/2")) else {
        return false;
    };
    log.dev() == err.dev() && log.ino() == err.ino()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_service_per_cache_and_status_only_while_locked() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        assert!(!is_running(&layout));
        assert_eq!(live_status(&layout), None);
        let lock = ServiceLock::try_acquire(&layout).unwrap().unwrap();
        // flock is per open file description: a second open in this process conflicts too.
        assert!(ServiceLock::try_acquire(&layout).unwrap().is_none());
        assert!(is_running(&layout));
        assert_eq!(live_status(&layout).unwrap().state, ServiceState::Starting);
        let status = ServiceStatus {
            pid: 42,
            state: ServiceState::Executing {
                seq: 3,
                priority: 1,
                what: "install /x/App.exe (default)".into(),
            },
        };
        lock.set_status(&status).unwrap();
        assert_eq!(live_status(&layout), Some(status));
        drop(lock);
        assert!(!is_running(&layout));
        assert_eq!(live_status(&layout), None);
        assert!(!status_path(&layout).exists());
        assert!(ServiceLock::try_acquire(&layout).unwrap().is_some());
    }

    #[test]
    fn the_log_appends_timestamped_lines() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let log = ServiceLog::open(&layout);
        log.line("first");
        log.line("second\nthird");
        let text = std::fs::read_to_string(log_path(&layout)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].ends_with("] first") && lines[0].contains("Z ["),
            "{text}"
        );
        assert!(lines[2].ends_with("] third"), "{text}");
    }
}
