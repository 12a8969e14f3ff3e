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

/// An image's coverage in `mono --aot`'s unit (issue 8; `build`'s `Coverage` line, the
/// `compile` summary, `explain`, BENCHMARKS.md's coverage table).
///
/// Mono's `Compiled: N/M` counts the MethodDefs with an IL body, a generic one once (as its
/// shared code). So here: a MethodDef with an IL body is *compiled* when the image holds its
/// code, or, for a generic one, a compiled instance of it or its canonical shared code; it
/// is *left to the JIT* otherwise. MethodDefs without an IL body (abstract, extern,
/// runtime-implemented) are not counted, and neither are P/Invoke stubs, which mono compiles
/// apart from its methods as wrappers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub compiled: usize,
    pub left_to_jit: usize,
}

impl Coverage {
    pub fn total(&self) -> usize {
        self.compiled + self.left_to_jit
    }
}

impl ImageReport {
    /// The image's [`Coverage`].
    pub fn coverage(&self) -> Coverage {
        let plain = self.compiled.iter().filter(|m| !m.pinvoke).count();
        let counted = self.excluded.iter().filter(|m| !m.no_body).count();
        let left_to_jit = self.left_to_jit().len();
        Coverage {
            compiled: plain + counted - left_to_jit,
            left_to_jit,
        }
    }

    /// The excluded MethodDefs that count as left to the JIT in [`Coverage`]: those with an
    /// IL body that the image holds no code of.
    pub fn left_to_jit(&self) -> Vec<&ExcludedMethod> {
        let served = self.served_generic_tokens();
        let is_served = |m: &ExcludedMethod| m.generic && served.contains(m.token.as_str());
        self.excluded
            .iter()
            .filter(|m| !m.no_body && !is_served(m))
            .collect()
    }

    /// Tokens of this image's generic MethodDefs it holds code for: a compiled instance or
    /// shared code. (One set, so that mscorlib's thousands of instances are scanned once.)
    fn served_generic_tokens(&self) -> std::collections::HashSet<&str> {
        let instances = self
            .instances
            .iter()
            .filter(|i| i.assembly == self.assembly && i.code_size.is_some())
            .map(|i| i.token.as_str());
        let shared = self
            .shared
            .iter()
            .filter(|s| s.code_size.is_some())
            .map(|s| s.token.as_str());
        instances.chain(shared).collect()
    }
}

/// A generic MethodDef's canonical shared code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedCodeOutcome {
    /// MethodDef token.
    pub token: String,
    /// `Namespace.Type::Method`.
    pub name: String,
    /// The canonical form mixing reference and value types it serves, serialized as an
    /// instance's instantiation (`<mscorlib#1,int;>`); absent for the form over
    /// `System.Object` alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
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
    /// The MethodDef has no IL body (abstract, extern, runtime-implemented, a P/Invoke whose
    /// stub failed): nothing to compile, so coverage counts leave it out, as mono's do.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_body: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(token: &str, generic: bool, no_body: bool) -> ExcludedMethod {
        ExcludedMethod {
            token: token.into(),
            name: format!("T::M{token}"),
            reason: "r".into(),
            generic,
            no_body,
        }
    }

    #[test]
    fn coverage_counts_methods_with_il_and_generics_by_instance_or_shared_code() {
        let report = ImageReport {
            assembly: "A".into(),
            compiled: vec![
                CompiledMethod {
                    token: "0x06000001".into(),
                    name: "T::Plain".into(),
                    code_size: 9,
                    pinvoke: false,
                },
                CompiledMethod {
                    token: "0x06000002".into(),
                    name: "T::Stub".into(),
                    code_size: 9,
                    pinvoke: true,
                },
            ],
            excluded: vec![
                excluded("0x06000003", false, true),  // abstract: not counted
                excluded("0x06000004", true, false),  // instance in this image
                excluded("0x06000005", true, false),  // shared code
                excluded("0x06000006", true, false),  // instance only of another assembly's
                excluded("0x06000007", false, false), // vararg: left to the JIT
            ],
            instances: vec![
                InstanceOutcome {
                    assembly: "A".into(),
                    token: "0x06000004".into(),
                    name: "T::M4".into(),
                    instantiation: "<;mscorlib#1>".into(),
                    code_size: Some(3),
                    reason: None,
                },
                InstanceOutcome {
                    assembly: "B".into(),
                    token: "0x06000006".into(),
                    name: "U::M".into(),
                    instantiation: "<;mscorlib#1>".into(),
                    code_size: Some(3),
                    reason: None,
                },
            ],
            shared: vec![
                SharedCodeOutcome {
                    token: "0x06000005".into(),
                    name: "T::M5".into(),
                    form: None,
                    code_size: Some(4),
                    reason: None,
                },
                SharedCodeOutcome {
                    token: "0x06000006".into(),
                    name: "T::M6".into(),
                    form: None,
                    code_size: None,
                    reason: Some("no register for the dictionary".into()),
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            report.coverage(),
            Coverage {
                compiled: 3,
                left_to_jit: 2
            }
        );
        let left: Vec<&str> = report
            .left_to_jit()
            .iter()
            .map(|m| m.token.as_str())
            .collect();
        assert_eq!(left, ["0x06000006", "0x06000007"]);
    }
}
