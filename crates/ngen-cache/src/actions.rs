//! Ngen's actions as pure functions over an [`Index`]: which roots an `uninstall` removes,
//! what `display` prints. Building images is the engine's job; reference counts fall out of
//! [`Index::normalise`] (an image stays while any root lists it; a root is removed only
//! explicitly).
//!
//! Scenario rules as in Ngen: without `/Debug`/`/Profile`, uninstall removes every scenario of
//! a root; with them, exactly that scenario, so `uninstall App /debug` leaves `debug+profile`.
//!
//! An `uninstall` also cancels the queued `install`s it names (as Ngen does), so the service
//! never runs an install whose files the package manager has since removed.
//!
//! A display name selects as the loader binds, except that a version it gives always counts,
//! strong name or not.
//!
//! Depends on [`crate::index`], [`crate::queue`] (its data only) and [`crate::error`], ngen-manifest (scenarios) and ngen-binder
//! (name matching); no file-system access.

use std::path::Path;

use ngen_binder::AssemblyName;
use ngen_manifest::Scenario;

use crate::error::{CacheError, Result};
use crate::index::{Index, RootKey, RootRecord};
use crate::queue::{QueueState, QueuedAction};

/// How a command names an assembly: `*`, a path, or a (partial) display name.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Every root (`uninstall *`).
    All,
    /// A file (made absolute).
    Path(String),
    /// A full or partial display name.
    Name(AssemblyName),
}

impl Selector {
    /// Parses a command-line argument: `*`, an existing file or anything with a path
    /// separator or `.exe`/`.dll` extension is a path; everything else a display name.
    pub fn parse(arg: &str) -> Result<Selector> {
        if arg == "*" {
            return Ok(Selector::All);
        }
        let lower = arg.to_ascii_lowercase();
        let looks_like_path = arg.contains('/')
            || ((lower.ends_with(".exe") || lower.ends_with(".dll")) && !arg.contains(','))
            || Path::new(arg).is_file();
        if looks_like_path {
            let abs = std::path::absolute(arg)
                .map_err(|e| CacheError::Usage(format!("bad path {arg}: {e}")))?;
            return Ok(Selector::Path(abs.to_string_lossy().into_owned()));
        }
        AssemblyName::parse(arg).map(Selector::Name).map_err(|e| {
            CacheError::Usage(format!(
                "`{arg}` is not a path or an assembly display name: {e}"
            ))
        })
    }

    /// Whether a root record matches.
    pub fn matches_root(&self, root: &RootRecord) -> bool {
        match self {
            Selector::All => true,
            Selector::Path(p) => root.key.root == *p,
            Selector::Name(n) => {
                name_matches(n, &root.assembly)
                    || AssemblyName::parse(&root.key.root).is_ok_and(|r| selects(n, &r))
            }
        }
    }

    /// Whether a queued install's root (an absolute path or a display name, as `install`
    /// queued it) is named. The file may be gone, so a name matches a path by its file name
    /// without extension, and then only when the name gives no version, culture or key.
    pub fn matches_queued_root(&self, root: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::Path(p) => root == p,
            Selector::Name(n) => {
                if let Ok(queued) = AssemblyName::parse(root)
                    && !root.contains('/')
                {
                    return selects(n, &queued);
                }
                let stem = Path::new(root).file_stem().and_then(|s| s.to_str());
                let bare =
                    n.version.is_none() && n.culture.is_none() && n.public_key_token.is_none();
                bare && stem.is_some_and(|s| s.eq_ignore_ascii_case(&n.name))
            }
        }
    }

    /// Whether an assembly display name matches (paths match the roots installed from them).
    pub fn matches_assembly(&self, display_name: &str, index: &Index) -> bool {
        match self {
            Selector::All => true,
            Selector::Name(n) => name_matches(n, display_name),
            Selector::Path(_) => index
                .roots
                .iter()
                .any(|r| self.matches_root(r) && r.assembly == display_name),
        }
    }
}

fn name_matches(pattern: &AssemblyName, display_name: &str) -> bool {
    AssemblyName::parse(display_name).is_ok_and(|d| selects(pattern, &d))
}

/// Whether a command's (partial) display name names an assembly: the loader's rules, except
/// that a version given must be the assembly's even without a strong name (the loader ignores
/// versions of simply-named assemblies; `uninstall "X, Version=9.9.9.9"` must not remove X
/// 4.2.0.0).
fn selects(pattern: &AssemblyName, definition: &AssemblyName) -> bool {
    pattern.matches(definition)
        && pattern
            .version
            .is_none_or(|v| definition.version == Some(v))
}

/// Which roots `uninstall` removes.
#[derive(Debug, Clone)]
pub struct UninstallRequest {
    /// The assembly.
    pub selector: Selector,
    /// `Some(s)`: only scenario `s`; `None`: every scenario.
    pub scenario: Option<Scenario>,
    /// `/ExeConfig` as installed, when given.
    pub exe_config: Option<String>,
    /// `/AppBase` as installed, when given.
    pub app_base: Option<String>,
}

/// The keys of the roots an uninstall removes.
pub fn roots_to_uninstall(index: &Index, req: &UninstallRequest) -> Vec<RootKey> {
    index
        .roots
        .iter()
        .filter(|r| req.selector.matches_root(r))
        .filter(|r| req.scenario.is_none_or(|s| r.key.scenario == s))
        .filter(|r| req.exe_config.is_none() || r.key.exe_config == req.exe_config)
        .filter(|r| req.app_base.is_none() || r.key.app_base == req.app_base)
        .map(|r| r.key.clone())
        .collect()
}

/// The sequence numbers of the queued `install`s an uninstall cancels: those whose root the
/// selector names (a path exactly; a name by display name, or by file name for a queued path)
/// in the requested scenario, `/ExeConfig` and `/AppBase`.
pub fn queued_installs_to_cancel(queue: &QueueState, req: &UninstallRequest) -> Vec<u64> {
    queue
        .items
        .iter()
        .filter(|item| match &item.action {
            QueuedAction::Install {
                root,
                scenario,
                exe_config,
                app_base,
                ..
            } => {
                req.selector.matches_queued_root(root)
                    && req.scenario.is_none_or(|s| *scenario == s)
                    && same_path(&req.exe_config, exe_config)
                    && same_path(&req.app_base, app_base)
            }
            QueuedAction::Update => false,
        })
        .map(|item| item.seq)
        .collect()
}

/// An unset request field matches anything; a set one must equal the queued path.
fn same_path(requested: &Option<String>, queued: &Option<std::path::PathBuf>) -> bool {
    requested.as_ref().is_none_or(|r| {
        queued
            .as_ref()
            .is_some_and(|q| q.to_string_lossy() == r.as_str())
    })
}

fn root_line(r: &RootRecord) -> String {
    let mut s = r.key.root.clone();
    if r.key.scenario != Scenario::Default {
        s.push_str(&format!(" ({})", r.key.scenario));
    }
    if let Some(c) = &r.key.exe_config {
        s.push_str(&format!(" /ExeConfig:{c}"));
    }
    if let Some(a) = &r.key.app_base {
        s.push_str(&format!(" /AppBase:{a}"));
    }
    s
}

/// Ngen's `display`: the roots, then the native images, then (for a given assembly) the
/// roots that depend on it.
pub fn display(index: &Index, filter: Option<&Selector>) -> String {
    let mut out = String::new();
    out.push_str("NGEN Roots:\n\n");
    for r in &index.roots {
        if filter.is_none_or(|f| f.matches_root(r)) {
            out.push_str(&root_line(r));
            out.push('\n');
        }
    }
    out.push_str("\nNative Images:\n\n");
    let mut last = "";
    let mut images: Vec<_> = index.images.iter().collect();
    images.sort_by(|a, b| {
        (a.assembly.to_lowercase(), a.scenario, &a.dir).cmp(&(
            b.assembly.to_lowercase(),
            b.scenario,
            &b.dir,
        ))
    });
    for img in images {
        if filter.is_some_and(|f| !f.matches_assembly(&img.assembly, index)) {
            continue;
        }
        if img.assembly != last {
            out.push_str(&img.assembly);
            out.push('\n');
            last = &img.assembly;
        }
        out.push_str(&format!(
            "  {:<14} {} (roots: {}, methods {}/{})\n",
            img.scenario.as_str(),
            img.dir,
            img.references,
            img.methods_compiled,
            img.methods_compiled + img.methods_excluded
        ));
    }
    if let Some(f) = filter {
        let target = match f {
            Selector::All => "*".to_string(),
            Selector::Path(p) => p.clone(),
            Selector::Name(n) => n.to_string(),
        };
        out.push_str(&format!("\nNGEN Roots that depend on \"{target}\":\n\n"));
        for r in &index.roots {
            if r.closure.iter().any(|a| f.matches_assembly(a, index)) {
                out.push_str(&root_line(r));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(arg: &str, display_name: &str) -> bool {
        Selector::parse(arg)
            .unwrap()
            .matches_assembly(display_name, &Index::default())
    }

    #[test]
    fn a_version_given_must_match_even_without_a_strong_name() {
        let unsigned = "Tool, Version=4.2.0.0, Culture=neutral, PublicKeyToken=null";
        assert!(select("Tool", unsigned));
        assert!(select("Tool, Version=4.2.0.0", unsigned));
        assert!(!select("Tool, Version=9.9.9.9", unsigned));
        let signed = "Lib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=f181aad948abdde8";
        assert!(!select("Lib, Version=2.0.0.0", signed));
        assert!(select("lib, Culture=neutral", signed));
    }
}
