//! The deferred queue: `install /queue:n`, `update /queue`, `executeQueuedItems n`,
//! `queue pause|continue|status`, and the service — priority 1 first, then 2, then 3 only
//! when idle (forced with NGEN_IDLE), waiting while paused, resuming after a restart.

mod build_common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use build_common::*;

fn ok(dir: &Path, cache: &Path, args: &[&str]) -> String {
    stdout(&ok_with_cache(dir, cache, args))
}

/// The `what` of each executed item, in execution order.
fn executed(cache: &Path) -> Vec<String> {
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

fn roots(cache: &Path) -> usize {
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

fn queue_three(dir: &Path, cache: &Path) {
    ok(dir, cache, &["install", "Tool.exe", "/queue:3"]);
    ok(dir, cache, &["install", "App.exe", "/queue:1"]);
    ok(dir, cache, &["install", "Leaf.dll", "/queue:2"]);
}

fn service(dir: &Path, cache: &Path, idle: &str) -> Child {
    ngen_tests::ngen_build()
        .current_dir(dir)
        .env("NGEN_CACHE", cache)
        .env("NGEN_IDLE", idle)
        .args(["service", "--poll-ms", "50"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn queued_installs_wait_and_execute_queued_items_runs_them_by_priority() {
    let dir = app();
    let cache = dir.path().join("cache");
    queue_three(dir.path(), &cache);
    assert_eq!(roots(&cache), 0, "queued installs do nothing yet");
    let status = ok(dir.path(), &cache, &["queue", "status"]);
    let p1 = status.find("priority 1: install").unwrap();
    let p2 = status.find("priority 2: install").unwrap();
    let p3 = status.find("priority 3: install").unwrap();
    assert!(p1 < p2 && p2 < p3, "{status}");
    // eqi 1 runs only priority 1; eqi with no priority runs the rest.
    ok(dir.path(), &cache, &["eqi", "1"]);
    assert_eq!(executed(&cache), vec!["App.exe (default)"]);
    assert_eq!(pending(dir.path(), &cache), 2);
    ok(dir.path(), &cache, &["executeQueuedItems"]);
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
    ok(dir.path(), &cache, &["update", "/queue"]);
    assert!(ok(dir.path(), &cache, &["queue", "status"]).contains("priority 3: update"));
}

#[test]
fn service_runs_1_then_2_waits_for_idle_for_3_and_honours_pause() {
    let dir = app();
    let cache = dir.path().join("cache");
    queue_three(dir.path(), &cache);
    ok(dir.path(), &cache, &["queue", "pause"]);
    let mut busy = service(dir.path(), &cache, "0");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        pending(dir.path(), &cache),
        3,
        "a paused queue runs nothing"
    );
    assert!(ok(dir.path(), &cache, &["queue", "status"]).contains("Service: running"));
    ok(dir.path(), &cache, &["queue", "continue"]);
    wait_until("priorities 1 and 2", || pending(dir.path(), &cache) == 1);
    std::thread::sleep(Duration::from_millis(400));
    // The machine is "busy" (NGEN_IDLE=0): priority 3 waits, the service keeps running.
    assert_eq!(pending(dir.path(), &cache), 1);
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
    let mut idle = service(dir.path(), &cache, "1");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = idle.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "service did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
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
    assert!(ok(dir.path(), &cache, &["queue", "status"]).contains("Service: stopped"));
}

#[test]
fn the_service_yields_to_manual_commands() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok(dir.path(), &cache, &["install", "Leaf.dll", "/queue:1"]);
    // A live manual command (this test process) marks itself as running.
    let marker = cache
        .join(".local/manual")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
    std::fs::write(&marker, b"").unwrap();
    let mut svc = service(dir.path(), &cache, "1");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        pending(dir.path(), &cache),
        1,
        "the service must wait for the manual command"
    );
    std::fs::remove_file(&marker).unwrap();
    let start = Instant::now();
    while svc.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "service did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(executed(&cache), vec!["Leaf.dll (default)"]);
    // A marker left by a dead process does not block it.
    ok(dir.path(), &cache, &["install", "Tool.exe", "/queue:1"]);
    std::fs::write(cache.join(".local/manual/999999999"), b"").unwrap();
    let status = service(dir.path(), &cache, "1").wait().unwrap();
    assert!(status.success());
    assert_eq!(pending(dir.path(), &cache), 0);
}
