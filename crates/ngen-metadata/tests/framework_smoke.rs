//! Reads real framework assemblies end to end: identity, tables, bodies, IL, attributes.

use ngen_metadata::{Assembly, TableId, il};

const MSCORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

#[test]
fn mscorlib_identity_and_every_body_decodes() {
    let asm = Assembly::open(MSCORLIB).unwrap();
    let id = asm.identity().unwrap();
    assert_eq!(
        id.display_name(),
        "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    );
    assert_eq!(asm.processor_architecture().as_str(), "MSIL");
    assert!(!asm.is_exe());
    // Mono's `typeof(object).Module.MDStreamVersion` is 0x10001; the file is IL-only x86.
    assert_eq!(asm.metadata_root_version(), (1, 1));
    assert_eq!(asm.pe_machine(), 0x14c);
    let mut bodies = 0;
    let mut instructions = 0;
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        if let Some(body) = asm.method_body(rid).unwrap() {
            bodies += 1;
            instructions += il::validate(body.code).unwrap();
            if let Some(tok) = body.local_var_sig_token {
                asm.local_var_sig(tok).unwrap();
            }
        }
        let m = asm.method_def(rid).unwrap();
        asm.method_sig(m.signature).unwrap();
    }
    assert!(bodies > 10_000, "{bodies}");
    assert!(instructions > 500_000, "{instructions}");
}

#[test]
fn audit_of_framework_assemblies_finds_no_errors() {
    for name in [
        "mscorlib.dll",
        "System.Core.dll",
        "System.Xml.Linq.dll",
        "Mono.Posix.dll",
    ] {
        let asm = Assembly::open(format!("/usr/lib/mono/4.5/{name}")).unwrap();
        let report = ngen_metadata::audit::audit(&asm);
        assert!(
            report.errors.is_empty(),
            "{name}: {} errors, first: {:?}",
            report.errors.len(),
            &report.errors[..report.errors.len().min(10)]
        );
        assert!(
            report.bodies > 100 && report.custom_attributes > 10,
            "{name}: {report:?}"
        );
    }
}

/// The uncompressed `#-` table stream has the same layout when no *Ptr tables are present:
/// renaming `#~` must give the same rows, and the reader must report the stream kind.
#[test]
fn uncompressed_table_stream_name_is_accepted() {
    let mut bytes = std::fs::read("/usr/lib/mono/4.5/System.Numerics.dll").unwrap();
    let original = Assembly::from_bytes(bytes.clone()).unwrap();
    let cli = *original.cli_header();
    let md = original.rva_to_file_offset(cli.metadata_rva).unwrap();
    let header = &bytes[md..md + 256];
    let pos = header
        .windows(4)
        .position(|w| w == b"#~\0\0")
        .expect("#~ stream header");
    bytes[md + pos + 1] = b'-';
    let renamed = Assembly::from_bytes(bytes).unwrap();
    assert!(renamed.uses_uncompressed_tables());
    assert!(!original.uses_uncompressed_tables());
    for t in TableId::ALL {
        assert_eq!(renamed.row_count(*t), original.row_count(*t), "{t:?}");
    }
    assert_eq!(renamed.identity().unwrap(), original.identity().unwrap());
    assert!(ngen_metadata::audit::audit(&renamed).errors.is_empty());
}

/// mscorlib is big enough to need 4-byte heap indexes and 4-byte coded indexes.
#[test]
fn wide_indexes_in_mscorlib() {
    let asm = Assembly::open(MSCORLIB).unwrap();
    // HasCustomAttribute uses 5 tag bits: more than 2^11 MethodDefs force 4-byte coded indexes.
    assert!(asm.row_count(TableId::MethodDef) > 1 << 11);
    let last = asm.row_count(TableId::CustomAttribute);
    let row = asm.custom_attribute(last).unwrap();
    assert!(row.parent.rid() >= 1);
    assert!(
        !asm.type_def(asm.row_count(TableId::TypeDef))
            .unwrap()
            .name
            .is_empty()
    );
}

/// The PE format allows e_lfanew to be 4- rather than 8-aligned; pelite would dereference the
/// NT headers misaligned (the fuzz target found the abort). Such a file must still open.
#[test]
fn pe_header_at_a_4_mod_8_offset_opens() {
    let original = std::fs::read("/usr/lib/mono/4.5/Accessibility.dll").unwrap();
    let e_lfanew = u32::from_le_bytes(original[0x3c..0x40].try_into().unwrap()) as usize;
    assert_eq!(e_lfanew % 8, 0);
    // Insert 4 bytes of DOS stub before the PE signature: the headers move to e_lfanew + 4.
    // The section data keeps its file offsets only if the headers' slack absorbs the shift, so
    // take the 4 bytes from the zero padding at the end of the headers instead.
    let mut shifted = original[..e_lfanew].to_vec();
    shifted.extend([0u8; 4]);
    let size_of_headers = {
        let opt = e_lfanew + 24;
        u32::from_le_bytes(original[opt + 60..opt + 64].try_into().unwrap()) as usize
    };
    shifted.extend(&original[e_lfanew..size_of_headers - 4]);
    assert!(
        original[size_of_headers - 4..size_of_headers]
            .iter()
            .all(|b| *b == 0)
    );
    shifted.extend(&original[size_of_headers..]);
    shifted[0x3c..0x40].copy_from_slice(&((e_lfanew + 4) as u32).to_le_bytes());
    assert_eq!(shifted.len(), original.len());
    let moved = Assembly::from_bytes(shifted).unwrap();
    let reference = Assembly::from_bytes(original).unwrap();
    assert_eq!(moved.identity().unwrap(), reference.identity().unwrap());
    assert!(ngen_metadata::audit::audit(&moved).errors.is_empty());
}

#[test]
fn owner_table_lookups_in_mscorlib() {
    use ngen_metadata::Token;
    let asm = Assembly::open(MSCORLIB).unwrap();
    // System.Collections.Generic.List`1: one generic parameter, implements IList`1 etc.
    let list = asm
        .find_type_def("System.Collections.Generic", "List`1")
        .unwrap()
        .unwrap();
    let gps = asm
        .generic_params_of(Token::new(TableId::TypeDef, list))
        .unwrap();
    assert_eq!(gps.len(), 1);
    assert_eq!(asm.generic_param(gps[0]).unwrap().name, "T");
    let interfaces: Vec<String> = asm
        .interfaces_of(list)
        .unwrap()
        .into_iter()
        .map(|t| match asm.type_name(t) {
            Ok((ns, n)) => format!("{ns}.{n}"),
            Err(_) => asm
                .type_spec_sig(t.rid())
                .map(|s| format!("{s:?}"))
                .unwrap(),
        })
        .collect();
    assert!(
        interfaces.iter().any(|i| i.contains("IList")),
        "{interfaces:?}"
    );
    // Int32.MaxValue is a literal with a Constant row.
    let int32 = asm.find_type_def("System", "Int32").unwrap().unwrap();
    let max = asm.find_field(int32, "MaxValue").unwrap().unwrap();
    let c = asm
        .constant_of(Token::new(TableId::Field, max))
        .unwrap()
        .unwrap();
    assert_eq!(asm.blob(c.value).unwrap(), &i32::MAX.to_le_bytes());
    assert_eq!(asm.field_owner(max).unwrap(), int32);
    // Nested types resolve both ways.
    let nested = asm.nested_types_of(list).unwrap();
    assert!(!nested.is_empty());
    assert_eq!(asm.enclosing_type(nested[0]).unwrap(), Some(list));
    assert!(
        asm.type_def_full_name(nested[0])
            .unwrap()
            .starts_with("System.Collections.Generic.List`1/")
    );
}

/// Inputs the fuzz target once crashed on (in pelite's header handling): now typed errors or Ok.
#[test]
fn fuzz_regressions_do_not_crash() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(asm) = Assembly::from_bytes(bytes) {
            let _ = ngen_metadata::audit::audit(&asm);
        }
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn tokens_and_signatures_print_in_ilasm_style() {
    use ngen_metadata::Token;
    let asm = Assembly::open("/usr/lib/mono/4.5/System.dll").unwrap();
    // A TypeRef into mscorlib carries its assembly.
    let object = (1..=asm.row_count(TableId::TypeRef))
        .map(|rid| Token::new(TableId::TypeRef, rid))
        .find(|t| asm.type_name(*t).ok() == Some(("System", "Object")))
        .unwrap();
    assert_eq!(asm.token_type_name(object), "[mscorlib]System.Object");
    let uri = asm.find_type_def("System", "Uri").unwrap().unwrap();
    let m = asm
        .find_method(uri, "IsWellFormedUriString", |_| true)
        .unwrap()
        .unwrap();
    assert_eq!(
        asm.token_name(Token::new(TableId::MethodDef, m)),
        "bool System.Uri::IsWellFormedUriString(string, valuetype System.UriKind)"
    );
    let mscorlib = Assembly::open(MSCORLIB).unwrap();
    let list = mscorlib
        .find_type_def("System.Collections.Generic", "List`1")
        .unwrap()
        .unwrap();
    let add = mscorlib
        .find_method(list, "Add", |_| true)
        .unwrap()
        .unwrap();
    assert_eq!(
        mscorlib.token_name(Token::new(TableId::MethodDef, add)),
        "instance void System.Collections.Generic.List`1::Add(!0)"
    );
}
