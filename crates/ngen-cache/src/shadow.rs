//! App-local assemblies the GAC shadows (issue 10, item 7): an application ships `Foo.dll`
//! next to its `.exe`, but the loader binds the reference to a strong-named `Foo` in the GAC
//! first (the CLR's order: GAC, then the application base). The shipped file never loads, so
//! it gets no image, and a user who expected one is told why instead of finding nothing.
//!
//! The model: after resolution, every assembly of a closure bound from the framework or a GAC
//! (the framework's, or one of `MONO_GAC_PREFIX`, recognised by Mono's GAC layout) is looked for where the loader would have probed the application base for it
//! (`<base>/<Name>.dll`, `<base>/<Name>/<Name>.dll`, and `.exe`). Each file found is reported
//! with the copy that loads instead.
//!
//! Depends on [`crate::graph`] and [`crate::resolve`] (the root's source) only.

use std::path::{Path, PathBuf};

use crate::graph::Closure;
use crate::resolve::{RootAssemblySource, RootSource};

/// An app-local file that the GAC (or the framework directory) shadows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShadowedAssembly {
    /// Display name of the assembly that loads.
    pub display_name: String,
    /// The app-local file that does not load.
    pub local: PathBuf,
    /// Where the loader binds it instead.
    pub bound: PathBuf,
}

impl std::fmt::Display for ShadowedAssembly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is shadowed by the GAC: {} binds to {}, so that copy loads and the app-local \
             file gets no image",
            self.local.display(),
            self.display_name,
            self.bound.display()
        )
    }
}

/// The app-local files of `closure`'s GAC-bound assemblies, for a root resolved from `source`.
pub fn gac_shadowed(closure: &Closure, source: &RootSource) -> Vec<ShadowedAssembly> {
    let Some(app_base) = app_base(closure, source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let from_gac = |a: &&crate::graph::AssemblyNode| a.framework || in_gac_layout(&a.path, &a.name);
    for node in closure.assemblies.values().filter(from_gac) {
        let candidates = ["dll", "exe"].into_iter().flat_map(|ext| {
            let file = format!("{}.{ext}", node.name);
            [app_base.join(&file), app_base.join(&node.name).join(&file)]
        });
        out.extend(
            candidates
                .filter(|p| p.is_file())
                .map(|local| ShadowedAssembly {
                    display_name: node.display_name.clone(),
                    local,
                    bound: node.path.clone(),
                }),
        );
    }
    out
}

/// Whether `path` is `<gac>/<Name>/<version>_<culture>_<token>/<Name>.dll`, Mono's GAC layout
/// (the framework's GAC or one from `MONO_GAC_PREFIX`).
fn in_gac_layout(path: &Path, name: &str) -> bool {
    let dir = path.parent();
    let version_dir = dir.and_then(Path::file_name).map(|n| n.to_string_lossy());
    let name_dir = dir
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy());
    version_dir.is_some_and(|v| v.contains("__") || v.matches('_').count() >= 2)
        && name_dir.is_some_and(|n| n.eq_ignore_ascii_case(name))
}

/// `/AppBase`, else the root assembly's directory (none for a root named from the GAC).
fn app_base(closure: &Closure, source: &RootSource) -> Option<PathBuf> {
    if let Some(base) = &source.app_base {
        return Some(base.clone());
    }
    match &source.assembly {
        RootAssemblySource::Path(p) => p.parent().map(Path::to_path_buf),
        RootAssemblySource::Name(_) => closure
            .assemblies
            .get(&closure.root)
            .filter(|root| !root.framework)
            .and_then(|root| root.path.parent().map(Path::to_path_buf)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_gac_paths_are_recognised() {
        let gac = Path::new("/p/gac/lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll");
        assert!(in_gac_layout(gac, "Checksum"));
        assert!(!in_gac_layout(Path::new("/app/Checksum.dll"), "Checksum"));
        assert!(!in_gac_layout(
            Path::new("/app/bin/Checksum.dll"),
            "Checksum"
        ));
    }
}
