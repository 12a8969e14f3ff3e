//! The smaller rough edges of issue 10, item 7, each reproduced: a command waiting on the
//! cache lock says so; a version in the display name of an assembly without a strong name
//! counts.

mod build_common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use build_common::*;

#[test]
fn a_command_waiting_on_the_cache_lock_says_so() {
    let dir = app();
    let cache = dir.path().join("cache");
    let quiet = ok_with_cache(dir.path(), &cache, &["install", "Leaf.dll"]);
    assert!(!stderr(&quiet).contains("Blocking"), "{}", stderr(&quiet));
    // Another process holds the lock for a moment (flock(1) takes the same advisory lock).
    let lock = cache.join(".local/lock");
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["-c", "echo held; sleep 1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("flock(1) from util-linux");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "held\n");
    let start = Instant::now();
    let waited = ok_with_cache(dir.path(), &cache, &["install", "Lib.dll"]);
    assert!(start.elapsed() > Duration::from_millis(300));
    holder.wait().unwrap();
    assert!(
        stderr(&waited).contains(&format!(
            "Blocking waiting for the lock on the cache {} (another ngen-build is using it)",
            cache.display()
        )),
        "{}",
        stderr(&waited)
    );
}

#[test]
fn a_version_counts_in_the_display_name_of_an_unsigned_assembly() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok_with_cache(dir.path(), &cache, &["install", "Tool.exe"]);
    // Tool has no strong name; the loader would ignore the version, uninstall must not.
    let wrong = run_with_cache(dir.path(), &cache, &["uninstall", "Tool, Version=9.9.9.9"]);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    let shown = stdout(&ok_with_cache(dir.path(), &cache, &["display", "Tool"]));
    assert!(shown.contains("Tool.exe"), "{shown}");
    let display = run_with_cache(dir.path(), &cache, &["display", "Tool, Version=9.9.9.9"]);
    assert_eq!(display.status.code(), Some(1), "{}", stderr(&display));
    ok_with_cache(dir.path(), &cache, &["uninstall", "Tool, Version=1.0.0.0"]);
    let shown = stdout(&ok_with_cache(dir.path(), &cache, &["display"]));
    assert!(!shown.contains("Tool"), "{shown}");
}
