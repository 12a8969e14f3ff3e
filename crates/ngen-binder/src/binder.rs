//! Binding one reference to one file, as the CLR loader does.
//!
//! Order for a reference (after the app config's `bindingRedirect`, or framework
//! unification, picks the version): strong-named → GAC, then the framework directory;
//! then the config's `codeBase` (and nothing else, if one is given); then AppBase probing
//! ([`crate::probe::appbase_candidates`]). The first file found must match the reference
//! (name, culture, token, and version for strong names) or the bind fails with the CLR's
//! "manifest definition does not match" error. Every path tried is recorded.
//! Depends on [`crate::name`], [`crate::config`], [`crate::probe`], [`crate::manifest`],
//! [`crate::binding`] and [`crate::error`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use crate::binding::{AppliedRedirect, BindReason, Binding, RedirectSource};
pub use crate::error::BindError;

use crate::config::{BindingRedirect, CodeBase, ExeConfig};
use crate::manifest::{Manifest, ManifestError, ManifestReader};
use crate::name::AssemblyName;
use crate::probe::{self, ProbeSite};

/// Where the binder looks, besides the root's own directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinderConfig {
    /// The AppBase; default: the directory of `exe_config` when given, else the root's.
    pub app_base: Option<PathBuf>,
    /// The app configuration file, or the .exe whose `.config` to use (Ngen's `/ExeConfig`);
    /// default: `<root>.config` when it exists.
    pub exe_config: Option<PathBuf>,
    /// Mono's framework directory; default [`probe::DEFAULT_FRAMEWORK_DIR`].
    pub framework_dir: Option<PathBuf>,
    /// The GAC root; default `<framework_dir>/../gac`.
    pub gac_dir: Option<PathBuf>,
    /// More GAC roots (same layout), searched before `gac_dir`.
    pub extra_gacs: Vec<PathBuf>,
    /// Do not read `MONO_GAC_PREFIX`. By default, as Mono does, `<prefix>/lib/mono/gac` for
    /// each `:`-separated prefix is searched after `extra_gacs` and before `gac_dir`, so the
    /// binder sees the same GAC as `mono` run in the same environment.
    pub ignore_mono_gac_prefix: bool,
}

impl BinderConfig {
    /// The framework directory in effect.
    pub fn effective_framework_dir(&self) -> PathBuf {
        self.framework_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(probe::DEFAULT_FRAMEWORK_DIR))
    }

    /// The GAC roots in search order: `extra_gacs`, `$MONO_GAC_PREFIX/lib/mono/gac` (unless
    /// ignored), then `gac_dir` or `<framework>/../gac`.
    pub fn effective_gac_dirs(&self) -> Vec<PathBuf> {
        let framework = self.effective_framework_dir();
        let default = self.gac_dir.clone().unwrap_or_else(|| {
            framework
                .parent()
                .map(|p| p.join("gac"))
                .unwrap_or_else(|| framework.join("gac"))
        });
        let from_env = match std::env::var("MONO_GAC_PREFIX") {
            Ok(value) if !self.ignore_mono_gac_prefix => crate::gac::mono_gac_prefix_dirs(&value),
            _ => Vec::new(),
        };
        self.extra_gacs
            .iter()
            .cloned()
            .chain(from_env)
            .chain(std::iter::once(default))
            .collect()
    }
}

type CachedManifest = Result<Arc<Manifest>, Arc<ManifestError>>;

/// Resolves references for one application (root + AppBase + config).
pub struct Binder {
    root_path: PathBuf,
    root: Arc<Manifest>,
    app_base: PathBuf,
    config: ExeConfig,
    config_path: Option<PathBuf>,
    framework_dir: PathBuf,
    gac_dir: PathBuf,
    extra_gacs: Vec<PathBuf>,
    reader: Box<dyn ManifestReader>,
    cache: Mutex<HashMap<PathBuf, CachedManifest>>,
}

impl std::fmt::Debug for Binder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binder")
            .field("root_path", &self.root_path)
            .field("app_base", &self.app_base)
            .field("config_path", &self.config_path)
            .field("framework_dir", &self.framework_dir)
            .field("gac_dir", &self.gac_dir)
            .finish_non_exhaustive()
    }
}

impl Binder {
    /// A binder for `root`, reading assemblies with ngen-metadata.
    pub fn new(root: &Path, config: BinderConfig) -> Result<Binder, BindError> {
        Self::with_reader(
            root,
            config,
            Box::new(crate::metadata_reader::MetadataReader),
        )
    }

    /// A binder reading manifests through `reader` (tests use in-memory fakes).
    pub fn with_reader(
        root: &Path,
        config: BinderConfig,
        reader: Box<dyn ManifestReader>,
    ) -> Result<Binder, BindError> {
        let root_path = root.to_path_buf();
        let root_manifest = reader.read(root).map_err(|source| BindError::Root {
            path: root_path.clone(),
            source,
        })?;
        let root_dir = parent_dir(root);
        let config_path = match &config.exe_config {
            // `/ExeConfig:App.exe` with no App.exe.config: App.exe's directory, no config.
            Some(p) if !is_config_file(p) && !config_file_for(p).is_file() && p.is_file() => None,
            Some(p) => Some(config_file_for(p)),
            None => {
                let default = PathBuf::from(format!("{}.config", root.display()));
                default.is_file().then_some(default)
            }
        };
        let exe_config = match &config_path {
            Some(p) => ExeConfig::load(p)?,
            None => ExeConfig::default(),
        };
        let app_base = match (&config.app_base, &config.exe_config) {
            (Some(a), _) => a.clone(),
            (None, Some(given)) => parent_dir(config_path.as_deref().unwrap_or(given)),
            (None, None) => root_dir,
        };
        if !app_base.is_dir() {
            return Err(BindError::AppBase { path: app_base });
        }
        let framework_dir = config.effective_framework_dir();
        let mut gacs = config.effective_gac_dirs();
        let gac_dir = gacs.pop().unwrap_or_else(|| framework_dir.join("../gac"));
        let root_arc = Arc::new(root_manifest);
        let mut cache = HashMap::new();
        cache.insert(root_path.clone(), Ok(root_arc.clone()));
        Ok(Binder {
            root_path,
            root: root_arc,
            app_base,
            config: exe_config,
            config_path,
            framework_dir,
            gac_dir,
            extra_gacs: gacs,
            reader,
            cache: Mutex::new(cache),
        })
    }

    pub fn root_path(&self) -> &Path {
        &self.root_path
    }

    pub fn root(&self) -> &Manifest {
        &self.root
    }

    pub fn app_base(&self) -> &Path {
        &self.app_base
    }

    /// The config file in effect, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    pub fn exe_config(&self) -> &ExeConfig {
        &self.config
    }

    pub fn framework_dir(&self) -> &Path {
        &self.framework_dir
    }

    pub fn gac_dir(&self) -> &Path {
        &self.gac_dir
    }

    /// Every GAC root, in search order (extra ones first).
    pub fn gac_dirs(&self) -> impl Iterator<Item = &Path> {
        self.extra_gacs
            .iter()
            .map(PathBuf::as_path)
            .chain(std::iter::once(self.gac_dir.as_path()))
    }

    /// Reads (once) the manifest of `path`.
    pub fn manifest(&self, path: &Path) -> Result<Arc<Manifest>, Arc<ManifestError>> {
        if let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.get(path)
        {
            return hit.clone();
        }
        let result = self.reader.read(path).map(Arc::new).map_err(Arc::new);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_path_buf(), result.clone());
        }
        result
    }

    /// The config inputs that can affect how `name` binds, as canonical strings (sorted, no
    /// file positions) for the build tool's fingerprints: matching `<dependentAssembly>`
    /// redirects and codeBases, and the privatePath list.
    pub fn config_fingerprint_inputs(&self, name: &AssemblyName) -> Vec<String> {
        let mut out = Vec::new();
        for dep in self.config.dependent_assemblies_for(name) {
            let who = format!(
                "{} token={} culture={}",
                dep.name.to_lowercase(),
                dep.public_key_token
                    .map(|t| t.to_hex())
                    .unwrap_or_else(|| "*".into()),
                dep.culture
                    .as_ref()
                    .map(|c| c.to_string().to_lowercase())
                    .unwrap_or_else(|| "*".into())
            );
            for r in &dep.redirects {
                out.push(format!(
                    "bindingRedirect {who} {} -> {}",
                    r.old_version, r.new_version
                ));
            }
            for c in &dep.code_bases {
                out.push(format!(
                    "codeBase {who} version={} href={}",
                    c.version
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "*".into()),
                    c.href
                ));
            }
        }
        out.sort();
        if !self.config.private_paths.is_empty() {
            out.push(format!(
                "privatePath {}",
                self.config.private_paths.join(";")
            ));
        }
        out
    }

    /// Binds `reference` (an AssemblyRef of `requested_by`) to a file.
    pub fn bind(
        &self,
        reference: &AssemblyName,
        requested_by: &AssemblyName,
    ) -> Result<Binding, BindError> {
        let mut attempt = Attempt {
            binder: self,
            reference,
            requested_by,
            probed: Vec::new(),
            redirect: None,
        };
        attempt.run()
    }

    /// Where the root itself "bound".
    pub fn root_binding(&self) -> Binding {
        Binding {
            reference: self.root.identity.clone(),
            path: self.root_path.clone(),
            identity: self.root.identity.clone(),
            reason: BindReason::Root,
            private_path: None,
            redirected_from: None,
            redirect: None,
            code_base: None,
            probed: Vec::new(),
        }
    }

    /// The redirect the app config applies to `reference`, if any.
    fn config_redirect(&self, reference: &AssemblyName) -> Option<AppliedRedirect> {
        // Redirects only affect strong-named references (the CLR ignores versions otherwise).
        if !reference.is_strong_named() {
            return None;
        }
        let from = reference.version?;
        self.config
            .dependent_assemblies_for(reference)
            .filter(|d| d.public_key_token.is_some())
            .flat_map(|d| d.redirects.iter())
            .find(|r| r.old_version.contains(from))
            .map(|r| AppliedRedirect {
                from,
                to: r.new_version,
                source: RedirectSource::AppConfig {
                    old_version: r.old_version,
                    location: r.location,
                },
            })
    }

    /// The publisher policy redirect for `wanted`, from the first GAC root that has a policy
    /// assembly `policy.<major>.<minor>.<Name>` with the same token and culture (highest
    /// version entry), read from the `.config` gacutil installs next to it. `None` when the
    /// app config turns publisher policy off, globally or for this assembly (the CLR honours
    /// `<publisherPolicy apply="no"/>`; Mono 6.8 ignores it).
    fn publisher_policy(&self, wanted: &AssemblyName) -> Option<(PathBuf, BindingRedirect)> {
        if !wanted.is_strong_named() || self.config.publisher_policy_disabled {
            return None;
        }
        if self
            .config
            .dependent_assemblies_for(wanted)
            .any(|d| d.publisher_policy_disabled)
        {
            return None;
        }
        let version = wanted.version?;
        let policy_name = format!("policy.{}.{}.{}", version.major, version.minor, wanted.name);
        for gac in self.gac_dirs() {
            let dir = gac.join(&policy_name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let best = entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|entry| {
                    let id = crate::gac::gac_entry_identity(&policy_name, &entry)?;
                    let same_key = id.public_key_token == wanted.public_key_token;
                    let same_culture = AssemblyName {
                        culture: Some(wanted.culture_or_neutral()),
                        ..AssemblyName::simple(&policy_name)
                    }
                    .matches(&id);
                    (same_key && same_culture).then_some((id.version, entry))
                })
                .max();
            let Some((_, entry)) = best else {
                continue;
            };
            // Mono loads the policy assembly and reads the config it links (`al -link`), which
            // gacutil installs next to it under the policy's name.
            let entry_dir = dir.join(entry);
            let config_path = entry_dir.join(format!("{policy_name}.config"));
            if !probe::existing(&entry_dir.join(format!("{policy_name}.dll"))) {
                continue;
            }
            let policy = ExeConfig::load(&config_path).ok()?;
            return policy
                .dependent_assemblies_for(wanted)
                .filter(|d| d.public_key_token.is_some())
                .flat_map(|d| d.redirects.iter())
                .find(|r| r.old_version.contains(version))
                .cloned()
                .map(|r| (config_path, r));
        }
        None
    }

    /// The `<codeBase>` for the (redirected) reference, if any.
    fn config_code_base(&self, reference: &AssemblyName) -> Option<CodeBase> {
        let strong = reference.is_strong_named();
        self.config
            .dependent_assemblies_for(reference)
            .flat_map(|d| d.code_bases.iter())
            .find(|c| !strong || c.version.is_none() || c.version == reference.version)
            .cloned()
    }

    /// The framework directory's copy of `name`, if there is one with the same token.
    fn framework_copy(&self, reference: &AssemblyName) -> Option<(PathBuf, Arc<Manifest>)> {
        for path in probe::framework_candidates(&self.framework_dir, &reference.name) {
            if !probe::existing(&path) {
                continue;
            }
            if let Ok(m) = self.manifest(&path)
                && m.identity.same_simple_name(&reference.name)
                && m.identity.public_key_token == reference.public_key_token
            {
                return Some((path, m));
            }
        }
        None
    }
}

fn is_config_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("config"))
}

/// `/ExeConfig:App.exe` means `App.exe.config`; a path ending in `.config` is used as is.
fn config_file_for(path: &Path) -> PathBuf {
    if is_config_file(path) {
        path.to_path_buf()
    } else {
        PathBuf::from(format!("{}.config", path.display()))
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The state of one bind.
struct Attempt<'b> {
    binder: &'b Binder,
    reference: &'b AssemblyName,
    requested_by: &'b AssemblyName,
    probed: Vec<PathBuf>,
    redirect: Option<AppliedRedirect>,
}

impl Attempt<'_> {
    fn run(&mut self) -> Result<Binding, BindError> {
        let b = self.binder;
        // 1. Version policy: the app config's redirect, else framework unification.
        self.redirect = b.config_redirect(self.reference);
        let mut wanted = match &self.redirect {
            Some(r) => self.reference.with_version(r.to),
            None => self.reference.clone(),
        };
        // Publisher policy applies to the version the app config chose.
        if let Some((path, policy)) = b.publisher_policy(&wanted)
            && let Some(before) = wanted.version
        {
            self.redirect = Some(AppliedRedirect {
                from: self.redirect.as_ref().map_or(before, |r| r.from),
                to: policy.new_version,
                source: RedirectSource::PublisherPolicy {
                    path,
                    old_version: policy.old_version,
                },
            });
            wanted = wanted.with_version(policy.new_version);
        }
        let strong = wanted.is_strong_named();

        // mscorlib is always the runtime's own corlib, whatever version was referenced.
        if wanted.same_simple_name("mscorlib") {
            let path = b.framework_dir.join("mscorlib.dll");
            self.probed.push(path.clone());
            if probe::existing(&path) {
                let manifest = self.read(&path)?;
                self.unify_to(&mut wanted, &manifest.identity, true);
                return self.accept(path, &wanted, BindReason::Framework, None, None);
            }
            return Err(self.not_found());
        }

        let framework = if strong {
            b.framework_copy(&wanted)
        } else {
            None
        };
        if self.redirect.is_none()
            && let Some((path, m)) = &framework
        {
            // Mono binds a facade reference to the installed facade even when the reference
            // is newer (checked: System.Runtime 4.2.0.0 loads Facades/System.Runtime 4.1.0.0).
            let facade = path.parent().is_some_and(|dir| dir.ends_with("Facades"));
            self.unify_to(&mut wanted, &m.identity, facade);
        }

        // 2. GAC, for strong names.
        if strong {
            for root in b.gac_dirs() {
                let Some(gac) = probe::gac_path(root, &wanted) else {
                    break;
                };
                self.probed.push(gac.clone());
                if probe::existing(&gac) {
                    return self.accept(gac, &wanted, BindReason::Gac, None, None);
                }
            }
        }
        // 3. The framework directory (mscorlib's siblings and Facades), for strong names.
        if strong {
            for path in probe::framework_candidates(&b.framework_dir, &wanted.name) {
                self.probed.push(path.clone());
                if probe::existing(&path) {
                    let found = self.read(&path)?;
                    if wanted.matches(&found.identity) {
                        return self.accept(path, &wanted, BindReason::Framework, None, None);
                    }
                    // A different version in the framework dir is not this reference's
                    // file; keep looking in the app's own locations.
                }
            }
        }
        // 4. codeBase: the only location tried when the config names one.
        if let Some(code_base) = b.config_code_base(&wanted) {
            let Some(path) = probe::code_base_path(&b.app_base, &code_base.href) else {
                return Err(self.bad_code_base(
                    &code_base,
                    "only file:// URLs and relative paths are supported",
                ));
            };
            if !strong && !probe::is_within(&b.app_base, &path) {
                return Err(self.bad_code_base(
                    &code_base,
                    "a codeBase for an assembly that is not strong-named must be inside the AppBase",
                ));
            }
            self.probed.push(path.clone());
            if probe::existing(&path) {
                return self.accept(path, &wanted, BindReason::CodeBase, None, Some(code_base));
            }
            return Err(self.not_found());
        }
        // 5. AppBase probing.
        let candidates = probe::appbase_candidates(
            &b.app_base,
            &b.config.private_paths,
            &wanted.name,
            &wanted.culture_or_neutral(),
        );
        for candidate in candidates {
            self.probed.push(candidate.path.clone());
            if probe::existing(&candidate.path) {
                let (reason, private_path) = match candidate.site {
                    ProbeSite::AppBase => (BindReason::AppBase, None),
                    ProbeSite::PrivatePath(p) => (BindReason::PrivatePath, Some(p)),
                };
                return self.accept(candidate.path, &wanted, reason, private_path, None);
            }
        }
        Err(self.not_found())
    }

    /// Framework unification: an older reference (or a newer one, when `allow_newer`: mscorlib
    /// and facades) binds to the installed framework version; recorded as a redirect.
    fn unify_to(&mut self, wanted: &mut AssemblyName, installed: &AssemblyName, allow_newer: bool) {
        let (Some(want), Some(have)) = (wanted.version, installed.version) else {
            return;
        };
        if want != have && (allow_newer || want < have) {
            self.redirect = Some(AppliedRedirect {
                from: want,
                to: have,
                source: RedirectSource::FrameworkUnification,
            });
            *wanted = wanted.with_version(have);
        }
    }

    fn read(&self, path: &Path) -> Result<Arc<Manifest>, BindError> {
        self.binder.manifest(path).map_err(|e| BindError::BadImage {
            reference: Box::new(self.reference.clone()),
            requested_by: Box::new(self.requested_by.clone()),
            path: path.to_path_buf(),
            source: ManifestError {
                path: e.path.clone(),
                message: e.message.clone(),
                source: None,
            },
        })
    }

    /// The CLR stops at the first file found: it either matches or the bind fails.
    fn accept(
        &mut self,
        path: PathBuf,
        wanted: &AssemblyName,
        reason: BindReason,
        private_path: Option<String>,
        code_base: Option<CodeBase>,
    ) -> Result<Binding, BindError> {
        let found = self.read(&path)?;
        if let Err(mismatch) = wanted.check_matches(&found.identity) {
            return Err(BindError::ManifestMismatch {
                reference: Box::new(self.reference.clone()),
                requested_by: Box::new(self.requested_by.clone()),
                redirect: self.redirect.clone().map(Box::new),
                path,
                found: Box::new(found.identity.clone()),
                mismatch,
                probed: std::mem::take(&mut self.probed),
            });
        }
        Ok(Binding {
            reference: self.reference.clone(),
            path,
            identity: found.identity.clone(),
            reason,
            private_path,
            redirected_from: self.redirect.as_ref().map(|r| r.from),
            redirect: self.redirect.clone(),
            code_base,
            probed: std::mem::take(&mut self.probed),
        })
    }

    fn not_found(&mut self) -> BindError {
        BindError::NotFound {
            reference: Box::new(self.reference.clone()),
            requested_by: Box::new(self.requested_by.clone()),
            redirect: self.redirect.clone().map(Box::new),
            probed: std::mem::take(&mut self.probed),
        }
    }

    fn bad_code_base(&self, code_base: &CodeBase, reason: &'static str) -> BindError {
        BindError::BadCodeBase {
            reference: Box::new(self.reference.clone()),
            requested_by: Box::new(self.requested_by.clone()),
            href: code_base.href.clone(),
            location: code_base.location,
            reason,
        }
    }
}
