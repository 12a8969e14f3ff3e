//! Interface lists and maps: inherited and base interfaces, explicit implementations
//! (MethodImpl), implicit ones by name and signature, derived overrides of virtual
//! implementations, `new` methods that do or do not re-declare the interface, generic
//! interfaces, value types, and abstract types.

mod common;

use ngen_typesystem::{MethodHandle, TypeHandle, TypeSystem};

fn implementation(
    ts: &mut TypeSystem,
    ty: TypeHandle,
    iface: TypeHandle,
    name: &str,
) -> Option<String> {
    let im: MethodHandle = common::method(ts, iface, name);
    ts.resolve_interface_method(ty, im)
        .unwrap()
        .map(|m| ts.method_name(m))
}

#[test]
fn interface_lists_are_flattened_and_deduplicated() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let impl_ = common::ty(&mut ts, m, "T.Impl");
    let i1 = common::ty(&mut ts, m, "T.I1");
    let i2 = common::ty(&mut ts, m, "T.I2");
    let mut list = ts.interfaces(impl_).unwrap().to_vec();
    list.sort();
    assert_eq!(list, {
        let mut v = vec![i1, i2];
        v.sort();
        v
    });
    // An interface's list holds its bases.
    assert_eq!(ts.interfaces(i2).unwrap().to_vec(), vec![i1]);
    // Derived types inherit the list and add their own; IG<string> is instantiated.
    let derived = common::ty(&mut ts, m, "T.ImplDerived");
    let names: Vec<String> = ts
        .interfaces(derived)
        .unwrap()
        .iter()
        .map(|&t| ts.type_name(t))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names.contains(&"T.IG`1<System.String>".to_string()),
        "{names:?}"
    );
    // T[] implements IList<T> and friends besides Array's interfaces.
    let string = ts
        .well_known(ngen_typesystem::WellKnownType::String)
        .unwrap();
    let arr = ts.sz_array_of(string);
    let names: Vec<String> = ts
        .interfaces(arr)
        .unwrap()
        .iter()
        .map(|&t| ts.type_name(t))
        .collect();
    for want in [
        "System.Collections.IList",
        "System.Collections.Generic.IList`1<System.String>",
        "System.Collections.Generic.IReadOnlyCollection`1<System.String>",
        "System.Collections.Generic.IEnumerable`1<System.String>",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn interface_methods_map_to_their_implementations() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let i1 = common::ty(&mut ts, m, "T.I1");
    let i2 = common::ty(&mut ts, m, "T.I2");
    let impl_ = common::ty(&mut ts, m, "T.Impl");
    assert_eq!(
        implementation(&mut ts, impl_, i1, "M").as_deref(),
        Some("T.Impl::M")
    );
    assert_eq!(
        implementation(&mut ts, impl_, i1, "get_P").as_deref(),
        Some("T.Impl::get_P")
    );
    // Explicit implementation through a MethodImpl row.
    assert_eq!(
        implementation(&mut ts, impl_, i2, "N").as_deref(),
        Some("T.Impl::T.I2.N")
    );
    // A derived override of a virtual implementation wins.
    let vd = common::ty(&mut ts, m, "T.VirtImplDerived");
    assert_eq!(
        implementation(&mut ts, vd, i1, "M").as_deref(),
        Some("T.VirtImplDerived::M")
    );
    // `new` without re-declaring the interface keeps the inherited implementation ...
    let hider = common::ty(&mut ts, m, "T.Hider");
    assert_eq!(
        implementation(&mut ts, hider, i1, "M").as_deref(),
        Some("T.Impl::M")
    );
    // ... and with re-declaring it, the new method implements it.
    let redeclare = common::ty(&mut ts, m, "T.ReDeclare");
    assert_eq!(
        implementation(&mut ts, redeclare, i1, "M").as_deref(),
        Some("T.ReDeclare::M")
    );
    // Generic interfaces, substituted.
    let derived = common::ty(&mut ts, m, "T.ImplDerived");
    let ig = ts
        .interfaces(derived)
        .unwrap()
        .iter()
        .copied()
        .find(|&t| ts.type_name(t).starts_with("T.IG"))
        .unwrap();
    assert_eq!(
        implementation(&mut ts, derived, ig, "Make").as_deref(),
        Some("T.ImplDerived::Make")
    );
    // Value types implement interfaces too.
    let simpl = common::ty(&mut ts, m, "T.SImpl");
    let icomparable = ts.interfaces(simpl).unwrap()[0];
    assert_eq!(
        implementation(&mut ts, simpl, icomparable, "CompareTo").as_deref(),
        Some("T.SImpl::CompareTo")
    );
    // Abstract implementations resolve to the abstract method (its slot is filled by subclasses).
    let abs = common::ty(&mut ts, m, "T.AbstractImpl");
    assert_eq!(
        implementation(&mut ts, abs, i1, "M").as_deref(),
        Some("T.AbstractImpl::M")
    );
    // Every entry of a class's map that names a class virtual also names its slot.
    let map = ts.interface_map(vd).unwrap();
    let (_, entries) = &map.interfaces[0];
    assert!(entries.iter().all(|e| e.implementation.is_some()));
    assert!(entries.iter().any(|e| e.slot.is_some()));
}
