//! The seam between the cache and the AOT compiler: the cache decides *what* to compile and
//! writes the results; an [`ImageCompiler`] turns one assembly into image bytes.
//!
//! The CLI implements it with `ngen_compiler::aot::build_image`; unit tests use a fake. Keeping
//! the trait here lets the planner and cache be tested without Cranelift.
//!
//! Depends on ngen-manifest (scenarios) only.

use std::path::{Path, PathBuf};

use ngen_manifest::Scenario;

/// One compilation.
#[derive(Debug, Clone)]
pub struct CompileRequest<'a> {
    /// The assembly to compile.
    pub assembly: &'a Path,
    /// Every other assembly of its closure (the compiler resolves references against them).
    pub references: &'a [PathBuf],
    /// Scenario flags.
    pub scenario: Scenario,
    /// Threads the compiler may use inside this assembly.
    pub threads: usize,
    /// Images of the dependencies it is hard-bound to (edges whose effective hint is
    /// `always`, with an image in the same cache and scenario), already built.
    pub hard_dependencies: &'a [PathBuf],
}

/// What the compiler produced.
#[derive(Debug, Clone)]
pub struct CompiledImage {
    /// The ELF shared object.
    pub image_bytes: Vec<u8>,
    /// The report (JSON), written as `<Name>.ni.report.json`.
    pub report_json: Vec<u8>,
    /// Methods compiled into the image.
    pub methods_compiled: usize,
    /// Methods left to the JIT.
    pub methods_excluded: usize,
    /// CPU seconds the compile took over all its threads (0 when not measured).
    pub cpu_seconds: f64,
}

/// An AOT compiler. Must be deterministic: same request, same bytes.
pub trait ImageCompiler: Sync {
    /// Compiler version and every codegen setting that changes output; part of every
    /// fingerprint, so a new compiler invalidates every image.
    fn identity(&self) -> String;

    /// Compiles one assembly. The error is a human-readable explanation.
    fn compile(&self, request: &CompileRequest<'_>) -> Result<CompiledImage, String>;
}
