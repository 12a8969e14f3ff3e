//! The machine-readable compile report written next to each image (`<Name>.ni.report.json`).

use serde::{Deserialize, Serialize};

/// What was compiled into an image and what was left out, with reasons. Sorted by token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageReport {
    /// Simple name of the compiled assembly.
    pub assembly: String,
    /// Its MVID in registry format (`aec784bf-7672-439a-93c9-ccc2a6eaaf6c`), as in
    /// `inputs.json` and `ngen-build inspect`.
    pub mvid: String,
    /// Methods compiled into the image.
    pub compiled: Vec<CompiledMethod>,
    /// Methods the image lacks, with the reason.
    pub excluded: Vec<ExcludedMethod>,
}

/// A compiled method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledMethod {
    /// MethodDef token, e.g. `0x06000001`.
    pub token: String,
    /// `Namespace.Type::Method`.
    pub name: String,
    /// Machine code size in bytes.
    pub code_size: u32,
}

/// An excluded method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedMethod {
    pub token: String,
    pub name: String,
    /// e.g. `unsupported opcode newobj at IL_0012`.
    pub reason: String,
}
