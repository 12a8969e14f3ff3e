//! `ngen-build inspect` on real assemblies: the exact identity, zero failed bodies, the JSON
//! shape, display-name lookup, and the human report.

use serde_json::Value;

fn inspect_json(arg: &str) -> Value {
    let out = ngen_tests::ngen_build()
        .args(["inspect", arg, "--json"])
        .output()
        .expect("run ngen-build");
    assert!(
        out.status.success(),
        "inspect {arg} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON")
}

#[test]
fn mscorlib_json_has_exact_identity_and_no_failed_bodies() {
    let v = inspect_json("/usr/lib/mono/4.5/mscorlib.dll");
    assert_eq!(
        v["identity"],
        "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    );
    assert_eq!(v["bodies"]["failed"], 0);
    assert!(v["bodies"]["decoded"].as_u64().unwrap() > 10_000);
    let mvid = v["mvid"].as_str().unwrap();
    assert_eq!(mvid.len(), 36, "{mvid}");
    assert_eq!(v["references"].as_array().unwrap().len(), 0);
    for key in [
        "typedef",
        "methoddef",
        "memberref",
        "assemblyref",
        "typeref",
        "field",
    ] {
        assert!(v["counts"][key].is_u64(), "counts.{key} missing");
    }
    assert!(v["counts"]["typedef"].as_u64().unwrap() > 1000);
    assert!(v["hints"].is_array());
}

#[test]
fn display_names_resolve_in_framework_and_gac() {
    let partial = inspect_json("System.Xml");
    assert_eq!(
        partial["identity"],
        "System.Xml, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    );
    let refs: Vec<&str> = partial["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        refs.contains(
            &"mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
        ),
        "{refs:?}"
    );
    let full =
        inspect_json("System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089");
    assert_eq!(full["counts"]["assembly"], 1);
    assert_eq!(full["bodies"]["failed"], 0);
}

#[test]
fn unknown_display_name_is_a_clear_error() {
    let out = ngen_tests::ngen_build()
        .args(["inspect", "No.Such.Assembly, Version=1.2.3.4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no assembly matching"), "{stderr}");
    assert!(stderr.contains("No.Such.Assembly.dll"), "{stderr}");
}

#[test]
fn human_report_lists_identity_references_and_body_counts() {
    let out = ngen_tests::ngen_build()
        .args(["inspect", "/usr/lib/mono/4.5/System.dll"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Identity:      System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"), "{text}");
    assert!(text.contains("mscorlib, Version=4.0.0.0"), "{text}");
    assert!(text.contains(" decoded, 0 failed;"), "{text}");
    assert!(text.contains("TypeDef"), "{text}");
}
