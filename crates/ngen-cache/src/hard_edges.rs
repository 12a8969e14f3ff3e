//! Which edges of a closure are hard-bound, and the fingerprints that follow.
//!
//! Ngen hard-binds an image to a dependency's image when the dependency is always loaded
//! with it. Here an edge `from → to` is hard when `to` is a direct reference of `from`, its
//! effective hint ([`Closure::effective_hint`]: manifest, then `DependencyAttribute`, then
//! `DefaultDependencyAttribute`) is `always`, and `to` gets an image in the same plan (same
//! cache, same scenario). The core library is never hard-bound to: the runtime serves some of
//! its methods before its image (managed replacements, icalls), which a direct call would
//! bypass. A hard-bound image's fingerprint covers the fingerprints of the images it binds to
//! ([`fingerprint::with_hard_bindings`]), so those are computed first; a cycle of hard edges
//! is broken by leaving the edge that closes it soft.
//!
//! Depends on graph, fingerprint, filehash and ngen-manifest.

use std::collections::{BTreeMap, BTreeSet};

use ngen_manifest::{LoadHint, Scenario};

use crate::filehash::ContentHash;
use crate::fingerprint::{self, Inputs};
use crate::graph::{AssemblyNode, Closure};

/// The inputs of one image, and the closure keys of the images it is hard-bound to.
#[derive(Debug, Clone)]
pub struct ImageInputs {
    /// Its fingerprint inputs, hard bindings included.
    pub inputs: Inputs,
    /// Display names (closure keys) of the dependencies it is hard-bound to, sorted.
    pub hard: Vec<String>,
}

/// What one closure's fingerprints need besides the closure.
pub struct FingerprintContext<'a> {
    /// Content hashes by display name.
    pub hashes: &'a BTreeMap<String, ContentHash>,
    /// The manifest's hints.
    pub hints: &'a BTreeMap<String, LoadHint>,
    /// The scenario of the images.
    pub scenario: Scenario,
    /// The compiler identity.
    pub compiler: &'a str,
}

/// Whether `node` is the core library, which is never hard-bound to.
fn is_core_library(node: &AssemblyNode) -> bool {
    node.name.eq_ignore_ascii_case("mscorlib")
}

/// The direct dependencies of `node` whose edge is hard, given which nodes get images.
pub fn hard_dependencies<'c>(
    closure: &'c Closure,
    node: &AssemblyNode,
    hints: &BTreeMap<String, LoadHint>,
    has_image: &dyn Fn(&AssemblyNode) -> bool,
) -> Vec<&'c AssemblyNode> {
    node.references
        .iter()
        .filter_map(|r| closure.assemblies.get(r))
        .filter(|to| to.display_name != node.display_name)
        .filter(|to| !is_core_library(to) && has_image(to))
        .filter(|to| closure.effective_hint(node, to, hints).0 == LoadHint::Always)
        .collect()
}

/// The inputs of the image of `key` in `closure`, with the images it is hard-bound to
/// computed first (memoised in `memo`; `visiting` breaks cycles). `None` when an input is
/// missing (a file that could not be hashed).
pub fn image_inputs(
    closure: &Closure,
    key: &str,
    cx: &FingerprintContext<'_>,
    has_image: &dyn Fn(&AssemblyNode) -> bool,
    memo: &mut BTreeMap<String, Option<ImageInputs>>,
) -> Option<ImageInputs> {
    let mut visiting = BTreeSet::new();
    inputs_in(closure, key, cx, has_image, memo, &mut visiting)
}

fn inputs_in(
    closure: &Closure,
    key: &str,
    cx: &FingerprintContext<'_>,
    has_image: &dyn Fn(&AssemblyNode) -> bool,
    memo: &mut BTreeMap<String, Option<ImageInputs>>,
    visiting: &mut BTreeSet<String>,
) -> Option<ImageInputs> {
    if let Some(done) = memo.get(key) {
        return done.clone();
    }
    let node = closure.assemblies.get(key)?;
    visiting.insert(key.to_string());
    let mut hard_fingerprints = BTreeMap::new();
    let mut hard = Vec::new();
    for dep in hard_dependencies(closure, node, cx.hints, has_image) {
        if visiting.contains(&dep.display_name) {
            continue; // closes a cycle: soft
        }
        let Some(dep_inputs) = inputs_in(closure, &dep.display_name, cx, has_image, memo, visiting)
        else {
            continue;
        };
        hard_fingerprints.insert(dep.name.clone(), dep_inputs.inputs.fingerprint.clone());
        hard.push(dep.display_name.clone());
    }
    visiting.remove(key);
    let result = fingerprint::compute(closure, key, cx.hashes, cx.hints, cx.scenario, cx.compiler)
        .map(|inputs| ImageInputs {
            inputs: if hard_fingerprints.is_empty() {
                inputs
            } else {
                fingerprint::with_hard_bindings(inputs, hard_fingerprints)
            },
            hard,
        });
    memo.insert(key.to_string(), result.clone());
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_graphs::{closure, node};

    fn hashes(c: &Closure) -> BTreeMap<String, ContentHash> {
        c.assemblies
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    ContentHash {
                        blake3: format!("hash of {k}"),
                        size: 1,
                    },
                )
            })
            .collect()
    }

    fn inputs_of(c: &Closure, key: &str, hints: &BTreeMap<String, LoadHint>) -> ImageInputs {
        let h = hashes(c);
        let cx = FingerprintContext {
            hashes: &h,
            hints,
            scenario: Scenario::Default,
            compiler: "c1",
        };
        image_inputs(c, key, &cx, &|_| true, &mut BTreeMap::new()).unwrap()
    }

    #[test]
    fn always_edges_are_hard_and_fold_the_dependency_image_in() {
        let mut lib = node("Lib", &["mscorlib"]);
        lib.default_hint = Some(LoadHint::Always);
        let mut corlib = node("mscorlib", &[]);
        corlib.default_hint = Some(LoadHint::Always);
        let c = closure(vec![node("App", &["Lib", "mscorlib"]), lib, corlib]);
        let app = inputs_of(&c, "App, Version=1.0.0.0", &BTreeMap::new());
        // Lib is hard-bound; mscorlib, although `always`, never is.
        assert_eq!(app.hard, vec!["Lib, Version=1.0.0.0".to_string()]);
        let lib = inputs_of(&c, "Lib, Version=1.0.0.0", &BTreeMap::new());
        assert_eq!(app.inputs.hard_bound["Lib"], lib.inputs.fingerprint);
        assert!(lib.hard.is_empty() && lib.inputs.hard_bound.is_empty());
    }

    #[test]
    fn sometimes_and_no_hint_stay_soft_and_keep_their_fingerprint() {
        let c = closure(vec![node("App", &["Lib"]), node("Lib", &[])]);
        let soft = inputs_of(&c, "App, Version=1.0.0.0", &BTreeMap::new());
        assert!(soft.hard.is_empty());
        let plain = fingerprint::compute(
            &c,
            "App, Version=1.0.0.0",
            &hashes(&c),
            &BTreeMap::new(),
            Scenario::Default,
            "c1",
        )
        .unwrap();
        assert_eq!(soft.inputs.fingerprint, plain.fingerprint);
        let mut hints = BTreeMap::new();
        hints.insert("Lib".to_string(), LoadHint::Sometimes);
        assert!(
            inputs_of(&c, "App, Version=1.0.0.0", &hints)
                .hard
                .is_empty()
        );
        hints.insert("Lib".to_string(), LoadHint::Always);
        let hard = inputs_of(&c, "App, Version=1.0.0.0", &hints);
        assert_eq!(hard.hard.len(), 1);
        assert_ne!(hard.inputs.fingerprint, plain.fingerprint);
        assert_eq!(
            fingerprint::diff(&plain, &hard.inputs)
                .iter()
                .map(ToString::to_string)
                .filter(|r| r.contains("hard-bound"))
                .collect::<Vec<_>>(),
            vec!["now hard-bound to the image of Lib".to_string()]
        );
    }

    #[test]
    fn a_cycle_of_hard_edges_is_broken() {
        let mut a = node("A", &["B"]);
        a.default_hint = Some(LoadHint::Always);
        let mut b = node("B", &["A"]);
        b.default_hint = Some(LoadHint::Always);
        let c = closure(vec![a, b]);
        let a = inputs_of(&c, "A, Version=1.0.0.0", &BTreeMap::new());
        assert_eq!(a.hard, vec!["B, Version=1.0.0.0".to_string()]);
    }

    #[test]
    fn no_image_no_hard_edge() {
        let mut lib = node("Lib", &[]);
        lib.default_hint = Some(LoadHint::Always);
        let c = closure(vec![node("App", &["Lib"]), lib]);
        let h = hashes(&c);
        let hints = BTreeMap::new();
        let cx = FingerprintContext {
            hashes: &h,
            hints: &hints,
            scenario: Scenario::Default,
            compiler: "c1",
        };
        let app = image_inputs(
            &c,
            "App, Version=1.0.0.0",
            &cx,
            &|n| n.name == "App",
            &mut BTreeMap::new(),
        )
        .unwrap();
        assert!(app.hard.is_empty());
    }
}
