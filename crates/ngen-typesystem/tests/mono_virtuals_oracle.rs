//! Differential test against Mono's reflection over mscorlib, System, System.Core and the
//! `Concerns.cs` fixture (printed by `fixtures/VirtualsOracle.cs`):
//! - for every virtual method a non-generic class or struct declares, the method that
//!   introduced its slot must be Mono's `GetBaseDefinition()` (override resolution);
//! - for every interface method of every non-abstract type, the implementing method must be
//!   Mono's `GetInterfaceMap` target (interface maps).
//!
//! Slot *numbers* are ours, not Mono's; which method overrides or implements which is the
//! CLR's rule and must agree.

mod common;

use ngen_metadata::Token;
use ngen_typesystem::{MethodHandle, TypeSystem};

/// (kind, type, method, why) where we knowingly differ from Mono. Empty: all agree.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

fn identity(ts: &TypeSystem, m: MethodHandle) -> (String, u32) {
    let d = ts.method(m);
    (ts.module_name(d.module).to_string(), d.rid)
}

#[test]
fn overrides_and_interface_maps_match_mono() {
    if !common::have("mono") || !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let oracle = common::mcs(
        dir.path(),
        "VirtualsOracle.exe",
        &["VirtualsOracle.cs"],
        &[],
    );
    let fixture = common::mcs(dir.path(), "Concerns.dll", &["Concerns.cs"], &[]);
    let text = common::run_oracle(
        &oracle,
        &["mscorlib.dll", "System.dll", "System.Core.dll"],
        &[&fixture],
    );
    let mut ts = common::context(dir.path());
    let (mut overrides, mut maps, mut ambiguous) = (0usize, 0usize, 0usize);
    let mut mismatches = Vec::new();
    for line in text.lines() {
        let p: Vec<&str> = line.split(' ').collect();
        let rid = |s: &str| Token(u32::from_str_radix(s, 16).unwrap()).rid();
        let module = ts.load_module(p[1]).unwrap();
        let ty = ts.type_def(module, rid(p[2])).unwrap();
        match p[0] {
            "B" => {
                overrides += 1;
                let m = ts.method_on(ty, rid(p[3])).unwrap();
                let want = (p[4].to_string(), rid(p[5]));
                let got = ts
                    .vtable(ty)
                    .map(|vt| vt.slot_of(m).map(|s| vt.slots[s as usize].declaration));
                let got = match got {
                    Ok(Some(decl)) => Ok(identity(&ts, decl)),
                    Ok(None) => Err("no slot".to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if got.as_ref().ok() != Some(&want) {
                    let name = ts.method_name(m);
                    if !KNOWN_DIFFERENCES.iter().any(|k| k.0 == "B" && k.2 == name) {
                        mismatches.push(format!(
                            "base definition of {name}: mono {want:?}, ours {got:?}"
                        ));
                    }
                }
            }
            "M" => {
                let def_module = ts.load_module(p[3]).unwrap();
                let def = ts.type_def(def_module, rid(p[4])).unwrap();
                let candidates: Vec<_> = match ts.interfaces(ty) {
                    Ok(list) => list
                        .iter()
                        .copied()
                        .filter(|&i| i == def || matches!(ts.kind(i), ngen_typesystem::TypeKind::Inst(d, _) if *d == def))
                        .collect(),
                    Err(e) => {
                        mismatches.push(format!("interfaces of {}: {e}", ts.type_name(ty)));
                        continue;
                    }
                };
                if candidates.len() != 1 {
                    ambiguous += 1;
                    if candidates.is_empty() {
                        mismatches.push(format!(
                            "{} lacks interface {}",
                            ts.type_name(ty),
                            ts.type_name(def)
                        ));
                    }
                    continue;
                }
                maps += 1;
                let im = ts.method_on(candidates[0], rid(p[5])).unwrap();
                let want = (p[6].to_string(), rid(p[7]));
                let got = match ts.resolve_interface_method(ty, im) {
                    Ok(Some(m)) => Ok(identity(&ts, m)),
                    Ok(None) => Err("unimplemented".to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if got.as_ref().ok() != Some(&want) {
                    let (t, i) = (ts.type_name(ty), ts.method_name(im));
                    if !KNOWN_DIFFERENCES
                        .iter()
                        .any(|k| k.0 == "M" && k.1 == t && k.2 == i)
                    {
                        mismatches.push(format!("{t} implements {i}: mono {want:?}, ours {got:?}"));
                    }
                }
            }
            "E" => eprintln!("mono could not reflect over {line}"),
            other => panic!("unexpected oracle line kind {other}"),
        }
    }
    eprintln!(
        "{overrides} overrides, {maps} interface methods ({ambiguous} skipped: the type implements several instantiations of one generic interface); {} mismatches",
        mismatches.len()
    );
    assert!(
        overrides > 10_000 && maps > 20_000,
        "the oracle printed only {overrides} overrides, {maps} maps"
    );
    assert!(
        mismatches.is_empty(),
        "{} differ from Mono:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
