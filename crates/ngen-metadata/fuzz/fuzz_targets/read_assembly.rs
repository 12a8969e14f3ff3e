//! Fuzz target: open arbitrary bytes as an assembly and walk everything (every table row,
//! signature, method body, instruction and custom attribute); also feed the raw bytes to the
//! stand-alone decoders. Any panic, overflow or hang is a bug: the reader must return errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ngen_metadata::{Assembly, TableId, Token, audit, body, il, signature};

fuzz_target!(|data: &[u8]| {
    if let Ok(asm) = Assembly::from_bytes(data.to_vec()) {
        let report = audit::audit(&asm);
        for (_, e) in &report.errors {
            let _ = e.to_string();
        }
        // Names recurse through TypeSpecs: a hostile one may name itself or fan out.
        for table in [
            TableId::TypeRef,
            TableId::TypeSpec,
            TableId::MethodDef,
            TableId::Field,
            TableId::MemberRef,
            TableId::MethodSpec,
        ] {
            for rid in 1..=asm.row_count(table).min(200) {
                let _ = asm.token_name(Token::new(table, rid));
            }
        }
    }
    for ins in il::decode(data) {
        if ins.is_err() {
            break;
        }
    }
    let _ = body::parse_body(data);
    let _ = signature::method_sig(data);
    let _ = signature::type_spec_sig(data);
    let _ = signature::local_var_sig(data);
});
