//! From a root (path or display name, with its binding configuration) to a [`Closure`], using
//! ngen-binder exactly as the loader would. The only module that talks to the binder.
//!
//! Depends on ngen-binder, [`crate::graph`] and [`crate::error`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ngen_binder::{AssemblyName, BindReason, Binder, BinderConfig, BoundAssembly};
use ngen_manifest::LoadHint;

use crate::error::{CacheError, Result};
use crate::graph::{AssemblyNode, BindingInput, Closure};

/// What to resolve: a root and the configuration to bind it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootSource {
    /// A file path (absolute) or a display name.
    pub assembly: RootAssemblySource,
    /// `/ExeConfig`.
    pub exe_config: Option<PathBuf>,
    /// `/AppBase`.
    pub app_base: Option<PathBuf>,
    /// Framework directory override.
    pub framework_dir: Option<PathBuf>,
    /// Extra GAC roots searched first (the manifest's `gac-dirs`).
    pub gac_dirs: Vec<PathBuf>,
}

/// A root given by file or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootAssemblySource {
    /// An assembly file.
    Path(PathBuf),
    /// A display name to look up in the GAC or the framework directory.
    Name(String),
}

/// Finds the file of a root given by display name, as the binder does (extra GACs and
/// `MONO_GAC_PREFIX`, the framework's GAC, then the framework directory).
pub fn locate_by_name(name: &str, framework_dir: Option<&Path>) -> Result<PathBuf> {
    locate_in(name, framework_dir, &[])
}

/// [`locate_by_name`], searching `gac_dirs` first.
pub fn locate_in(
    name: &str,
    framework_dir: Option<&Path>,
    gac_dirs: &[PathBuf],
) -> Result<PathBuf> {
    let fail = |message: String| CacheError::Resolve {
        root: name.to_string(),
        message,
    };
    let parsed = AssemblyName::parse(name).map_err(|e| fail(e.to_string()))?;
    let config = BinderConfig {
        framework_dir: framework_dir.map(Path::to_path_buf),
        extra_gacs: gac_dirs.to_vec(),
        ..BinderConfig::default()
    };
    ngen_binder::locate_with_config(&parsed, &config)
        .map(|located| located.path)
        .map_err(|e| fail(e.to_string()))
}

/// Resolves a root's closure.
pub fn resolve(source: &RootSource) -> Result<Closure> {
    let (path, label) = match &source.assembly {
        RootAssemblySource::Path(p) => (p.clone(), p.display().to_string()),
        RootAssemblySource::Name(n) => (
            locate_in(n, source.framework_dir.as_deref(), &source.gac_dirs)?,
            n.clone(),
        ),
    };
    let config = BinderConfig {
        app_base: source.app_base.clone(),
        exe_config: source.exe_config.clone(),
        framework_dir: source.framework_dir.clone(),
        extra_gacs: source.gac_dirs.clone(),
        ..BinderConfig::default()
    };
    let fail = |message: String| CacheError::Resolve {
        root: label.clone(),
        message,
    };
    let binder = Binder::new(&path, config).map_err(|e| fail(e.to_string()))?;
    let closure = binder.closure().map_err(|e| fail(e.to_string()))?;
    // Only the framework's own directory and GAC count as "framework", and in that GAC only
    // the assemblies of the framework profile (those the framework directory lists). An extra
    // GAC (MONO_GAC_PREFIX, e.g. the app's own strong-named components) and a third-party
    // library a package installed into the framework's GAC (NUnit, Mono.Cecil) are compiled
    // like the app, as Ngen compiles an app's dependencies.
    let fw = source
        .framework_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(ngen_binder::probe::DEFAULT_FRAMEWORK_DIR));
    let framework_gac = fw
        .parent()
        .map(|p| p.join("gac"))
        .unwrap_or_else(|| fw.join("gac"));
    let mut converted = convert(&closure, &fw, &framework_gac);
    // What the binding depended on: every file read, every probe that found nothing, and the
    // config file (or the default `<root>.config` that would be read if it appeared).
    let watched = &mut converted.watched;
    watched.files.insert(path.clone());
    let default_config = PathBuf::from(format!("{}.config", path.display()));
    for p in [
        source.exe_config.clone(),
        binder.config_path().map(Path::to_path_buf),
        Some(default_config),
    ]
    .into_iter()
    .flatten()
    {
        if p.is_file() {
            watched.files.insert(p);
        } else {
            watched.absent.insert(p);
        }
    }
    for a in closure.all() {
        watched.files.insert(a.path.clone());
        for p in &a.probed {
            if !p.exists() {
                watched.absent.insert(p.clone());
            }
        }
    }
    Ok(converted)
}

/// `closure` as the planner's graph; `framework_dir` and `framework_gac` decide which of its
/// assemblies are the framework's (see [`is_framework`]).
fn convert(closure: &ngen_binder::Closure, framework_dir: &Path, framework_gac: &Path) -> Closure {
    let key = |n: &AssemblyName| n.to_string();
    // Each root as given and canonicalised, computed once rather than per assembly.
    let framework_roots: Vec<(PathBuf, PathBuf)> = [framework_dir, framework_gac]
        .iter()
        .map(|r| {
            (
                r.to_path_buf(),
                std::fs::canonicalize(r).unwrap_or_else(|_| r.to_path_buf()),
            )
        })
        .collect();
    let mut assemblies = BTreeMap::new();
    for a in closure.all() {
        let framework = is_framework(
            &a.name.name,
            a.reason,
            &a.path,
            &framework_roots,
            framework_dir,
        );
        assemblies.insert(key(&a.name), node(a, framework));
    }
    // Edges from `referenced_by`: the binder records, for each file, who bound to it.
    for a in closure.all() {
        for by in &a.referenced_by {
            if let Some(n) = assemblies.get_mut(&key(by)) {
                n.references.insert(key(&a.name));
            }
        }
    }
    Closure {
        root: key(&closure.root.name),
        assemblies,
        watched: Default::default(),
    }
}

fn node(a: &BoundAssembly, framework: bool) -> AssemblyNode {
    AssemblyNode {
        display_name: a.name.to_string(),
        name: a.name.name.clone(),
        version: a
            .name
            .version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "0.0.0.0".into()),
        path: a.path.clone(),
        mvid: a.mvid.to_string(),
        framework,
        references: BTreeSet::new(),
        binding: a
            .config_inputs
            .iter()
            .map(|s| binding_input(&a.name.name, s))
            .collect(),
        dependency_hints: a
            .hints
            .iter()
            .map(|h| {
                let simple = h
                    .assembly
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                (simple, hint(h.load_hint))
            })
            .collect(),
        default_hint: a.default_dependency.map(hint),
    }
}

/// Whether `a` is part of the framework (fingerprinted, compiled only with
/// `compile-framework`): bound from the framework directory or GAC (`framework_roots`), and
/// of the framework's profile, which the framework directory lists (`<Name>.dll`, or under
/// `Facades/`; mono's packages link each profile assembly there from the GAC). A library
/// another package installed into the same GAC is not, so it gets an image with the app.
fn is_framework(
    name: &str,
    reason: BindReason,
    path: &Path,
    framework_roots: &[(PathBuf, PathBuf)],
    framework_dir: &Path,
) -> bool {
    let in_profile = || {
        let file = format!("{name}.dll");
        framework_dir.join(&file).is_file() || framework_dir.join("Facades").join(&file).is_file()
    };
    matches!(reason, BindReason::Gac | BindReason::Framework)
        && within_any(path, framework_roots)
        && (reason == BindReason::Framework || in_profile())
}

/// Whether `path` lies under one of `roots`, each given as (as written, canonicalised).
fn within_any(path: &Path, roots: &[(PathBuf, PathBuf)]) -> bool {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    roots
        .iter()
        .any(|(r, rc)| path.starts_with(r) || canonical.starts_with(rc))
}

fn hint(h: ngen_binder::LoadHint) -> LoadHint {
    match h {
        ngen_binder::LoadHint::Default => LoadHint::Default,
        ngen_binder::LoadHint::Always => LoadHint::Always,
        ngen_binder::LoadHint::Sometimes => LoadHint::Sometimes,
    }
}

/// `"bindingRedirect mylib token=* culture=* 1.0.0.0 -> 2.0.0.0"` → kind "redirect".
fn binding_input(subject: &str, text: &str) -> BindingInput {
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let kind = match first {
        "bindingRedirect" => "redirect",
        other => other,
    };
    BindingInput {
        subject: subject.to_string(),
        kind: kind.to_string(),
        value: rest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A framework directory whose GAC holds `Widget` 4.0.0.0 and 10.0.0.0; returns
    /// (temp dir, framework dir).
    fn framework_with_two_widgets() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let framework = dir.path().join("4.5");
        std::fs::create_dir_all(&framework).unwrap();
        for version in ["4.0.0.0", "10.0.0.0"] {
            let entry = dir
                .path()
                .join("gac/Widget")
                .join(format!("{version}__0123456789abcdef"));
            std::fs::create_dir_all(&entry).unwrap();
            std::fs::write(entry.join("Widget.dll"), version).unwrap();
        }
        (dir, framework)
    }

    #[test]
    fn only_the_framework_profile_of_the_framework_gac_is_framework() {
        let (dir, framework) = framework_with_two_widgets();
        let gac = dir.path().join("gac");
        // The profile lists System (as mono's packages link it); Widget is a library another
        // package put into the same GAC.
        let system = gac.join("System/4.0.0.0__b77a5c561934e089/System.dll");
        std::fs::create_dir_all(system.parent().unwrap()).unwrap();
        std::fs::write(&system, "").unwrap();
        std::fs::write(framework.join("System.dll"), "").unwrap();
        std::fs::create_dir_all(framework.join("Facades")).unwrap();
        std::fs::write(framework.join("Facades/System.Runtime.dll"), "").unwrap();
        let roots = [
            (framework.clone(), framework.clone()),
            (gac.clone(), gac.clone()),
        ];
        let widget = gac.join("Widget/4.0.0.0__0123456789abcdef/Widget.dll");
        let framework_of =
            |name: &str, reason, path: &Path| is_framework(name, reason, path, &roots, &framework);
        assert!(framework_of("System", BindReason::Gac, &system));
        assert!(!framework_of("Widget", BindReason::Gac, &widget));
        assert!(framework_of(
            "System.Runtime",
            BindReason::Framework,
            &framework.join("Facades/System.Runtime.dll")
        ));
        // Outside the framework's directories (an extra GAC, the app): never framework.
        let elsewhere = dir
            .path()
            .join("extra/gac/System/4.0.0.0__b77a5c561934e089/System.dll");
        assert!(!framework_of("System", BindReason::Gac, &elsewhere));
        assert!(!framework_of(
            "System",
            BindReason::AppBase,
            &framework.join("System.dll")
        ));
    }

    #[test]
    fn partial_name_picks_the_numerically_highest_gac_version() {
        // As text, "10.0.0.0_…" sorts below "4.0.0.0_…"; the binder orders versions by number.
        let (_dir, framework) = framework_with_two_widgets();
        let found = locate_by_name("Widget", Some(&framework)).unwrap();
        assert_eq!(std::fs::read_to_string(found).unwrap(), "10.0.0.0");
    }

    #[test]
    fn a_given_version_is_located_exactly() {
        let (_dir, framework) = framework_with_two_widgets();
        let found = locate_by_name("Widget, Version=4.0.0.0", Some(&framework)).unwrap();
        assert_eq!(std::fs::read_to_string(found).unwrap(), "4.0.0.0");
        assert!(locate_by_name("Widget, Version=5.0.0.0", Some(&framework)).is_err());
    }
}
