//! Differential test: `is_assignable_to` must agree with Mono's `Type.IsAssignableFrom` for
//! every ordered pair of a sample of types (every non-generic top-level type of mscorlib's
//! `System` and `System.Collections` namespaces and of the `Concerns.cs` fixture, the array
//! of each, and the instantiations named by `T.CastHolder`'s fields: about 540,000 pairs), printed by `fixtures/CastingOracle.cs`.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use ngen_metadata::Token;
use ngen_typesystem::{TypeHandle, TypeSystem};

/// Pairs where we knowingly differ from Mono: (from, to, why). Empty: every pair agrees.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

fn parse(ts: &mut TypeSystem, cache: &mut BTreeMap<String, TypeHandle>, spec: &str) -> TypeHandle {
    if let Some(&t) = cache.get(spec) {
        return t;
    }
    let t = if let Some(field) = spec.strip_prefix('F') {
        let (asm, token) = field.split_once(':').unwrap();
        let module = ts.load_module(asm).unwrap();
        let token = Token(u32::from_str_radix(token, 16).unwrap());
        let f = ts
            .resolve_field(module, token, &ngen_typesystem::GenericContext::none())
            .unwrap();
        ts.field_type(f).unwrap()
    } else if let Some(element) = spec.strip_suffix("[]") {
        let e = parse(ts, cache, element);
        ts.sz_array_of(e)
    } else {
        let (asm, token) = spec.split_once(':').unwrap();
        let module = ts.load_module(asm).unwrap();
        let token = Token(u32::from_str_radix(token, 16).unwrap());
        ts.type_def(module, token.rid()).unwrap()
    };
    cache.insert(spec.to_string(), t);
    t
}

#[test]
fn assignability_matches_mono() {
    if !common::have("mono") || !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let oracle = common::mcs(dir.path(), "CastingOracle.exe", &["CastingOracle.cs"], &[]);
    let fixture = common::mcs(dir.path(), "Concerns.dll", &["Concerns.cs"], &[]);
    let out = Command::new("mono")
        .arg(&oracle)
        .arg("System,System.Collections,T")
        .arg(std::path::Path::new(common::FRAMEWORK).join("mscorlib.dll"))
        .arg(&fixture)
        .output()
        .expect("mono runs");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut ts = common::context(dir.path());
    let mut cache = BTreeMap::new();
    let known: BTreeMap<(&str, &str), &str> = KNOWN_DIFFERENCES
        .iter()
        .map(|&(f, t, why)| ((f, t), why))
        .collect();
    let (mut pairs, mut assignable) = (0usize, 0usize);
    let mut mismatches = Vec::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (from_spec, to_spec, want) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap() == "1",
        );
        let from = parse(&mut ts, &mut cache, from_spec);
        let to = parse(&mut ts, &mut cache, to_spec);
        pairs += 1;
        assignable += usize::from(want);
        let got = ts.is_assignable_to(from, to);
        if got.as_ref().ok() != Some(&want) {
            let (f, t) = (ts.type_name(from), ts.type_name(to));
            if !known.contains_key(&(f.as_str(), t.as_str())) {
                mismatches.push(format!("{f} -> {t}: mono {want}, ours {got:?}"));
            }
        }
    }
    eprintln!(
        "{pairs} pairs ({assignable} assignable); {} mismatches",
        mismatches.len()
    );
    assert!(
        pairs > 100_000 && assignable > 1_000,
        "the oracle printed only {pairs} pairs"
    );
    assert!(
        mismatches.is_empty(),
        "{} pairs differ from Mono:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
