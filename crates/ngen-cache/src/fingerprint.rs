//! Fingerprints: when is an image dirty, and why.
//!
//! Modelled on Cargo's fingerprint module. Each image (one assembly in one scenario) has a
//! fingerprint: BLAKE3 over a canonical, length-prefixed encoding of its [`Inputs`]:
//!
//! - a format tag (`ngen-build/fingerprint/v1`), the target and the compiler identity
//!   (version and codegen settings), so a new compiler invalidates every image;
//! - the scenario (debug/profile flags);
//! - the assembly itself: display name, MVID and BLAKE3 of its bytes;
//! - the binding configuration that affected it (redirects, codeBase), so a changed
//!   `App.exe.config` invalidates exactly the images whose bindings it changes;
//! - the effective hard-binding hints on its outgoing references;
//! - in the debug scenarios only, the assembly's symbol file (`App.exe.mdb` or `App.pdb`, as
//!   the compiler finds it): its line tables go into the image's DWARF, so new symbols with the
//!   same assembly (an edited comment, `mcs -debug` re-run with a pinned MVID) must rebuild it;
//! - every assembly it depends on, directly or transitively (cycles included), with the same
//!   per-assembly digest. A change anywhere below an image therefore invalidates it, as Ngen's
//!   "exact identity of any assemblies the assembly references" rule requires, without the
//!   dependency having to be compiled first.
//!
//! The inputs are stored as `inputs.json` next to the image, so when a fingerprint differs
//! [`diff`] can name the field that changed: `dependency MyLib changed (mvid a → b)`,
//! `redirect for MyLib changed`, `compiler changed`. Like Cargo's `.json` sidecar, the JSON is
//! used only for explanations; the hash decides. Depends on graph, filehash and ngen-manifest.

use std::collections::BTreeMap;

use ngen_manifest::{LoadHint, Scenario};
use serde::{Deserialize, Serialize};

use crate::filehash::ContentHash;
use crate::graph::{AssemblyNode, BindingInput, Closure};

/// Format tag hashed first; bump when the encoding changes.
pub const FORMAT: &str = "ngen-build/fingerprint/v1";

/// The target images are built for.
pub fn target() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// The identity of one assembly as a fingerprint input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblyInput {
    /// Simple name.
    pub name: String,
    /// Full display name.
    pub display_name: String,
    /// MVID.
    pub mvid: String,
    /// BLAKE3 of the file.
    pub blake3: String,
    /// Size of the file.
    pub size: u64,
    /// Configuration inputs that affected its binding, sorted.
    pub binding: Vec<BindingInput>,
    /// Effective hints on its references: dependency simple name → hint, sorted.
    pub hints: BTreeMap<String, HintInput>,
}

/// An effective hint and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HintInput {
    /// The hint.
    pub hint: LoadHint,
    /// "manifest", "DependencyAttribute", "DefaultDependencyAttribute" or "default".
    pub source: String,
}

/// Everything an image's fingerprint covers; stored as `inputs.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// [`FORMAT`].
    pub format: String,
    /// Full hex fingerprint of these inputs.
    pub fingerprint: String,
    /// Target, e.g. `x86_64-linux`.
    pub target: String,
    /// Compiler identity.
    pub compiler: String,
    /// Scenario.
    pub scenario: Scenario,
    /// The assembly compiled.
    pub assembly: AssemblyInput,
    /// Every transitive dependency, sorted by display name.
    pub dependencies: Vec<AssemblyInput>,
    /// The assembly's symbol file, in the debug scenarios (absent otherwise, and absent from
    /// the `inputs.json` of older caches, which then read as "no symbols").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<SymbolsInput>,
    /// The images it is hard-bound to: dependency simple name → that image's fingerprint
    /// (absent for a soft-bound image, whose fingerprint stays what it was).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hard_bound: BTreeMap<String, String>,
}

/// A symbol file as a fingerprint input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolsInput {
    /// Its file name (not its path: the cache must not depend on where the app lives).
    pub file: String,
    /// BLAKE3 of its bytes, or `unreadable` when it exists but cannot be read (the compiler
    /// then builds without lines, and a later readable file rebuilds the image).
    pub blake3: String,
}

impl Inputs {
    /// The first 16 hex digits: the image directory name and the `fingerprint` file.
    pub fn short(&self) -> &str {
        self.fingerprint.get(..16).unwrap_or(&self.fingerprint)
    }
}

/// Computes the inputs (and fingerprint) of `key`'s image in `closure`.
pub fn compute(
    closure: &Closure,
    key: &str,
    hashes: &BTreeMap<String, ContentHash>,
    manifest_hints: &BTreeMap<String, LoadHint>,
    scenario: Scenario,
    compiler: &str,
) -> Option<Inputs> {
    let node = closure.assemblies.get(key)?;
    let assembly = assembly_input(closure, node, hashes, manifest_hints)?;
    let mut dependencies = Vec::new();
    for dep in closure.transitive_dependencies(key) {
        let d = closure.assemblies.get(&dep)?;
        dependencies.push(assembly_input(closure, d, hashes, manifest_hints)?);
    }
    let mut inputs = Inputs {
        format: FORMAT.to_string(),
        fingerprint: String::new(),
        target: target(),
        compiler: compiler.to_string(),
        scenario,
        assembly,
        dependencies,
        symbols: if scenario.debug() {
            symbols_input(&node.path)
        } else {
            None
        },
        hard_bound: BTreeMap::new(),
    };
    inputs.fingerprint = digest(&inputs);
    Some(inputs)
}

/// `inputs` of an image hard-bound to the images in `hard` (dependency simple name → its
/// image's fingerprint), with the fingerprint recomputed: such an image is valid only with
/// exactly those images, so anything that rebuilds one of them rebuilds it too (the
/// dependency's symbols in the debug scenario, which no other input covers, included).
pub fn with_hard_bindings(mut inputs: Inputs, hard: BTreeMap<String, String>) -> Inputs {
    inputs.hard_bound = hard;
    inputs.fingerprint = digest(&inputs);
    inputs
}

/// The symbol file the compiler reads for `assembly`, where `ngen_symbols::SymbolFile::find_for`
/// looks: `App.exe.mdb` (Mono's, as `mcs -debug` writes it), then `App.pdb` (portable PDB).
fn symbols_input(assembly: &std::path::Path) -> Option<SymbolsInput> {
    let mut mdb = assembly.as_os_str().to_owned();
    mdb.push(".mdb");
    let candidates = [
        std::path::PathBuf::from(mdb),
        assembly.with_extension("pdb"),
    ];
    let path = candidates.into_iter().find(|p| p.is_file())?;
    let file = path.file_name()?.to_string_lossy().into_owned();
    let blake3 = match std::fs::read(&path) {
        Ok(bytes) => blake3::hash(&bytes).to_hex().to_string(),
        Err(_) => "unreadable".to_string(),
    };
    Some(SymbolsInput { file, blake3 })
}

fn assembly_input(
    closure: &Closure,
    node: &AssemblyNode,
    hashes: &BTreeMap<String, ContentHash>,
    manifest_hints: &BTreeMap<String, LoadHint>,
) -> Option<AssemblyInput> {
    let content = hashes.get(&node.display_name)?;
    let mut binding = node.binding.clone();
    binding.sort();
    binding.dedup();
    let mut hints = BTreeMap::new();
    for r in &node.references {
        if let Some(to) = closure.assemblies.get(r) {
            let (hint, source) = closure.effective_hint(node, to, manifest_hints);
            hints.insert(
                to.name.clone(),
                HintInput {
                    hint,
                    source: source.to_string(),
                },
            );
        }
    }
    Some(AssemblyInput {
        name: node.name.clone(),
        display_name: node.display_name.clone(),
        mvid: node.mvid.clone(),
        blake3: content.blake3.clone(),
        size: content.size,
        binding,
        hints,
    })
}

/// Length-prefixed canonical encoding, so no two different input sets hash alike.
struct Encoder(blake3::Hasher);

impl Encoder {
    fn field(&mut self, tag: &str, value: &str) {
        for part in [tag, value] {
            self.0.update(&(part.len() as u64).to_le_bytes());
            self.0.update(part.as_bytes());
        }
    }

    fn assembly(&mut self, tag: &str, a: &AssemblyInput) {
        self.field(tag, &a.display_name);
        self.field("mvid", &a.mvid);
        self.field("blake3", &a.blake3);
        self.field("size", &a.size.to_string());
        for b in &a.binding {
            self.field("binding.subject", &b.subject);
            self.field("binding.kind", &b.kind);
            self.field("binding.value", &b.value);
        }
        for (dep, h) in &a.hints {
            // The source is explanation only; the effective hint is what matters.
            self.field("hint", dep);
            self.field("hint.value", h.hint.as_str());
        }
        self.field("end", "");
    }
}

/// The fingerprint of `inputs` (its `fingerprint` field is ignored).
pub fn digest(inputs: &Inputs) -> String {
    let mut e = Encoder(blake3::Hasher::new());
    e.field("format", &inputs.format);
    e.field("target", &inputs.target);
    e.field("compiler", &inputs.compiler);
    e.field("scenario", inputs.scenario.as_str());
    e.assembly("assembly", &inputs.assembly);
    e.field("dependencies", &inputs.dependencies.len().to_string());
    for d in &inputs.dependencies {
        e.assembly("dependency", d);
    }
    // Hashed only when present, so images without symbols keep their fingerprints.
    if let Some(symbols) = &inputs.symbols {
        e.field("symbols", &symbols.file);
        e.field("symbols.blake3", &symbols.blake3);
    }
    // Likewise only for hard-bound images.
    for (name, fingerprint) in &inputs.hard_bound {
        e.field("hard-bound", name);
        e.field("hard-bound.fingerprint", fingerprint);
    }
    e.0.finalize().to_hex().to_string()
}

/// Why an image must be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DirtyReason {
    /// No image was ever built for this assembly in this scenario.
    NeverBuilt,
    /// The fingerprint matches but the image files are missing or damaged.
    ImageMissing {
        /// What is wrong.
        detail: String,
    },
    /// The compiler (version or codegen settings) changed.
    CompilerChanged {
        /// Previous identity.
        old: String,
        /// Current identity.
        new: String,
    },
    /// The target changed.
    TargetChanged {
        /// Previous target.
        old: String,
        /// Current target.
        new: String,
    },
    /// The fingerprint format changed.
    FormatChanged,
    /// The assembly itself changed.
    AssemblyChanged {
        /// Its name.
        name: String,
        /// What changed.
        detail: String,
    },
    /// A dependency (direct or transitive) changed.
    DependencyChanged {
        /// Its name.
        name: String,
        /// What changed.
        detail: String,
    },
    /// A dependency appeared.
    DependencyAdded {
        /// Its display name.
        name: String,
    },
    /// A dependency disappeared.
    DependencyRemoved {
        /// Its display name.
        name: String,
    },
    /// The configuration that binds an assembly changed (redirect, codeBase, ...).
    BindingChanged {
        /// The assembly whose binding changed.
        name: String,
        /// The kinds of input that changed, e.g. "redirect".
        kinds: Vec<String>,
    },
    /// The assembly's symbol file (debug scenarios) appeared, disappeared or changed.
    SymbolsChanged {
        /// The assembly.
        name: String,
        /// What changed.
        detail: String,
    },
    /// The image of a dependency it is hard-bound to changed, or the binding appeared or
    /// went away.
    HardBindingChanged {
        /// The dependency's simple name.
        name: String,
        /// The fingerprint of the image it was bound to, if it was hard-bound.
        old: Option<String>,
        /// The fingerprint of the image it is bound to now, if it is hard-bound.
        new: Option<String>,
    },
    /// A hard-binding hint changed.
    HintChanged {
        /// The referencing assembly.
        from: String,
        /// The dependency.
        to: String,
        /// Previous hint, if any.
        old: Option<LoadHint>,
        /// Current hint, if any.
        new: Option<LoadHint>,
    },
}

impl std::fmt::Display for DirtyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = |h: &Option<LoadHint>| h.map(|h| h.as_str()).unwrap_or("none");
        match self {
            DirtyReason::NeverBuilt => write!(f, "no image built yet"),
            DirtyReason::ImageMissing { detail } => write!(f, "image missing ({detail})"),
            DirtyReason::CompilerChanged { old, new } => {
                // Name only the settings that differ: identities are long.
                let (o, n): (Vec<&str>, Vec<&str>) = (
                    old.split_whitespace().collect(),
                    new.split_whitespace().collect(),
                );
                let only = |a: &[&str], b: &[&str]| {
                    a.iter()
                        .filter(|t| !b.contains(t))
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let (gone, came) = (only(&o, &n), only(&n, &o));
                if gone.is_empty() && came.is_empty() {
                    write!(f, "compiler changed ({old} → {new})")
                } else {
                    write!(f, "compiler changed ({gone} → {came})")
                }
            }
            DirtyReason::TargetChanged { old, new } => write!(f, "target changed ({old} → {new})"),
            DirtyReason::FormatChanged => write!(f, "fingerprint format changed"),
            DirtyReason::AssemblyChanged { name, detail } => write!(f, "{name} changed ({detail})"),
            DirtyReason::DependencyChanged { name, detail } => {
                write!(f, "dependency {name} changed ({detail})")
            }
            DirtyReason::DependencyAdded { name } => write!(f, "new dependency {name}"),
            DirtyReason::DependencyRemoved { name } => write!(f, "dependency {name} removed"),
            DirtyReason::BindingChanged { name, kinds } => {
                write!(f, "{} for {name} changed", kinds.join("/"))
            }
            DirtyReason::SymbolsChanged { name, detail } => {
                write!(f, "symbols of {name} changed ({detail})")
            }
            DirtyReason::HardBindingChanged { name, old, new } => match (old, new) {
                (Some(old), Some(new)) => write!(
                    f,
                    "the image of {name} it is hard-bound to changed ({} → {})",
                    short(old),
                    short(new)
                ),
                (None, _) => write!(f, "now hard-bound to the image of {name}"),
                (Some(_), None) => write!(f, "no longer hard-bound to the image of {name}"),
            },
            DirtyReason::HintChanged { from, to, old, new } => write!(
                f,
                "hint of {from} for {to} changed ({} → {})",
                hint(old),
                hint(new)
            ),
        }
    }
}

/// Names what changed between the inputs of the previous image and the current ones.
/// Returns an empty list when the fingerprints are equal.
pub fn diff(old: &Inputs, new: &Inputs) -> Vec<DirtyReason> {
    if old.fingerprint == new.fingerprint {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    if old.format != new.format {
        reasons.push(DirtyReason::FormatChanged);
    }
    if old.compiler != new.compiler {
        reasons.push(DirtyReason::CompilerChanged {
            old: old.compiler.clone(),
            new: new.compiler.clone(),
        });
    }
    if old.target != new.target {
        reasons.push(DirtyReason::TargetChanged {
            old: old.target.clone(),
            new: new.target.clone(),
        });
    }
    assembly_diff(&old.assembly, &new.assembly, false, &mut reasons);
    if old.symbols != new.symbols {
        let describe = |s: &Option<SymbolsInput>| match s {
            Some(s) => format!("{} {}", s.file, short(&s.blake3)),
            None => "none".to_string(),
        };
        reasons.push(DirtyReason::SymbolsChanged {
            name: new.assembly.name.clone(),
            detail: format!("{} → {}", describe(&old.symbols), describe(&new.symbols)),
        });
    }
    let old_deps: BTreeMap<&str, &AssemblyInput> = old
        .dependencies
        .iter()
        .map(|d| (d.name.as_str(), d))
        .collect();
    let new_deps: BTreeMap<&str, &AssemblyInput> = new
        .dependencies
        .iter()
        .map(|d| (d.name.as_str(), d))
        .collect();
    for (name, n) in &new_deps {
        match old_deps.get(name) {
            Some(o) => assembly_diff(o, n, true, &mut reasons),
            None => reasons.push(DirtyReason::DependencyAdded {
                name: n.display_name.clone(),
            }),
        }
    }
    for (name, o) in &old_deps {
        if !new_deps.contains_key(name) {
            reasons.push(DirtyReason::DependencyRemoved {
                name: o.display_name.clone(),
            });
        }
    }
    let hard_names: std::collections::BTreeSet<&String> =
        old.hard_bound.keys().chain(new.hard_bound.keys()).collect();
    for name in hard_names {
        let (o, n) = (old.hard_bound.get(name), new.hard_bound.get(name));
        if o != n {
            reasons.push(DirtyReason::HardBindingChanged {
                name: name.clone(),
                old: o.cloned(),
                new: n.cloned(),
            });
        }
    }
    if reasons.is_empty() {
        reasons.push(DirtyReason::AssemblyChanged {
            name: new.assembly.name.clone(),
            detail: format!(
                "fingerprint {} → {}",
                old.fingerprint.get(..16).unwrap_or(""),
                new.fingerprint.get(..16).unwrap_or("")
            ),
        });
    }
    reasons
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
}

fn assembly_diff(
    old: &AssemblyInput,
    new: &AssemblyInput,
    is_dep: bool,
    out: &mut Vec<DirtyReason>,
) {
    let changed = |detail: String| {
        if is_dep {
            DirtyReason::DependencyChanged {
                name: new.name.clone(),
                detail,
            }
        } else {
            DirtyReason::AssemblyChanged {
                name: new.name.clone(),
                detail,
            }
        }
    };
    if old.mvid != new.mvid {
        out.push(changed(format!("mvid {} → {}", old.mvid, new.mvid)));
    } else if old.blake3 != new.blake3 {
        out.push(changed(format!(
            "content {} → {}, same mvid",
            short(&old.blake3),
            short(&new.blake3)
        )));
    } else if old.display_name != new.display_name {
        out.push(changed(format!(
            "{} → {}",
            old.display_name, new.display_name
        )));
    }
    if old.binding != new.binding {
        let mut kinds: Vec<String> = old
            .binding
            .iter()
            .filter(|b| !new.binding.contains(b))
            .chain(new.binding.iter().filter(|b| !old.binding.contains(b)))
            .map(|b| b.kind.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        out.push(DirtyReason::BindingChanged {
            name: new.name.clone(),
            kinds,
        });
    }
    if old.hints != new.hints {
        let keys: std::collections::BTreeSet<&String> =
            old.hints.keys().chain(new.hints.keys()).collect();
        for k in keys {
            let (o, n) = (
                old.hints.get(k).map(|h| h.hint),
                new.hints.get(k).map(|h| h.hint),
            );
            if o != n && o.is_some() && n.is_some() {
                out.push(DirtyReason::HintChanged {
                    from: new.name.clone(),
                    to: k.clone(),
                    old: o,
                    new: n,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_graphs::{closure, node};
    use std::collections::BTreeSet;

    fn hashes(c: &Closure, changed: &str) -> BTreeMap<String, ContentHash> {
        c.assemblies
            .values()
            .map(|n| {
                let content = if n.name == changed { "changed" } else { "orig" };
                (
                    n.display_name.clone(),
                    ContentHash {
                        blake3: format!("{content}-{}", n.name),
                        size: 1,
                    },
                )
            })
            .collect()
    }

    fn fp(c: &Closure, name: &str, h: &BTreeMap<String, ContentHash>, compiler: &str) -> Inputs {
        compute(
            c,
            &format!("{name}, Version=1.0.0.0"),
            h,
            &BTreeMap::new(),
            Scenario::Default,
            compiler,
        )
        .unwrap()
    }

    #[test]
    fn change_below_invalidates_everything_above_and_nothing_else() {
        // App -> Mid -> Leaf, App -> Other; cycle Leaf <-> Leaf2.
        let c = closure(vec![
            node("App", &["Mid", "Other"]),
            node("Mid", &["Leaf"]),
            node("Leaf", &["Leaf2"]),
            node("Leaf2", &["Leaf"]),
            node("Other", &[]),
        ]);
        let before = hashes(&c, "");
        let after = hashes(&c, "Leaf2");
        let dirty: BTreeSet<&str> = ["App", "Mid", "Leaf", "Leaf2", "Other"]
            .into_iter()
            .filter(|n| fp(&c, n, &before, "c1").fingerprint != fp(&c, n, &after, "c1").fingerprint)
            .collect();
        assert_eq!(dirty, BTreeSet::from(["App", "Mid", "Leaf", "Leaf2"]));
        let reasons = diff(&fp(&c, "App", &before, "c1"), &fp(&c, "App", &after, "c1"));
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0]
                .to_string()
                .starts_with("dependency Leaf2 changed (content"),
            "{}",
            reasons[0]
        );
    }

    #[test]
    fn compiler_binding_and_hints_are_named() {
        let mut c = closure(vec![node("App", &["Lib"]), node("Lib", &[])]);
        let h = hashes(&c, "");
        let old = fp(&c, "App", &h, "c1");
        assert_eq!(
            diff(&old, &fp(&c, "App", &h, "c2"))[0].to_string(),
            "compiler changed (c1 → c2)"
        );
        let a = fp(&c, "App", &h, "ngen-compiler 0.1.0 opt=speed build 1234");
        let b = fp(&c, "App", &h, "ngen-compiler 0.1.0 opt=speed build 5678");
        assert_eq!(
            diff(&a, &b)[0].to_string(),
            "compiler changed (1234 → 5678)"
        );
        if let Some(lib) = c.assemblies.get_mut("Lib, Version=1.0.0.0") {
            lib.binding.push(BindingInput {
                subject: "Lib".into(),
                kind: "redirect".into(),
                value: "1.0.0.0 -> 1.0.0.0".into(),
            });
        }
        let new = fp(&c, "App", &h, "c1");
        assert_eq!(diff(&old, &new)[0].to_string(), "redirect for Lib changed");
        let mut hints = BTreeMap::new();
        hints.insert("Lib".to_string(), LoadHint::Always);
        let hinted = compute(
            &c,
            "App, Version=1.0.0.0",
            &h,
            &hints,
            Scenario::Default,
            "c1",
        )
        .unwrap();
        assert_eq!(
            diff(&new, &hinted)[0].to_string(),
            "hint of App for Lib changed (default → always)"
        );
        assert!(diff(&hinted, &hinted).is_empty());
    }

    #[test]
    fn debug_images_depend_on_the_symbol_file_and_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = node("App", &[]);
        app.path = dir.path().join("App.exe");
        std::fs::write(&app.path, b"MZ").unwrap();
        let c = closure(vec![app]);
        let h = hashes(&c, "");
        let key = "App, Version=1.0.0.0";
        let at = |scenario| compute(&c, key, &h, &BTreeMap::new(), scenario, "c1").unwrap();
        let (plain, debug) = (at(Scenario::Default), at(Scenario::Debug));
        assert_eq!(debug.symbols, None);
        std::fs::write(dir.path().join("App.exe.mdb"), b"lines v1").unwrap();
        // A default image does not read the symbols: same fingerprint.
        assert_eq!(plain.fingerprint, at(Scenario::Default).fingerprint);
        let with_mdb = at(Scenario::Debug);
        assert_eq!(with_mdb.symbols.as_ref().unwrap().file, "App.exe.mdb");
        assert!(
            diff(&debug, &with_mdb)[0]
                .to_string()
                .starts_with("symbols of App changed (none → App.exe.mdb "),
            "{:?}",
            diff(&debug, &with_mdb)
        );
        std::fs::write(dir.path().join("App.exe.mdb"), b"lines v2").unwrap();
        let edited = at(Scenario::DebugProfile);
        assert_ne!(edited.fingerprint, at(Scenario::Profile).fingerprint);
        assert_ne!(at(Scenario::Debug).fingerprint, with_mdb.fingerprint);
        // The JSON of a cache written before symbols were an input still reads.
        let mut json = serde_json::to_value(&plain).unwrap();
        json.as_object_mut().unwrap().remove("symbols");
        let old: Inputs = serde_json::from_value(json).unwrap();
        assert_eq!(old, plain);
    }

    #[test]
    fn manifest_hint_wins_over_attributes() {
        let mut app = node("App", &["Lib"]);
        app.dependency_hints
            .insert("Lib".into(), LoadHint::Sometimes);
        let mut lib = node("Lib", &[]);
        lib.default_hint = Some(LoadHint::Always);
        let c = closure(vec![app, lib]);
        let (a, l) = (
            &c.assemblies["App, Version=1.0.0.0"],
            &c.assemblies["Lib, Version=1.0.0.0"],
        );
        assert_eq!(
            c.effective_hint(a, l, &BTreeMap::new()),
            (LoadHint::Sometimes, "DependencyAttribute")
        );
        let m = BTreeMap::from([("Lib, Version=1.0.0.0".to_string(), LoadHint::Default)]);
        assert_eq!(c.effective_hint(a, l, &m), (LoadHint::Default, "manifest"));
        let m = BTreeMap::from([("Lib, Version=2.0.0.0".to_string(), LoadHint::Default)]);
        assert_eq!(c.effective_hint(a, l, &m).1, "DependencyAttribute");
    }

    #[test]
    fn scenario_changes_fingerprint() {
        let c = closure(vec![node("App", &[])]);
        let h = hashes(&c, "");
        let d = compute(
            &c,
            "App, Version=1.0.0.0",
            &h,
            &BTreeMap::new(),
            Scenario::Default,
            "c",
        )
        .unwrap();
        let g = compute(
            &c,
            "App, Version=1.0.0.0",
            &h,
            &BTreeMap::new(),
            Scenario::Debug,
            "c",
        )
        .unwrap();
        assert_ne!(d.fingerprint, g.fingerprint);
        assert_eq!(d.short().len(), 16);
    }
}
