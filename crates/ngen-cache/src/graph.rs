//! The resolved input model the planner works on: each root's dependency closure as plain data.
//!
//! Built from the binder's closure by [`crate::resolve`], or by hand in tests, so fingerprints
//! and planning do not depend on how binding is done. Depends on ngen-manifest (LoadHint) only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ngen_manifest::LoadHint;
use serde::{Deserialize, Serialize};

/// One binding decision from configuration that affected an assembly (a redirect, a codeBase,
/// a publisher policy). `subject` is the assembly it applied to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BindingInput {
    /// Simple name of the assembly the configuration applied to.
    pub subject: String,
    /// What kind of input it is: "redirect", "codeBase", "privatePath", ...
    pub kind: String,
    /// Its value, e.g. "1.0.0.0-1.9.9.9 -> 2.0.0.0" (no absolute paths).
    pub value: String,
}

/// One assembly of a closure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssemblyNode {
    /// Full display name; unique within a closure and its key.
    pub display_name: String,
    /// Simple name (file name without extension, as in references).
    pub name: String,
    /// Version as `a.b.c.d`.
    pub version: String,
    /// Where it was bound.
    pub path: PathBuf,
    /// Module version id, registry format.
    pub mvid: String,
    /// Bound from the framework directory or the GAC.
    pub framework: bool,
    /// Display names (keys) of the assemblies it references, within the closure.
    pub references: BTreeSet<String>,
    /// Configuration inputs that affected how it was bound.
    pub binding: Vec<BindingInput>,
    /// Its `DependencyAttribute`s: dependency simple name → hint.
    pub dependency_hints: BTreeMap<String, LoadHint>,
    /// Its `DefaultDependencyAttribute`, if any.
    pub default_hint: Option<LoadHint>,
}

/// A root's closure: the root and everything it depends on, transitively.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Closure {
    /// Display name of the root assembly.
    pub root: String,
    /// Every assembly, root included, by display name.
    pub assemblies: BTreeMap<String, AssemblyNode>,
    /// Files whose contents decided the binding (assemblies, config files), and paths the
    /// binder probed that did not exist: what [`crate::closure_memo`] watches.
    #[serde(default)]
    pub watched: Watched,
}

/// What a resolution depended on in the file system.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Watched {
    /// Files read.
    pub files: BTreeSet<PathBuf>,
    /// Paths probed and found missing (a file appearing there could change the binding).
    pub absent: BTreeSet<PathBuf>,
}

impl Closure {
    /// Display names of everything `key` depends on, directly or not (excluding itself),
    /// following references through cycles.
    pub fn transitive_dependencies(&self, key: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = vec![key];
        while let Some(k) = stack.pop() {
            if let Some(node) = self.assemblies.get(k) {
                for r in &node.references {
                    if r != key && self.assemblies.contains_key(r) && seen.insert(r.clone()) {
                        stack.push(r);
                    }
                }
            }
        }
        seen
    }

    /// The hint for the edge `from → to`: the manifest wins, then `from`'s DependencyAttribute,
    /// then `to`'s DefaultDependencyAttribute, else `default`.
    pub fn effective_hint(
        &self,
        from: &AssemblyNode,
        to: &AssemblyNode,
        manifest_hints: &BTreeMap<String, LoadHint>,
    ) -> (LoadHint, &'static str) {
        if let Some((_, h)) = manifest_hints
            .iter()
            .find(|(key, _)| hint_key_matches(key, to))
        {
            return (*h, "manifest");
        }
        if let Some(h) = from.dependency_hints.get(&to.name) {
            return (*h, "DependencyAttribute");
        }
        if let Some(h) = to.default_hint {
            return (h, "DefaultDependencyAttribute");
        }
        (LoadHint::Default, "default")
    }
}

/// Whether a manifest hint key (simple or partial display name) names `node`: same simple name
/// (case-insensitive) and every `Key=Value` part present in the node's display name.
fn hint_key_matches(key: &str, node: &AssemblyNode) -> bool {
    let mut parts = key.split(',').map(str::trim);
    let simple = parts.next().unwrap_or("");
    if !simple.eq_ignore_ascii_case(&node.name) {
        return false;
    }
    let full = node.display_name.to_ascii_lowercase().replace(' ', "");
    parts.all(|p| full.contains(&p.to_ascii_lowercase().replace(' ', "")))
}
