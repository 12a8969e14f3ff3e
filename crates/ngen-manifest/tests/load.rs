//! Manifest loading: valid manifests resolve, every kind of mistake gets its diagnostic and span.

use std::path::Path;

use ngen_manifest::{DiagnosticKind, LoadHint, RootAssembly, Scenario, parse};

fn parse_in(
    dir: &Path,
    text: &str,
) -> Result<ngen_manifest::Project, ngen_manifest::ManifestError> {
    parse(text, "ngen.toml", &dir.join("ngen.toml"), dir)
}

fn one_problem(dir: &Path, text: &str) -> (DiagnosticKind, String, String, Option<String>) {
    let err = parse_in(dir, text).expect_err("manifest should be rejected");
    assert_eq!(err.diagnostics.len(), 1, "{:?}", err.diagnostics);
    let d = &err.diagnostics[0];
    let spanned = d
        .span
        .clone()
        .map(|r| text[r].to_string())
        .unwrap_or_default();
    (d.kind, d.message.clone(), spanned, d.help.clone())
}

fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.exe"), b"MZ").unwrap();
    std::fs::write(dir.path().join("App.exe.config"), b"<configuration/>").unwrap();
    dir
}

#[test]
fn full_manifest_resolves_paths_scenarios_and_hints() {
    let dir = app_dir();
    let p = parse_in(
        dir.path(),
        r#"
scenarios = ["default", "debug"]
dependencies = false
jobs = 3
cache-dir = "out/images"
exe-config = "App.exe.config"
app-base = "."

[[root]]
path = "./App.exe"

[[root]]
name = "System.Xml, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
scenarios = ["debug+profile", "profile"]
dependencies = true

[hints]
MyLib = "always"
"Other, Version=1.0.0.0" = "sometimes"
"#,
    )
    .unwrap();
    assert_eq!(p.jobs, Some(3));
    assert_eq!(p.cache_dir, dir.path().join("out/images"));
    assert_eq!(p.roots.len(), 2);
    assert_eq!(p.roots[0].label, "App.exe");
    assert_eq!(
        p.roots[0].assembly,
        RootAssembly::Path(dir.path().join("./App.exe"))
    );
    assert_eq!(
        p.roots[0].scenarios,
        vec![Scenario::Default, Scenario::Debug]
    );
    assert!(!p.roots[0].dependencies);
    assert_eq!(
        p.roots[0].exe_config,
        Some(dir.path().join("App.exe.config"))
    );
    assert_eq!(
        p.roots[1].scenarios,
        vec![Scenario::Profile, Scenario::DebugProfile]
    );
    assert!(p.roots[1].dependencies);
    assert!(matches!(p.roots[1].assembly, RootAssembly::Name(_)));
    assert_eq!(p.hints.get("MyLib"), Some(&LoadHint::Always));
    assert_eq!(p.hints.len(), 2);
}

#[test]
fn defaults_cache_dir_and_scenario() {
    let dir = app_dir();
    let p = parse_in(dir.path(), "[[root]]\npath = \"App.exe\"\n").unwrap();
    assert_eq!(p.cache_dir, dir.path().join("target/ngen"));
    assert_eq!(p.roots[0].scenarios, vec![Scenario::Default]);
    assert!(p.roots[0].dependencies);
    assert!(!p.compile_framework);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let dir = app_dir();
    let (kind, msg, span, help) =
        one_problem(dir.path(), "jbos = 2\n[[root]]\npath = \"App.exe\"\n");
    assert_eq!(kind, DiagnosticKind::UnknownKey);
    assert!(msg.contains("`jbos`"), "{msg}");
    assert_eq!(span, "jbos");
    assert_eq!(help.as_deref(), Some("did you mean `jobs`?"));
}

#[test]
fn unknown_key_inside_root_table() {
    let dir = app_dir();
    let (kind, _, span, help) = one_problem(dir.path(), "[[root]]\npaht = \"App.exe\"\n");
    assert_eq!(kind, DiagnosticKind::UnknownKey);
    assert_eq!(span, "paht");
    assert_eq!(help.as_deref(), Some("did you mean `path`?"));
}

#[test]
fn wrong_type_points_at_value() {
    let dir = app_dir();
    let (kind, _, span, _) = one_problem(
        dir.path(),
        "jobs = \"four\"\n[[root]]\npath = \"App.exe\"\n",
    );
    assert_eq!(kind, DiagnosticKind::WrongType);
    assert_eq!(span, "\"four\"");
}

#[test]
fn bad_scenario_suggests_a_valid_one() {
    let dir = app_dir();
    let (kind, _, span, help) = one_problem(
        dir.path(),
        "[[root]]\npath = \"App.exe\"\nscenarios = [\"debgu\"]\n",
    );
    assert_eq!(kind, DiagnosticKind::WrongType);
    assert_eq!(span, "\"debgu\"");
    assert!(help.unwrap().starts_with("did you mean `debug`?"));
}

#[test]
fn missing_root_file() {
    let dir = app_dir();
    let (kind, msg, span, _) = one_problem(dir.path(), "[[root]]\npath = \"Nope.exe\"\n");
    assert_eq!(kind, DiagnosticKind::MissingFile);
    assert!(msg.contains("Nope.exe"));
    assert_eq!(span, "\"Nope.exe\"");
}

#[test]
fn missing_exe_config_and_app_base() {
    let dir = app_dir();
    let err = parse_in(
        dir.path(),
        "exe-config = \"Missing.config\"\napp-base = \"nodir\"\n[[root]]\npath = \"App.exe\"\n",
    )
    .unwrap_err();
    let kinds: Vec<_> = err.diagnostics.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![DiagnosticKind::MissingFile, DiagnosticKind::MissingFile]
    );
}

#[test]
fn bad_display_name() {
    let dir = app_dir();
    let text = "[[root]]\nname = \"System.Xml, Version=banana\"\n";
    let (kind, _, span, _) = one_problem(dir.path(), text);
    assert_eq!(kind, DiagnosticKind::BadDisplayName);
    assert_eq!(span, "\"System.Xml, Version=banana\"");
}

#[test]
fn zero_jobs_and_root_without_assembly() {
    let dir = app_dir();
    let err = parse_in(dir.path(), "jobs = 0\n[[root]]\nscenarios = [\"debug\"]\n").unwrap_err();
    let kinds: Vec<_> = err.diagnostics.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![DiagnosticKind::InvalidValue, DiagnosticKind::InvalidValue]
    );
}

#[test]
fn syntax_error() {
    let dir = app_dir();
    let (kind, _, _, _) = one_problem(dir.path(), "[[root]\npath = \"App.exe\"\n");
    assert_eq!(kind, DiagnosticKind::Syntax);
}

#[test]
fn init_template_parses_and_names_every_exe() {
    let dir = app_dir();
    std::fs::write(dir.path().join("Tool.exe"), b"MZ").unwrap();
    std::fs::write(dir.path().join("Lib.dll"), b"MZ").unwrap();
    let text = ngen_manifest::init::render_init(dir.path()).unwrap();
    let p = parse_in(dir.path(), &text).unwrap();
    let labels: Vec<_> = p.roots.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, vec!["App.exe", "Tool.exe"]);
    assert_eq!(
        p.roots[0].exe_config,
        Some(dir.path().join("App.exe.config"))
    );
    assert_eq!(p.roots[1].exe_config, None);
}

#[test]
fn remote_cache_table_resolves_with_defaults() {
    let dir = app_dir();
    let p = parse_in(dir.path(), "[[root]]\npath = \"App.exe\"\n").unwrap();
    assert_eq!(
        p.remote_cache,
        ngen_manifest::RemoteCacheSettings::default()
    );
    assert_eq!(p.remote_cache.timeout_ms, 5000);
    let p = parse_in(
        dir.path(),
        "[remote-cache]\nurl = \"http://127.0.0.1:9090/cache/\"\nupload = true\ntimeout-ms = 250\n\
         [[root]]\npath = \"App.exe\"\n",
    )
    .unwrap();
    assert_eq!(
        p.remote_cache.url.as_deref(),
        Some("http://127.0.0.1:9090/cache")
    );
    assert!(p.remote_cache.upload);
    assert_eq!(p.remote_cache.timeout_ms, 250);
    // A table without a URL only sets the policy; the URL may come from the environment.
    let p = parse_in(
        dir.path(),
        "[remote-cache]\nupload = true\n[[root]]\npath = \"App.exe\"\n",
    )
    .unwrap();
    assert_eq!(p.remote_cache.url, None);
    assert!(p.remote_cache.upload);
}

#[test]
fn remote_cache_mistakes_point_at_their_values() {
    let dir = app_dir();
    let (kind, msg, span, _) = one_problem(
        dir.path(),
        "[remote-cache]\nurl = \"https://cache\"\n[[root]]\npath = \"App.exe\"\n",
    );
    assert_eq!(kind, DiagnosticKind::InvalidValue);
    assert!(msg.contains("https"), "{msg}");
    assert_eq!(span, "\"https://cache\"");
    let (kind, _, span, _) = one_problem(
        dir.path(),
        "[remote-cache]\ntimeout-ms = 0\n[[root]]\npath = \"App.exe\"\n",
    );
    assert_eq!(kind, DiagnosticKind::InvalidValue);
    assert_eq!(span, "0");
    let (kind, _, span, help) = one_problem(
        dir.path(),
        "[remote-cache]\nuplaod = true\n[[root]]\npath = \"App.exe\"\n",
    );
    assert_eq!(kind, DiagnosticKind::UnknownKey);
    assert_eq!(span, "uplaod");
    assert_eq!(help.as_deref(), Some("did you mean `upload`?"));
    let (kind, _, span, _) = one_problem(
        dir.path(),
        "[remote-cache]\nupload = \"yes\"\n[[root]]\npath = \"App.exe\"\n",
    );
    assert_eq!(kind, DiagnosticKind::WrongType);
    assert_eq!(span, "\"yes\"");
}
