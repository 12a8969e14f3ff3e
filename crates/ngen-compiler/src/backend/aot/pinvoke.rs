//! A P/Invoke's marshalling stub compiled into the image (`backend/pinvoke_stub.rs` builds
//! it; this module only drives Cranelift for the AOT module).
//!
//! Depends on: [`super::plan`], [`crate::pinvoke`], [`crate::backend::pinvoke_stub`].

use cranelift_codegen::Context;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilderContext;
use ngen_metadata::{TableId, Token};

use super::plan::{AotEnv, Plan};
use super::{Compiled, generate};
use crate::backend::pinvoke_stub::build_pinvoke_stub;
use crate::il_offsets::MethodIlOffsets;

/// Compiles the stub of P/Invoke MethodDef `rid`.
pub(super) fn compile_stub(
    plan: &Plan<'_>,
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    rid: u32,
) -> Result<Compiled, String> {
    let f = plan
        .funcs
        .get(&rid)
        .ok_or_else(|| "P/Invoke signature not supported".to_string())?;
    // A signature the marshaller refuses still gets a stub: it raises
    // MarshalDirectiveException at the call, as mono does.
    let marshal = crate::pinvoke::classify(plan.asm, rid, plan.types).ok();
    let mut env = AotEnv::new(plan, plan.asm, true, plan.types.clone(), 0);
    ctx.clear();
    ctx.func = Function::with_name_signature(UserFuncName::user(0, f.id.as_u32()), f.sig.clone());
    build_pinvoke_stub(
        &mut ctx.func,
        fctx,
        Token::new(TableId::MethodDef, rid),
        marshal.as_ref(),
        &mut env,
    )?;
    let (code, relocs, clif) = generate(ctx, isa, f.id)?;
    let compiled = Compiled {
        bytes: code.buffer.data().to_vec(),
        relocs,
        alignment: code.buffer.alignment as u64,
        ranges: Vec::new(),
        variables: Vec::new(),
        il_offsets: MethodIlOffsets::default(),
        clif,
    };
    ctx.clear();
    Ok(compiled)
}
