//! Every Cranelift API call of the compiler lives under this module, split by concern (as
//! rustc_codegen_cranelift does): ISA settings, the calling convention, the IL translator,
//! AOT object emission and the JIT. Cranelift's API changes every release; keeping it here
//! bounds the work of an upgrade.

pub(crate) mod abi;
pub(crate) mod aot;
pub(crate) mod cells;
pub(crate) mod debuginfo;
pub(crate) mod env;
pub(crate) mod helpers;
pub(crate) mod isa;
pub(crate) mod jit;
pub(crate) mod pinvoke_stub;
pub(crate) mod translate;

pub use isa::{codegen_identity, target_triple};
pub(crate) use translate::ldc_i4_value;
pub(crate) use translate::seq_points::reported_for as reported_il_offset;

use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;

/// After a panic inside Cranelift while compiling one method (caught by the JIT and by the
/// AOT backend: a bad method must never take the host or the whole image down): resets `ctx`
/// and `fctx` so they can serve the next method, and gives the method's exclusion reason.
fn internal_error(
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    panic: &(dyn std::any::Any + Send),
) -> String {
    ctx.clear();
    *fctx = FunctionBuilderContext::new();
    format!("internal compiler error: {}", crate::panic_message(panic))
}
