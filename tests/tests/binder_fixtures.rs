//! `ngen-build deps` on the C# fixtures in tests/fixtures/binder: `<codeBase>` is honoured (and
//! is the only place tried), a culture-specific assembly is probed under `<appbase>/<culture>/`
//! as Mono does, and a dependency missing two levels down names its real referencer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ngen_tests::{
    deps_assembly as assembly, deps_closure_files, files_under, mcs, mono_loaded_files, ngen_build,
    ngen_deps, ngen_deps_json, run_ok, workspace_root,
};

fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/binder").join(name)
}

/// Builds the Client app once per test binary:
/// `app/Client.exe(.config)`, `app/Middle.dll`, `app/Leaf.dll`, `app/fr/Localized.dll`,
/// `app/libs/far-v1/Far.dll` (the codeBase) and a decoy `app/Far.dll` the codeBase must beat.
fn client_app() -> &'static Path {
    static APP: OnceLock<PathBuf> = OnceLock::new();
    APP.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("binder-fixtures");
        let _ = std::fs::remove_dir_all(&root);
        let app = root.join("app");
        std::fs::create_dir_all(app.join("fr")).unwrap();
        std::fs::create_dir_all(app.join("libs/far-v1")).unwrap();
        let key = workspace_root().join("samples/hello-app/keys/sample.snk");
        let keyfile = format!("-keyfile:{}", key.display());
        mcs(&[&fixture("Leaf.cs")], &app.join("Leaf.dll"), &[]);
        let r_leaf = format!("-r:{}", app.join("Leaf.dll").display());
        mcs(
            &[&fixture("Middle.cs")],
            &app.join("Middle.dll"),
            &[&r_leaf],
        );
        let far = app.join("libs/far-v1/Far.dll");
        mcs(&[&fixture("Far.cs")], &far, &[&keyfile]);
        std::fs::copy(&far, app.join("Far.dll")).unwrap();
        mcs(
            &[&fixture("Localized.cs")],
            &app.join("fr/Localized.dll"),
            &[],
        );
        let refs = [
            format!("-r:{}", app.join("Middle.dll").display()),
            format!("-r:{}", far.display()),
            format!("-r:{}", app.join("fr/Localized.dll").display()),
        ];
        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
        mcs(&[&fixture("Client.cs")], &app.join("Client.exe"), &refs);
        std::fs::copy(fixture("Client.exe.config"), app.join("Client.exe.config")).unwrap();
        app
    })
}

fn json(app: &Path) -> serde_json::Value {
    ngen_deps_json(&[app.join("Client.exe")])
}

#[test]
fn code_base_is_honoured_before_an_app_base_copy() {
    let app = client_app();
    let json = json(app);
    let far = assembly(&json, "Far");
    assert_eq!(far["reason"], "CodeBase");
    assert_eq!(far["code_base"]["href"], "libs/far-v1/Far.dll");
    assert_eq!(
        far["path"].as_str().unwrap(),
        app.join("libs/far-v1/Far.dll").to_str().unwrap()
    );
    // GAC, framework, then only the codeBase: no AppBase probing.
    let probed = far["probed"].as_array().unwrap();
    assert_eq!(probed.last().unwrap(), &far["path"]);
    assert!(
        !probed
            .iter()
            .any(|p| p.as_str().unwrap() == app.join("Far.dll").to_str().unwrap())
    );
    assert!(
        far["config_inputs"][0]
            .as_str()
            .unwrap()
            .starts_with("codeBase far")
    );
}

#[test]
fn culture_assembly_is_probed_in_its_culture_folder() {
    let app = client_app();
    let json = json(app);
    let localized = assembly(&json, "Localized");
    assert_eq!(
        localized["name"],
        "Localized, Version=1.0.0.0, Culture=fr, PublicKeyToken=null"
    );
    assert_eq!(localized["reason"], "AppBase");
    assert_eq!(
        localized["probed"][0].as_str().unwrap(),
        app.join("fr/Localized.dll").to_str().unwrap()
    );
}

/// Mono (which ignores `<codeBase>`) loads the same files for everything else.
#[test]
fn closure_matches_what_mono_loads_except_the_code_base() {
    let app = client_app();
    let run = Command::new("mono")
        .arg("Client.exe")
        .current_dir(app)
        .env("MONO_LOG_LEVEL", "info")
        .env("MONO_LOG_MASK", "asm")
        .output()
        .expect("mono");
    let log =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("Bonjour"));
    let not_far = |p: &PathBuf| !p.ends_with("Far.dll");
    let mono: BTreeSet<PathBuf> = mono_loaded_files(&log, app)
        .into_iter()
        .filter(not_far)
        .collect();
    let ours: BTreeSet<PathBuf> = deps_closure_files(&json(app))
        .into_iter()
        .filter(not_far)
        .collect();
    assert_eq!(ours, mono);
}

#[test]
fn missing_nested_dependency_names_its_referencer_and_probed_paths() {
    let app = client_app();
    let copy = ngen_tests::temp_dir();
    for entry in files_under(app, &[]) {
        let rel = entry.strip_prefix(app).unwrap();
        let to = copy.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if rel != Path::new("Leaf.dll") {
            std::fs::copy(&entry, &to).unwrap();
        }
    }
    let out = ngen_deps(&[copy.path().join("Client.exe")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Could not load file or assembly 'Leaf, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null'"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "referenced by: Middle, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"
        ),
        "{stderr}"
    );
    for probed in ["Leaf.dll", "Leaf/Leaf.dll", "Leaf.exe", "Leaf/Leaf.exe"] {
        let p = copy.path().join(probed);
        assert!(
            stderr.contains(&p.display().to_string()),
            "{probed}: {stderr}"
        );
    }
    // --json still reports the failure on stdout for tools.
    let out = ngen_deps(&[copy.path().join("Client.exe"), "--json".into()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("Leaf"));
}

/// A reference to a newer facade than installed (System.Runtime 4.2.0.0 vs 4.1.0.0): Mono
/// loads the installed facade, and so does the binder, with a warning.
#[test]
fn newer_facade_reference_binds_like_mono_with_a_warning() {
    let dir = ngen_tests::temp_dir();
    let key = dir.path().join("microsoft.pub");
    run_ok(
        Command::new("sn")
            .args(["-q", "-e"])
            .arg(Path::new(ngen_tests::FRAMEWORK_DIR).join("System.Configuration.dll"))
            .arg(&key),
    );
    let fake = dir.path().join("System.Runtime.dll");
    let keyfile = format!("-keyfile:{}", key.display());
    mcs(
        &[&fixture("NewerFacade.cs")],
        &fake,
        &[&keyfile, "-delaysign+"],
    );
    let exe = dir.path().join("UsesNewerFacade.exe");
    let r_fake = format!("-r:{}", fake.display());
    mcs(&[&fixture("UsesNewerFacade.cs")], &exe, &[&r_fake]);
    std::fs::remove_file(&fake).unwrap();

    let run = Command::new("mono")
        .arg(&exe)
        .env("MONO_LOG_LEVEL", "info")
        .env("MONO_LOG_MASK", "asm")
        .output()
        .expect("mono");
    let log =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    let facade = Path::new(ngen_tests::FRAMEWORK_DIR).join("Facades/System.Runtime.dll");
    assert!(
        log.lines()
            .any(|l| l.contains("loaded assembly from location")
                && l.contains("Facades/System.Runtime.dll")),
        "mono did not load the installed facade:\n{log}"
    );

    let json = ngen_deps_json(&[&exe]);
    let runtime = assembly(&json, "System.Runtime");
    assert_eq!(runtime["path"].as_str().unwrap(), facade.to_str().unwrap());
    assert_eq!(runtime["redirected_from"], "4.2.0.0");
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "newer_than_installed"),
        "{:#}",
        json["warnings"]
    );
}

/// A publisher policy assembly (`al -link` of a redirect config, installed as Mono's gacutil
/// does) redirects Pol 1.0.0.0 to 1.1.0.0: mono runs 1.1, and the binder binds the same file.
#[test]
fn publisher_policy_is_applied_like_mono() {
    const TOKEN: &str = "f181aad948abdde8";
    let dir = ngen_tests::temp_dir();
    let key = workspace_root().join("samples/hello-app/keys/sample.snk");
    let keyfile = format!("-keyfile:{}", key.display());
    let v10 = dir.path().join("ref/Pol.dll");
    std::fs::create_dir_all(v10.parent().unwrap()).unwrap();
    mcs(&[&fixture("Pol.cs")], &v10, &[&keyfile]);
    let exe = dir.path().join("app/UsesPol.exe");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    mcs(
        &[&fixture("UsesPol.cs")],
        &exe,
        &[&format!("-r:{}", v10.display())],
    );
    let gac = dir.path().join("prefix/lib/mono/gac");
    let v11 = gac.join(format!("Pol/1.1.0.0__{TOKEN}/Pol.dll"));
    std::fs::create_dir_all(v11.parent().unwrap()).unwrap();
    mcs(&[&fixture("Pol.cs")], &v11, &[&keyfile, "-define:V11"]);
    let policy_dir = gac.join(format!("policy.1.0.Pol/0.0.0.0__{TOKEN}"));
    std::fs::create_dir_all(&policy_dir).unwrap();
    std::fs::write(
        policy_dir.join("policy.1.0.Pol.config"),
        format!(
            r#"<configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><dependentAssembly><assemblyIdentity name="Pol" publicKeyToken="{TOKEN}"/><bindingRedirect oldVersion="1.0.0.0" newVersion="1.1.0.0"/></dependentAssembly></assemblyBinding></runtime></configuration>"#
        ),
    )
    .unwrap();
    run_ok(
        Command::new("al")
            .current_dir(&policy_dir)
            .args([
                "-nologo",
                "-link:policy.1.0.Pol.config",
                "-out:policy.1.0.Pol.dll",
                "-version:0.0.0.0",
            ])
            .arg(&keyfile),
    );

    let prefix = dir.path().join("prefix");
    let run = Command::new("mono")
        .arg(&exe)
        .env("MONO_GAC_PREFIX", &prefix)
        .output()
        .expect("mono");
    assert_eq!(String::from_utf8_lossy(&run.stdout), "1.1\n");

    let out = ngen_build()
        .env("MONO_GAC_PREFIX", &prefix)
        .arg("deps")
        .arg(&exe)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pol = assembly(&json, "Pol");
    assert_eq!(pol["path"].as_str().unwrap(), v11.to_str().unwrap());
    assert_eq!(pol["reason"], "Gac");
    assert_eq!(pol["redirected_from"], "1.0.0.0");
    assert_eq!(pol["redirect"]["source"]["kind"], "publisher_policy");
}
