//! Shared helpers of the queue and service tests (ngen_actions_queue.rs, ngen_service.rs):
//! running ngen-build against one cache with or without the background service, reading what
//! the queue executed, waiting for conditions with a generous deadline (never for a time), and
//! making sure no test leaves a service behind.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Generous: a loaded 2-core machine compiling in debug mode can be slow.
pub const DEADLINE: Duration = Duration::from_secs(240);

/// `ngen-build args...` in `dir` on `cache`, with the machine forced idle or busy
/// (`NGEN_IDLE`), fast polling, and background auto-start as installers get it.
pub fn command(dir: &Path, cache: &Path, idle: &str, args: &[&str]) -> Command {
    let mut c = ngen_tests::ngen_build();
    c.current_dir(dir)
        .env("NGEN_CACHE", cache)
        .env("NGEN_IDLE", idle)
        .env("NGEN_SERVICE_POLL_MS", "50")
        .env_remove("NGEN_SERVICE_AUTOSTART")
        .args(args);
    c
}

/// Runs it, asserting success; returns stderr.
pub fn ok(dir: &Path, cache: &Path, idle: &str, args: &[&str]) -> String {
    let out: Output = command(dir, cache, idle, args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ngen-build {args:?} failed:\n{err}");
    err
}

/// `queue status` (stdout).
pub fn status(dir: &Path, cache: &Path) -> String {
    let out = command(dir, cache, "0", &["queue", "status"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number of pending items, from `queue status`.
pub fn pending(dir: &Path, cache: &Path) -> usize {
    status(dir, cache)
        .lines()
        .find_map(|l| l.strip_prefix("Pending items: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("queue status prints the pending count")
}

/// The pid of the running service, from `queue status`.
pub fn service_pid(dir: &Path, cache: &Path) -> Option<u32> {
    let text = status(dir, cache);
    let rest = text
        .lines()
        .find_map(|l| l.strip_prefix("Service: running (pid "))?;
    rest.split(')').next()?.parse().ok().filter(|p| *p != 0)
}

/// A service started by hand (as systemd's unit starts it).
pub fn service(dir: &Path, cache: &Path, idle: &str, extra: &[&str]) -> Child {
    let mut args = vec!["service"];
    args.extend_from_slice(extra);
    command(dir, cache, idle, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `cond` holds, failing after [`DEADLINE`] with `what` and `context()`.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool, context: impl Fn() -> String) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for a child service to exit; its exit status.
pub fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(start.elapsed() < DEADLINE, "the service did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `what` of each executed item (file name and scenario), in execution order.
pub fn executed(cache: &Path) -> Vec<String> {
    std::fs::read_to_string(cache.join(".local/queue.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["what"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .map(|w| w.split('/').next_back().unwrap_or("").to_string())
        .collect()
}

/// Number of roots in the cache's index.
pub fn roots(cache: &Path) -> usize {
    std::fs::read(cache.join("index.json"))
        .ok()
        .map(|b| {
            serde_json::from_slice::<serde_json::Value>(&b).unwrap()["roots"]
                .as_array()
                .unwrap()
                .len()
        })
        .unwrap_or(0)
}

/// The service log.
pub fn service_log(cache: &Path) -> String {
    std::fs::read_to_string(cache.join(".local/service.log")).unwrap_or_default()
}

/// Kills whatever service still runs on the cache when a test ends, pass or fail.
pub struct NoServiceLeft {
    pub dir: PathBuf,
    pub cache: PathBuf,
}

impl Drop for NoServiceLeft {
    fn drop(&mut self) {
        // No assertion here: this may run while a failed test unwinds.
        let Ok(out) = command(&self.dir, &self.cache, "0", &["queue", "status"]).output() else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let pid = text
            .lines()
            .find_map(|l| l.strip_prefix("Service: running (pid "))
            .and_then(|rest| rest.split(')').next())
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p != 0);
        if let Some(pid) = pid {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}
