//! Public JIT API used by the runtime for methods no valid image provides.

pub use crate::backend::jit::{Jit, JitHost};
