//! Starting the native image service in the background, as Ngen does when an installer runs
//! `install … /queue` or `update /queue` (and here also on `queue continue`).
//!
//! The service is this executable's `service` command on the same cache, detached: a new
//! session (`setsid`, so closing the installer's terminal does not stop it), the root directory
//! as its working directory, stdin from `/dev/null`, stdout and stderr appended to
//! `.local/service.log`. The caller holds the cache lock and has saved the queue, so a service
//! that is about to leave either still sees the new item or has already released the service
//! lock (see `ngen_cache::queue_service`). Two installers racing to start one service start
//! two processes at worst; the second finds the service lock taken and exits at once.
//!
//! `NGEN_SERVICE_AUTOSTART=0` turns this off, for machines where systemd's units
//! (`systemd/`) run the service, or scripts that run `executeQueuedItems` themselves.
//!
//! Depends on `ngen_cache::{queue, queue_service}` and libc (`setsid`).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use ngen_cache::LockedCache;
use ngen_cache::queue::QueueState;
use ngen_cache::queue_service;

/// What [`start_if_needed`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// Spawned a service with this pid.
    Started(u32),
    /// A service already runs on this cache.
    AlreadyRunning,
    /// `queue pause` is in effect.
    Paused,
    /// Nothing is queued.
    NothingQueued,
    /// `NGEN_SERVICE_AUTOSTART=0`.
    Disabled,
}

/// Whether `NGEN_SERVICE_AUTOSTART` turns auto-start off.
fn disabled() -> bool {
    matches!(
        std::env::var("NGEN_SERVICE_AUTOSTART").ok().as_deref(),
        Some("0") | Some("false") | Some("no") | Some("never")
    )
}

/// Starts the service for the locked cache unless it is paused, empty, already served, or
/// auto-start is off.
pub(crate) fn start_if_needed(locked: &LockedCache) -> std::io::Result<Start> {
    let layout = locked.layout();
    if disabled() {
        return Ok(Start::Disabled);
    }
    let queue = QueueState::load(layout).map_err(std::io::Error::other)?;
    if queue.items.is_empty() {
        return Ok(Start::NothingQueued);
    }
    if queue.paused {
        return Ok(Start::Paused);
    }
    if queue_service::is_running(layout) {
        return Ok(Start::AlreadyRunning);
    }
    spawn_detached(layout.root()).map(Start::Started)
}

fn spawn_detached(cache_dir: &Path) -> std::io::Result<u32> {
    let cache_dir = std::path::absolute(cache_dir)?;
    let layout = ngen_cache::Layout::new(&cache_dir);
    let log = queue_service::open_append(&queue_service::log_path(&layout))?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("service")
        .arg("--cache-dir")
        .arg(&cache_dir)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Not waited for: the command returns at once and the service is adopted by init.
    Ok(command.spawn()?.id())
}

/// After a command queued work: start the service and say so (unless `silent`). A failure to
/// start is a warning: the item stays queued for `service` or `executeQueuedItems`.
pub(crate) fn after_queueing(locked: &LockedCache, silent: bool) {
    match start_if_needed(locked) {
        Ok(Start::Started(pid)) if !silent => eprintln!(
            "     Started the native image service (pid {pid}); `ngen-build queue status` follows it"
        ),
        Ok(Start::Paused) if !silent => eprintln!(
            "      The queue is paused: the service starts on `ngen-build queue continue`"
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "warning: could not start the native image service: {e}; the work stays queued for \
             `ngen-build service` or `ngen-build executeQueuedItems`"
        ),
    }
}
