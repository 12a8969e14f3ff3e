//! `ngen-build deps` on the hello-app sample (built once with its own build.sh): the redirect,
//! the privatePath and the GAC-like folder are followed; the closure is exactly the set of
//! files Mono's loader loads when it runs the app; errors are the CLR's when the config or the
//! GAC folder is taken away.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ngen_tests::{
    deps_assembly as find, deps_closure_files, mono_loaded_files, ngen_build, ngen_deps as deps,
    ngen_deps_json, run_ok, workspace_root,
};

/// The sample, built once per test binary into cargo's per-target temp dir.
fn sample() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("binder-sample");
        let _ = std::fs::remove_dir_all(&out);
        run_ok(Command::new(workspace_root().join("samples/hello-app/build.sh")).arg(&out));
        out
    })
}

fn gac(out: &Path) -> PathBuf {
    out.join("gac/lib/mono/gac")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn deps_json(out: &Path) -> serde_json::Value {
    let app = out.join("App.exe");
    let gac = gac(out);
    ngen_deps_json(&[app.to_str().unwrap(), "--gac", gac.to_str().unwrap()])
}

#[test]
fn human_output_follows_the_redirect_the_private_path_and_the_gac_folder() {
    let out = sample();
    let app = out.join("App.exe");
    let gac = gac(out);
    let output = deps(&[app.to_str().unwrap(), "--gac", gac.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}{stdout}", text(&output.stderr));
    for expected in [
        "5 assemblies in the closure of",
        "Greeter, Version=2.0.0.0, Culture=neutral, PublicKeyToken=f181aad948abdde8 -> Greeter.dll (AppBase, redirected from 1.0.0.0 by bindingRedirect at App.exe.config:10:9)",
        "MathLib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null -> bin/MathLib.dll (privatePath \"bin\")",
        "Checksum, Version=1.0.0.0, Culture=neutral, PublicKeyToken=f181aad948abdde8 -> gac/lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll (GAC)",
        "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089 -> /usr/lib/mono/4.5/mscorlib.dll (framework)",
        "hints:         Dependency(\"MathLib\", LoadHint.Always), Dependency(\"Greeter\", LoadHint.Sometimes)",
        "hints:         DefaultDependency(LoadHint.Always)",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn json_output_records_every_binding_decision() {
    let out = sample();
    let json = deps_json(out);
    assert_eq!(
        json["root"]["name"],
        "App, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"
    );
    assert_eq!(json["root"]["reason"], "Root");
    let hints = json["root"]["hints"].as_array().unwrap();
    assert_eq!(hints.len(), 2);
    assert_eq!(hints[0]["assembly"], "MathLib");
    assert_eq!(hints[0]["load_hint"], "Always");

    let greeter = find(&json, "Greeter");
    assert_eq!(greeter["reason"], "AppBase");
    assert_eq!(greeter["redirected_from"], "1.0.0.0");
    assert_eq!(greeter["redirect"]["to"], "2.0.0.0");
    assert_eq!(greeter["redirect"]["source"]["kind"], "app_config");
    assert_eq!(
        greeter["config_inputs"][0],
        "bindingRedirect greeter token=f181aad948abdde8 culture=neutral 1.0.0.0-1.9.9.9 -> 2.0.0.0"
    );
    let mathlib = find(&json, "MathLib");
    assert_eq!(mathlib["reason"], "PrivatePath");
    assert_eq!(mathlib["private_path"], "bin");
    assert_eq!(mathlib["default_dependency"], "Always");
    let probed: Vec<&str> = mathlib["probed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        probed,
        [
            out.join("MathLib.dll"),
            out.join("MathLib/MathLib.dll"),
            out.join("bin/MathLib.dll")
        ]
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect::<Vec<_>>()
    );
    assert_eq!(find(&json, "Checksum")["reason"], "Gac");
    assert_eq!(find(&json, "mscorlib")["reason"], "Framework");
    assert_eq!(
        json["warnings"].as_array().unwrap().len(),
        0,
        "{:#}",
        json["warnings"]
    );
}

#[test]
fn mvids_agree_with_monodis() {
    let out = sample();
    let json = deps_json(out);
    let all = std::iter::once(&json["root"]).chain(json["assemblies"].as_array().unwrap());
    for assembly in all {
        let path = assembly["path"].as_str().unwrap();
        let module = Command::new("monodis")
            .arg("--module")
            .arg(path)
            .output()
            .expect("monodis");
        let listing = text(&module.stdout).to_lowercase();
        let mvid = assembly["mvid"].as_str().unwrap();
        assert!(
            listing.contains(&format!("{{{mvid}}}")),
            "{path}: mvid {mvid} not in monodis --module:\n{listing}"
        );
    }
}

/// Mono's loader log (`MONO_LOG_MASK=asm`) names every file it loads: the sample touches all
/// its dependencies, so that set must be exactly our closure.
#[test]
fn closure_is_what_mono_loads() {
    let out = sample();
    let run = Command::new("mono")
        .arg("App.exe")
        .current_dir(out)
        .env("MONO_GAC_PREFIX", out.join("gac"))
        .env("MONO_LOG_LEVEL", "info")
        .env("MONO_LOG_MASK", "asm")
        .output()
        .expect("mono");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let log = text(&run.stdout) + &text(&run.stderr);
    let loaded = mono_loaded_files(&log, out);
    assert!(loaded.len() >= 5, "{log}");
    assert_eq!(deps_closure_files(&deps_json(out)), loaded);
    assert!(text(&run.stdout).contains("(Greeter 2.0)"));
}

#[test]
fn output_is_deterministic() {
    let out = sample();
    assert_eq!(deps_json(out), deps_json(out));
    let app = out.join("App.exe");
    let gac = gac(out);
    let a = deps(&[app.to_str().unwrap(), "--gac", gac.to_str().unwrap()]);
    let b = deps(&[app.to_str().unwrap(), "--gac", gac.to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn without_the_redirect_the_version_mismatch_is_reported_as_the_clr_does() {
    let out = sample();
    let dir = ngen_tests::temp_dir();
    let empty = dir.path().join("empty.config");
    std::fs::write(
        &empty,
        r#"<configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><probing privatePath="bin"/></assemblyBinding></runtime></configuration>"#,
    )
    .unwrap();
    let app = out.join("App.exe");
    let gac = gac(out);
    let output = deps(&[
        app.to_str().unwrap(),
        "--gac",
        gac.to_str().unwrap(),
        "--exe-config",
        empty.to_str().unwrap(),
        "--app-base",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    for expected in [
        "Could not load file or assembly 'Greeter, Version=1.0.0.0, Culture=neutral, PublicKeyToken=f181aad948abdde8'",
        "The located assembly's manifest definition does not match the assembly reference",
        "0x80131040",
        "referenced by: App, Version=1.0.0.0",
        "mismatch: Version",
        "bindingRedirect",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn without_the_gac_folder_the_error_names_the_referencer_and_every_probed_path() {
    let out = sample();
    let app = out.join("App.exe");
    let output = deps(&[app.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("Could not load file or assembly 'Checksum, Version=1.0.0.0, Culture=neutral, PublicKeyToken=f181aad948abdde8' or one of its dependencies. The system cannot find the file specified."),
        "{stderr}"
    );
    assert!(
        stderr.contains("referenced by: App, Version=1.0.0.0"),
        "{stderr}"
    );
    for probed in [
        "/usr/lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll".to_string(),
        out.join("Checksum.dll").display().to_string(),
        out.join("bin/Checksum/Checksum.exe").display().to_string(),
    ] {
        assert!(
            stderr.contains(&probed),
            "{probed} not listed in:\n{stderr}"
        );
    }
}

#[test]
fn malformed_config_is_a_located_diagnostic() {
    let out = sample();
    let dir = ngen_tests::temp_dir();
    for (config, line_col) in [
        (
            "<configuration>\n  <runtime>\n    <assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\">\n  </runtime>\n</configuration>\n",
            "4:3",
        ),
        (
            "<configuration>\n<runtime>\n<assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\">\n<dependentAssembly>\n<assemblyIdentity name=\"Greeter\" publicKeyToken=\"f181aad948abdde8\"/>\n<bindingRedirect oldVersion=\"1.0.0.0\" newVersion=\"2.x\"/>\n</dependentAssembly>\n</assemblyBinding>\n</runtime>\n</configuration>\n",
            "6:",
        ),
    ] {
        let path = dir.path().join("bad.config");
        std::fs::write(&path, config).unwrap();
        let output = deps(&[
            out.join("App.exe").to_str().unwrap(),
            "--exe-config",
            path.to_str().unwrap(),
            "--app-base",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("bad.config"), "{stderr}");
        assert!(
            stderr.contains(&format!("bad.config:{line_col}")),
            "no {line_col} in:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let output = deps::<&str>(&[]);
    assert_eq!(output.status.code(), Some(2));
    let help = ngen_build().args(["deps", "--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("--exe-config"));
}

#[test]
fn mono_gac_prefix_is_honoured_as_mono_does() {
    let out = sample();
    let output = ngen_build()
        .env("MONO_GAC_PREFIX", out.join("gac"))
        .arg("deps")
        .arg(out.join("App.exe"))
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("Checksum.dll (GAC)"), "{stdout}");
}

#[test]
fn verbose_lists_probed_paths_and_deny_warnings_fails_on_warnings() {
    let out = sample();
    let app = out.join("App.exe");
    let gac = gac(out);
    let verbose = deps(&[app.to_str().unwrap(), "--gac", gac.to_str().unwrap(), "-v"]);
    let stdout = text(&verbose.stdout);
    assert!(verbose.status.success());
    assert!(
        stdout.contains(&format!(
            "    probed:        {}",
            out.join("MathLib.dll").display()
        )),
        "{stdout}"
    );
    // The sample has no warnings, so --deny-warnings passes...
    let strict = deps(&[
        app.to_str().unwrap(),
        "--gac",
        gac.to_str().unwrap(),
        "--deny-warnings",
    ]);
    assert!(strict.status.success(), "{}", text(&strict.stderr));
    // ...and fails once the config has something the CLR would ignore.
    let dir = ngen_tests::temp_dir();
    let config = dir.path().join("App.exe.config");
    std::fs::write(
        &config,
        std::fs::read_to_string(out.join("App.exe.config"))
            .unwrap()
            .replace("privatePath=\"bin\"", "privatePath=\"bin;../elsewhere\""),
    )
    .unwrap();
    let args = [
        app.to_str().unwrap(),
        "--gac",
        gac.to_str().unwrap(),
        "--exe-config",
        config.to_str().unwrap(),
        "--app-base",
        out.to_str().unwrap(),
    ];
    let lenient = deps(&args);
    assert!(lenient.status.success(), "{}", text(&lenient.stderr));
    assert!(text(&lenient.stdout).contains("../elsewhere"));
    let mut strict_args = args.to_vec();
    strict_args.push("--deny-warnings");
    let strict = deps(&strict_args);
    assert_eq!(strict.status.code(), Some(1));
    assert!(text(&strict.stderr).contains("--deny-warnings"));
}
