//! Manifest handling through the binary: each kind of bad manifest gives its diagnostic (code,
//! span label, "did you mean") and exit code 2; `schema` prints the checked-in schema; `init`
//! writes a manifest that builds.

mod build_common;

use build_common::*;

fn bad(manifest: &str) -> (Option<i32>, String) {
    let dir = app();
    std::fs::write(dir.path().join("ngen.toml"), manifest).unwrap();
    let out = run_in(dir.path(), &["build"]);
    (out.status.code(), stderr(&out))
}

#[test]
fn unknown_key_has_did_you_mean() {
    let (code, err) = bad("[[root]]\npath = \"App.exe\"\nscenarois = [\"debug\"]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ngen::manifest::unknown_key"), "{err}");
    assert!(err.contains("unknown key `scenarois`"), "{err}");
    assert!(err.contains("did you mean `scenarios`?"), "{err}");
}

#[test]
fn wrong_type_missing_file_bad_name_and_bad_jobs() {
    let (code, err) = bad("jobs = \"many\"\n[[root]]\npath = \"App.exe\"\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("ngen::manifest::wrong_type"), "{err}");

    let (code, err) = bad("[[root]]\npath = \"Missing.exe\"\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("ngen::manifest::missing_file"), "{err}");
    assert!(err.contains("Missing.exe"), "{err}");

    let (code, err) = bad("[[root]]\nname = \"System.Xml, Version=x.y\"\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("ngen::manifest::bad_display_name"), "{err}");

    let (code, err) = bad("jobs = 0\n[[root]]\npath = \"App.exe\"\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("ngen::manifest::invalid_value"), "{err}");

    let (code, err) = bad("[[root]]\npath = \"App.exe\"\nscenarios = [\"debgu\"]\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `debug`?"), "{err}");
}

#[test]
fn explain_and_package_report_manifest_errors_too() {
    let dir = app();
    std::fs::write(
        dir.path().join("ngen.toml"),
        "[[rot]]\npath = \"App.exe\"\n",
    )
    .unwrap();
    for args in [&["explain", "App"][..], &["package", "--out", "x.tar"]] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("did you mean `root`?"));
    }
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let out = ok_in(&ngen_tests::workspace_root(), &["schema"]);
    let checked_in =
        std::fs::read(ngen_tests::workspace_root().join("manifest-schema/ngen.schema.json"))
            .unwrap();
    assert_eq!(out.stdout, checked_in);
}

#[test]
fn init_writes_a_manifest_that_builds() {
    let dir = app();
    std::fs::remove_file(dir.path().join("ngen.toml")).unwrap();
    ok_in(dir.path(), &["init"]);
    let text = std::fs::read_to_string(dir.path().join("ngen.toml")).unwrap();
    assert!(
        text.contains("path = \"App.exe\"") && text.contains("path = \"Tool.exe\""),
        "{text}"
    );
    assert!(
        run_in(dir.path(), &["init"]).status.code() != Some(0),
        "init must not overwrite"
    );
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled.len(), 4);
}
