//! The outcome of one bind: where the file is, why it was chosen, what version policy applied
//! and every location tried, plus a Fusion-log style account. Plain data; depends on
//! [`crate::name`] and [`crate::config`].

use std::path::PathBuf;

use crate::config::{CodeBase, Location, VersionRange};
use crate::name::{AssemblyName, Version};

/// Why an assembly bound where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum BindReason {
    /// The root assembly itself.
    Root,
    /// Found in the global assembly cache.
    Gac,
    /// Found in Mono's framework directory (or its Facades).
    Framework,
    /// Loaded from the app config's `<codeBase href>`.
    CodeBase,
    /// Probed in the AppBase.
    AppBase,
    /// Probed in a `<probing privatePath>` folder.
    PrivatePath,
}

impl std::fmt::Display for BindReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BindReason::Root => "root",
            BindReason::Gac => "GAC",
            BindReason::Framework => "framework",
            BindReason::CodeBase => "codeBase",
            BindReason::AppBase => "AppBase",
            BindReason::PrivatePath => "privatePath",
        })
    }
}

/// What changed the requested version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RedirectSource {
    /// A `<bindingRedirect>` in the app config.
    AppConfig {
        old_version: VersionRange,
        location: Location,
    },
    /// A publisher policy assembly in the GAC (`policy.<major>.<minor>.<Name>`), applied after
    /// the app config (unless it says `<publisherPolicy apply="no"/>`), as the CLR and Mono do.
    PublisherPolicy {
        path: PathBuf,
        old_version: VersionRange,
    },
    /// A reference to an older framework assembly unified to the installed one (as the
    /// runtime does for mscorlib, System, ...).
    FrameworkUnification,
}

/// A version change applied before probing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedRedirect {
    pub from: Version,
    pub to: Version,
    pub source: RedirectSource,
}

/// The outcome of binding one reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Binding {
    /// The reference as written in the referencing assembly.
    pub reference: AssemblyName,
    /// The file chosen.
    pub path: PathBuf,
    /// The chosen file's full identity.
    pub identity: AssemblyName,
    pub reason: BindReason,
    /// The `privatePath` entry the file was found under (for `PrivatePath`).
    pub private_path: Option<String>,
    /// The version before a redirect or unification (`Some` iff `redirect` is `Some`).
    pub redirected_from: Option<Version>,
    pub redirect: Option<AppliedRedirect>,
    /// The `<codeBase>` used (for `CodeBase`).
    pub code_base: Option<CodeBase>,
    /// Every path tried, in order, including the one chosen.
    pub probed: Vec<PathBuf>,
}

impl Binding {
    /// The decision in the style of the CLR's Fusion log, one step per line: the request, any
    /// redirect, every location tried, and where the assembly was found.
    pub fn log_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("Binding '{}'", self.reference)];
        if let Some(r) = &self.redirect {
            lines.push(match &r.source {
                RedirectSource::AppConfig { location, .. } => format!(
                    "Redirect found in application configuration file (line {}): {} redirected to {}.",
                    location.line, r.from, r.to
                ),
                RedirectSource::PublisherPolicy { path, .. } => format!(
                    "Publisher policy file is found at {}: {} redirected to {}.",
                    path.display(),
                    r.from,
                    r.to
                ),
                RedirectSource::FrameworkUnification => format!(
                    "Framework assembly unified: {} redirected to {}.",
                    r.from, r.to
                ),
            });
        }
        if let Some(c) = &self.code_base {
            lines.push(format!(
                "Using codeBase from the application configuration file: {}",
                c.href
            ));
        }
        for p in &self.probed {
            lines.push(format!("Attempting {}", p.display()));
        }
        lines.push(format!(
            "Bound to '{}' at {} ({}).",
            self.identity,
            self.path.display(),
            self.reason
        ));
        lines
    }
}
