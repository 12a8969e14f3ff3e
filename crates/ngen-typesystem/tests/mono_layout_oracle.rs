//! Differential test: every instance field offset of mscorlib, System, System.Core,
//! System.Xml and a fixture of tricky layouts (`fixtures/Layouts.cs`, including generic
//! instantiations named by `Fx.Holder`'s fields) must equal Mono 6.8's own, as printed by
//! `fixtures/LayoutOracle.cs` through `RuntimeFieldInfo.GetFieldOffset`; and every
//! non-generic value type's (and value-type instantiation's) unboxed size must equal Mono's
//! `sizeof` (`Unsafe.SizeOf<T>`).

mod common;

use std::collections::BTreeMap;

use ngen_metadata::Token;
use ngen_typesystem::{FieldHandle, GenericContext, TypeSystem};

/// Fields where we knowingly differ from Mono: (assembly, type, field, why). Empty: every
/// field matches.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

/// Our offset in Mono's terms (minus the 16-byte header, for classes and value types alike).
fn ours(ts: &mut TypeSystem, f: FieldHandle) -> Result<i64, String> {
    let owner = ts.field(f).owner;
    let is_value_type = ts
        .instance_layout(owner)
        .map_err(|e| e.to_string())?
        .is_value_type;
    let off = i64::from(ts.field_offset(f).map_err(|e| e.to_string())?);
    Ok(if is_value_type { off } else { off - 16 })
}

#[test]
fn every_instance_field_offset_matches_mono() {
    if !common::have("mono") || !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let oracle = common::mcs(dir.path(), "LayoutOracle.exe", &["LayoutOracle.cs"], &[]);
    let fixture = common::mcs(dir.path(), "Layouts.dll", &["Layouts.cs"], &[]);
    let text = common::run_oracle(
        &oracle,
        &[
            "mscorlib.dll",
            "System.dll",
            "System.Core.dll",
            "System.Xml.dll",
        ],
        &[&fixture],
    );

    let mut ts = common::context(dir.path());
    let known: BTreeMap<(&str, &str, &str), &str> = KNOWN_DIFFERENCES
        .iter()
        .map(|&(a, t, f, why)| ((a, t, f), why))
        .collect();
    let mut compared = 0usize;
    let mut instantiated = 0usize;
    let mut sizes = 0usize;
    let mut mismatches = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let hex = |s: &str| Token(u32::from_str_radix(s, 16).unwrap());
        let module = ts.load_module(parts[1]).unwrap();
        match parts[0] {
            "F" | "I" => {
                let (owner_token, field_token) = (hex(parts[2]), hex(parts[3]));
                let mono: i64 = parts[4].parse().unwrap();
                let owner = if parts[0] == "F" {
                    ts.type_def(module, owner_token.rid()).unwrap()
                } else {
                    instantiated += 1;
                    let holder_field = ts
                        .resolve_field(module, owner_token, &GenericContext::none())
                        .unwrap();
                    ts.field_type(holder_field).unwrap()
                };
                let field = ts.field_on(owner, field_token.rid()).unwrap();
                compared += 1;
                let got = ours(&mut ts, field);
                if got.as_ref().ok() != Some(&mono) {
                    let type_name = ts.type_name(owner);
                    let field_name = ts.field(field).name.clone();
                    if !known.contains_key(&(parts[1], type_name.as_str(), field_name.as_str())) {
                        mismatches.push(format!(
                            "{} {type_name}::{field_name}: mono {mono}, ours {got:?}",
                            parts[1]
                        ));
                    }
                }
            }
            "S" | "SI" => {
                let token = hex(parts[2]);
                let mono: u32 = parts[3].parse().unwrap();
                let ty = if parts[0] == "S" {
                    ts.type_def(module, token.rid()).unwrap()
                } else {
                    let holder_field = ts
                        .resolve_field(module, token, &GenericContext::none())
                        .unwrap();
                    ts.field_type(holder_field).unwrap()
                };
                sizes += 1;
                let got = ts.size_and_align(ty).map(|(size, _)| size);
                if got.as_ref().ok() != Some(&mono) {
                    mismatches.push(format!(
                        "{} sizeof({}): mono {mono}, ours {got:?}",
                        parts[1],
                        ts.type_name(ty)
                    ));
                }
            }
            "E" => eprintln!("mono could not reflect over {line}"),
            other => panic!("unexpected oracle line kind {other}"),
        }
    }
    eprintln!(
        "compared {compared} fields ({instantiated} of instantiations) and {sizes} value-type sizes; {} mismatches",
        mismatches.len()
    );
    assert!(
        sizes > 1_500,
        "the oracle printed only {sizes} value-type sizes"
    );
    assert!(
        compared > 15_000,
        "the oracle printed only {compared} fields"
    );
    assert!(
        instantiated > 50,
        "the oracle printed only {instantiated} instantiated fields"
    );
    assert!(
        mismatches.is_empty(),
        "{} fields differ from Mono:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
