//! CIL to Cranelift IR translator and its AOT (native image) and JIT back ends.
//!
//! - [`aot::build_image`] compiles one assembly into the bytes of a native image;
//! - [`jit::Jit`] compiles single methods at run time with the same translator;
//! - [`types`] and [`signature`] define the managed calling convention both use;
//! - [`type_context`] is the compilation's type system (`ngen-typesystem`), the "what" of
//!   the object model: field offsets, instance sizes, whether a `callvirt` is exact;
//! - [`runtime_types`] answers the runtime's type questions (method tables, interface
//!   dispatch, casts, type names) from the same type system;
//! - [`corlib_refs`] recognises references into the core library the compiler treats
//!   specially;
//! - [`math_intrinsics`]: the `System.Math` calls mono's JIT turns into instructions or folds.
//!
//! Cranelift is used only inside the private `backend` module.

pub mod aot;
pub mod arrays;
mod backend;
mod class_init;
pub mod corlib_refs;
pub mod cpu_time;
pub mod eh_order;
mod error;
pub mod finalizers;
mod hard_binding;
pub mod il_offsets;
pub mod inline_policy;
pub mod jit;
pub mod math_intrinsics;
mod method;
pub mod pinvoke;
pub mod report;
pub mod runtime_types;
pub mod signature;
pub mod type_context;
pub mod types;

pub use backend::{codegen_identity, target_triple};
pub use error::CompileError;
pub use method::{method_def_shape, method_display_name};
pub use report::ImageReport;

/// Name recorded as the compiler in image headers.
pub const COMPILER_NAME: &str = "ngen-compiler";
/// Version recorded in image headers: the crate's version with, as semver build metadata, the
/// digest of the source that decides what an image means (`build.rs`), so a rebuilt compiler
/// with other source rejects the old one's images instead of misreading them.
pub const COMPILER_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "+",
    env!("NGEN_COMPILER_SOURCE_DIGEST")
);

/// The compiler identity images are stamped with (and validated against).
pub fn compiler_identity() -> ngen_image::CompilerIdentity {
    ngen_image::CompilerIdentity {
        name: COMPILER_NAME.to_string(),
        version: COMPILER_VERSION.to_string(),
        codegen: codegen_identity(),
    }
}

/// The text of a caught panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}
