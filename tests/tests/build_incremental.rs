//! `ngen-build build` end to end on the fixture apps with the real compiler: a no-op build is
//! all fresh; changing one dependency rebuilds exactly it and its dependents, and `explain` and
//! `build -v` say why; changing a redirect rebuilds the images whose binding it changes.

mod build_common;

use build_common::*;

#[test]
fn first_build_compiles_every_root_closure_then_nothing() {
    let dir = app();
    let first = json_build(dir.path(), &[]);
    assert_eq!(
        first.compiled,
        pairs(&[
            ("App", "default"),
            ("Lib", "default"),
            ("Leaf", "default"),
            ("Tool", "default"),
            ("Tool", "debug"),
            ("Leaf", "debug")
        ])
    );
    assert_eq!(first.finished["success"], true);
    assert_eq!(first.finished["compiled"], 6);
    // mscorlib is fingerprinted (it is in every inputs.json) but not compiled by default.
    let images = std::fs::read_dir(dir.path().join("target/ngen/default"))
        .unwrap()
        .count();
    assert_eq!(images, 4);
    let again = json_build(dir.path(), &[]);
    assert!(again.compiled.is_empty(), "{:?}", again.compiled);
    assert_eq!(again.fresh.len(), 6);
    assert_eq!(again.finished["fresh"], 6);
}

#[test]
fn changed_dependency_rebuilds_exactly_it_and_its_dependents_and_explain_says_why() {
    let dir = app();
    json_build(dir.path(), &[]);
    let explain = ok_in(dir.path(), &["explain", "App"]);
    assert!(
        stdout(&explain).starts_with("Fresh App (default): fingerprint "),
        "{}",
        stdout(&explain)
    );

    upgrade(dir.path(), "Lib.dll");
    let explain = stdout(&ok_in(dir.path(), &["explain", "App"]));
    assert!(
        explain.starts_with("Dirty App (default): dependency Lib changed (mvid "),
        "{explain}"
    );
    let explain_lib = stdout(&ok_in(dir.path(), &["explain", "Lib"]));
    assert!(
        explain_lib.starts_with("Dirty Lib (default): Lib changed (mvid "),
        "{explain_lib}"
    );
    let leaf = stdout(&ok_in(dir.path(), &["explain", "Leaf"]));
    assert!(leaf.lines().all(|l| l.starts_with("Fresh Leaf")), "{leaf}");

    let verbose = stderr(&ok_in(dir.path(), &["build", "-v"]));
    assert!(
        verbose.contains("Dirty App (default): dependency Lib changed (mvid "),
        "{verbose}"
    );
    assert!(verbose.contains("Fresh Tool (debug)"), "{verbose}");
    assert!(verbose.contains("Compiled 2 images"), "{verbose}");
    assert!(verbose.contains(", 4 fresh, in "), "{verbose}");
    let after = json_build(dir.path(), &[]);
    assert!(after.compiled.is_empty());
}

#[test]
fn json_lists_dirty_reasons_for_what_it_compiles() {
    let dir = app();
    json_build(dir.path(), &[]);
    upgrade(dir.path(), "Lib.dll");
    let b = json_build(dir.path(), &["-j", "1"]);
    assert_eq!(b.compiled, pairs(&[("App", "default"), ("Lib", "default")]));
    let app_reasons = &b.reasons.iter().find(|(n, _)| n == "App").unwrap().1;
    assert!(
        app_reasons[0].starts_with("dependency Lib changed (mvid"),
        "{app_reasons:?}"
    );
}

#[test]
fn changed_redirect_rebuilds_the_images_it_affects() {
    let dir = app();
    write_redirect(dir.path(), "0.0.0.0-1.0.0.0");
    json_build(dir.path(), &[]);
    write_redirect(dir.path(), "0.0.0.0-1.5.0.0");
    let explain = stdout(&ok_in(dir.path(), &["explain", "App"]));
    assert!(
        explain.starts_with("Dirty App (default): redirect for Lib changed"),
        "{explain}"
    );
    let b = json_build(dir.path(), &[]);
    // Lib's binding and everything bound through it; Tool and Leaf do not use the redirect.
    assert_eq!(b.compiled, pairs(&[("App", "default"), ("Lib", "default")]));
}

#[test]
fn scenario_filter_builds_only_that_scenario_and_keeps_the_others() {
    let dir = app();
    let b = json_build(dir.path(), &["--scenario", "debug"]);
    assert_eq!(b.compiled, pairs(&[("Tool", "debug"), ("Leaf", "debug")]));
    json_build(dir.path(), &[]);
    let b = json_build(dir.path(), &["--scenario", "debug"]);
    assert!(b.compiled.is_empty());
    // The default images were kept.
    let all = json_build(dir.path(), &[]);
    assert_eq!(all.fresh.len(), 6);
}

#[test]
fn changed_manifest_hint_rebuilds_the_referencing_images() {
    let dir = app();
    json_build(dir.path(), &[]);
    let manifest = dir.path().join("ngen.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("Leaf = \"always\"", "Leaf = \"sometimes\"");
    std::fs::write(&manifest, text).unwrap();
    let explain = stdout(&ok_in(dir.path(), &["explain", "Lib"]));
    assert!(
        explain
            .starts_with("Dirty Lib (default): hint of Lib for Leaf changed (always → sometimes)"),
        "{explain}"
    );
    let b = json_build(dir.path(), &[]);
    // Lib and Tool reference Leaf directly; App through Lib. Leaf itself is unaffected.
    assert_eq!(
        b.compiled,
        pairs(&[
            ("App", "default"),
            ("Lib", "default"),
            ("Tool", "default"),
            ("Tool", "debug")
        ])
    );
}

#[test]
fn memoised_closures_still_see_changed_files_and_new_config() {
    let dir = app();
    json_build(dir.path(), &[]);
    // Inputs older than two seconds may be memoised: the next build stores the closures.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
    assert!(
        dir.path()
            .join("target/ngen/.local/closure-memo.json")
            .is_file()
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
    // A changed assembly invalidates the memo entry...
    upgrade(dir.path(), "Lib.dll");
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled, pairs(&[("App", "default"), ("Lib", "default")]));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(json_build(dir.path(), &[]).compiled.is_empty());
    // ...and so does a config file appearing where the binder looked for one.
    write_redirect(dir.path(), "0.0.0.0-1.0.0.0");
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled, pairs(&[("App", "default"), ("Lib", "default")]));
    assert!(
        b.reasons
            .iter()
            .any(|(_, r)| r.iter().any(|r| r.starts_with("redirect for Lib changed"))),
        "{:?}",
        b.reasons
    );
}
