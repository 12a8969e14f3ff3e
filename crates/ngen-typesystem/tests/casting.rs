//! Assignability: class chains, interfaces, boxed value types, Nullable, arrays (covariance,
//! same-size integer and enum elements), and generic variance on interfaces and delegates.

mod common;

use ngen_typesystem::{Primitive, TypeSystem, WellKnownType};

fn generic(
    ts: &mut TypeSystem,
    ns: &str,
    name: &str,
    args: &[ngen_typesystem::TypeHandle],
) -> ngen_typesystem::TypeHandle {
    let corlib = ts.corlib();
    let def = ts.find_type(corlib, ns, name).unwrap().unwrap();
    ts.instantiate(def, args).unwrap()
}

#[test]
fn assignability_follows_ecma_335() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let ts = &mut ts;
    let animal = common::ty(ts, m, "T.Animal");
    let cat = common::ty(ts, m, "T.Cat");
    let object = ts.well_known(WellKnownType::Object).unwrap();
    let value_type = ts.well_known(WellKnownType::ValueType).unwrap();
    let array = ts.well_known(WellKnownType::Array).unwrap();
    let int = ts.primitive_type(Primitive::I4).unwrap();
    let uint = ts.primitive_type(Primitive::U4).unwrap();
    let long = ts.primitive_type(Primitive::I8).unwrap();
    let int_enum = common::ty(ts, m, "T.IntEnum");
    let byte_enum = common::ty(ts, m, "T.ByteEnum");
    let icomparable = generic(ts, "System", "IComparable`1", &[int]);
    let corlib = ts.corlib();
    let icomparable_plain = ts
        .find_type(corlib, "System", "IComparable")
        .unwrap()
        .unwrap();
    let nullable_int = generic(ts, "System", "Nullable`1", &[int]);
    let nullable_long = generic(ts, "System", "Nullable`1", &[long]);

    let check = |ts: &mut TypeSystem, from, to, want: bool| {
        let got = ts.is_assignable_to(from, to).unwrap();
        assert_eq!(got, want, "{} -> {}", ts.type_name(from), ts.type_name(to));
    };
    // Classes.
    check(ts, cat, animal, true);
    check(ts, animal, cat, false);
    check(ts, cat, object, true);
    // Boxed value types.
    check(ts, int, object, true);
    check(ts, int, value_type, true);
    check(ts, int, icomparable, true);
    check(ts, int, icomparable_plain, true);
    check(ts, int, long, false);
    let enum_ty = ts.well_known(WellKnownType::Enum).unwrap();
    check(ts, int_enum, enum_ty, true);
    // Nullable.
    check(ts, int, nullable_int, true);
    check(ts, long, nullable_int, false);
    // No `int?` object ever exists (boxing one yields an `int`), so `int?` is only a value type.
    check(ts, nullable_int, icomparable_plain, false);
    check(ts, nullable_int, value_type, true);
    check(ts, nullable_long, nullable_int, false);
    // Arrays.
    let cats = ts.sz_array_of(cat);
    let animals = ts.sz_array_of(animal);
    let objects = ts.sz_array_of(object);
    let ints = ts.sz_array_of(int);
    let uints = ts.sz_array_of(uint);
    let longs = ts.sz_array_of(long);
    let int_enums = ts.sz_array_of(int_enum);
    let byte_enums = ts.sz_array_of(byte_enum);
    let ints2 = ts.array_of(int, 2);
    check(ts, cats, animals, true);
    check(ts, animals, cats, false);
    check(ts, cats, objects, true);
    check(ts, ints, objects, false);
    check(ts, ints, uints, true);
    check(ts, int_enums, ints, true);
    check(ts, byte_enums, ints, false);
    check(ts, ints, longs, false);
    check(ts, cats, array, true);
    check(ts, ints2, ints, false);
    check(ts, ints2, array, true);
    let ilist_animal = generic(ts, "System.Collections.Generic", "IList`1", &[animal]);
    let ilist_int = generic(ts, "System.Collections.Generic", "IList`1", &[int]);
    let ienum_long = generic(ts, "System.Collections.Generic", "IEnumerable`1", &[long]);
    check(ts, cats, ilist_animal, true);
    check(ts, ints, ilist_int, true);
    check(ts, ints, ienum_long, false);
    // Variance.
    let ico = common::ty(ts, m, "T.ICo`1");
    let icontra = common::ty(ts, m, "T.IContra`1");
    let producer = common::ty(ts, m, "T.Producer`1");
    let co_cat = ts.instantiate(ico, &[cat]).unwrap();
    let co_animal = ts.instantiate(ico, &[animal]).unwrap();
    let contra_cat = ts.instantiate(icontra, &[cat]).unwrap();
    let contra_animal = ts.instantiate(icontra, &[animal]).unwrap();
    let producer_cat = ts.instantiate(producer, &[cat]).unwrap();
    let producer_animal = ts.instantiate(producer, &[animal]).unwrap();
    let co_impl = common::ty(ts, m, "T.CoImpl");
    check(ts, co_cat, co_animal, true);
    check(ts, co_animal, co_cat, false);
    check(ts, contra_animal, contra_cat, true);
    check(ts, contra_cat, contra_animal, false);
    check(ts, co_impl, co_animal, true);
    check(ts, producer_cat, producer_animal, true);
    check(ts, producer_animal, producer_cat, false);
    let ienum_cat = generic(ts, "System.Collections.Generic", "IEnumerable`1", &[cat]);
    let ienum_animal = generic(ts, "System.Collections.Generic", "IEnumerable`1", &[animal]);
    let ienum_int = generic(ts, "System.Collections.Generic", "IEnumerable`1", &[int]);
    let ienum_object = generic(ts, "System.Collections.Generic", "IEnumerable`1", &[object]);
    let list_cat = generic(ts, "System.Collections.Generic", "List`1", &[cat]);
    let list_animal = generic(ts, "System.Collections.Generic", "List`1", &[animal]);
    check(ts, ienum_cat, ienum_animal, true);
    check(ts, ienum_int, ienum_object, false);
    check(ts, list_cat, list_animal, false);
    check(ts, list_cat, ienum_animal, true);
    check(ts, cats, ienum_animal, true);
}
