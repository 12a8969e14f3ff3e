//! Safety of the cache: concurrent builds serialise on the lock and never corrupt it; a build
//! killed with SIGKILL at arbitrary points leaves a cache the next build completes; a full disk
//! or an unwritable cache gives a clear error and loses nothing already cached, while building
//! and while packaging. After every kill every indexed image exists and has its recorded digest.

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

/// Runs `kills` builds in `dir`, alternating Lib's version so each has work to do, and kills
/// each with SIGKILL after a random delay below `window_ms(i)` ms, calling `after_kill(i)`.
/// Kill points come from `NGEN_KILL_SEED` (printed, so a failure can be replayed). Returns
/// how many builds were still running when killed. The last state has Lib v1
/// when `kills` is even.
fn kill_builds(
    dir: &std::path::Path,
    kills: u64,
    window_ms: impl Fn(u64) -> u64,
    after_kill: impl Fn(u64),
) -> u64 {
    let first: u64 = std::env::var("NGEN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("kill points from NGEN_KILL_SEED={first}");
    let mut seed = first;
    let mut killed_running = 0;
    for i in 0..kills {
        if i % 2 == 0 {
            upgrade(dir, "Lib.dll");
        } else {
            let fresh = app();
            std::fs::copy(fresh.path().join("Lib.dll"), dir.join("Lib.dll")).unwrap();
        }
        let mut child = ngen_tests::ngen_build()
            .current_dir(dir)
            .args(["build", "-j", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % window_ms(i)));
        if matches!(child.try_wait(), Ok(None)) {
            killed_running += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        after_kill(i);
    }
    killed_running
}

#[test]
fn killed_builds_leave_a_cache_the_next_build_completes() {
    let dir = app();
    json_build(dir.path(), &[]);
    let killed = kill_builds(dir.path(), 8, |_| 250, |_| {});
    assert!(killed <= 8);
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

/// Every image the index names exists and has the digest recorded next to it (what the
/// runtime checks before mapping), and its summary's BLAKE3 agrees. Returns how many.
fn assert_index_consistent(cache: &std::path::Path) -> usize {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cache.join("index.json")).unwrap()).unwrap();
    let images = index["images"].as_array().unwrap();
    for image in images {
        let dir = cache.join(image["dir"].as_str().unwrap());
        let file = format!("{}.ni.so", image["name"].as_str().unwrap());
        let bytes = std::fs::read(dir.join(&file))
            .unwrap_or_else(|e| panic!("indexed image {} missing: {e}", dir.display()));
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let digest = std::fs::read_to_string(dir.join(format!("{file}.blake3"))).unwrap();
        assert_eq!(digest, format!("{hash}  {file}\n"), "{}", dir.display());
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["blake3"], hash.as_str(), "{}", dir.display());
    }
    images.len()
}

/// Four manifests with overlapping closures (App and Tool share Leaf; two scenarios) build
/// concurrently into one cache: each build succeeds, the cache is consistent, and each
/// manifest then builds again to completion.
#[test]
fn four_concurrent_builds_of_overlapping_manifests_on_one_cache() {
    let dir = app();
    let manifests = [
        ("a.toml", "[[root]]\npath = \"App.exe\"\n"),
        ("b.toml", "[[root]]\npath = \"Tool.exe\"\n"),
        (
            "c.toml",
            "[[root]]\npath = \"App.exe\"\n[[root]]\npath = \"Tool.exe\"\n",
        ),
        (
            "d.toml",
            "scenarios = [\"default\", \"debug\"]\n[[root]]\npath = \"Tool.exe\"\n",
        ),
    ];
    for (name, text) in manifests {
        std::fs::write(
            dir.path().join(name),
            format!("cache-dir = \"shared\"\n{text}"),
        )
        .unwrap();
    }
    let children: Vec<_> = manifests
        .iter()
        .map(|(name, _)| {
            ngen_tests::ngen_build()
                .current_dir(dir.path())
                .args(["build", "-j", "2", "--manifest-path", name])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let cache = dir.path().join("shared");
    assert!(assert_index_consistent(&cache) > 0);
    for (name, _) in manifests {
        ok_in(dir.path(), &["build", "--manifest-path", name]);
        assert!(assert_index_consistent(&cache) > 0);
        // Then a no-op.
        let again = ok_in(
            dir.path(),
            &["build", "--manifest-path", name, "--message-format", "json"],
        );
        assert!(parse_json_build(&again).compiled.is_empty(), "{name}");
    }
}

/// 50 builds that include the framework images (mscorlib and all), each killed with SIGKILL
/// at a random point, then the cache is consistent, the next build completes, nothing is
/// lost (its tree is a clean build's), and the one after is a no-op.
#[test]
fn fifty_killed_builds_with_framework_images() {
    let dir = app();
    let manifest = std::fs::read_to_string(dir.path().join("ngen.toml")).unwrap();
    let with_framework = format!("compile-framework = true\n{manifest}");
    std::fs::write(dir.path().join("ngen.toml"), &with_framework).unwrap();
    let kills = 50;
    // Mostly within 150 ms (an app-only rebuild takes about 100 ms; the framework's first
    // compile several seconds), every fifth within 6 s, late enough that framework images
    // complete and later builds reuse them. After every kill the index is consistent.
    let cache = dir.path().join("target/ngen");
    let killed_running = kill_builds(
        dir.path(),
        kills,
        |i| if i % 5 == 4 { 6_000 } else { 150 },
        |_| {
            if cache.join("index.json").exists() {
                assert_index_consistent(&cache);
            }
        },
    );
    eprintln!("{killed_running} of {kills} builds were killed while running");
    // Timing-dependent: app-only rebuilds take about 100 ms, so under load some kills land
    // after a build finished. A fifth is enough to show the kills exercised builds.
    assert!(
        killed_running >= kills / 5,
        "only {killed_running} kills hit a build"
    );
    // The last state has Lib v1 (i = 49 is odd).
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.finished["success"], true);
    assert!(assert_index_consistent(&cache) > 6);
    let clean = app();
    std::fs::write(clean.path().join("ngen.toml"), &with_framework).unwrap();
    json_build(clean.path(), &[]);
    assert_eq!(
        tree_hash(&cache),
        tree_hash(&clean.path().join("target/ngen"))
    );
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
}

/// A full disk while packaging: a clear error, no partial archive, the previous archive and
/// the cache untouched.
#[test]
fn full_disk_during_package_fails_clearly_and_loses_nothing() {
    let dir = app();
    json_build(dir.path(), &[]);
    let cache = dir.path().join("target/ngen");
    let before = tree_hash(&cache);
    let out_dir = ngen_tests::temp_dir();
    let archive = out_dir.path().join("images.tar");
    ok_in(dir.path(), &["package", "--out", archive.to_str().unwrap()]);
    let previous = std::fs::read(&archive).unwrap();
    let out = ngen_tests::ngen_build()
        .current_dir(dir.path())
        .env("NGEN_BUILD_FAULT", "disk-full")
        .args(["package", "--out", archive.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    assert_eq!(std::fs::read(&archive).unwrap(), previous);
    let left: Vec<_> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(left.len(), 1, "a partial archive was left: {left:?}");
    assert_eq!(tree_hash(&cache), before);
}
