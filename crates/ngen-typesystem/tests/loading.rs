//! Loading: every signature shape becomes an interned handle (pointers, function pointers,
//! multi-dimensional arrays, byrefs, instantiations), nested TypeRefs and TypeRefs forwarded
//! through a facade resolve to the core library's types, and MethodSpecs instantiate.

mod common;

use ngen_metadata::{TableId, Token};
use ngen_typesystem::{Category, GenericContext, Primitive, TypeKind, WellKnownType};

#[test]
fn signature_shapes_and_references_resolve_to_interned_handles() {
    if !common::have("ilasm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Sigs.il");
    let c = common::ty(&mut ts, m, "Sigs.C");
    let int = ts.primitive_type(Primitive::I4).unwrap();
    let mut field_type = |name: &str| {
        let f = common::field(&mut ts, c, name);
        ts.field_type(f).unwrap()
    };
    let (ptr, fnptr, md, folder, forwarded, list) = (
        field_type("ptr"),
        field_type("fnptr"),
        field_type("md"),
        field_type("folder"),
        field_type("forwarded"),
        field_type("list"),
    );
    assert_eq!(ptr, ts.pointer_of(int));
    assert!(
        matches!(ts.kind(fnptr), TypeKind::FnPtr(sig) if sig.params.len() == 1 && sig.params[0] == int)
    );
    assert_eq!(md, ts.array_of(int, 2));
    assert_eq!(ts.type_name(md), "System.Int32[,]");
    // A nested TypeRef: Environment/SpecialFolder, an int enum of mscorlib.
    assert_eq!(ts.type_name(folder), "System.Environment/SpecialFolder");
    assert_eq!(ts.class_info(folder).unwrap().category, Category::Enum);
    assert_eq!(ts.size_and_align(folder).unwrap(), (4, 4));
    // Forwarded by the System.Runtime facade to mscorlib: the very same handle.
    assert_eq!(forwarded, ts.well_known(WellKnownType::Object).unwrap());
    let corlib = ts.corlib();
    let list_def = ts
        .find_type(corlib, "System.Collections.Generic", "List`1")
        .unwrap()
        .unwrap();
    assert_eq!(list, ts.instantiate(list_def, &[int]).unwrap());
    // Pointers and function pointers are not references; the others are.
    let layout = ts.instance_layout(c).unwrap();
    let gc = ts.gc_map(c).unwrap();
    assert_eq!(gc.refs.len(), 3, "md, forwarded, list: {layout:?}");
    // Byref and array parameters.
    let refs = common::method(&mut ts, c, "Refs");
    let sig = ts.method_signature(refs).unwrap();
    let string = ts.well_known(WellKnownType::String).unwrap();
    assert_eq!(
        sig.params.to_vec(),
        vec![ts.byref_of(int), ts.sz_array_of(string)]
    );
    assert!(sig.has_this);
}

#[test]
fn method_specs_instantiate_generic_methods() {
    if !common::have("ilasm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut ts, m) = common::fixture_context(dir.path(), "Sigs.il");
    let int = ts.primitive_type(Primitive::I4).unwrap();
    let spec = ts
        .resolve_method(
            m,
            Token::new(TableId::MethodSpec, 1),
            &GenericContext::none(),
        )
        .unwrap();
    assert_eq!(ts.method_name(spec), "Sigs.C::Id<System.Int32>");
    let sig = ts.method_signature(spec).unwrap();
    assert_eq!((sig.ret, sig.params.to_vec()), (int, vec![int]));
    // The generic definition keeps !!0; instantiating it again gives the same handle.
    let c = common::ty(&mut ts, m, "Sigs.C");
    let id = common::method(&mut ts, c, "Id");
    let open = ts.method_signature(id).unwrap();
    assert_eq!(open.ret, ts.method_var(0));
    assert_eq!(ts.instantiate_method(id, &[int]).unwrap(), spec);
    assert!(
        ts.instantiate_method(id, &[int, int]).is_err(),
        "wrong arity is an error"
    );
}
