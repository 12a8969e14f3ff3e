//! Why a bind failed. Messages follow the CLR's wording ("Could not load file or assembly
//! ...", "The located assembly's manifest definition does not match the assembly reference"),
//! then say who asked, what redirect applied and every path probed. Depends on
//! [`crate::binding`], [`crate::config`], [`crate::manifest`], [`crate::name`].

use std::path::PathBuf;

use crate::binding::{AppliedRedirect, RedirectSource};
use crate::config::{ConfigError, Location};
use crate::manifest::ManifestError;
use crate::name::{AssemblyName, Mismatch};

/// Why a bind failed. Messages follow the CLR's wording, then say who asked and what was tried.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("cannot read the root assembly {}: {}", path.display(), source.message)]
    Root {
        path: PathBuf,
        #[source]
        source: ManifestError,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the AppBase {} is not a directory", path.display())]
    AppBase { path: PathBuf },
    #[error(
        "Could not load file or assembly '{reference}' or one of its dependencies. The system cannot find the file specified.\n  referenced by: {requested_by}{}\n  probed:{}",
        redirect_note(redirect),
        probed_list(probed)
    )]
    NotFound {
        reference: Box<AssemblyName>,
        requested_by: Box<AssemblyName>,
        redirect: Option<Box<AppliedRedirect>>,
        probed: Vec<PathBuf>,
    },
    #[error(
        "Could not load file or assembly '{reference}' or one of its dependencies. The located assembly's manifest definition does not match the assembly reference. (Exception from HRESULT: 0x80131040)\n  referenced by: {requested_by}{}\n  located: {} is '{found}' (mismatch: {mismatch})\n  probed:{}",
        redirect_note(redirect),
        path.display(),
        probed_list(probed)
    )]
    ManifestMismatch {
        reference: Box<AssemblyName>,
        requested_by: Box<AssemblyName>,
        redirect: Option<Box<AppliedRedirect>>,
        path: PathBuf,
        found: Box<AssemblyName>,
        mismatch: Mismatch,
        probed: Vec<PathBuf>,
    },
    #[error(
        "Could not load file or assembly '{reference}': {} is not a readable assembly: {}\n  referenced by: {requested_by}",
        path.display(),
        source.message
    )]
    BadImage {
        reference: Box<AssemblyName>,
        requested_by: Box<AssemblyName>,
        path: PathBuf,
        #[source]
        source: ManifestError,
    },
    #[error(
        "<codeBase href={href:?}> for '{reference}' ({location}) is not usable: {reason}\n  referenced by: {requested_by}"
    )]
    BadCodeBase {
        reference: Box<AssemblyName>,
        requested_by: Box<AssemblyName>,
        href: String,
        location: Location,
        reason: &'static str,
    },
    #[error("the dependency closure is incomplete: {} references could not be bound\n{}", failures.len(), failure_list(failures))]
    Incomplete { failures: Vec<BindError> },
}

fn redirect_note(redirect: &Option<Box<AppliedRedirect>>) -> String {
    match redirect {
        None => String::new(),
        Some(r) => format!(
            "\n  redirected: {} -> {} ({})",
            r.from,
            r.to,
            match &r.source {
                RedirectSource::AppConfig { location, .. } =>
                    format!("bindingRedirect at config line {}", location.line),
                RedirectSource::PublisherPolicy { path, .. } =>
                    format!("publisher policy {}", path.display()),
                RedirectSource::FrameworkUnification => "framework unification".to_string(),
            }
        ),
    }
}

fn probed_list(probed: &[PathBuf]) -> String {
    if probed.is_empty() {
        return " (nothing)".to_string();
    }
    probed
        .iter()
        .map(|p| format!("\n    {}", p.display()))
        .collect()
}

fn failure_list(failures: &[BindError]) -> String {
    failures
        .iter()
        .enumerate()
        .map(|(i, f)| format!("[{}] {f}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

impl BindError {
    /// The config file position this error points at, if any (for diagnostics).
    pub fn config_location(&self) -> Option<Location> {
        match self {
            BindError::Config(c) => c.location().map(|(_, l)| l),
            BindError::BadCodeBase { location, .. } => Some(*location),
            BindError::NotFound { redirect, .. } | BindError::ManifestMismatch { redirect, .. } => {
                match redirect.as_deref() {
                    Some(AppliedRedirect {
                        source: RedirectSource::AppConfig { location, .. },
                        ..
                    }) => Some(*location),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
