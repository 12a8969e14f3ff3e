//! Statics (GC, non-GC and thread-static areas; literals without storage) and GC maps
//! (reference words of instances and inline values), plus the String and array special
//! layouts. Expected offsets carry their derivation.

mod common;

use ngen_typesystem::layout::{ARRAY_DATA_OFFSET, STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET};
use ngen_typesystem::{Primitive, StaticArea, WellKnownType};

#[test]
fn statics_are_split_by_area_in_declaration_order() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    let stat = common::ty(&mut ts, m, "T.Stat");
    let layout = ts.statics_layout(stat).unwrap();
    let got: Vec<(String, StaticArea, u32, u32)> = layout
        .fields
        .iter()
        .map(|s| (ts.field(s.field).name.clone(), s.area, s.offset, s.size))
        .collect();
    let want = vec![
        ("a".to_string(), StaticArea::NonGc, 0, 4),
        ("o".to_string(), StaticArea::Gc, 0, 8),
        ("l".to_string(), StaticArea::NonGc, 8, 8), // 4 rounded up to 8
        ("b".to_string(), StaticArea::NonGc, 16, 1),
        ("t".to_string(), StaticArea::ThreadNonGc, 0, 4),
        ("ts".to_string(), StaticArea::ThreadGc, 0, 8),
        ("s".to_string(), StaticArea::NonGc, 20, 8), // S1 {int, byte}: size 8, align 4
        ("sr".to_string(), StaticArea::Gc, 8, 16),   // SRef {byte, string}: size 16, align 8
    ];
    assert_eq!(
        got, want,
        "K is a literal and `inst` an instance field: neither has storage"
    );
    assert_eq!((layout.non_gc_size, layout.gc_size), (28, 24));
    assert_eq!((layout.thread_non_gc_size, layout.thread_gc_size), (4, 8));
}

#[test]
fn gc_maps_mark_reference_words() {
    if !common::have("mcs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Concerns.cs");
    // GcShape (auto, GC-aware): references first: o@16, r@24 (SRef, 16 bytes, its string at
    // +8 = 32), s@40; then a@48, l@56; 64 bytes = 8 words; reference words 2, 4, 5.
    let shape = common::ty(&mut ts, m, "T.GcShape");
    let map = ts.gc_map(shape).unwrap();
    assert_eq!((map.words, map.refs.clone()), (8, vec![2, 4, 5]));
    assert_eq!(map.bitmap(), vec![0b11_0100]);
    let sref = common::ty(&mut ts, m, "T.SRef");
    let value = ts.value_gc_map(sref).unwrap();
    assert_eq!((value.words, value.refs), (2, vec![1]));
    // No references: allocate atomically.
    let no_refs = common::ty(&mut ts, m, "T.NoRefs");
    assert!(!ts.gc_map(no_refs).unwrap().has_references());
    assert!(!ts.instance_layout(no_refs).unwrap().has_references);
    // Derived classes keep the parent's reference words.
    let b = common::ty(&mut ts, m, "T.MoreDerived");
    assert!(!ts.gc_map(b).unwrap().has_references());
}

#[test]
fn strings_and_arrays_have_monos_layout() {
    if !common::have("mono") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ts = common::context(dir.path());
    let string = ts.well_known(WellKnownType::String).unwrap();
    let length = common::field(&mut ts, string, "_stringLength");
    let chars = common::field(&mut ts, string, "_firstChar");
    assert_eq!(ts.field_offset(length).unwrap(), STRING_LENGTH_OFFSET);
    assert_eq!(ts.field_offset(chars).unwrap(), STRING_CHARS_OFFSET);
    let int = ts.primitive_type(Primitive::I4).unwrap();
    let ints = ts.sz_array_of(int);
    let layout = ts.instance_layout(ints).unwrap();
    assert_eq!(layout.instance_size, ARRAY_DATA_OFFSET);
    assert!(!layout.has_references);
    let strings = ts.sz_array_of(string);
    assert!(ts.instance_layout(strings).unwrap().has_references);
    // Value types: unboxed offsets and sizes; boxed = header + value.
    let corlib = ts.corlib();
    let guid = ts.find_type(corlib, "System", "Guid").unwrap().unwrap();
    let guid_layout = ts.instance_layout(guid).unwrap();
    assert_eq!(
        (guid_layout.value_size(), guid_layout.instance_size),
        (16, 32)
    );
    assert_eq!(ts.size_and_align(guid).unwrap(), (16, 4));
    let guid_b = common::field(&mut ts, guid, "_b");
    assert_eq!(
        ts.field_offset(guid_b).unwrap(),
        4,
        "Guid: _a int32 at 0, _b int16 at 4"
    );
}
