//! ngen-metadata on a C# fixture compiled with mcs (tests/fixtures/metadata/Features.cs):
//! exact decoding of every custom-attribute argument kind, the ngen attributes, vararg call
//! sites, generic and pinned signatures, every exception-clause kind, and switch tables.

use std::path::PathBuf;
use std::sync::OnceLock;

use ngen_metadata::il::{Opcode, Operand};
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::{
    Assembly, CaValue, CallConv, ClauseKind, LoadHint, NamedArg, TableId, Token, TypeSig,
};

/// Compiles the fixture once per test binary.
fn fixture() -> &'static Assembly {
    static ASM: OnceLock<(tempfile::TempDir, Assembly)> = OnceLock::new();
    &ASM.get_or_init(|| {
        let dir = ngen_tests::temp_dir();
        let src = ngen_tests::workspace_root().join("tests/fixtures/metadata/Features.cs");
        let exe: PathBuf = dir.path().join("Features.exe");
        ngen_tests::mcs(&[&src], &exe, &["-unsafe"]);
        let asm = Assembly::open(&exe).expect("fixture opens");
        (dir, asm)
    })
    .1
}

fn method(asm: &Assembly, name: &str) -> u32 {
    let program = asm
        .find_type_def("Fixture", "Program")
        .unwrap()
        .expect("Program");
    asm.find_method(program, name, |_| true)
        .unwrap()
        .unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn dependency_hints_and_default_dependency() {
    let asm = fixture();
    let hints: Vec<(String, LoadHint)> = asm
        .dependency_hints()
        .unwrap()
        .into_iter()
        .map(|h| (h.assembly, h.load_hint))
        .collect();
    assert_eq!(
        hints,
        vec![
            ("Fixture.Always".to_string(), LoadHint::Always),
            ("Fixture.Sometimes".to_string(), LoadHint::Sometimes)
        ]
    );
    assert_eq!(asm.default_dependency().unwrap(), Some(LoadHint::Always));
}

#[test]
fn bypass_ngen_is_matched_by_name_on_methods() {
    let asm = fixture();
    assert!(asm.is_bypass_ngen(method(asm, "NotPrecompiled")).unwrap());
    assert!(!asm.is_bypass_ngen(method(asm, "Switch")).unwrap());
    assert!(!asm.is_bypass_ngen(method(asm, "Main")).unwrap());
}

#[test]
fn every_custom_attribute_argument_kind_decodes_exactly() {
    let asm = fixture();
    let row = asm
        .custom_attributes(Token::new(TableId::Assembly, 1))
        .unwrap()
        .into_iter()
        .find(|r| asm.attribute_type_name(r.ctor).unwrap() == ("Fixture", "EverythingAttribute"))
        .expect("EverythingAttribute on the assembly");
    let ca = asm.decode_custom_attribute(&row).unwrap();
    let f = &ca.fixed;
    assert_eq!(f.len(), 23);
    let expected_prefix = [
        CaValue::Bool(true),
        CaValue::Char(u16::from(b'x')),
        CaValue::I1(-5),
        CaValue::U1(250),
        CaValue::I2(-300),
        CaValue::U2(60000),
        CaValue::I4(-70000),
        CaValue::U4(4_000_000_000),
        CaValue::I8(-5_000_000_000),
        CaValue::U8(18_000_000_000_000_000_000),
        CaValue::R4(1.5),
        CaValue::R8(2.25),
        CaValue::String(Some("hello".into())),
        CaValue::String(None),
    ];
    assert_eq!(&f[..14], &expected_prefix);
    let type_name = f[14].as_str().unwrap();
    assert!(
        type_name.starts_with("System.Collections.Generic.List`1[[System.Int32"),
        "{type_name}"
    );
    assert_eq!(
        f[15],
        CaValue::Enum {
            type_name: "Fixture.Color".into(),
            value: 2
        }
    );
    // A byte-sized local enum: the width comes from the enum's own value__ field.
    assert_eq!(
        f[16],
        CaValue::Enum {
            type_name: "Fixture.Small".into(),
            value: 2
        }
    );
    assert_eq!(
        f[17],
        CaValue::Array(Some(vec![CaValue::I4(1), CaValue::I4(2), CaValue::I4(3)]))
    );
    assert_eq!(
        f[18],
        CaValue::Array(Some(vec![
            CaValue::String(Some("a".into())),
            CaValue::String(None)
        ]))
    );
    assert_eq!(f[19], CaValue::Boxed(Box::new(CaValue::I4(42))));
    assert_eq!(
        f[20],
        CaValue::Boxed(Box::new(CaValue::String(Some("boxed".into()))))
    );
    assert_eq!(
        f[21],
        CaValue::Boxed(Box::new(CaValue::Enum {
            type_name: "Fixture.Color".into(),
            value: 1
        }))
    );
    match &f[22] {
        CaValue::Array(Some(items)) => {
            assert_eq!(items[0], CaValue::Boxed(Box::new(CaValue::I4(1))));
            assert_eq!(
                items[1],
                CaValue::Boxed(Box::new(CaValue::String(Some("two".into()))))
            );
            assert!(
                matches!(&items[2], CaValue::Boxed(b) if b.as_str().is_some_and(|s| s.starts_with("System.String")))
            );
        }
        other => panic!("object[] argument decoded as {other:?}"),
    }
    let named: Vec<&NamedArg> = ca.named.iter().collect();
    assert_eq!(named.len(), 4, "{named:?}");
    let by_name = |n: &str| {
        named
            .iter()
            .find(|a| a.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert!(!by_name("Named").is_field);
    assert_eq!(by_name("Named").value, CaValue::String(Some("prop".into())));
    assert!(by_name("Field").is_field);
    assert_eq!(by_name("Field").value, CaValue::I4(7));
    // A foreign (mscorlib) enum named by its serialized type name.
    assert_eq!(
        by_name("Kind").value,
        CaValue::Enum {
            type_name: "System.AttributeTargets".into(),
            value: 64
        }
    );
    assert_eq!(
        by_name("Bytes").value,
        CaValue::Array(Some(vec![CaValue::U1(9), CaValue::U1(8)]))
    );
}

#[test]
fn switch_targets_are_absolute_and_inside_the_method() {
    let asm = fixture();
    let body = asm.method_body(method(asm, "Switch")).unwrap().unwrap();
    let switch = body
        .instructions()
        .map(Result::unwrap)
        .find(|i| i.opcode == Opcode::Switch)
        .expect("a switch");
    let Operand::Switch(targets) = switch.operand else {
        panic!()
    };
    assert_eq!(targets.len(), 5);
    let starts: Vec<u32> = body.instructions().map(|i| i.unwrap().offset).collect();
    for t in targets.iter() {
        assert!(
            starts.contains(&t),
            "target {t} is not an instruction start {starts:?}"
        );
    }
}

#[test]
fn exception_clauses_of_every_kind() {
    let asm = fixture();
    let body = asm.method_body(method(asm, "Handlers")).unwrap().unwrap();
    assert!(body.fat);
    let kinds: Vec<ClauseKind> = body.exception_clauses.iter().map(|c| c.kind).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(matches!(kinds[0], ClauseKind::Catch(t) if t.table() == Some(TableId::TypeRef)));
    assert!(matches!(kinds[1], ClauseKind::Filter(_)));
    assert_eq!(kinds[2], ClauseKind::Finally);
    assert!(matches!(kinds[3], ClauseKind::Catch(_)));
    for c in &body.exception_clauses {
        assert!(c.handler_offset + c.handler_length <= body.code.len() as u32);
        assert!(c.try_offset + c.try_length <= body.code.len() as u32);
    }
}

#[test]
fn vararg_generic_and_pinned_signatures() {
    let asm = fixture();
    let vararg = asm.method_def(method(asm, "VarArgs")).unwrap();
    assert_eq!(
        asm.method_sig(vararg.signature).unwrap().call_conv,
        CallConv::VarArg
    );
    // The call site is a MemberRef whose signature carries the sentinel.
    let call_site = (1..=asm.row_count(TableId::MemberRef))
        .map(|rid| asm.member_ref_parts(rid).unwrap())
        .find(|p| p.name == "VarArgs")
        .expect("vararg call site MemberRef");
    let MemberRefSig::Method(sig) = call_site.signature else {
        panic!()
    };
    assert_eq!(sig.params, vec![TypeSig::I4, TypeSig::I4, TypeSig::R8]);
    assert_eq!(sig.sentinel, Some(1));

    let generic = asm.method_def(method(asm, "Generic")).unwrap();
    let sig = asm.method_sig(generic.signature).unwrap();
    assert_eq!(sig.call_conv, CallConv::Generic(1));
    assert_eq!(sig.ret, TypeSig::MVar(0));
    let spec = (1..=asm.row_count(TableId::MethodSpec))
        .map(|rid| asm.method_spec_sig(rid).unwrap())
        .find(|s| s.0 == vec![TypeSig::I4]);
    assert!(spec.is_some(), "Generic<int> instantiation");

    let pinned = asm.method_body(method(asm, "Pinned")).unwrap().unwrap();
    let locals = asm
        .local_var_sig(pinned.local_var_sig_token.unwrap())
        .unwrap();
    assert!(
        locals.0.iter().any(|l| matches!(l, TypeSig::Pinned(_))),
        "{locals:?}"
    );
}

#[test]
fn identity_of_an_unsigned_exe() {
    let asm = fixture();
    let id = asm.identity().unwrap();
    assert_eq!(id.name, "Features");
    assert_eq!(id.public_key_token(), None);
    assert!(id.display_name().ends_with("PublicKeyToken=null"));
    assert!(asm.is_exe());
    let entry = asm.entry_point_token().unwrap();
    assert_eq!(entry.table(), Some(TableId::MethodDef));
    assert_eq!(asm.method_def(entry.rid()).unwrap().name, "Main");
    assert_eq!(asm.processor_architecture().as_str(), "MSIL");
}

/// The ilasm fixture, assembled once per test binary.
fn ilasm_fixture() -> &'static Assembly {
    static ASM: OnceLock<(tempfile::TempDir, Assembly)> = OnceLock::new();
    &ASM.get_or_init(|| {
        let dir = ngen_tests::temp_dir();
        let template = std::fs::read_to_string(
            ngen_tests::workspace_root().join("tests/fixtures/metadata/Ilasm.il"),
        )
        .unwrap();
        let il = dir.path().join("IlasmFixture.il");
        std::fs::write(&il, template.replace("// NOPS", &"nop\n".repeat(300))).unwrap();
        let dll = dir.path().join("IlasmFixture.dll");
        let out = std::process::Command::new("ilasm")
            .arg("/dll")
            .arg(format!("/output:{}", dll.display()))
            .arg(&il)
            .output()
            .expect("ilasm is installed (mono-devel)");
        assert!(
            out.status.success(),
            "ilasm: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let asm = Assembly::open(&dll).expect("ilasm fixture opens");
        (dir, asm)
    })
    .1
}

#[test]
fn assembly_refs_with_full_key_and_with_token() {
    let asm = ilasm_fixture();
    let id = asm.identity().unwrap();
    assert_eq!(
        id.display_name(),
        "IlasmFixture, Version=5.6.7.8, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    );
    let refs = asm.assembly_refs().unwrap();
    let full = refs.iter().find(|r| r.name == "FullKeyRef").unwrap();
    assert_eq!(full.flags & 1, 1);
    assert_eq!(full.public_key.as_ref().map(Vec::len), Some(16));
    assert_eq!(
        full.display_name(),
        "FullKeyRef, Version=1.2.3.4, Culture=fr-FR, PublicKeyToken=b77a5c561934e089"
    );
    let mscorlib = refs.iter().find(|r| r.name == "mscorlib").unwrap();
    assert_eq!(mscorlib.public_key, None);
    assert_eq!(
        mscorlib.public_key_token(),
        Some([0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89])
    );
}

#[test]
fn every_prefix_opcode_decodes() {
    let asm = ilasm_fixture();
    let foo = asm.find_type_def("", "Foo").unwrap().unwrap();
    let mut seen = Vec::new();
    for m in asm.methods_of(foo).unwrap() {
        if let Some(body) = asm.method_body(m).unwrap() {
            for i in body.instructions() {
                let i = i.unwrap();
                if i.opcode.is_prefix() {
                    seen.push((i.opcode.name(), i.operand));
                }
            }
        }
    }
    let names: Vec<&str> = seen.iter().map(|(n, _)| *n).collect();
    for p in [
        "unaligned.",
        "volatile.",
        "readonly.",
        "tail.",
        "constrained.",
    ] {
        assert!(names.contains(&p), "{p} missing from {names:?}");
    }
    assert!(seen.contains(&("unaligned.", Operand::UInt8(1))));
    let constrained = seen.iter().find(|(n, _)| *n == "constrained.").unwrap();
    assert!(matches!(constrained.1, Operand::Token(t) if t.table() == Some(TableId::TypeSpec)));
}

#[test]
fn long_try_block_uses_fat_exception_clauses() {
    let asm = ilasm_fixture();
    let foo = asm.find_type_def("", "Foo").unwrap().unwrap();
    let m = asm.find_method(foo, "LongTry", |_| true).unwrap().unwrap();
    let body = asm.method_body(m).unwrap().unwrap();
    assert!(body.init_locals);
    assert_eq!(body.exception_clauses.len(), 1);
    let c = body.exception_clauses[0];
    assert_eq!(c.kind, ClauseKind::Finally);
    assert!(
        c.try_length > 255,
        "a small clause cannot hold {}",
        c.try_length
    );
    assert_eq!(c.handler_offset, c.try_offset + c.try_length);
    let leave = body
        .instructions()
        .map(Result::unwrap)
        .find(|i| i.opcode == Opcode::Leave || i.opcode == Opcode::LeaveS)
        .unwrap();
    let Operand::BranchTarget(target) = leave.operand else {
        panic!()
    };
    assert_eq!(target, c.handler_offset + c.handler_length);
}

/// Processor architecture from the PE machine and CLI flags, for every mcs `-platform`.
#[test]
fn processor_architecture_follows_machine_and_cli_flags() {
    let dir = ngen_tests::temp_dir();
    let src = dir.path().join("P.cs");
    std::fs::write(
        &src,
        "public static class P { public static void Main() {} }",
    )
    .unwrap();
    for (platform, expected) in [
        ("anycpu", "MSIL"),
        ("anycpu32bitpreferred", "MSIL"),
        ("x86", "x86"),
        ("x64", "AMD64"),
        ("arm", "ARM"),
        ("itanium", "IA64"),
    ] {
        let exe = dir.path().join(format!("P_{platform}.exe"));
        ngen_tests::mcs(&[&src], &exe, &[&format!("-platform:{platform}")]);
        let asm = Assembly::open(&exe).unwrap();
        assert_eq!(
            asm.processor_architecture().as_str(),
            expected,
            "-platform:{platform}"
        );
        assert_eq!(
            asm.is_pe32_plus(),
            matches!(platform, "x64" | "itanium"),
            "{platform}"
        );
    }
}
