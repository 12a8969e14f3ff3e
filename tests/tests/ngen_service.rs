//! The native image service as Ngen's installers meet it: started in the background by
//! `install /queue` and `update /queue` (at most one per cache, not while paused), exiting when
//! the queue is empty, priority 3 only on a machine measured idle, manual commands first (the
//! item in progress is stopped and redone), resumed after `kill -9`, its status and log, and
//! the systemd units shipped in `systemd/`. Conditions are awaited with generous deadlines;
//! nothing is timed.

mod build_common;
mod queue_common;

use std::path::Path;
use std::process::{Command, Stdio};

use build_common::app;
use queue_common::*;

fn cleanup(dir: &Path, cache: &Path) -> NoServiceLeft {
    NoServiceLeft {
        dir: dir.into(),
        cache: cache.into(),
    }
}

fn stopped(dir: &Path, cache: &Path) -> bool {
    status(dir, cache).contains("Service: stopped")
}

#[test]
fn install_queue_starts_the_service_which_runs_everything_and_exits() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = cleanup(dir.path(), &cache);
    let err = ok(dir.path(), &cache, "1", &["install", "App.exe", "/queue:1"]);
    assert!(
        err.contains("Queued install") && err.contains("at priority 1"),
        "{err}"
    );
    assert!(
        err.contains("Started the native image service (pid "),
        "{err}"
    );
    ok(
        dir.path(),
        &cache,
        "1",
        &["install", "Tool.exe", "/queue:2"],
    );
    ok(dir.path(), &cache, "1", &["update", "/queue"]);
    let context = || format!("{}\n{}", status(dir.path(), &cache), service_log(&cache));
    wait_until(
        "the queue to empty and the service to stop",
        || pending(dir.path(), &cache) == 0 && stopped(dir.path(), &cache),
        context,
    );
    assert_eq!(roots(&cache), 2);
    let done = executed(&cache);
    assert_eq!(done.len(), 3, "{done:?}");
    // The log in the cache tells what happened, with each item's own output.
    let log = service_log(&cache);
    assert!(log.contains("service started for"), "{log}");
    assert!(
        log.contains("executing item 0 (priority 1): install"),
        "{log}"
    );
    assert!(
        log.contains("item 0: ") && log.contains("Compiled"),
        "{log}"
    );
    assert!(log.contains("item 0 done"), "{log}");
    assert!(
        log.trim_end()
            .ends_with("service stopped: the queue is empty"),
        "{log}"
    );
}

#[test]
fn one_service_per_cache_none_while_paused_and_continue_starts_it() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = cleanup(dir.path(), &cache);
    // Paused, as Ngen recommends during an installation: queued, nothing starts.
    ok(dir.path(), &cache, "1", &["queue", "pause"]);
    let err = ok(dir.path(), &cache, "1", &["install", "App.exe", "/queue:1"]);
    assert!(err.contains("The queue is paused"), "{err}");
    assert!(!err.contains("Started"), "{err}");
    assert!(stopped(dir.path(), &cache));
    // Continue starts it; on a busy machine the priority-3 item keeps it running.
    ok(
        dir.path(),
        &cache,
        "0",
        &["install", "Tool.exe", "/queue:3"],
    );
    let err = ok(dir.path(), &cache, "0", &["queue", "continue"]);
    assert!(err.contains("Started the native image service"), "{err}");
    let context = || format!("{}\n{}", status(dir.path(), &cache), service_log(&cache));
    wait_until(
        "priority 1 done, priority 3 waiting for idle",
        || {
            let s = status(dir.path(), &cache);
            s.contains("Pending items: 1") && s.contains("waiting for an idle machine")
        },
        context,
    );
    // Running: another /queue does not start a second one.
    let pid = service_pid(dir.path(), &cache).unwrap();
    let err = ok(
        dir.path(),
        &cache,
        "0",
        &["install", "Leaf.dll", "/queue:3"],
    );
    assert!(!err.contains("Started"), "{err}");
    assert_eq!(service_pid(dir.path(), &cache), Some(pid));
    assert_eq!(
        service_log(&cache).matches("service started for").count(),
        1
    );
    // A manual executeQueuedItems runs the rest; the service then finds the queue empty.
    ok(dir.path(), &cache, "0", &["executeQueuedItems"]);
    wait_until(
        "the service to stop",
        || stopped(dir.path(), &cache),
        context,
    );
    assert_eq!(roots(&cache), 3);
}

/// A service that measures idleness (not forced): any load average passes, the CPU share of
/// other processes over the window decides.
fn measuring_service(dir: &Path, cache: &Path, max_cpu: &str, window: &str) -> std::process::Child {
    let args = [
        "--idle-load",
        "1000",
        "--idle-cpu",
        max_cpu,
        "--idle-window",
        window,
    ];
    service(dir, cache, "measure", &args)
}

#[test]
fn priority_3_waits_for_a_machine_measured_idle() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = cleanup(dir.path(), &cache);
    ok(dir.path(), &cache, "0", &["queue", "pause"]);
    ok(
        dir.path(),
        &cache,
        "0",
        &["install", "Tool.exe", "/queue:3"],
    );
    // Keep one CPU busy: other processes' share is then at least 1/CPUs, above 10 %.
    let mut spinner = Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut svc = measuring_service(dir.path(), &cache, "10", "2");
    ok(dir.path(), &cache, "0", &["queue", "continue"]);
    let context = || format!("{}\n{}", status(dir.path(), &cache), service_log(&cache));
    wait_until(
        "a full window measured busy",
        || {
            let s = status(dir.path(), &cache);
            s.contains("waiting for an idle machine") && s.contains("% > 10% over")
        },
        context,
    );
    assert_eq!(pending(dir.path(), &cache), 1, "busy: priority 3 must wait");
    spinner.kill().unwrap();
    spinner.wait().unwrap();
    // Whether this shared machine is now quiet is not ours to know: a service whose thresholds
    // any machine meets, still measuring over a window, runs the item once it has watched it.
    svc.kill().unwrap();
    svc.wait().unwrap();
    let mut svc = measuring_service(dir.path(), &cache, "100", "1");
    assert!(wait_exit(&mut svc).success(), "{}", context());
    assert_eq!(executed(&cache), vec!["Tool.exe (default)"]);
}

/// A queued item long enough to be caught in progress: the app with its framework closure
/// (mscorlib, System, ...) compiled.
fn queue_long_item(dir: &Path, cache: &Path) {
    ok(
        dir,
        cache,
        "1",
        &["install", "App.exe", "--compile-framework", "/queue:1"],
    );
}

fn wait_executing(dir: &Path, cache: &Path) -> String {
    let mut last = String::new();
    wait_until(
        "the service to be executing the item",
        || {
            last = status(dir, cache);
            last.contains("executing item 0")
        },
        || service_log(cache),
    );
    last
}

#[test]
fn a_manual_command_stops_the_item_in_progress_which_runs_again_afterwards() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = cleanup(dir.path(), &cache);
    queue_long_item(dir.path(), &cache);
    let during = wait_executing(dir.path(), &cache);
    // Status: state, pid, the item in progress and what remains.
    assert!(during.contains("Service: running (pid "), "{during}");
    assert!(during.contains("(in progress)"), "{during}");
    assert!(during.contains("Pending items: 1"), "{during}");
    // A manual install takes the cache first.
    ok(dir.path(), &cache, "1", &["install", "Tool.exe"]);
    let context = || format!("{}\n{}", status(dir.path(), &cache), service_log(&cache));
    wait_until(
        "the service to say it stopped the item",
        || service_log(&cache).contains("stopped item 0 for a manual command; it runs again"),
        context,
    );
    // Then the service finishes the item and leaves.
    wait_until(
        "the item, then the service's exit",
        || pending(dir.path(), &cache) == 0 && stopped(dir.path(), &cache),
        context,
    );
    assert!(service_log(&cache).contains("item 0 done"));
    assert_eq!(roots(&cache), 2);
}

#[test]
fn after_kill_9_of_the_service_the_item_is_still_queued_and_a_restart_finishes_it() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = cleanup(dir.path(), &cache);
    queue_long_item(dir.path(), &cache);
    wait_executing(dir.path(), &cache);
    let pid = service_pid(dir.path(), &cache).unwrap();
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    // The service's lock goes with it, and its item process dies with it (it would otherwise
    // keep the cache locked).
    let context = || format!("{}\n{}", status(dir.path(), &cache), service_log(&cache));
    wait_until(
        "the service to be gone",
        || stopped(dir.path(), &cache),
        context,
    );
    assert_eq!(pending(dir.path(), &cache), 1, "the item survives the kill");
    assert_eq!(roots(&cache), 0);
    // As at boot (systemd's timer runs `ngen-build service`): it resumes and finishes.
    let mut restarted = service(dir.path(), &cache, "1", &[]);
    assert!(wait_exit(&mut restarted).success(), "{}", context());
    assert_eq!(pending(dir.path(), &cache), 0);
    assert_eq!(roots(&cache), 1);
    assert_eq!(executed(&cache), vec!["App.exe (default)"]);
    // A manual command finds a consistent cache.
    ok(
        dir.path(),
        &cache,
        "1",
        &["install", "App.exe", "--compile-framework"],
    );
}

#[test]
fn the_systemd_units_verify() {
    let units = ngen_tests::workspace_root().join("systemd");
    let service = std::fs::read_to_string(units.join("ngen-build.service")).unwrap();
    let timer = std::fs::read_to_string(units.join("ngen-build.timer")).unwrap();
    assert!(service.contains("ExecStart=/usr/local/bin/ngen-build service\n"));
    assert!(timer.contains("Unit=ngen-build.service"));
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        ngen_tests::skip_loudly(
            "the_systemd_units_verify",
            "systemd-analyze is not installed (apt-get install systemd)",
        );
        return;
    }
    // verify checks that ExecStart's program exists: point it at the binary under test.
    let tmp = ngen_tests::temp_dir();
    let bin = ngen_tests::ngen_build_bin();
    std::fs::write(
        tmp.path().join("ngen-build.service"),
        service.replace("/usr/local/bin/ngen-build", &bin.display().to_string()),
    )
    .unwrap();
    std::fs::write(tmp.path().join("ngen-build.timer"), &timer).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(tmp.path().join("ngen-build.service"))
        .arg(tmp.path().join("ngen-build.timer"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.trim().is_empty(), "systemd-analyze warns:\n{err}");
    // The unit's command line is one the binary accepts.
    let help = ngen_tests::ngen_build()
        .args(["service", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
}
