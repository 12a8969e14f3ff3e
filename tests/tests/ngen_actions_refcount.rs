//! Ngen's actions on a native image cache, running the seed's examples as written (Ngen's own
//! `/switch` syntax included): reference counts, roots never removed implicitly, scenarios,
//! partial names, display, update, /ExeConfig, and the choice of the cache directory.

mod build_common;

use std::path::Path;

use build_common::*;

fn ok(dir: &Path, cache: &Path, args: &[&str]) -> String {
    let out = ok_with_cache(dir, cache, args);
    format!("{}{}", stdout(&out), stderr(&out))
}

fn index(cache: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(cache.join("index.json")).unwrap()).unwrap()
}

/// (name, scenario, references) of every image.
fn images(cache: &Path) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = index(cache)["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["scenario"].as_str().unwrap().to_string(),
                i["references"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn img(n: &str, s: &str, r: u64) -> (String, String, u64) {
    (n.to_string(), s.to_string(), r)
}

#[test]
fn shared_dependency_is_removed_only_with_the_last_root() {
    let dir = app();
    let cache = dir.path().join("cache");
    // ngen install MyAssembly.exe; ngen install YourAssembly.exe (both use OurDependency = Leaf)
    ok(dir.path(), &cache, &["install", "App.exe"]);
    ok(dir.path(), &cache, &["install", "Tool.exe"]);
    assert_eq!(
        images(&cache),
        vec![
            img("App", "default", 1),
            img("Leaf", "default", 2),
            img("Lib", "default", 1),
            img("Tool", "default", 1)
        ]
    );
    ok(dir.path(), &cache, &["uninstall", "App"]);
    assert_eq!(
        images(&cache),
        vec![img("Leaf", "default", 1), img("Tool", "default", 1)]
    );
    assert!(!cache.join("default/Lib").exists());
    ok(dir.path(), &cache, &["uninstall", "Tool"]);
    assert!(images(&cache).is_empty());
    assert!(!cache.join("default").exists());
    // Uninstalling what is not installed is an error.
    assert_eq!(
        run_with_cache(dir.path(), &cache, &["uninstall", "App"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn a_root_is_never_removed_implicitly() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok(dir.path(), &cache, &["install", "Leaf.dll"]);
    ok(dir.path(), &cache, &["install", "App.exe"]);
    ok(dir.path(), &cache, &["uninstall", "App.exe"]);
    assert_eq!(images(&cache), vec![img("Leaf", "default", 1)]);
}

#[test]
fn scenarios_have_their_own_images_and_uninstall_debug_keeps_debug_profile() {
    let dir = app();
    let cache = dir.path().join("cache");
    // ngen install MyApp.exe; ngen install MyApp.exe /debug; ngen install MyApp.exe /profile
    ok(dir.path(), &cache, &["install", "App.exe"]);
    ok(dir.path(), &cache, &["install", "App.exe", "/debug"]);
    ok(dir.path(), &cache, &["install", "App.exe", "/profile"]);
    ok(
        dir.path(),
        &cache,
        &[
            "Install", "App.exe", "/Debug", "/Profile", "/nologo", "/silent",
        ],
    );
    for s in ["default", "debug", "profile", "debug+profile"] {
        assert!(cache.join(s).join("App/1.0.0.0").is_dir(), "{s}");
    }
    // ngen uninstall ClientApp /debug: "does not uninstall a scenario that includes both".
    ok(dir.path(), &cache, &["uninstall", "App", "/debug"]);
    assert!(!cache.join("debug").exists());
    assert!(cache.join("debug+profile/App/1.0.0.0").is_dir());
    assert!(cache.join("profile/App/1.0.0.0").is_dir());
    // ngen uninstall "ClientApp, Version=1.0.0.0": every remaining scenario.
    ok(dir.path(), &cache, &["uninstall", "App, Version=1.0.0.0"]);
    assert!(images(&cache).is_empty());
}

#[test]
fn display_lists_roots_then_images_then_dependent_roots() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok(dir.path(), &cache, &["install", "App.exe"]);
    ok(dir.path(), &cache, &["install", "Tool.exe", "/debug"]);
    let all = ok(dir.path(), &cache, &["display"]);
    let roots = all.find("NGEN Roots:").unwrap();
    let imgs = all.find("Native Images:").unwrap();
    assert!(roots < imgs);
    let app_exe = dir.path().join("App.exe").display().to_string();
    assert!(all[roots..imgs].contains(&app_exe), "{all}");
    assert!(all[roots..imgs].contains("Tool.exe (debug)"), "{all}");
    assert!(all[imgs..].contains("Leaf, Version=1.0.0.0"), "{all}");
    // A partial name: its images, then the roots that depend on it.
    let leaf = ok(dir.path(), &cache, &["display", "Leaf"]);
    let dependents = leaf
        .find("NGEN Roots that depend on \"Leaf\":")
        .expect(&leaf);
    assert!(leaf.find("Native Images:").unwrap() < dependents);
    assert!(
        leaf[dependents..].contains(&app_exe) && leaf[dependents..].contains("Tool.exe (debug)"),
        "{leaf}"
    );
    assert!(!leaf[..dependents].contains("Lib, Version"), "{leaf}");
}

#[test]
fn update_rebuilds_only_invalid_images() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok(dir.path(), &cache, &["install", "App.exe"]);
    ok(dir.path(), &cache, &["install", "Tool.exe"]);
    let fresh = ok(dir.path(), &cache, &["update"]);
    assert!(fresh.contains("Compiled 0 images, 4 fresh"), "{fresh}");
    upgrade(dir.path(), "Lib.dll");
    let updated = ok(dir.path(), &cache, &["update", "/verbose"]);
    assert!(updated.contains("Compiled 2 images"), "{updated}");
    assert!(
        updated.contains("Dirty App (default): dependency Lib changed"),
        "{updated}"
    );
    assert_eq!(images(&cache).len(), 4);
}

#[test]
fn exe_config_installs_are_uninstalled_with_the_same_options() {
    let dir = app();
    let cache = dir.path().join("cache");
    // ngen install c:\myfiles\MyLib.dll /ExeConfig:c:\myapps\MyApp.exe
    ok(
        dir.path(),
        &cache,
        &["install", "Lib.dll", "/ExeConfig:App.exe"],
    );
    assert_eq!(
        images(&cache),
        vec![img("Leaf", "default", 1), img("Lib", "default", 1)]
    );
    assert_eq!(
        run_with_cache(
            dir.path(),
            &cache,
            &["uninstall", "Lib.dll", "/ExeConfig:Tool.exe"]
        )
        .status
        .code(),
        Some(1)
    );
    ok(
        dir.path(),
        &cache,
        &["uninstall", "Lib.dll", "/ExeConfig:App.exe"],
    );
    assert!(images(&cache).is_empty());
}

#[test]
fn no_dependencies_installs_only_the_root() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok(
        dir.path(),
        &cache,
        &["install", "App.exe", "/NoDependencies"],
    );
    assert_eq!(images(&cache), vec![img("App", "default", 1)]);
}

#[test]
fn cache_dir_flag_beats_ngen_cache_beats_xdg() {
    let dir = app();
    let (a, b, xdg) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("xdg"),
    );
    ok(
        dir.path(),
        &a,
        &["install", "Leaf.dll", "--cache-dir", b.to_str().unwrap()],
    );
    assert!(b.join("index.json").is_file() && !a.exists());
    ok(dir.path(), &a, &["install", "Leaf.dll"]);
    assert!(a.join("index.json").is_file());
    // Root's default is the machine-wide /var/cache/ngen-build, which tests must not write:
    // ngen_cache::location's unit tests cover it, and the XDG default is checked here only
    // when the tests run as another user.
    let running_as_root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(dir.path()).unwrap().uid() == 0
    };
    if running_as_root {
        return;
    }
    let out = ngen_tests::ngen_build()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", &xdg)
        .args(["install", "Leaf.dll"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(xdg.join("ngen-build/index.json").is_file());
}

#[test]
fn ngen_help_switch() {
    let out = ngen_tests::ngen_build().arg("/?").output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("executeQueuedItems"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn gac_assembly_installed_by_display_name_and_removed_by_partial_name() {
    let dir = app();
    let cache = dir.path().join("cache");
    // ngen install "ClientApp, Version=…, Culture=neutral, PublicKeyToken=…"
    ok(
        dir.path(),
        &cache,
        &[
            "install",
            "System.Numerics, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
        ],
    );
    // The root itself is compiled even though it is a framework assembly; its framework
    // dependency (mscorlib) is not, without --compile-framework.
    assert_eq!(images(&cache), vec![img("System.Numerics", "default", 1)]);
    let shown = ok(dir.path(), &cache, &["display", "System.Numerics"]);
    assert!(
        shown.contains("NGEN Roots that depend on \"System.Numerics\":"),
        "{shown}"
    );
    ok(dir.path(), &cache, &["uninstall", "system.numerics"]);
    assert!(images(&cache).is_empty());
}
