//! The closure of a real framework assembly (System.Xml.dll) resolves entirely through Mono's
//! GAC and framework directory, and is the same set of assemblies a breadth-first walk over
//! `monodis --assemblyref` finds.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use ngen_tests::{FRAMEWORK_DIR, ngen_deps, ngen_deps_json};

/// `monodis --assemblyref` → (name, version) of each reference.
fn monodis_refs(path: &Path) -> Vec<(String, String)> {
    let out = Command::new("monodis")
        .arg("--assemblyref")
        .arg(path)
        .output()
        .expect("monodis");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut refs = Vec::new();
    let mut version = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.split("Version=").nth(1) {
            version = v.trim().to_string();
        }
        if let Some(name) = line.strip_prefix("Name=") {
            refs.push((name.trim().to_string(), version.clone()));
        }
    }
    refs
}

#[test]
fn system_xml_closure_is_all_gac_and_framework_and_matches_monodis() {
    let root = Path::new(FRAMEWORK_DIR).join("System.Xml.dll");
    let json = ngen_deps_json(&[&root]);

    let mut ours: BTreeMap<String, String> = BTreeMap::new();
    for a in json["assemblies"].as_array().unwrap() {
        let reason = a["reason"].as_str().unwrap();
        assert!(
            reason == "Gac" || reason == "Framework",
            "{} bound by {reason}",
            a["name"]
        );
        let name = a["name"].as_str().unwrap();
        let simple = name.split(',').next().unwrap().to_string();
        let version = name
            .split("Version=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        ours.insert(simple, version);
    }

    // Breadth-first over monodis's AssemblyRef tables, files from the framework directory.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    let mut seen = BTreeSet::from(["System.Xml".to_string()]);
    let mut queue = VecDeque::from([root.clone()]);
    while let Some(path) = queue.pop_front() {
        for (name, version) in monodis_refs(&path) {
            if seen.insert(name.clone()) {
                expected.insert(name.clone(), version);
                queue.push_back(Path::new(FRAMEWORK_DIR).join(format!("{name}.dll")));
            }
        }
    }
    assert!(expected.len() >= 3, "{expected:?}");
    assert_eq!(ours, expected);
    assert!(json["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn display_names_are_found_in_the_gac_like_ngen_install_accepts_them() {
    let json = ngen_deps_json(&[
        "System.Xml, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
    ]);
    assert_eq!(
        json["root"]["path"],
        "/usr/lib/mono/gac/System.Xml/4.0.0.0__b77a5c561934e089/System.Xml.dll"
    );
    let json = ngen_deps_json(&["mscorlib"]);
    assert_eq!(json["root"]["path"], "/usr/lib/mono/4.5/mscorlib.dll");
    assert_eq!(json["assemblies"].as_array().unwrap().len(), 0);

    let missing = ngen_deps(&["System, Version=2.0.0.0"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("no assembly matching 'System, Version=2.0.0.0'")
    );
}

/// Every library in Mono's framework directory (and its Facades) has a complete closure bound
/// only through the GAC and the framework directory, with no warnings.
#[test]
fn every_framework_library_closes_over_gac_and_framework() {
    let mut libraries: Vec<std::path::PathBuf> = Vec::new();
    for dir in [
        Path::new(FRAMEWORK_DIR).to_path_buf(),
        Path::new(FRAMEWORK_DIR).join("Facades"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "dll") {
                libraries.push(path);
            }
        }
    }
    libraries.sort();
    assert!(libraries.len() > 200, "{}", libraries.len());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<_> = libraries
            .chunks(libraries.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for lib in chunk {
                        let out = ngen_deps(&[lib.as_os_str(), OsStr::new("--json")]);
                        if !out.status.success() {
                            failures.push(format!(
                                "{}: {}",
                                lib.display(),
                                String::from_utf8_lossy(&out.stderr)
                            ));
                            continue;
                        }
                        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                        for a in json["assemblies"].as_array().unwrap() {
                            let reason = a["reason"].as_str().unwrap();
                            if reason != "Gac" && reason != "Framework" {
                                failures.push(format!(
                                    "{}: {} by {reason}",
                                    lib.display(),
                                    a["name"]
                                ));
                            }
                        }
                        if !json["warnings"].as_array().unwrap().is_empty() {
                            failures.push(format!(
                                "{}: warnings {:#}",
                                lib.display(),
                                json["warnings"]
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
