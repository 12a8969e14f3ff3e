//! Safety of the cache: concurrent builds serialise on the lock and never corrupt it; a build
//! killed with SIGKILL at arbitrary points leaves a cache the next build completes; a full disk
//! or an unwritable cache gives a clear error and loses nothing already cached.

mod build_common;

use std::time::Duration;

use build_common::*;

/// The tree a clean build of `dir`'s current inputs produces, built elsewhere.
fn reference_tree(setup: impl Fn(&std::path::Path)) -> String {
    let clean = app();
    setup(clean.path());
    json_build(clean.path(), &[]);
    tree_hash(&clean.path().join("target/ngen"))
}

#[test]
fn four_concurrent_builds_on_one_cache() {
    let dir = app();
    let children: Vec<_> = (0..4)
        .map(|i| {
            ngen_tests::ngen_build()
                .current_dir(dir.path())
                .args([
                    "build",
                    "--message-format",
                    "json",
                    "-j",
                    if i % 2 == 0 { "1" } else { "2" },
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut compiled = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let b = parse_json_build(&out);
        compiled += b.compiled.len();
        assert_eq!(b.compiled.len() + b.fresh.len(), 6);
    }
    // The lock serialised them: every image was compiled exactly once.
    assert_eq!(compiled, 6);
    assert_eq!(
        tree_hash(&dir.path().join("target/ngen")),
        reference_tree(|_| {})
    );
}

#[test]
fn killed_builds_leave_a_cache_the_next_build_completes() {
    let dir = app();
    json_build(dir.path(), &[]);
    // Random kill points (printed, so a failure can be replayed with NGEN_KILL_SEED).
    let mut seed: u64 = std::env::var("NGEN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("kill points from NGEN_KILL_SEED={seed}");
    for i in 0..8u64 {
        // Alternate Lib versions so every build has work to do, and kill it part way.
        if i % 2 == 0 {
            upgrade(dir.path(), "Lib.dll");
        } else {
            let fresh = app();
            std::fs::copy(fresh.path().join("Lib.dll"), dir.path().join("Lib.dll")).unwrap();
        }
        let mut child = ngen_tests::ngen_build()
            .current_dir(dir.path())
            .args(["build", "-j", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % 250));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // The last state has Lib v1 (i = 7 is odd).
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.finished["success"], true);
    assert_eq!(b.compiled.len() + b.fresh.len(), 6);
    assert_eq!(
        tree_hash(&dir.path().join("target/ngen")),
        reference_tree(|_| {})
    );
    let tmp = dir.path().join("target/ngen/.local/tmp");
    assert!(!tmp.exists() || std::fs::read_dir(&tmp).unwrap().count() == 0);
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
}

#[test]
fn full_disk_fails_clearly_and_loses_nothing() {
    let dir = app();
    json_build(dir.path(), &[]);
    let before = tree_hash(&dir.path().join("target/ngen"));
    upgrade(dir.path(), "Lib.dll");
    let out = build_on_a_full_disk(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains("the disk is full; nothing already in the cache was changed"),
        "{err}"
    );
    assert_eq!(tree_hash(&dir.path().join("target/ngen")), before);
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled, pairs(&[("App", "default"), ("Lib", "default")]));
}

#[test]
fn unwritable_cache_fails_clearly_and_loses_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = app();
    json_build(dir.path(), &[]);
    let cache = dir.path().join("target/ngen");
    let before = tree_hash(&cache);
    upgrade(dir.path(), "Lib.dll");
    let set_mode = |mode| {
        for d in [
            cache.clone(),
            cache.join("default"),
            cache.join(".local"),
            cache.join(".local/tmp"),
        ] {
            let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode));
        }
    };
    set_mode(0o555);
    // root ignores permissions: then simulate the read-only file system instead.
    let probe = cache.join("probe");
    let permissions_bite = std::fs::write(&probe, b"").is_err();
    let _ = std::fs::remove_file(&probe);
    let mut cmd = ngen_tests::ngen_build();
    cmd.current_dir(dir.path()).arg("build");
    if !permissions_bite {
        cmd.env("NGEN_BUILD_FAULT", "read-only");
    }
    let out = cmd.output().unwrap();
    set_mode(0o755);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the cache is not writable; nothing already in the cache was changed"),
        "{err}"
    );
    assert_eq!(tree_hash(&cache), before);
}
