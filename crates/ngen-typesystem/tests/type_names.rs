//! Serialized type names (what native images write for generic instances): a name parses
//! back to the same type in a fresh type system, bad names are errors, open types have none.

mod common;

use std::path::Path;

use ngen_typesystem::WellKnownType;

#[test]
fn serialized_names_round_trip_through_another_type_system() {
    let dir = tempfile::tempdir().unwrap();
    let mut ts = common::context(dir.path());
    let corlib = ts.corlib();
    let int = ts
        .well_known(WellKnownType::Primitive(ngen_typesystem::Primitive::I4))
        .unwrap();
    let string = ts.well_known(WellKnownType::String).unwrap();
    let dict = ts
        .find_type(corlib, "System.Collections.Generic", "Dictionary`2")
        .unwrap()
        .unwrap();
    let list = ts
        .find_type(corlib, "System.Collections.Generic", "List`1")
        .unwrap()
        .unwrap();
    let list_of_int = ts.instantiate(list, &[int]).unwrap();
    let array = ts.sz_array_of(list_of_int);
    let inner = ts.instantiate(dict, &[string, array]).unwrap();
    let byref = ts.byref_of(inner);
    let matrix = ts.array_of(int, 2);
    for ty in [int, list_of_int, array, inner, byref, matrix] {
        let name = ts.serialize_type(ty).unwrap();
        assert!(!name.contains("0x"), "{name}");
        // A fresh context (other handles) finds the same type by that name.
        let mut other = common::context(dir.path());
        let parsed = other.parse_type(&name).unwrap();
        assert_eq!(other.type_name(parsed), ts.type_name(ty), "{name}");
        assert_eq!(other.serialize_type(parsed).unwrap(), name);
    }
    assert!(ts.serialize_type(inner).unwrap().starts_with("mscorlib#"));
    assert_eq!(ts.nesting_depth(int), 0);
    assert_eq!(ts.nesting_depth(list_of_int), 1);
    assert_eq!(ts.nesting_depth(inner), 3);
}

#[test]
fn malformed_or_open_names_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut ts = common::context(Path::new(dir.path()));
    for bad in [
        "",
        "mscorlib",
        "mscorlib#",
        "mscorlib#x",
        "mscorlib#0",
        "mscorlib#99999999",
        "mscorlib#2<",
        "mscorlib#2<mscorlib#3",
        "mscorlib#2[",
        "mscorlib#2]",
        "NoSuchAssembly#2",
    ] {
        assert!(ts.parse_type(bad).is_err(), "{bad:?} parsed");
    }
    let var = ts.type_var(0);
    assert!(ts.serialize_type(var).is_err());
    assert!(!ts.is_closed(var));
}
