//! Test support: small assembly graphs for the planner's unit tests (fingerprints, hard
//! edges). Only compiled for tests.
//!
//! Depends on: `crate::graph`.

use std::collections::BTreeMap;

use crate::graph::{AssemblyNode, Closure};

/// A version-1.0.0.0 assembly `name` referencing `refs`, with a made-up path and MVID;
/// `mscorlib` is marked framework.
pub(crate) fn node(name: &str, refs: &[&str]) -> AssemblyNode {
    AssemblyNode {
        display_name: format!("{name}, Version=1.0.0.0"),
        name: name.into(),
        version: "1.0.0.0".into(),
        path: format!("/x/{name}.dll").into(),
        mvid: format!("mvid-{name}"),
        framework: name == "mscorlib",
        references: refs
            .iter()
            .map(|r| format!("{r}, Version=1.0.0.0"))
            .collect(),
        binding: Vec::new(),
        dependency_hints: BTreeMap::new(),
        default_hint: None,
    }
}

/// The closure of `nodes`, rooted at the first.
pub(crate) fn closure(nodes: Vec<AssemblyNode>) -> Closure {
    Closure {
        root: nodes[0].display_name.clone(),
        assemblies: nodes
            .into_iter()
            .map(|n| (n.display_name.clone(), n))
            .collect(),
        watched: Default::default(),
    }
}
