//! Stubs for methods an image lacks: a method that is called directly from the image but
//! could not be compiled still gets a function under its symbol, which forwards through the
//! method's import cell (resolving it on first use), so direct callers reach the JIT or
//! another image.
//!
//! Depends on: cranelift-frontend, `ngen_abi::image` (cell layout), `ngen_abi::helpers`.

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Function, InstBuilder};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::DataId;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::CELL_SIZE;

use super::plan::data_gv;
use crate::backend::abi::clif_signature;
use crate::backend::cells::emit_cell_target;
use crate::backend::helpers::helper_signature;
use crate::types::MethodShape;

/// Module-wide facts a stub needs.
pub(super) struct StubEnv {
    pub(super) config: TargetFrontendConfig,
    pub(super) call_conv: CallConv,
    pub(super) cells_data: DataId,
    pub(super) helpers_data: DataId,
}

/// A function with `shape`'s signature that forwards to whatever import cell `cell_index`
/// resolves to (resolving it on first use).
pub(super) fn build_stub(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    shape: &MethodShape,
    cell_index: u32,
    stub: &StubEnv,
) {
    let (call_conv, config) = (stub.call_conv, stub.config);
    let cells_gv = data_gv(func, stub.cells_data);
    let helpers_gv = data_gv(func, stub.helpers_data);
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let base = b.ins().symbol_value(I64, cells_gv);
    let cell = b
        .ins()
        .iadd_imm_s(base, cell_index as i64 * CELL_SIZE as i64);
    let target = emit_cell_target(
        &mut b,
        cell,
        |b| b.ins().symbol_value(I64, helpers_gv),
        |b| b.import_signature(helper_signature(HelperId::ResolveCell, call_conv)),
        // A stub forwards a call; the caller checks for a pending exception after it.
        None,
    );
    let sig = b.import_signature(clif_signature(shape, call_conv));
    let call = b.ins().call_indirect(sig, target, &params);
    let results = b.inst_results(call).to_vec();
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(config);
}

/// A body for a declared function that nothing reaches (a generic instance that could not be
/// compiled: its method-table entry stays 0, so the runtime JIT-compiles it): a trap.
pub(super) fn build_trap(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    config: TargetFrontendConfig,
) {
    let mut b = FunctionBuilder::new(func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    b.ins()
        .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
    b.finalize(config);
}
