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
    /// The generic method instances the image holds (full specialisation), in the header's
    /// order: compiled, or left to the JIT with the reason. A generic MethodDef is excluded
    /// above (its open body is not code); these are what its instantiations became.
    #[serde(default)]
    pub instances: Vec<InstanceOutcome>,
    /// The image's own generic MethodDefs as canonical shared code (one body for every
    /// instantiation over reference types), in token order: compiled, or why not.
    #[serde(default)]
    pub shared: Vec<SharedCodeOutcome>,
}

/// A generic MethodDef's canonical shared code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedCodeOutcome {
    /// MethodDef token.
    pub token: String,
    /// `Namespace.Type::Method`.
    pub name: String,
    /// Machine code size in bytes when compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_size: Option<u32>,
    /// Why the method has no shared code, when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    /// A P/Invoke marshalling stub: the MethodDef has no IL body (mono compiles such
    /// wrappers apart from its methods, so coverage counts leave these out).
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinvoke: bool,
}

/// An excluded method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedMethod {
    pub token: String,
    pub name: String,
    /// e.g. `unsupported opcode newobj at IL_0012`.
    pub reason: String,
    /// The method or its type has generic parameters: its open body is not code, and its
    /// instantiations (`instances`) are what the image holds of it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub generic: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A generic method instance of the image: its MethodDef (in `assembly`, the compiled one or
/// the one defining a generic it instantiates) and its instantiation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceOutcome {
    /// Simple name of the assembly defining the MethodDef.
    pub assembly: String,
    /// MethodDef token in that assembly.
    pub token: String,
    /// `Namespace.Type::Method`.
    pub name: String,
    /// The serialized type arguments, then the method's (`<mscorlib#9;>`).
    pub instantiation: String,
    /// Machine code size in bytes when compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_size: Option<u32>,
    /// Why it was left to the JIT, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
