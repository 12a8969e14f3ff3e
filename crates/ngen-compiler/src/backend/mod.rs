//! Every Cranelift API call of the compiler lives under this module, split by concern (as
//! rustc_codegen_cranelift does): ISA settings, the calling convention, the IL translator,
//! AOT object emission and the JIT. Cranelift's API changes every release; keeping it here
//! bounds the work of an upgrade.

pub(crate) mod abi;
pub(crate) mod env;
pub(crate) mod isa;
pub(crate) mod jit;
pub(crate) mod object;
pub(crate) mod translate;

pub use isa::{codegen_identity, target_triple};
