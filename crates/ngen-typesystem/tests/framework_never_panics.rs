//! Loading every type of every assembly in Mono's framework directory, and computing each
//! facet (class info, fields, methods and signatures, instance layout, GC map, statics,
//! vtable, interfaces, interface map), never panics: failures are typed errors. Also prints
//! how long mscorlib alone takes (not asserted: speed belongs in benchmarks).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use ngen_metadata::Assembly;
use ngen_typesystem::{ModuleId, TypeSystem, TypeSystemError};

fn kind(e: &TypeSystemError) -> &'static str {
    match e {
        TypeSystemError::TypeLoad { .. } => "TypeLoad",
        TypeSystemError::MissingField { .. } => "MissingField",
        TypeSystemError::MissingMethod { .. } => "MissingMethod",
        TypeSystemError::AssemblyNotFound { .. } => "AssemblyNotFound",
        TypeSystemError::BadImage { .. } => "BadImage",
        TypeSystemError::InvalidReference { .. } => "InvalidReference",
    }
}

/// Every facet of every TypeDef of `module`; returns (types, errors by kind).
fn walk(
    ts: &mut TypeSystem,
    module: ModuleId,
    errors: &mut BTreeMap<&'static str, (usize, String)>,
) -> usize {
    let mut note = |r: Result<(), TypeSystemError>| {
        if let Err(e) = r {
            let entry = errors.entry(kind(&e)).or_insert((0, e.to_string()));
            entry.0 += 1;
        }
    };
    let count = ts.type_def_count(module);
    for rid in 1..=count {
        let ty = ts.type_def(module, rid).unwrap();
        note(ts.class_info(ty).map(|_| ()));
        note((|| {
            for f in ts.fields(ty)?.iter().copied() {
                ts.field_type(f)?;
            }
            for m in ts.methods(ty)?.iter().copied() {
                ts.method_signature(m)?;
            }
            Ok(())
        })());
        note(ts.instance_layout(ty).map(|_| ()));
        note(ts.gc_map(ty).map(|_| ()));
        note(ts.statics_layout(ty).map(|_| ()));
        note(ts.vtable(ty).map(|_| ()));
        note(ts.interfaces(ty).map(|_| ()));
        note(ts.interface_map(ty).map(|_| ()));
    }
    count as usize
}

#[test]
fn mscorlib_loads_and_lays_out() {
    if !common::have("mono") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut ts = common::context(dir.path());
    let corlib = ts.corlib();
    let mut errors = BTreeMap::new();
    let types = walk(&mut ts, corlib, &mut errors);
    eprintln!(
        "mscorlib: {types} types, every facet, in {:?}; errors: {errors:?}",
        start.elapsed()
    );
    assert!(types > 2900);
    assert!(
        errors.is_empty(),
        "mscorlib should load cleanly: {errors:?}"
    );
}

#[test]
fn every_framework_assembly_loads_without_panicking() {
    if !common::have("mono") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ts = common::context(dir.path());
    let mut paths: Vec<_> = std::fs::read_dir(common::FRAMEWORK)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dll" || e == "exe"))
        .collect();
    paths.sort();
    let start = Instant::now();
    let (mut assemblies, mut types) = (0, 0);
    let mut errors = BTreeMap::new();
    for path in &paths {
        let Ok(asm) = Assembly::open(Path::new(path)) else {
            continue; // not a .NET assembly (native helpers live here too)
        };
        let Ok(module) = ts.add_assembly(asm) else {
            continue;
        };
        assemblies += 1;
        types += walk(&mut ts, module, &mut errors);
    }
    eprintln!(
        "{assemblies} assemblies, {types} types, {} interned, in {:?}",
        ts.type_count(),
        start.elapsed()
    );
    for (k, (n, example)) in &errors {
        eprintln!("  {n} {k} errors, e.g. {example}");
    }
    assert!(
        assemblies > 100 && types > 30_000,
        "{assemblies} assemblies, {types} types"
    );
}
