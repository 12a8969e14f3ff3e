//! Malformed types and dangling references fail with typed errors that mirror the CLR's
//! exceptions (TypeLoadException, MissingFieldException, MissingMethodException,
//! FileNotFoundException), and the failure is cached.

mod common;

use ngen_metadata::TableId;
use ngen_typesystem::{GenericContext, TypeSystemError};

fn type_load_reason(e: TypeSystemError) -> String {
    match e {
        TypeSystemError::TypeLoad { reason, .. } => reason,
        other => panic!("expected a TypeLoad error, got {other:?}"),
    }
}

#[test]
fn malformed_layouts_are_type_load_errors() {
    if !common::have("ilasm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "BadTypes.il");
    let mut layout_error = |name: &str| {
        let t = common::ty(&mut ts, m, name);
        type_load_reason(ts.instance_layout(t).unwrap_err())
    };
    assert!(layout_error("Bad.Recursive").contains("contains itself"));
    assert!(layout_error("Bad.HoldsRecursive").contains("contains itself"));
    assert!(layout_error("Bad.Overlap").contains("overlapped by a non-object field"));
    assert!(layout_error("Bad.Unaligned").contains("not pointer-size aligned"));
    assert!(layout_error("Bad.NoOffset").contains("Missing field layout info"));
    // Two references may share a word.
    let two = common::ty(&mut ts, m, "Bad.TwoRefs");
    assert_eq!(ts.instance_layout(two).unwrap().value_size(), 8);
    // The failure is cached: asking again gives the same error.
    let rec = common::ty(&mut ts, m, "Bad.Recursive");
    let again = type_load_reason(ts.instance_layout(rec).unwrap_err());
    assert!(again.contains("contains itself"));
}

#[test]
fn sealed_overrides_and_missing_types_fail_to_load() {
    if !common::have("ilasm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "BadTypes.il");
    let over = common::ty(&mut ts, m, "Bad.OverridesSealed");
    assert!(type_load_reason(ts.vtable(over).unwrap_err()).contains("which is sealed"));
    let missing_base = common::ty(&mut ts, m, "Bad.MissingBase");
    match ts.class_info(missing_base).unwrap_err() {
        TypeSystemError::AssemblyNotFound { name, .. } => assert_eq!(name, "Nowhere"),
        other => panic!("expected AssemblyNotFound, got {other:?}"),
    }
    let missing_in_corlib = common::ty(&mut ts, m, "Bad.MissingInMscorlib");
    match ts.instance_layout(missing_in_corlib).unwrap_err() {
        TypeSystemError::TypeLoad {
            type_name,
            assembly,
            ..
        } => {
            assert_eq!(
                (type_name.as_str(), assembly.as_str()),
                ("System.NoSuchType", "mscorlib")
            );
        }
        other => panic!("expected TypeLoad, got {other:?}"),
    }
}

#[test]
fn dangling_member_references_are_missing_member_errors() {
    if !common::have("ilasm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "BadTypes.il");
    let asm = ts.assembly(m);
    let mut by_name = std::collections::BTreeMap::new();
    for rid in 1..=asm.row_count(TableId::MemberRef) {
        by_name.insert(asm.member_ref(rid).unwrap().name.to_string(), rid);
    }
    let token = |name: &str| ngen_metadata::Token::new(TableId::MemberRef, by_name[name]);
    let none = GenericContext::none();
    match ts
        .resolve_field(m, token("NoSuchField"), &none)
        .unwrap_err()
    {
        TypeSystemError::MissingField { type_name, field } => {
            assert_eq!(
                (type_name.as_str(), field.as_str()),
                ("System.String", "NoSuchField")
            );
        }
        other => panic!("expected MissingField, got {other:?}"),
    }
    match ts
        .resolve_method(m, token("NoSuchMethod"), &none)
        .unwrap_err()
    {
        TypeSystemError::MissingMethod { method, .. } => assert_eq!(method, "NoSuchMethod"),
        other => panic!("expected MissingMethod, got {other:?}"),
    }
    // A field token where a method is expected is an invalid reference, not a panic.
    assert!(matches!(
        ts.resolve_method(m, token("NoSuchField"), &none),
        Err(TypeSystemError::InvalidReference { .. })
    ));
}
