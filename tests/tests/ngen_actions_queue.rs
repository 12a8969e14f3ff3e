//! The deferred queue driven by hand: `install /queue:n`, `update /queue`,
//! `executeQueuedItems n`, `queue pause|continue|status`, and `ngen-build service` started
//! explicitly (as systemd's unit starts it): priority 1 first, then 2, then 3 only when idle
//! (forced with NGEN_IDLE), waiting while paused, resuming after a restart, yielding to manual
//! commands. The service started by `/queue` itself is tested in ngen_service.rs.

mod build_common;
mod queue_common;

use std::path::Path;

use build_common::{app, ok_with_cache};
use queue_common::*;

/// Queues without starting the service (ngen_tests::ngen_build() turns auto-start off).
fn queue_three(dir: &Path, cache: &Path) {
    ok_with_cache(dir, cache, &["install", "Tool.exe", "/queue:3"]);
    ok_with_cache(dir, cache, &["install", "App.exe", "/queue:1"]);
    ok_with_cache(dir, cache, &["install", "Leaf.dll", "/queue:2"]);
}

#[test]
fn queued_installs_wait_and_execute_queued_items_runs_them_by_priority() {
    let dir = app();
    let cache = dir.path().join("cache");
    queue_three(dir.path(), &cache);
    assert_eq!(roots(&cache), 0, "queued installs do nothing yet");
    let text = status(dir.path(), &cache);
    let p1 = text.find("priority 1: install").unwrap();
    let p2 = text.find("priority 2: install").unwrap();
    let p3 = text.find("priority 3: install").unwrap();
    assert!(p1 < p2 && p2 < p3, "{text}");
    assert!(
        text.contains("Service: stopped (`ngen-build service`"),
        "{text}"
    );
    // eqi 1 runs only priority 1; eqi with no priority runs the rest.
    ok_with_cache(dir.path(), &cache, &["eqi", "1"]);
    assert_eq!(executed(&cache), vec!["App.exe (default)"]);
    assert_eq!(pending(dir.path(), &cache), 2);
    ok_with_cache(dir.path(), &cache, &["executeQueuedItems"]);
    assert_eq!(
        executed(&cache),
        vec![
            "App.exe (default)",
            "Leaf.dll (default)",
            "Tool.exe (default)"
        ]
    );
    assert_eq!(roots(&cache), 3);
    // update /queue is always priority 3.
    ok_with_cache(dir.path(), &cache, &["update", "/queue"]);
    assert!(status(dir.path(), &cache).contains("priority 3: update"));
}

#[test]
fn service_runs_1_then_2_waits_for_idle_for_3_and_honours_pause() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = NoServiceLeft {
        dir: dir.path().into(),
        cache: cache.clone(),
    };
    queue_three(dir.path(), &cache);
    ok_with_cache(dir.path(), &cache, &["queue", "pause"]);
    let mut busy = service(dir.path(), &cache, "0", &[]);
    let context = || status(dir.path(), &cache);
    wait_until(
        "the paused service",
        || status(dir.path(), &cache).contains("), paused"),
        context,
    );
    assert_eq!(
        pending(dir.path(), &cache),
        3,
        "a paused queue runs nothing"
    );
    ok_with_cache(dir.path(), &cache, &["queue", "continue"]);
    // The machine is "busy" (NGEN_IDLE=0): 1 and 2 run, then the service waits for idle.
    wait_until(
        "priorities 1 and 2, then waiting for idle",
        || {
            let s = status(dir.path(), &cache);
            s.contains("Pending items: 1") && s.contains("waiting for an idle machine")
        },
        context,
    );
    assert!(
        busy.try_wait().unwrap().is_none(),
        "the service must wait, not exit"
    );
    assert_eq!(
        executed(&cache),
        vec!["App.exe (default)", "Leaf.dll (default)"]
    );
    // Stop it hard; the state survives; a restarted service on an idle machine finishes and exits.
    busy.kill().unwrap();
    busy.wait().unwrap();
    assert!(status(dir.path(), &cache).contains("Service: stopped"));
    let mut idle = service(dir.path(), &cache, "1", &[]);
    assert!(wait_exit(&mut idle).success());
    assert_eq!(
        executed(&cache),
        vec![
            "App.exe (default)",
            "Leaf.dll (default)",
            "Tool.exe (default)"
        ]
    );
    assert_eq!(pending(dir.path(), &cache), 0);
    assert_eq!(roots(&cache), 3);
    assert!(status(dir.path(), &cache).contains("Service: stopped"));
}

#[test]
fn the_service_yields_to_manual_commands_between_items() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = NoServiceLeft {
        dir: dir.path().into(),
        cache: cache.clone(),
    };
    ok_with_cache(dir.path(), &cache, &["install", "Leaf.dll", "/queue:1"]);
    // A live manual command (this test process) marks itself as running.
    let marker = cache
        .join(".local/manual")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
    std::fs::write(&marker, b"").unwrap();
    let mut svc = service(dir.path(), &cache, "1", &[]);
    wait_until(
        "the service to yield",
        || status(dir.path(), &cache).contains("yielding to a manual command"),
        || status(dir.path(), &cache),
    );
    assert_eq!(
        pending(dir.path(), &cache),
        1,
        "the service must wait for the manual command"
    );
    std::fs::remove_file(&marker).unwrap();
    assert!(wait_exit(&mut svc).success());
    assert_eq!(executed(&cache), vec!["Leaf.dll (default)"]);
    // A marker left by a dead process does not block it.
    ok_with_cache(dir.path(), &cache, &["install", "Tool.exe", "/queue:1"]);
    std::fs::write(cache.join(".local/manual/999999999"), b"").unwrap();
    assert!(wait_exit(&mut service(dir.path(), &cache, "1", &[])).success());
    assert_eq!(pending(dir.path(), &cache), 0);
}

#[test]
fn a_second_service_on_the_same_cache_exits_at_once() {
    let dir = app();
    let cache = dir.path().join("cache");
    let _cleanup = NoServiceLeft {
        dir: dir.path().into(),
        cache: cache.clone(),
    };
    ok_with_cache(dir.path(), &cache, &["install", "Tool.exe", "/queue:3"]);
    let mut first = service(dir.path(), &cache, "0", &[]);
    let context = || status(dir.path(), &cache);
    wait_until(
        "the first service to wait for idle",
        || status(dir.path(), &cache).contains("waiting for an idle machine"),
        context,
    );
    let pid = service_pid(dir.path(), &cache).unwrap();
    let second = command(dir.path(), &cache, "1", &["service"])
        .output()
        .unwrap();
    assert!(second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("already runs for") && err.contains(&format!("(pid {pid})")),
        "{err}"
    );
    assert_eq!(pending(dir.path(), &cache), 1, "the second one ran nothing");
    assert_eq!(service_pid(dir.path(), &cache), Some(pid));
    first.kill().unwrap();
    first.wait().unwrap();
}
