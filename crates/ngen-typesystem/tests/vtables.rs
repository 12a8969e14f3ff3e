//! Virtual slots: inherited slots, overrides by name and signature, `new` slots, sealed
//! overrides, abstract methods, generic bases, and stable numbering.

mod common;

use ngen_typesystem::TypeSystem;

fn slot(ts: &mut TypeSystem, ty: ngen_typesystem::TypeHandle, name: &str) -> u32 {
    let m = common::method(ts, ty, name);
    ts.slot_of(m)
        .unwrap()
        .unwrap_or_else(|| panic!("{name} has no slot"))
}

#[test]
fn overrides_reuse_slots_and_new_slots_append() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let object = ts
        .well_known(ngen_typesystem::WellKnownType::Object)
        .unwrap();
    let n = ts.vtable(object).unwrap().slots.len() as u32;
    assert_eq!(n, 4, "Object: Equals, Finalize, GetHashCode, ToString");
    let base = common::ty(&mut ts, m, "T.Base");
    let derived = common::ty(&mut ts, m, "T.Derived");
    let more = common::ty(&mut ts, m, "T.MoreDerived");
    // Base: A, B, C, D take the next four slots after Object's.
    assert_eq!(
        [
            slot(&mut ts, base, "A"),
            slot(&mut ts, base, "B"),
            slot(&mut ts, base, "C"),
            slot(&mut ts, base, "D")
        ],
        [n, n + 1, n + 2, n + 3]
    );
    // Derived: A and C override; `new virtual B` and E append.
    assert_eq!(slot(&mut ts, derived, "A"), n);
    assert_eq!(slot(&mut ts, derived, "C"), n + 2);
    assert_eq!(slot(&mut ts, derived, "B"), n + 4);
    assert_eq!(slot(&mut ts, derived, "E"), n + 5);
    // MoreDerived.B overrides Derived's new slot, not Base's.
    assert_eq!(slot(&mut ts, more, "B"), n + 4);
    let vt = ts.vtable(more).unwrap();
    assert_eq!(vt.slots.len() as u32, n + 6);
    let base_b = common::method(&mut ts, base, "B");
    let more_b = common::method(&mut ts, more, "B");
    assert_eq!(
        vt.slots[(n + 1) as usize].implementation,
        base_b,
        "Base.B's slot keeps Base.B"
    );
    assert_eq!(vt.slots[(n + 4) as usize].implementation, more_b);
    // A virtual call to Base.A on a MoreDerived runs Derived.A.
    let base_a = common::method(&mut ts, base, "A");
    let derived_a = common::method(&mut ts, derived, "A");
    assert_eq!(ts.resolve_virtual(more, base_a).unwrap(), Some(derived_a));
    // Non-virtual methods have no slot.
    let nv = common::method(&mut ts, base, "NonVirtual");
    assert_eq!(ts.slot_of(nv).unwrap(), None);
    // ToString on a class that does not override it runs Object.ToString.
    let to_string = common::method(&mut ts, object, "ToString");
    assert_eq!(
        ts.resolve_virtual(more, to_string).unwrap(),
        Some(to_string)
    );
}

#[test]
fn generic_bases_match_overrides_after_substitution() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let gderived = common::ty(&mut ts, m, "T.GDerived");
    let gbase_int = ts.parent(gderived).unwrap().unwrap();
    assert_eq!(ts.type_name(gbase_int), "T.GBase`1<System.Int32>");
    let get = common::method(&mut ts, gbase_int, "Get");
    let put = common::method(&mut ts, gbase_int, "Put");
    let my_get = common::method(&mut ts, gderived, "Get");
    assert_eq!(ts.resolve_virtual(gderived, get).unwrap(), Some(my_get));
    assert_eq!(ts.resolve_virtual(gderived, put).unwrap(), Some(put));
    // The open form works too: GOpen<U>.Get overrides GBase<U>.Get.
    let gopen = common::ty(&mut ts, m, "T.GOpen`1");
    let open_get = common::method(&mut ts, gopen, "Get");
    let gbase_slot = ts.slot_of(get).unwrap();
    assert_eq!(ts.slot_of(open_get).unwrap(), gbase_slot);
}

#[test]
fn abstract_slots_and_stable_numbering() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let abs = common::ty(&mut ts, m, "T.Abs");
    let conc = common::ty(&mut ts, m, "T.Conc");
    let abs_m = common::method(&mut ts, abs, "M");
    assert!(ts.method(abs_m).is_abstract());
    let conc_m = common::method(&mut ts, conc, "M");
    assert_eq!(ts.resolve_virtual(conc, abs_m).unwrap(), Some(conc_m));
    // A second context over the same files numbers every slot the same way, even when the
    // types are visited in another order.
    let (mut other, m2) = common::fixture_context(dir.path(), "Concerns.cs");
    let names = ["T.MoreDerived", "T.Conc", "T.GDerived", "T.Base"];
    let first: Vec<Vec<String>> = names
        .iter()
        .map(|n| {
            let t = common::ty(&mut ts, m, n);
            let vt = ts.vtable(t).unwrap();
            vt.slots
                .iter()
                .map(|s| ts.method_name(s.implementation))
                .collect()
        })
        .collect();
    let second: Vec<Vec<String>> = names
        .iter()
        .rev()
        .map(|n| {
            let t = common::ty(&mut other, m2, n);
            let vt = other.vtable(t).unwrap();
            vt.slots
                .iter()
                .map(|s| other.method_name(s.implementation))
                .collect()
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(first, second);
}
