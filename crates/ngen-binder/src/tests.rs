//! Binder and closure tests against an in-memory [`ManifestReader`]: files exist on disk (empty)
//! so probing sees them, and their manifests come from a map. Real assemblies compiled with
//! mcs are tested in `tests/tests/binder_*.rs`.
//!
//! Depends on the crate's public modules and tempfile; nothing here reads real assemblies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::binder::{BindError, BindReason, Binder, BinderConfig, Binding, RedirectSource};
use crate::closure::ClosureWarning;
use crate::manifest::{Manifest, ManifestError, ManifestReader, Mvid};
use crate::name::{AssemblyName, Mismatch, Version};

const TOKEN: &str = "0123456789abcdef";

struct Fake(HashMap<PathBuf, Manifest>);

impl ManifestReader for Fake {
    fn read(&self, path: &Path) -> Result<Manifest, ManifestError> {
        self.0.get(path).cloned().ok_or_else(|| ManifestError {
            path: path.to_path_buf(),
            message: "not in the fake".into(),
            source: None,
        })
    }
}

struct World {
    dir: tempfile::TempDir,
    files: HashMap<PathBuf, Manifest>,
    mvid: u8,
}

fn name(text: &str) -> AssemblyName {
    AssemblyName::parse(text).unwrap()
}

fn strong(simple: &str, version: &str) -> String {
    format!("{simple}, Version={version}, Culture=neutral, PublicKeyToken={TOKEN}")
}

fn weak(simple: &str, version: &str) -> String {
    format!("{simple}, Version={version}, Culture=neutral, PublicKeyToken=null")
}

impl World {
    fn new() -> World {
        let w = World {
            dir: tempfile::tempdir().unwrap(),
            files: HashMap::new(),
            mvid: 0,
        };
        std::fs::create_dir_all(w.app()).unwrap();
        std::fs::create_dir_all(w.fw()).unwrap();
        std::fs::create_dir_all(w.gac()).unwrap();
        w
    }
    fn app(&self) -> PathBuf {
        self.dir.path().join("app")
    }
    fn fw(&self) -> PathBuf {
        self.dir.path().join("mono/4.5")
    }
    fn gac(&self) -> PathBuf {
        self.dir.path().join("mono/gac")
    }
    /// Puts an assembly with `identity` and `refs` at `rel` (relative to the temp root).
    fn add(&mut self, rel: &str, identity: &str, refs: &[&str]) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"").unwrap();
        self.mvid += 1;
        self.files.insert(
            path.clone(),
            Manifest {
                identity: name(identity),
                mvid: Mvid([self.mvid; 16]),
                references: refs.iter().map(|r| name(r)).collect(),
                hints: Vec::new(),
                default_dependency: None,
                processor_architecture: None,
            },
        );
        path
    }
    fn config(&self, body: &str) {
        let text = format!(
            r#"<configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1">{body}</assemblyBinding></runtime></configuration>"#
        );
        std::fs::write(self.app().join("App.exe.config"), text).unwrap();
    }
    fn binder(&self) -> Result<Binder, BindError> {
        Binder::with_reader(
            &self.app().join("App.exe"),
            BinderConfig {
                framework_dir: Some(self.fw()),
                ignore_mono_gac_prefix: true,
                ..BinderConfig::default()
            },
            Box::new(Fake(self.files.clone())),
        )
    }
    /// Binds `reference` as the root `App` would, with a fresh binder.
    fn bind(&self, reference: &str) -> Result<Binding, BindError> {
        self.binder()
            .expect("the fake world has a root")
            .bind(&name(reference), &root_name())
    }
}

fn app_with(refs: &[&str]) -> World {
    let mut w = World::new();
    w.add("app/App.exe", &weak("App", "1.0.0.0"), refs);
    w
}

fn root_name() -> AssemblyName {
    name(&weak("App", "1.0.0.0"))
}

#[test]
fn redirect_is_followed() {
    let mut w = app_with(&[&strong("Versioned", "1.0.0.0")]);
    w.add("app/Versioned.dll", &strong("Versioned", "2.0.0.0"), &[]);
    w.config(&format!(
        r#"<dependentAssembly><assemblyIdentity name="Versioned" publicKeyToken="{TOKEN}"/>
           <bindingRedirect oldVersion="0.0.0.0-1.5.0.0" newVersion="2.0.0.0"/></dependentAssembly>"#
    ));
    let b = w.binder().unwrap();
    let bound = b
        .bind(&name(&strong("Versioned", "1.0.0.0")), &root_name())
        .unwrap();
    assert_eq!(bound.reason, BindReason::AppBase);
    assert_eq!(bound.redirected_from, Some(Version::new(1, 0, 0, 0)));
    assert_eq!(bound.identity.version, Some(Version::new(2, 0, 0, 0)));
    assert!(matches!(
        bound.redirect.as_ref().unwrap().source,
        RedirectSource::AppConfig { .. }
    ));
    // GAC first for strong names, then the framework directory, then the AppBase.
    assert_eq!(
        bound.probed[0],
        w.gac()
            .join(format!("Versioned/2.0.0.0__{TOKEN}/Versioned.dll"))
    );
    assert_eq!(bound.probed.last().unwrap(), &w.app().join("Versioned.dll"));
    let log = bound.log_lines();
    assert!(log[1].contains("1.0.0.0 redirected to 2.0.0.0"), "{log:?}");
    assert!(log.last().unwrap().contains("(AppBase)"), "{log:?}");
    assert_eq!(
        b.config_fingerprint_inputs(&name(&strong("Versioned", "2.0.0.0"))),
        vec![format!(
            "bindingRedirect versioned token={TOKEN} culture=* 0.0.0.0-1.5.0.0 -> 2.0.0.0"
        )]
    );
}

#[test]
fn without_the_redirect_the_version_mismatch_is_reported_as_the_clr_does() {
    let mut w = app_with(&[&strong("Versioned", "1.0.0.0")]);
    w.add("app/Versioned.dll", &strong("Versioned", "2.0.0.0"), &[]);
    let b = w.binder().unwrap();
    let err = b
        .bind(&name(&strong("Versioned", "1.0.0.0")), &root_name())
        .unwrap_err();
    match &err {
        BindError::ManifestMismatch { mismatch, path, .. } => {
            assert_eq!(*mismatch, Mismatch::Version);
            assert_eq!(path, &w.app().join("Versioned.dll"));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(
            "The located assembly's manifest definition does not match the assembly reference"
        ),
        "{text}"
    );
    assert!(
        text.contains("referenced by: App, Version=1.0.0.0"),
        "{text}"
    );
}

#[test]
fn simple_names_ignore_versions_but_the_closure_warns() {
    let mut w = app_with(&[&weak("Lib", "1.0.0.0")]);
    w.add("app/Lib.dll", &weak("Lib", "3.0.0.0"), &[]);
    let closure = w.binder().unwrap().closure().unwrap();
    assert_eq!(closure.assemblies.len(), 1);
    assert!(
        closure
            .warnings
            .iter()
            .any(|w| matches!(w, ClosureWarning::VersionIgnored { .. })),
        "{:?}",
        closure.warnings
    );
}

#[test]
fn private_path_is_probed_in_order() {
    let mut w = app_with(&[&weak("MyLib", "1.0.0.0")]);
    w.add("app/lib/MyLib/MyLib.dll", &weak("MyLib", "1.0.0.0"), &[]);
    w.config(r#"<probing privatePath="bin;lib"/>"#);
    let bound = w.bind(&weak("MyLib", "1.0.0.0")).unwrap();
    assert_eq!(bound.reason, BindReason::PrivatePath);
    assert_eq!(bound.private_path.as_deref(), Some("lib"));
    let app = w.app();
    assert_eq!(
        bound.probed,
        vec![
            app.join("MyLib.dll"),
            app.join("MyLib/MyLib.dll"),
            app.join("bin/MyLib.dll"),
            app.join("bin/MyLib/MyLib.dll"),
            app.join("lib/MyLib.dll"),
            app.join("lib/MyLib/MyLib.dll"),
        ]
    );
}

#[test]
fn exe_is_probed_after_every_dll_location() {
    let mut w = app_with(&[]);
    w.add("app/Tool.exe", &weak("Tool", "1.0.0.0"), &[]);
    w.add("app/bin/Tool.dll", &weak("Tool", "1.0.0.0"), &[]);
    w.config(r#"<probing privatePath="bin"/>"#);
    let bound = w.bind("Tool").unwrap();
    assert_eq!(bound.path, w.app().join("bin/Tool.dll"));
}

#[test]
fn strong_named_library_is_found_in_the_gac_first() {
    let mut w = app_with(&[&strong("Signed", "1.0.0.0")]);
    let gac = w.add(
        &format!("mono/gac/Signed/1.0.0.0__{TOKEN}/Signed.dll"),
        &strong("Signed", "1.0.0.0"),
        &[],
    );
    // A copy in the AppBase loses to the GAC, as in the CLR.
    w.add("app/Signed.dll", &strong("Signed", "1.0.0.0"), &[]);
    let bound = w.bind(&strong("Signed", "1.0.0.0")).unwrap();
    assert_eq!(bound.reason, BindReason::Gac);
    assert_eq!(bound.path, gac);
    assert_eq!(bound.probed, vec![gac]);
}

#[test]
fn code_base_is_the_only_location_when_given() {
    let mut w = app_with(&[&strong("Far", "1.0.0.0")]);
    w.add("app/libs/v1/Far.dll", &strong("Far", "1.0.0.0"), &[]);
    w.add("app/Far.dll", &strong("Far", "1.0.0.0"), &[]);
    w.config(&format!(
        r#"<dependentAssembly><assemblyIdentity name="Far" publicKeyToken="{TOKEN}"/>
           <codeBase version="1.0.0.0" href="libs/v1/Far.dll"/></dependentAssembly>"#
    ));
    let b = w.binder().unwrap();
    let bound = b
        .bind(&name(&strong("Far", "1.0.0.0")), &root_name())
        .unwrap();
    assert_eq!(bound.reason, BindReason::CodeBase);
    assert_eq!(bound.path, w.app().join("libs/v1/Far.dll"));
    assert!(b.config_fingerprint_inputs(&bound.identity)[0].starts_with("codeBase far"));

    // A codeBase that points nowhere fails without falling back to probing.
    std::fs::remove_file(w.app().join("libs/v1/Far.dll")).unwrap();
    let err = w.bind(&strong("Far", "1.0.0.0")).unwrap_err();
    match err {
        BindError::NotFound { probed, .. } => {
            assert_eq!(probed.last().unwrap(), &w.app().join("libs/v1/Far.dll"));
            assert!(!probed.contains(&w.app().join("Far.dll")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn code_base_of_a_simple_name_must_stay_in_the_app_base() {
    let mut w = app_with(&[&weak("Out", "1.0.0.0")]);
    w.add("elsewhere/Out.dll", &weak("Out", "1.0.0.0"), &[]);
    w.config(
        r#"<dependentAssembly><assemblyIdentity name="Out"/>
           <codeBase href="../elsewhere/Out.dll"/></dependentAssembly>"#,
    );
    let err = w.bind(&weak("Out", "1.0.0.0")).unwrap_err();
    assert!(matches!(err, BindError::BadCodeBase { .. }), "{err:?}");
}

#[test]
fn satellite_is_probed_in_culture_folders() {
    let mut w = app_with(&[]);
    w.add(
        "app/fr-FR/App.resources.dll",
        "App.resources, Version=1.0.0.0, Culture=fr-FR, PublicKeyToken=null",
        &[],
    );
    // A neutral file of the same name in the AppBase is not a satellite.
    w.add(
        "app/App.resources.dll",
        &weak("App.resources", "1.0.0.0"),
        &[],
    );
    let bound = w
        .bind("App.resources, Version=1.0.0.0, Culture=fr-FR, PublicKeyToken=null")
        .unwrap();
    assert_eq!(bound.path, w.app().join("fr-FR/App.resources.dll"));
    assert_eq!(bound.probed.len(), 1);
}

#[test]
fn missing_reference_names_referencer_and_every_probed_path() {
    let w = app_with(&[&weak("Gone", "1.0.0.0")]);
    w.config(r#"<probing privatePath="bin"/>"#);
    let err = w.binder().unwrap().closure().unwrap_err();
    let BindError::NotFound {
        reference,
        requested_by,
        probed,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(reference.name, "Gone");
    assert_eq!(**requested_by, root_name());
    assert_eq!(probed.len(), 8);
    let text = err.to_string();
    assert!(
        text.contains("The system cannot find the file specified"),
        "{text}"
    );
    assert!(
        text.contains(&w.app().join("bin/Gone/Gone.exe").display().to_string()),
        "{text}"
    );
}

#[test]
fn all_failures_are_reported_together() {
    let w = app_with(&[&weak("A", "1.0.0.0"), &weak("B", "1.0.0.0")]);
    match w.binder().unwrap().closure().unwrap_err() {
        BindError::Incomplete { failures } => assert_eq!(failures.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn framework_references_unify_and_mscorlib_is_the_runtime_corlib() {
    let ecma = "b77a5c561934e089";
    let mut w = app_with(&[
        &format!("mscorlib, Version=2.0.0.0, Culture=neutral, PublicKeyToken={ecma}"),
        &format!("System, Version=2.0.0.0, Culture=neutral, PublicKeyToken={ecma}"),
    ]);
    let corlib = format!("mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken={ecma}");
    let system = format!("System, Version=4.0.0.0, Culture=neutral, PublicKeyToken={ecma}");
    w.add("mono/4.5/mscorlib.dll", &corlib, &[]);
    w.add(
        &format!("mono/gac/System/4.0.0.0__{ecma}/System.dll"),
        &system,
        &[&corlib],
    );
    w.add("mono/4.5/System.dll", &system, &[&corlib]);
    let closure = w.binder().unwrap().closure().unwrap();
    let names: Vec<String> = closure
        .assemblies
        .iter()
        .map(|a| a.name.to_string())
        .collect();
    assert_eq!(names, vec![corlib.clone(), system.clone()]);
    let sys = &closure.assemblies[1];
    assert_eq!(sys.reason, BindReason::Gac);
    assert_eq!(sys.redirected_from, Some(Version::new(2, 0, 0, 0)));
    assert_eq!(closure.assemblies[0].reason, BindReason::Framework);
    assert_eq!(closure.assemblies[0].referenced_by.len(), 2);
    assert!(closure.warnings.is_empty(), "{:?}", closure.warnings);
}

#[test]
fn closure_is_sorted_deduplicated_and_records_referencers() {
    let mut w = app_with(&[&weak("Zeta", "1.0.0.0"), &weak("alpha", "1.0.0.0")]);
    w.add(
        "app/Zeta.dll",
        &weak("Zeta", "1.0.0.0"),
        &[&weak("alpha", "1.0.0.0")],
    );
    w.add("app/alpha.dll", &weak("alpha", "1.0.0.0"), &[]);
    let closure = w.binder().unwrap().closure().unwrap();
    let names: Vec<&str> = closure
        .assemblies
        .iter()
        .map(|a| a.name.name.as_str())
        .collect();
    assert_eq!(names, ["alpha", "Zeta"]);
    assert_eq!(closure.root.reason, BindReason::Root);
    let alpha = &closure.assemblies[0];
    assert_eq!(
        alpha.referenced_by,
        vec![root_name(), name(&weak("Zeta", "1.0.0.0"))]
    );
    assert_eq!(alpha.mvid, w.files[&w.app().join("alpha.dll")].mvid);
    assert_eq!(closure.paths().len(), 3);
    let order: Vec<&str> = closure
        .dependency_order()
        .iter()
        .map(|a| a.name.name.as_str())
        .collect();
    assert_eq!(order, ["alpha", "Zeta", "App"]);
}

#[test]
fn two_versions_of_one_assembly_are_flagged() {
    let mut w = app_with(&[&strong("Dup", "1.0.0.0"), &strong("Dup", "2.0.0.0")]);
    w.add(
        &format!("mono/gac/Dup/1.0.0.0__{TOKEN}/Dup.dll"),
        &strong("Dup", "1.0.0.0"),
        &[],
    );
    w.add(
        &format!("mono/gac/Dup/2.0.0.0__{TOKEN}/Dup.dll"),
        &strong("Dup", "2.0.0.0"),
        &[],
    );
    let closure = w.binder().unwrap().closure().unwrap();
    assert!(
        closure.warnings.iter().any(
            |w| matches!(w, ClosureWarning::VersionConflict { versions, .. } if versions.len() == 2)
        ),
        "{:?}",
        closure.warnings
    );
}

#[test]
fn unreadable_root_and_missing_app_base_are_errors() {
    let w = World::new();
    assert!(matches!(w.binder(), Err(BindError::Root { .. })));
    let w = app_with(&[]);
    let err = Binder::with_reader(
        &w.app().join("App.exe"),
        BinderConfig {
            app_base: Some(w.dir.path().join("nope")),
            ..BinderConfig::default()
        },
        Box::new(Fake(w.files.clone())),
    )
    .unwrap_err();
    assert!(matches!(err, BindError::AppBase { .. }));
}

#[test]
fn malformed_config_is_a_located_error() {
    let w = app_with(&[]);
    w.config("<probing privatePath=\"bin\">");
    match w.binder().unwrap_err() {
        BindError::Config(e) => {
            assert_eq!(e.location().unwrap().1.line, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn exe_config_may_name_the_exe_and_sets_the_app_base() {
    let mut w = World::new();
    let lib = w.add(
        "lib/Lib.dll",
        &weak("Lib", "1.0.0.0"),
        &[&weak("Dep", "1.0.0.0")],
    );
    w.add("app/App.exe", &weak("App", "1.0.0.0"), &[]);
    w.add("app/bin/Dep.dll", &weak("Dep", "1.0.0.0"), &[]);
    w.config(r#"<probing privatePath="bin"/>"#);
    let b = Binder::with_reader(
        &lib,
        BinderConfig {
            exe_config: Some(w.app().join("App.exe")),
            framework_dir: Some(w.fw()),
            ..BinderConfig::default()
        },
        Box::new(Fake(w.files.clone())),
    )
    .unwrap();
    assert_eq!(b.app_base(), w.app());
    let closure = b.closure().unwrap();
    assert_eq!(closure.assemblies[0].reason, BindReason::PrivatePath);
}

#[test]
fn extra_gacs_are_searched_before_the_default_gac() {
    let mut w = app_with(&[&strong("Signed", "1.0.0.0")]);
    let rel = format!("Signed/1.0.0.0__{TOKEN}/Signed.dll");
    let extra = w.add(
        &format!("extra-gac/{rel}"),
        &strong("Signed", "1.0.0.0"),
        &[],
    );
    w.add(
        &format!("mono/gac/{rel}"),
        &strong("Signed", "1.0.0.0"),
        &[],
    );
    let b = Binder::with_reader(
        &w.app().join("App.exe"),
        BinderConfig {
            framework_dir: Some(w.fw()),
            extra_gacs: vec![w.dir.path().join("extra-gac")],
            ignore_mono_gac_prefix: true,
            ..BinderConfig::default()
        },
        Box::new(Fake(w.files.clone())),
    )
    .unwrap();
    let bound = b
        .bind(&name(&strong("Signed", "1.0.0.0")), &root_name())
        .unwrap();
    assert_eq!((bound.reason, bound.path), (BindReason::Gac, extra));
}

#[test]
fn hints_are_matched_by_simple_name_and_dangling_ones_warned() {
    use crate::manifest::{DependencyHint, LoadHint};
    let mut w = app_with(&[&weak("Lib", "1.0.0.0")]);
    w.add("app/Lib.dll", &weak("Lib", "1.0.0.0"), &[]);
    let root = w.app().join("App.exe");
    let m = w.files.get_mut(&root).unwrap();
    m.hints = vec![
        DependencyHint {
            assembly: "Lib,".into(),
            load_hint: LoadHint::Always,
        },
        DependencyHint {
            assembly: "Absent".into(),
            load_hint: LoadHint::Sometimes,
        },
    ];
    let closure = w.binder().unwrap().closure().unwrap();
    assert_eq!(closure.root.hints.len(), 2);
    let dangling: Vec<&str> = closure
        .warnings
        .iter()
        .filter_map(|w| match w {
            ClosureWarning::HintNotInClosure { hint, .. } => Some(hint.assembly.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(dangling, ["Absent"]);
}

#[test]
fn binder_and_closure_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Binder>();
    assert_send_sync::<crate::closure::Closure>();
    assert_send_sync::<BindError>();
}

/// Every truncation and single-byte corruption of a valid config or display name is parsed
/// without panicking (a cheap, deterministic stand-in for fuzzing).
#[test]
fn truncated_and_corrupted_inputs_never_panic() {
    let config = r#"<?xml version="1.0"?><configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><probing privatePath="bin;lib"/><dependentAssembly><assemblyIdentity name="A" publicKeyToken="0123456789abcdef" culture="neutral"/><bindingRedirect oldVersion="1.0.0.0-1.5.0.0" newVersion="2.0.0.0"/><codeBase version="2.0.0.0" href="file:///x/A.dll"/></dependentAssembly></assemblyBinding></runtime></configuration>"#;
    let display = r#"My\,Lib, Version=1.2.3.4, Culture="fr-FR", PublicKeyToken=0123456789abcdef, processorArchitecture=MSIL, Retargetable=Yes"#;
    let replacements = [
        b'<', b'>', b'"', b'\'', b'=', b',', b'\\', b'-', b'.', b'x', b' ', b';',
    ];
    for input in [config, display] {
        let bytes = input.as_bytes();
        for end in 0..=bytes.len() {
            let text = String::from_utf8_lossy(&bytes[..end]);
            let _ = crate::config::ExeConfig::parse(&text, Path::new("c.config"));
            let _ = AssemblyName::parse(&text);
        }
        for at in 0..bytes.len() {
            for r in replacements {
                let mut mutated = bytes.to_vec();
                mutated[at] = r;
                let text = String::from_utf8_lossy(&mutated);
                let _ = crate::config::ExeConfig::parse(&text, Path::new("c.config"));
                if let Ok(n) = AssemblyName::parse(&text) {
                    // Whatever parses must survive a format/parse round trip.
                    assert_eq!(AssemblyName::parse(&n.to_string()).unwrap(), n, "{text}");
                }
            }
        }
    }
}

#[test]
fn exe_config_naming_an_exe_without_a_config_only_sets_the_app_base() {
    let mut w = World::new();
    let lib = w.add(
        "lib/Lib.dll",
        &weak("Lib", "1.0.0.0"),
        &[&weak("Dep", "1.0.0.0")],
    );
    w.add("app/App.exe", &weak("App", "1.0.0.0"), &[]);
    w.add("app/Dep.dll", &weak("Dep", "1.0.0.0"), &[]);
    let b = Binder::with_reader(
        &lib,
        BinderConfig {
            exe_config: Some(w.app().join("App.exe")),
            framework_dir: Some(w.fw()),
            ..BinderConfig::default()
        },
        Box::new(Fake(w.files.clone())),
    )
    .unwrap();
    assert_eq!(b.config_path(), None);
    assert_eq!(b.app_base(), w.app());
    assert_eq!(
        b.closure().unwrap().assemblies[0].reason,
        BindReason::AppBase
    );
    // A config file that does not exist is an error, not silently skipped.
    let err = Binder::with_reader(
        &lib,
        BinderConfig {
            exe_config: Some(w.app().join("Missing.exe.config")),
            ..BinderConfig::default()
        },
        Box::new(Fake(w.files.clone())),
    )
    .unwrap_err();
    assert!(matches!(err, BindError::Config(_)), "{err:?}");
}

#[test]
fn newer_facade_references_bind_to_the_installed_facade_with_a_warning() {
    let msft = "b03f5f7f11d50a3a";
    let reference =
        format!("System.Runtime, Version=4.2.0.0, Culture=neutral, PublicKeyToken={msft}");
    let installed =
        format!("System.Runtime, Version=4.1.0.0, Culture=neutral, PublicKeyToken={msft}");
    let mut w = app_with(&[&reference]);
    w.add("mono/4.5/Facades/System.Runtime.dll", &installed, &[]);
    let closure = w.binder().unwrap().closure().unwrap();
    let facade = &closure.assemblies[0];
    assert_eq!(facade.reason, BindReason::Framework);
    assert_eq!(facade.redirected_from, Some(Version::new(4, 2, 0, 0)));
    assert!(
        closure
            .warnings
            .iter()
            .any(|w| matches!(w, ClosureWarning::NewerThanInstalled { .. })),
        "{:?}",
        closure.warnings
    );

    // Outside Facades a newer reference is not unified down: it is not found.
    let system = format!("System, Version=4.0.0.0, Culture=neutral, PublicKeyToken={msft}");
    let mut w = app_with(&[&format!(
        "System, Version=5.0.0.0, Culture=neutral, PublicKeyToken={msft}"
    )]);
    w.add("mono/4.5/System.dll", &system, &[]);
    assert!(w.binder().unwrap().closure().is_err());
}

#[test]
fn publisher_policy_in_the_gac_redirects_after_the_app_config() {
    let mut w = app_with(&[&strong("Pol", "1.0.0.0")]);
    let v11 = w.add(
        &format!("mono/gac/Pol/1.1.0.0__{TOKEN}/Pol.dll"),
        &strong("Pol", "1.1.0.0"),
        &[],
    );
    let policy_dir = w.gac().join(format!("policy.1.0.Pol/0.0.0.0__{TOKEN}"));
    w.add(
        &format!("mono/gac/policy.1.0.Pol/0.0.0.0__{TOKEN}/policy.1.0.Pol.dll"),
        &strong("policy.1.0.Pol", "0.0.0.0"),
        &[],
    );
    std::fs::write(
        policy_dir.join("policy.1.0.Pol.config"),
        format!(
            r#"<configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><dependentAssembly><assemblyIdentity name="Pol" publicKeyToken="{TOKEN}"/><bindingRedirect oldVersion="1.0.0.0" newVersion="1.1.0.0"/></dependentAssembly></assemblyBinding></runtime></configuration>"#
        ),
    )
    .unwrap();
    let closure = w.binder().unwrap().closure().unwrap();
    let pol = &closure.assemblies[0];
    assert_eq!((pol.reason, &pol.path), (BindReason::Gac, &v11));
    assert_eq!(pol.redirected_from, Some(Version::new(1, 0, 0, 0)));
    assert!(matches!(
        pol.redirect.as_ref().unwrap().source,
        RedirectSource::PublisherPolicy { .. }
    ));
    assert!(
        pol.config_inputs
            .iter()
            .any(|i| i.starts_with("publisherPolicy "))
    );

    // <publisherPolicy apply="no"/> turns it off (as the CLR does): 1.0.0.0 is then missing.
    w.config(r#"<publisherPolicy apply="no"/>"#);
    assert!(matches!(
        w.binder().unwrap().closure(),
        Err(BindError::NotFound { .. })
    ));
}

#[test]
fn dependency_order_survives_cycles() {
    let mut w = app_with(&[&weak("A", "1.0.0.0")]);
    w.add("app/A.dll", &weak("A", "1.0.0.0"), &[&weak("B", "1.0.0.0")]);
    w.add(
        "app/B.dll",
        &weak("B", "1.0.0.0"),
        &[&weak("A", "1.0.0.0"), &weak("C", "1.0.0.0")],
    );
    w.add("app/C.dll", &weak("C", "1.0.0.0"), &[]);
    let closure = w.binder().unwrap().closure().unwrap();
    let order: Vec<&str> = closure
        .dependency_order()
        .iter()
        .map(|a| a.name.name.as_str())
        .collect();
    assert_eq!(order, ["C", "B", "A", "App"]);
}
