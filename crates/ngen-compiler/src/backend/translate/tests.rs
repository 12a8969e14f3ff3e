//! The translator on hand-written IL: exclusion reasons for malformed input, the routing of
//! every opcode, and results of translated code run through cranelift-jit (verifier on).

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_codegen::settings::Configurable;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::Module;
use ngen_abi::image::CellKey;
use ngen_metadata::Token;
use ngen_metadata::il::{Opcode, OperandKind};

use super::{Family, MethodInput, translate};
use crate::backend::abi::clif_signature;
use crate::backend::env::{CallTarget, TranslateEnv};
use crate::types::{IlType, MethodShape, ValKind};

/// The environment's and the tests' error type: reasons as text.
type Res<T> = Result<T, String>;

struct NoEnv {
    call_conv: cranelift_codegen::isa::CallConv,
    config: TargetFrontendConfig,
}

impl TranslateEnv for NoEnv {
    fn metadata(&self) -> Option<(&crate::type_context::TypeContext, &ngen_metadata::Assembly)> {
        None
    }
    fn call_conv(&self) -> cranelift_codegen::isa::CallConv {
        self.call_conv
    }
    fn frontend_config(&self) -> TargetFrontendConfig {
        self.config
    }
    fn callee_shape(&mut self, token: Token) -> Res<MethodShape> {
        Err(format!("bad token 0x{:08x}", token.0))
    }
    fn call_target(&mut self, _: CellKey, _: &mut FunctionBuilder<'_>) -> Res<CallTarget> {
        Err("no calls in these tests".into())
    }
    fn cell(&mut self, _: CellKey, _: &mut FunctionBuilder<'_>) -> Res<Value> {
        Err("no strings in these tests".into())
    }
    fn static_field_cell(
        &mut self,
        _: CellKey,
        _: &mut FunctionBuilder<'_>,
    ) -> Res<(Value, IlType)> {
        Err("no static fields in these tests".into())
    }
    fn helper_table(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        b.ins().iconst(I64, QUIET_HELPERS.as_ptr() as i64)
    }
    fn thread_block_allocation(&self) -> bool {
        false
    }
    fn pending_word(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        // A test thread's stack is not a managed thread's aligned stack: a fixed zero word.
        b.ins().iconst(I64, &NOTHING_PENDING as *const u64 as i64)
    }
    fn intrinsic(&mut self, token: Token) -> Option<crate::type_context::Intrinsic> {
        test_intrinsic(token)
    }
}

/// A zero word the pending-exception check after a `call` reads (`pending_word` above), and a
/// helper table whose every slot points at it (no test code calls a helper).
static NOTHING_PENDING: u64 = 0;
static QUIET_HELPERS: [&u64; ngen_abi::helpers::HELPER_COUNT] =
    [&NOTHING_PENDING; ngen_abi::helpers::HELPER_COUNT];

/// The intrinsics these tests' `call` tokens stand for: MemberRef rids 1 to 6.
fn test_intrinsic(token: Token) -> Option<crate::type_context::Intrinsic> {
    use crate::type_context::Intrinsic as I;
    if token.table() != Some(ngen_metadata::TableId::MemberRef) {
        return None;
    }
    Some(match token.rid() {
        1 => I::AddElements { element_size: 4 },
        2 => I::Read {
            value: IlType::Val(ValKind::I4),
        },
        3 => I::Write {
            value: IlType::Val(ValKind::I4),
        },
        4 => I::ByteOffset,
        5 => I::Constant(12),
        6 => I::IsAddressLessThan,
        _ => return None,
    })
}

fn jit_module() -> cranelift_jit::JITModule {
    let mut flags = cranelift_codegen::settings::builder();
    flags.set("enable_verifier", "true").unwrap();
    flags.set("opt_level", "speed").unwrap();
    let isa = cranelift_native::builder()
        .unwrap()
        .finish(cranelift_codegen::settings::Flags::new(flags))
        .unwrap();
    cranelift_jit::JITModule::new(cranelift_jit::JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ))
}

/// Translates `code` and JIT-compiles it; returns the entry point or the exclusion reason.
pub(super) fn compile(code: &[u8], shape: &MethodShape, locals: &[ValKind]) -> Res<*const u8> {
    compile_with_clauses(code, &[], shape, locals)
}

/// [`compile`] of a body with exception-handling clauses.
pub(super) fn compile_with_clauses(
    code: &[u8],
    clauses: &[ngen_metadata::body::ExceptionClause],
    shape: &MethodShape,
    locals: &[ValKind],
) -> Res<*const u8> {
    let instrs = ngen_metadata::il::decode(code)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let module = Box::leak(Box::new(jit_module()));
    let call_conv = module.isa().default_call_conv();
    let sig = clif_signature(shape, call_conv);
    let id = module
        .declare_function("under_test", cranelift_module::Linkage::Local, &sig)
        .unwrap();
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    let mut env = NoEnv {
        call_conv,
        config: module.isa().frontend_config(),
    };
    let locals: Vec<IlType> = locals.iter().copied().map(IlType::Val).collect();
    let input = MethodInput {
        shape,
        class_inits: &[],
        locals: &locals,
        instrs: &instrs,
        clauses,
        this_is_object: false,
        inlining: true,
    };
    translate(&mut ctx.func, &mut fctx, &input, &mut env).map_err(|r| r.to_string())?;
    module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("{e:?}"))?;
    module.finalize_definitions().unwrap();
    Ok(module.get_finalized_function(id))
}

pub(super) fn shape(params: &[ValKind], ret: Option<ValKind>) -> MethodShape {
    MethodShape {
        has_this: false,
        params: params.iter().copied().map(IlType::Val).collect(),
        ret: ret.map(IlType::Val),
    }
}

#[test]
fn malformed_il_gives_reasons() {
    let s = shape(&[], Some(ValKind::I4));
    // add with an empty stack
    assert_eq!(
        compile(&[0x58, 0x2A], &s, &[]).unwrap_err(),
        "stack underflow at IL_0000"
    );
    // br.s +1 lands inside the following ldc.i4
    assert_eq!(
        compile(&[0x2B, 0x01, 0x20, 0, 0, 0, 0, 0x2A], &s, &[]).unwrap_err(),
        "branch into the middle of an instruction (IL_0003) at IL_0000"
    );
    // a branch past the end
    assert_eq!(
        compile(&[0x2B, 0x10, 0x2A], &s, &[]).unwrap_err(),
        "branch target IL_0012 outside the method at IL_0000"
    );
    // box asks the environment, which has no metadata here
    assert_eq!(
        compile(&[0x8C, 1, 0, 0, 0x02, 0x2A], &s, &[]).unwrap_err(),
        "no metadata in this environment at IL_0000"
    );
    // an opcode outside the supported ones
    assert_eq!(
        compile(&[0xFE, 0x00, 0x2A], &s, &[]).unwrap_err(),
        "unsupported opcode arglist at IL_0000"
    );
    // newobj asks the environment, which has no metadata here
    assert_eq!(
        compile(&[0x73, 1, 0, 0, 0x06, 0x2A], &s, &[]).unwrap_err(),
        "no metadata in this environment at IL_0000"
    );
    // call with a token that does not name a method
    assert_eq!(
        compile(&[0x28, 0xFF, 0xFF, 0, 0x06, 0x2A], &s, &[]).unwrap_err(),
        "bad token 0x0600ffff at IL_0000"
    );
    // falls off the end
    assert_eq!(
        compile(&[0x16], &s, &[]).unwrap_err(),
        "control falls off the end of the method"
    );
    // ldarg.0; brtrue.s +1; ldc.i4.1; ldc.i4.2; ret: depth 0 and 1 meet at IL_0004
    let s1 = shape(&[ValKind::I4], Some(ValKind::I4));
    assert!(
        compile(&[0x02, 0x2D, 0x01, 0x17, 0x18, 0x2A], &s1, &[])
            .unwrap_err()
            .starts_with("inconsistent stack depth at join IL_0004"),
    );
    // float + object reference
    assert_eq!(
        compile(&[0x22, 0, 0, 0x80, 0x3F, 0x14, 0x58, 0x2A], &s, &[]).unwrap_err(),
        "add on float32 and O at IL_0006"
    );
}

#[test]
fn loop_with_locals_runs() {
    // s = 0; for (i = 1; i <= n; i++) s += i; return s;
    let code = [
        0x16, 0x0A, // ldc.i4.0; stloc.0
        0x17, 0x0B, // ldc.i4.1; stloc.1
        0x07, 0x02, 0x30, 0x0A, // L4: ldloc.1; ldarg.0; bgt.s END(+10 -> 0x12)
        0x06, 0x07, 0x58, 0x0A, // ldloc.0; ldloc.1; add; stloc.0
        0x07, 0x17, 0x58, 0x0B, // ldloc.1; ldc.i4.1; add; stloc.1
        0x2B, 0xF2, // br.s L4
        0x06, 0x2A, // END: ldloc.0; ret
    ];
    let s = shape(&[ValKind::I4], Some(ValKind::I4));
    let f = compile(&code, &s, &[ValKind::I4, ValKind::I4]).unwrap();
    // SAFETY: compiled with signature (i32) -> i32.
    let f = unsafe { std::mem::transmute::<*const u8, extern "C" fn(i32) -> i32>(f) };
    assert_eq!(f(100), 5050);
    assert_eq!(f(0), 0);
}

#[test]
fn initblk_and_cpblk_write_exactly_their_bytes() {
    // initblk(&l0, 0x41, n); cpblk(&l1, &l0, 3); return l1 (l1 starts as -1).
    let code = [
        0x15, 0x6A, 0x0B, // ldc.i4.m1; conv.i8; stloc.1
        0x12, 0x00, 0x1F, 0x41, 0x02, 0xFE,
        0x18, // ldloca.s 0; ldc.i4.s 0x41; ldarg.0; initblk
        0x12, 0x01, 0x12, 0x00, 0x19, 0xFE, 0x17, // ldloca.s 1; ldloca.s 0; ldc.i4.3; cpblk
        0x07, 0x2A, // ldloc.1; ret
    ];
    let s = shape(&[ValKind::I4], Some(ValKind::I8));
    let f = compile(&code, &s, &[ValKind::I8, ValKind::I8]).unwrap();
    // SAFETY: compiled with signature (i32) -> i64.
    let f = unsafe { std::mem::transmute::<*const u8, extern "C" fn(i32) -> i64>(f) };
    assert_eq!(f(8), 0xFFFF_FFFF_FF41_4141_u64 as i64);
    // Only the first two bytes of l0 are set: the third copied byte is l0's zero.
    assert_eq!(f(2), 0xFFFF_FFFF_FF00_4141_u64 as i64);
    assert_eq!(f(0), 0xFFFF_FFFF_FF00_0000_u64 as i64);
}

/// Opcodes the translator rejects whole ("unsupported opcode"): the object model, exception
/// handling, indirect calls, blocks, `jmp`.
const UNSUPPORTED: &[Opcode] = &[
    Opcode::Break,
    Opcode::Jmp,
    Opcode::Calli,
    Opcode::Ldtoken,
    Opcode::Arglist,
    Opcode::No,
];

/// `op` with an all-zero inline operand (a branch to the next instruction, an empty switch).
fn encode(op: Opcode) -> Vec<u8> {
    let mut code = match op.value() {
        v @ 0..=0xFF => vec![v as u8],
        v => vec![0xFE, v as u8],
    };
    let operand = match op.operand_kind() {
        OperandKind::None => 0,
        OperandKind::ShortI | OperandKind::ShortU | OperandKind::ShortVar => 1,
        OperandKind::ShortBranch => 1,
        OperandKind::Var => 2,
        OperandKind::I32 | OperandKind::R4 | OperandKind::Token | OperandKind::Branch => 4,
        OperandKind::Switch => 4,
        OperandKind::I64 | OperandKind::R8 => 8,
    };
    code.resize(code.len() + operand, 0);
    code
}

#[test]
fn every_opcode_routes_once() {
    for &op in Opcode::ALL {
        let listed = UNSUPPORTED.iter().filter(|o| **o == op).count();
        let expected = usize::from(Family::of(op).is_none());
        assert_eq!(listed, expected, "{op}: routed to {:?}", Family::of(op));
    }
    // Each opcode alone (then `ret`) goes to a family that handles it, or is rejected by name.
    for &op in Opcode::ALL {
        let mut code = encode(op);
        code.push(0x2A);
        let reason = compile(&code, &shape(&[], None), &[])
            .err()
            .unwrap_or_default();
        match Family::of(op) {
            Some(family) => assert!(
                !reason.contains("routed to the wrong family"),
                "{op} ({family:?}): {reason}"
            ),
            None => assert_eq!(reason, format!("unsupported opcode {op} at IL_0000")),
        }
    }
}

/// `Unsafe`-style intrinsics expand to address arithmetic, loads and stores that run: `Add` then
/// `Read` (`p[i]`), `Write`, `ByteOffset`, an address comparison and a constant.
#[test]
fn unsafe_intrinsics_expand_inline_and_run() {
    const ADD: [u8; 5] = [0x28, 1, 0, 0, 0x0A];
    const READ: [u8; 5] = [0x28, 2, 0, 0, 0x0A];
    const WRITE: [u8; 5] = [0x28, 3, 0, 0, 0x0A];
    const BYTE_OFFSET: [u8; 5] = [0x28, 4, 0, 0, 0x0A];
    const CONSTANT: [u8; 5] = [0x28, 5, 0, 0, 0x0A];
    const LESS_THAN: [u8; 5] = [0x28, 6, 0, 0, 0x0A];
    let mut data = [10i32, 20, 30, 40];
    let base = data.as_mut_ptr();

    // ldarg.0; ldarg.1; call Add; call Read; ret
    let code = [&[0x02, 0x03][..], &ADD, &READ, &[0x2A]].concat();
    let s = shape(&[ValKind::Ptr, ValKind::I4], Some(ValKind::I4));
    let f = compile(&code, &s, &[]).unwrap();
    // SAFETY: compiled with signature (ptr, i32) -> i32; reads `data[i]` for i in range.
    let element_at =
        unsafe { std::mem::transmute::<*const u8, extern "C" fn(*mut i32, i32) -> i32>(f) };
    assert_eq!(element_at(base, 2), 30);
    // SAFETY: `base + 1` is inside `data`; a negative offset is sign-extended.
    assert_eq!(element_at(unsafe { base.add(1) }, -1), 10);

    // ldarg.0; ldc.i4.s 99; call Write; ldarg.0; call Read; ret
    let code = [&[0x02, 0x1F, 99][..], &WRITE, &[0x02], &READ, &[0x2A]].concat();
    let s = shape(&[ValKind::Ptr], Some(ValKind::I4));
    let f = compile(&code, &s, &[]).unwrap();
    // SAFETY: compiled with signature (ptr) -> i32; writes and reads `data[3]`.
    let write_read = unsafe { std::mem::transmute::<*const u8, extern "C" fn(*mut i32) -> i32>(f) };
    // SAFETY: `base + 3` is inside `data`.
    assert_eq!(write_read(unsafe { base.add(3) }), 99);
    assert_eq!(data[3], 99);

    // ldarg.0; ldarg.1; call ByteOffset; ret, and the same with IsAddressLessThan
    let s = shape(&[ValKind::Ptr, ValKind::Ptr], Some(ValKind::I));
    let code = [&[0x02, 0x03][..], &BYTE_OFFSET, &[0x2A]].concat();
    let f = compile(&code, &s, &[]).unwrap();
    // SAFETY: compiled with signature (ptr, ptr) -> i64.
    let byte_offset =
        unsafe { std::mem::transmute::<*const u8, extern "C" fn(u64, u64) -> i64>(f) };
    assert_eq!(byte_offset(0x1000, 0x1010), 16);
    assert_eq!(byte_offset(0x1010, 0x1000), -16);
    let s = shape(&[ValKind::Ptr, ValKind::Ptr], Some(ValKind::I4));
    let code = [&[0x02, 0x03][..], &LESS_THAN, &[0x2A]].concat();
    let f = compile(&code, &s, &[]).unwrap();
    // SAFETY: compiled with signature (ptr, ptr) -> i32.
    let less = unsafe { std::mem::transmute::<*const u8, extern "C" fn(u64, u64) -> i32>(f) };
    assert_eq!((less(1, 2), less(2, 1), less(u64::MAX, 1)), (1, 0, 0));

    // call Constant; ret
    let code = [&CONSTANT[..], &[0x2A]].concat();
    let f = compile(&code, &shape(&[], Some(ValKind::I4)), &[]).unwrap();
    // SAFETY: compiled with signature () -> i32.
    let constant = unsafe { std::mem::transmute::<*const u8, extern "C" fn() -> i32>(f) };
    assert_eq!(constant(), 12);

    // Add of a float offset is refused with a reason, not translated.
    let code = [&[0x02, 0x22, 0, 0, 0x80, 0x3F][..], &ADD, &[0x2A]].concat();
    let s = shape(&[ValKind::Ptr], Some(ValKind::Ptr));
    assert_eq!(
        compile(&code, &s, &[]).unwrap_err(),
        "Unsafe offset of float32 at IL_0006"
    );
}
