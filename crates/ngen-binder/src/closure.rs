//! The dependency closure of a root: every assembly it needs, transitively, each with the
//! binding decision that picked its file, who referenced it and its hard-binding hints.
//!
//! Breadth-first from the root, references in AssemblyRef table order, so the walk (and the
//! "first binding wins" record of why a file was chosen) is deterministic; the result is then
//! sorted by name. Every unresolved reference is collected, so one run reports them all.
//! Also checks what users otherwise only find at run time: the same assembly in two versions,
//! and simply-named references whose version the loader silently ignored.
//! Depends on [`crate::binder`], [`crate::manifest`], [`crate::name`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::binder::{AppliedRedirect, BindError, BindReason, Binder, Binding, RedirectSource};
use crate::config::{CodeBase, ConfigWarning};
use crate::manifest::{DependencyHint, LoadHint, Manifest, Mvid};
use crate::name::{AssemblyName, ProcessorArchitecture, Version};

/// One assembly of the closure and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BoundAssembly {
    /// The file's full identity.
    pub name: AssemblyName,
    pub path: PathBuf,
    pub mvid: Mvid,
    pub reason: BindReason,
    /// The `privatePath` entry it was found under.
    pub private_path: Option<String>,
    /// The referenced version before a redirect/unification, for the first reference bound here.
    pub redirected_from: Option<Version>,
    pub redirect: Option<AppliedRedirect>,
    pub code_base: Option<CodeBase>,
    /// Paths tried for the first reference bound here.
    pub probed: Vec<PathBuf>,
    /// The distinct references (as written) that bound to this file.
    pub requested_as: Vec<AssemblyName>,
    /// This assembly's own AssemblyRefs, in table order.
    pub references: Vec<AssemblyName>,
    /// Identities of the assemblies that reference it (sorted).
    pub referenced_by: Vec<AssemblyName>,
    /// `[assembly: Dependency(...)]` hints declared by this assembly.
    pub hints: Vec<DependencyHint>,
    /// `[assembly: DefaultDependency(...)]` of this assembly.
    pub default_dependency: Option<LoadHint>,
    pub processor_architecture: Option<ProcessorArchitecture>,
    /// The app-config inputs that affect this binding (see [`Binder::config_fingerprint_inputs`]).
    pub config_inputs: Vec<String>,
}

/// Something in the closure that binds but will likely misbehave at run time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClosureWarning {
    /// The app config has something the CLR ignores.
    Config { warning: ConfigWarning },
    /// Two different files with the same simple name (and culture) are both in the closure.
    VersionConflict {
        name: String,
        versions: Vec<(AssemblyName, PathBuf)>,
    },
    /// A simply-named reference asked for one version and bound another (the loader does not
    /// check versions of assemblies without a strong name).
    VersionIgnored {
        reference: AssemblyName,
        requested_by: AssemblyName,
        bound: AssemblyName,
    },
    /// A reference to a newer framework assembly than the installed one was bound to the
    /// installed one (as Mono does for facades): members added later will be missing.
    NewerThanInstalled {
        reference: AssemblyName,
        requested_by: AssemblyName,
        installed: Version,
    },
    /// A `DependencyAttribute` hint names an assembly that is not in the closure.
    HintNotInClosure {
        assembly: AssemblyName,
        hint: DependencyHint,
    },
}

impl fmt::Display for ClosureWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClosureWarning::Config { warning } => write!(f, "config {warning}"),
            ClosureWarning::VersionConflict { name, versions } => {
                write!(
                    f,
                    "{name} is in the closure in {} versions:",
                    versions.len()
                )?;
                for (id, path) in versions {
                    write!(f, " '{id}' ({})", path.display())?;
                }
                Ok(())
            }
            ClosureWarning::VersionIgnored {
                reference,
                requested_by,
                bound,
            } => write!(
                f,
                "'{requested_by}' references '{reference}' but got '{bound}': versions of assemblies without a strong name are not checked, so missing members fail only at run time"
            ),
            ClosureWarning::NewerThanInstalled {
                reference,
                requested_by,
                installed,
            } => write!(
                f,
                "'{requested_by}' references '{reference}', newer than the installed {installed}; it was bound to the installed version, so newer members fail at run time"
            ),
            ClosureWarning::HintNotInClosure { assembly, hint } => write!(
                f,
                "'{assembly}' has [Dependency(\"{}\", LoadHint.{})] but no such assembly is in the closure",
                hint.assembly, hint.load_hint
            ),
        }
    }
}

/// The resolved closure of a root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Closure {
    pub root: BoundAssembly,
    /// Everything else, sorted by name (case-insensitive), then version, then path.
    pub assemblies: Vec<BoundAssembly>,
    pub warnings: Vec<ClosureWarning>,
}

impl Closure {
    /// The root, then the other assemblies.
    pub fn all(&self) -> impl Iterator<Item = &BoundAssembly> {
        std::iter::once(&self.root).chain(self.assemblies.iter())
    }

    /// The first assembly whose identity matches the (possibly partial) `name`.
    pub fn find(&self, name: &AssemblyName) -> Option<&BoundAssembly> {
        self.all().find(|a| name.matches(&a.name))
    }

    /// Paths of every assembly in the closure, root first.
    pub fn paths(&self) -> Vec<&Path> {
        self.all().map(|a| a.path.as_path()).collect()
    }

    /// Every assembly with its dependencies before it (depth-first post-order from the root,
    /// references in table order; a cycle is cut where it closes), root last. Deterministic:
    /// a build order for tools that want dependencies compiled first.
    pub fn dependency_order(&self) -> Vec<&BoundAssembly> {
        let all: Vec<&BoundAssembly> = self.all().collect();
        let mut bound_to: HashMap<&AssemblyName, usize> = HashMap::new();
        for (i, a) in all.iter().enumerate() {
            for r in &a.requested_as {
                bound_to.insert(r, i);
            }
        }
        let mut state = vec![0u8; all.len()]; // 0 new, 1 on the stack, 2 done
        let mut order = Vec::with_capacity(all.len());
        // Iterative DFS: (assembly, next reference to look at).
        let mut stack = vec![(0usize, 0usize)];
        state[0] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let refs = &all[node].references;
            if let Some(r) = refs.get(*next) {
                *next += 1;
                if let Some(&dep) = bound_to.get(r)
                    && state[dep] == 0
                {
                    state[dep] = 1;
                    stack.push((dep, 0));
                }
            } else {
                state[node] = 2;
                order.push(all[node]);
                stack.pop();
            }
        }
        order
    }
}

struct Node {
    binding: Binding,
    manifest: Arc<Manifest>,
    requested_as: Vec<AssemblyName>,
    referenced_by: Vec<AssemblyName>,
}

fn file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Binder {
    /// Binds the root's references transitively.
    pub fn closure(&self) -> Result<Closure, BindError> {
        let mut nodes: Vec<Node> = Vec::new();
        let mut by_file: HashMap<PathBuf, usize> = HashMap::new();
        let mut memo: HashMap<String, Option<usize>> = HashMap::new();
        let mut failures: Vec<BindError> = Vec::new();
        let mut warnings: Vec<ClosureWarning> = self
            .exe_config()
            .warnings
            .iter()
            .cloned()
            .map(|warning| ClosureWarning::Config { warning })
            .collect();

        let root_manifest = Arc::new(self.root().clone());
        nodes.push(Node {
            binding: self.root_binding(),
            manifest: root_manifest,
            requested_as: Vec::new(),
            referenced_by: Vec::new(),
        });
        by_file.insert(file_key(self.root_path()), 0);
        let mut queue = VecDeque::from([0usize]);

        while let Some(index) = queue.pop_front() {
            let requester = nodes[index].manifest.identity.clone();
            let references = nodes[index].manifest.references.clone();
            for reference in references {
                let memo_key = reference.to_string();
                let target = match memo.get(&memo_key) {
                    Some(t) => *t,
                    None => {
                        let t = match self.bind(&reference, &requester) {
                            Ok(binding) => {
                                if let Some(r) = &binding.redirect
                                    && r.source == RedirectSource::FrameworkUnification
                                    && r.to < r.from
                                    && !reference.same_simple_name("mscorlib")
                                {
                                    warnings.push(ClosureWarning::NewerThanInstalled {
                                        reference: reference.clone(),
                                        requested_by: requester.clone(),
                                        installed: r.to,
                                    });
                                }
                                let key = file_key(&binding.path);
                                match by_file.get(&key) {
                                    Some(&existing) => Some(existing),
                                    None => match self.manifest(&binding.path) {
                                        Ok(manifest) => {
                                            nodes.push(Node {
                                                binding,
                                                manifest,
                                                requested_as: Vec::new(),
                                                referenced_by: Vec::new(),
                                            });
                                            let new = nodes.len() - 1;
                                            by_file.insert(key, new);
                                            queue.push_back(new);
                                            Some(new)
                                        }
                                        // `bind` already read it successfully; keep going.
                                        Err(_) => None,
                                    },
                                }
                            }
                            Err(e) => {
                                failures.push(e);
                                None
                            }
                        };
                        memo.insert(memo_key, t);
                        t
                    }
                };
                let Some(t) = target else { continue };
                let node = &mut nodes[t];
                if !node.requested_as.contains(&reference) {
                    node.requested_as.push(reference.clone());
                }
                if !node.referenced_by.contains(&requester) {
                    node.referenced_by.push(requester.clone());
                }
                if !reference.is_strong_named()
                    && reference.version.is_some()
                    && reference.version != node.manifest.identity.version
                {
                    warnings.push(ClosureWarning::VersionIgnored {
                        reference: reference.clone(),
                        requested_by: requester.clone(),
                        bound: node.manifest.identity.clone(),
                    });
                }
            }
        }

        if !failures.is_empty() {
            return Err(if failures.len() == 1 {
                failures.remove(0)
            } else {
                BindError::Incomplete { failures }
            });
        }

        let mut bound: Vec<BoundAssembly> = nodes.into_iter().map(|n| self.bound(n)).collect();
        let root = bound.remove(0);
        bound.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
        warnings.extend(version_conflicts(&root, &bound));
        warnings.extend(dangling_hints(&root, &bound));
        Ok(Closure {
            root,
            assemblies: bound,
            warnings,
        })
    }

    fn bound(&self, node: Node) -> BoundAssembly {
        let mut referenced_by = node.referenced_by;
        referenced_by.sort();
        let identity = node.manifest.identity.clone();
        let mut config_inputs = self.config_fingerprint_inputs(&identity);
        if let Some(AppliedRedirect {
            source: RedirectSource::PublisherPolicy { path, old_version },
            to,
            ..
        }) = &node.binding.redirect
        {
            config_inputs.push(format!(
                "publisherPolicy {} {old_version} -> {to}",
                path.display()
            ));
        }
        BoundAssembly {
            config_inputs,
            name: identity,
            path: node.binding.path,
            mvid: node.manifest.mvid,
            reason: node.binding.reason,
            private_path: node.binding.private_path,
            redirected_from: node.binding.redirected_from,
            redirect: node.binding.redirect,
            code_base: node.binding.code_base,
            probed: node.binding.probed,
            requested_as: node.requested_as,
            references: node.manifest.references.clone(),
            referenced_by,
            hints: node.manifest.hints.clone(),
            default_dependency: node.manifest.default_dependency,
            processor_architecture: node.manifest.processor_architecture,
        }
    }
}

fn version_conflicts(root: &BoundAssembly, rest: &[BoundAssembly]) -> Vec<ClosureWarning> {
    let mut groups: BTreeMap<(String, String), Vec<(AssemblyName, PathBuf)>> = BTreeMap::new();
    for a in std::iter::once(root).chain(rest) {
        let culture = a.name.culture_or_neutral().to_string().to_lowercase();
        groups
            .entry((a.name.key(), culture))
            .or_default()
            .push((a.name.clone(), a.path.clone()));
    }
    groups
        .into_values()
        .filter(|v| v.len() > 1)
        .map(|versions| ClosureWarning::VersionConflict {
            name: versions[0].0.name.clone(),
            versions,
        })
        .collect()
}

fn dangling_hints(root: &BoundAssembly, rest: &[BoundAssembly]) -> Vec<ClosureWarning> {
    let all: Vec<&BoundAssembly> = std::iter::once(root).chain(rest).collect();
    let mut out = Vec::new();
    for a in &all {
        for hint in &a.hints {
            // The framework's own hints are written `"System,"`: accept a trailing comma.
            let text = hint.assembly.trim().trim_end_matches(',');
            let Ok(wanted) = AssemblyName::parse(text) else {
                out.push(ClosureWarning::HintNotInClosure {
                    assembly: a.name.clone(),
                    hint: hint.clone(),
                });
                continue;
            };
            if !all.iter().any(|b| b.name.same_simple_name(&wanted.name)) {
                out.push(ClosureWarning::HintNotInClosure {
                    assembly: a.name.clone(),
                    hint: hint.clone(),
                });
            }
        }
    }
    out
}
