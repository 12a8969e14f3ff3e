//! Unit tests of the EH translation that need no runtime: `leave` through `finally`
//! handlers (continuation indices, `endfinally`'s `br_table`), and malformed clauses and EH
//! instructions rejected with a reason rather than a panic. Paths that throw need the
//! runtime's pending word; the differential tests (`tests/tests/codegen_exceptions.rs`) run
//! them.

use ngen_metadata::body::{ClauseKind, ExceptionClause};

use super::tests::{compile_with_clauses, shape};
use crate::types::ValKind;

fn finally(try_range: (u32, u32), handler: (u32, u32)) -> ExceptionClause {
    ExceptionClause {
        kind: ClauseKind::Finally,
        try_offset: try_range.0,
        try_length: try_range.1 - try_range.0,
        handler_offset: handler.0,
        handler_length: handler.1 - handler.0,
    }
}

/// `int f(int x)`: `r = 0; try { try { if (x != 0) leave OUT; r += 1; leave OUT } finally
/// { r += 10 } } finally { r += 100 } OUT: return r`, so 111 for x = 0 and 110 otherwise:
/// both `leave`s run both handlers, innermost first, and land on the same target.
#[test]
fn leave_runs_nested_finally_handlers_then_reaches_its_target() {
    let code: Vec<u8> = [
        &[0x16, 0x0A][..],                     // 0x00 ldc.i4.0; stloc.0
        &[0x02, 0x2C, 0x02],                   // 0x02 ldarg.0; brfalse.s 0x07
        &[0xDE, 0x12],                         // 0x05 leave.s 0x19
        &[0x06, 0x17, 0x58, 0x0A],             // 0x07 r += 1
        &[0xDE, 0x0C],                         // 0x0b leave.s 0x19
        &[0x06, 0x1F, 0x0A, 0x58, 0x0A, 0xDC], // 0x0d inner finally: r += 10; endfinally
        &[0x06, 0x1F, 0x64, 0x58, 0x0A, 0xDC], // 0x13 outer finally: r += 100; endfinally
        &[0x06, 0x2A],                         // 0x19 OUT: ldloc.0; ret
    ]
    .concat();
    let clauses = [
        finally((0x02, 0x0d), (0x0d, 0x13)),
        finally((0x02, 0x13), (0x13, 0x19)),
    ];
    let s = shape(&[ValKind::I4], Some(ValKind::I4));
    let f = compile_with_clauses(&code, &clauses, &s, &[ValKind::I4]).unwrap();
    // SAFETY: compiled with signature (i32) -> i32; no path calls the runtime.
    let f = unsafe { std::mem::transmute::<*const u8, extern "C" fn(i32) -> i32>(f) };
    assert_eq!(f(0), 111);
    assert_eq!(f(1), 110);
}

#[test]
fn malformed_eh_gives_reasons() {
    let s = shape(&[], None);
    // endfinally outside any finally handler.
    let reason = compile_with_clauses(&[0xDC, 0x2A], &[], &s, &[]).unwrap_err();
    assert!(reason.contains("endfinally outside"), "{reason}");
    // rethrow outside a catch handler.
    let reason = compile_with_clauses(&[0xFE, 0x1A, 0x2A], &[], &s, &[]).unwrap_err();
    assert!(reason.contains("rethrow outside"), "{reason}");
    // endfilter outside a filter.
    let reason = compile_with_clauses(&[0x16, 0xFE, 0x11, 0x2A], &[], &s, &[]).unwrap_err();
    assert!(reason.contains("endfilter outside"), "{reason}");
    // A clause whose handler runs past the end of the code.
    let clauses = [finally((0, 1), (1, 9))];
    let reason = compile_with_clauses(&[0x00, 0x2A], &clauses, &s, &[]).unwrap_err();
    assert!(reason.contains("not on instruction boundaries"), "{reason}");
    // throw of a non-object.
    let reason = compile_with_clauses(&[0x16, 0x7A], &[], &s, &[]).unwrap_err();
    assert!(reason.contains("throw of"), "{reason}");
}
