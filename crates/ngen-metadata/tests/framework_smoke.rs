//! Reads real framework assemblies end to end: identity, tables, bodies, IL, attributes.

use ngen_metadata::{Assembly, TableId, il};

const MSCORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

#[test]
fn mscorlib_identity_and_every_body_decodes() {
    let asm = Assembly::open(MSCORLIB).unwrap();
    let id = asm.identity().unwrap();
    assert_eq!(
        id.display_name(),
        "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    );
    assert_eq!(asm.processor_architecture().as_str(), "MSIL");
    assert!(!asm.is_exe());
    let mut bodies = 0;
    let mut instructions = 0;
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        if let Some(body) = asm.method_body(rid).unwrap() {
            bodies += 1;
            instructions += il::validate(body.code).unwrap();
            if let Some(tok) = body.local_var_sig_token {
                asm.local_var_sig(tok).unwrap();
            }
        }
        let m = asm.method_def(rid).unwrap();
        asm.method_sig(m.signature).unwrap();
    }
    assert!(bodies > 10_000, "{bodies}");
    assert!(instructions > 500_000, "{instructions}");
}

#[test]
fn audit_of_framework_assemblies_finds_no_errors() {
    for name in [
        "mscorlib.dll",
        "System.Core.dll",
        "System.Xml.Linq.dll",
        "Mono.Posix.dll",
    ] {
        let asm = Assembly::open(format!("/usr/lib/mono/4.5/{name}")).unwrap();
        let report = ngen_metadata::audit::audit(&asm);
        assert!(
            report.errors.is_empty(),
            "{name}: {} errors, first: {:?}",
            report.errors.len(),
            &report.errors[..report.errors.len().min(10)]
        );
        assert!(
            report.bodies > 100 && report.custom_attributes > 10,
            "{name}: {report:?}"
        );
    }
}
