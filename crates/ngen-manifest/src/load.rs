//! Loading `ngen.toml`: parse with spans, validate, and resolve paths into a [`Project`].
//!
//! Every problem becomes a [`ManifestDiagnostic`] pointing at its span; all of them are
//! collected so a user fixes the file in one pass. Display names are checked with the
//! binder's parser (`ngen_binder::AssemblyName`), the same one that resolves them later.
//!
//! Depends on [`crate::model`], [`crate::diagnostics`], toml and ngen-binder (names only).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::NamedSource;
use toml::Spanned;

use crate::diagnostics::{DiagnosticKind, ManifestDiagnostic, ManifestError, did_you_mean};
use crate::model::{LoadHint, Manifest, RemoteCacheEntry, RootEntry, Scenario};
use crate::remote::{self, RemoteCacheSettings};

/// Where a root's assembly comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootAssembly {
    /// A file, resolved to an absolute path.
    Path(PathBuf),
    /// A display name, to be found in the GAC.
    Name(String),
}

/// One validated root.
#[derive(Debug, Clone)]
pub struct RootSpec {
    /// The assembly to install.
    pub assembly: RootAssembly,
    /// The root as written in the manifest (`path` relative to the manifest, or the display
    /// name): how the index and messages name it, with no absolute paths.
    pub label: String,
    /// Scenarios, sorted and deduplicated, never empty.
    pub scenarios: Vec<Scenario>,
    /// Whether dependencies get images too.
    pub dependencies: bool,
    /// Absolute path of the application configuration file, when given.
    pub exe_config: Option<PathBuf>,
    /// Absolute application base, when given.
    pub app_base: Option<PathBuf>,
}

/// A validated manifest with every path made absolute.
#[derive(Debug, Clone)]
pub struct Project {
    /// Absolute path of `ngen.toml`.
    pub manifest_path: PathBuf,
    /// The directory holding it; relative paths in the manifest are relative to it.
    pub manifest_dir: PathBuf,
    /// The roots, in manifest order.
    pub roots: Vec<RootSpec>,
    /// The framework directory, when overridden.
    pub framework_dir: Option<PathBuf>,
    /// Extra GAC roots (`gac-dirs`), absolute, in search order.
    pub gac_dirs: Vec<PathBuf>,
    /// Absolute cache directory (default `<manifest_dir>/target/ngen`).
    pub cache_dir: PathBuf,
    /// Parallel compilations, when set.
    pub jobs: Option<usize>,
    /// Whether framework assemblies are compiled too.
    pub compile_framework: bool,
    /// Hard-binding hints by dependency name, as written (the manifest wins over attributes).
    pub hints: BTreeMap<String, LoadHint>,
    /// `[remote-cache]` (defaults when absent: no URL, read-only, 5 s timeout).
    pub remote_cache: RemoteCacheSettings,
}

/// Reads, parses and validates the manifest at `path`.
pub fn load(path: &Path) -> Result<Project, ManifestError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
        path: shown.clone(),
        diagnostics: vec![ManifestDiagnostic::new(
            DiagnosticKind::Io,
            &NamedSource::new(shown.clone(), String::new()),
            None,
            format!("cannot read manifest {shown}: {e}"),
            "",
        )],
    })?;
    let manifest_path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let manifest_dir = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    parse(&text, &shown, &manifest_path, &manifest_dir)
}

/// Parses and validates manifest `text`; `name` is used in diagnostics and `dir` resolves
/// relative paths.
pub fn parse(
    text: &str,
    name: &str,
    manifest_path: &Path,
    dir: &Path,
) -> Result<Project, ManifestError> {
    let source = NamedSource::new(name, text.to_string()).with_language("TOML");
    let fail = |diagnostics| ManifestError {
        path: name.to_string(),
        diagnostics,
    };
    let manifest: Manifest = match toml::from_str(text) {
        Ok(m) => m,
        Err(e) => return Err(fail(vec![from_toml_error(&e, &source, text)])),
    };
    let mut v = Validator {
        source: &source,
        dir,
        problems: Vec::new(),
    };
    let project = v.project(manifest, manifest_path);
    if v.problems.is_empty() {
        Ok(project)
    } else {
        Err(fail(v.problems))
    }
}

/// Turns a toml/serde error into a diagnostic, recognising unknown keys and wrong types.
fn from_toml_error(
    e: &toml::de::Error,
    source: &NamedSource<String>,
    text: &str,
) -> ManifestDiagnostic {
    let message = e.message().trim().to_string();
    let span = e.span();
    let quoted = backticked(&message);
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let unknown = quoted.first().cloned().unwrap_or_default();
        let expected: Vec<&str> = quoted.iter().skip(1).map(String::as_str).collect();
        let mut d = ManifestDiagnostic::new(
            DiagnosticKind::UnknownKey,
            source,
            span,
            format!("unknown key `{unknown}` in ngen.toml"),
            "not a key of this table",
        );
        let _ = rest;
        d = match did_you_mean(&unknown, expected.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("expected one of: {}", expected.join(", "))),
        };
        return d;
    }
    if message.starts_with("unknown variant ") {
        let unknown = quoted.first().cloned().unwrap_or_default();
        let expected: Vec<&str> = quoted.iter().skip(1).map(String::as_str).collect();
        let d = ManifestDiagnostic::new(
            DiagnosticKind::WrongType,
            source,
            span,
            format!("`{unknown}` is not a valid value here"),
            "unknown value",
        );
        return match did_you_mean(&unknown, expected.iter().copied()) {
            Some(s) => d.with_help(format!(
                "did you mean `{s}`? (expected one of: {})",
                expected.join(", ")
            )),
            None => d.with_help(format!("expected one of: {}", expected.join(", "))),
        };
    }
    if message.starts_with("invalid type")
        || message.starts_with("invalid value")
        || message.starts_with("wanted ")
    {
        let label = message.clone();
        return ManifestDiagnostic::new(
            DiagnosticKind::WrongType,
            source,
            span,
            format!("wrong type in ngen.toml: {message}"),
            label,
        );
    }
    let _ = text;
    ManifestDiagnostic::new(
        DiagnosticKind::Syntax,
        source,
        span,
        format!("ngen.toml is not valid TOML: {message}"),
        "here",
    )
}

/// The backtick-quoted words of a serde message, in order.
fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

struct Validator<'a> {
    source: &'a NamedSource<String>,
    dir: &'a Path,
    problems: Vec<ManifestDiagnostic>,
}

impl Validator<'_> {
    fn problem(
        &mut self,
        kind: DiagnosticKind,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        let mut d = ManifestDiagnostic::new(kind, self.source, Some(span), message, label);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.problems.push(d);
    }

    fn project(&mut self, m: Manifest, manifest_path: &Path) -> Project {
        let default_scenarios = match &m.scenarios {
            Some(s) => self.scenarios(s),
            None => vec![Scenario::Default],
        };
        let dependencies = m.dependencies.unwrap_or(true);
        let exe_config = m
            .exe_config
            .as_ref()
            .and_then(|p| self.file(p, "exe-config"));
        let app_base = m
            .app_base
            .as_ref()
            .and_then(|p| self.directory(p, "app-base"));
        let framework_dir = m
            .framework_dir
            .as_ref()
            .and_then(|p| self.directory(p, "framework-dir"));
        let gac_dirs = m
            .gac_dirs
            .iter()
            .filter_map(|p| self.directory(p, "gac-dirs entry"))
            .collect();
        let cache_dir = match &m.cache_dir {
            Some(p) => self.dir.join(p.get_ref()),
            None => self.dir.join("target").join("ngen"),
        };
        let jobs = m.jobs.as_ref().and_then(|j| {
            if *j.get_ref() >= 1 {
                usize::try_from(*j.get_ref()).ok()
            } else {
                self.problem(
                    DiagnosticKind::InvalidValue,
                    j.span(),
                    format!("`jobs` must be at least 1, found {}", j.get_ref()),
                    "must be ≥ 1",
                    Some("omit `jobs` to use one job per CPU".into()),
                );
                None
            }
        });
        let remote_cache = m
            .remote_cache
            .as_ref()
            .map(|r| self.remote_cache(r))
            .unwrap_or_default();
        let mut hints = BTreeMap::new();
        for (name, hint) in &m.hints {
            if self.display_name(name, "hint") {
                hints.insert(name.get_ref().clone(), *hint.get_ref());
            }
        }
        if m.roots.is_empty() {
            self.problem(
                DiagnosticKind::InvalidValue,
                0..0,
                "ngen.toml has no roots".into(),
                "expected at least one [[root]] table",
                Some("add e.g.\n[[root]]\npath = \"bin/App.exe\"".into()),
            );
        }
        let mut roots = Vec::new();
        let mut seen = BTreeSet::new();
        for entry in &m.roots {
            for root in self.root(
                entry,
                &default_scenarios,
                dependencies,
                &exe_config,
                &app_base,
            ) {
                for s in &root.scenarios {
                    if !seen.insert((
                        root.label.clone(),
                        *s,
                        root.exe_config.clone(),
                        root.app_base.clone(),
                    )) {
                        self.problem(
                            DiagnosticKind::InvalidValue,
                            entry.span(),
                            format!("root `{}` is listed twice for scenario {s}", root.label),
                            "duplicate root",
                            None,
                        );
                    }
                }
                roots.push(root);
            }
        }
        Project {
            manifest_path: manifest_path.to_path_buf(),
            manifest_dir: self.dir.to_path_buf(),
            roots,
            framework_dir,
            gac_dirs,
            cache_dir,
            jobs,
            compile_framework: m.compile_framework.unwrap_or(false),
            hints,
            remote_cache,
        }
    }

    fn remote_cache(&mut self, r: &RemoteCacheEntry) -> RemoteCacheSettings {
        let url = r
            .url
            .as_ref()
            .and_then(|u| match remote::check_url(u.get_ref()) {
                Ok(url) => Some(url),
                Err(why) => {
                    self.problem(
                        DiagnosticKind::InvalidValue,
                        u.span(),
                        format!("remote-cache URL `{}` {why}", u.get_ref()),
                        "not a usable remote-cache URL",
                        Some("expected e.g. url = \"http://cache.internal:8080/ngen\"".into()),
                    );
                    None
                }
            });
        let timeout_ms = match &r.timeout_ms {
            Some(t) if *t.get_ref() >= 1 => u64::try_from(*t.get_ref()).unwrap_or(u64::MAX),
            Some(t) => {
                self.problem(
                    DiagnosticKind::InvalidValue,
                    t.span(),
                    format!("`timeout-ms` must be at least 1, found {}", t.get_ref()),
                    "must be ≥ 1",
                    Some(format!(
                        "omit `timeout-ms` for the default of {} ms",
                        remote::DEFAULT_TIMEOUT_MS
                    )),
                );
                remote::DEFAULT_TIMEOUT_MS
            }
            None => remote::DEFAULT_TIMEOUT_MS,
        };
        RemoteCacheSettings {
            url,
            upload: r.upload.unwrap_or(false),
            timeout_ms,
        }
    }

    fn root(
        &mut self,
        entry: &Spanned<RootEntry>,
        default_scenarios: &[Scenario],
        dependencies: bool,
        exe_config: &Option<PathBuf>,
        app_base: &Option<PathBuf>,
    ) -> Vec<RootSpec> {
        let r = entry.get_ref();
        let assemblies: Vec<(RootAssembly, String)> = match (&r.path, &r.name) {
            (Some(p), None) if crate::root_glob::is_pattern(p.get_ref()) => self.root_pattern(p),
            (Some(p), None) => match self.file(p, "root") {
                Some(path) => vec![(RootAssembly::Path(path), normalise_label(p.get_ref()))],
                None => Vec::new(),
            },
            (None, Some(n)) => {
                if !self.display_name(n, "root") {
                    return Vec::new();
                }
                vec![(RootAssembly::Name(n.get_ref().clone()), n.get_ref().clone())]
            }
            (Some(_), Some(_)) => {
                self.problem(
                    DiagnosticKind::InvalidValue,
                    entry.span(),
                    "a root has both `path` and `name`".into(),
                    "give one of them",
                    Some("use `path` for a file and `name` for an assembly in the GAC".into()),
                );
                return Vec::new();
            }
            (None, None) => {
                self.problem(
                    DiagnosticKind::InvalidValue,
                    entry.span(),
                    "a root has neither `path` nor `name`".into(),
                    "this [[root]] names no assembly",
                    Some("add `path = \"bin/App.exe\"` or `name = \"System.Xml\"`".into()),
                );
                return Vec::new();
            }
        };
        let scenarios = match &r.scenarios {
            Some(s) => self.scenarios(s),
            None => default_scenarios.to_vec(),
        };
        let root_exe_config = match &r.exe_config {
            Some(p) => self.file(p, "exe-config"),
            None => exe_config.clone(),
        };
        let root_app_base = match &r.app_base {
            Some(p) => self.directory(p, "app-base"),
            None => app_base.clone(),
        };
        assemblies
            .into_iter()
            .map(|(assembly, label)| RootSpec {
                assembly,
                label,
                scenarios: scenarios.clone(),
                dependencies: r.dependencies.unwrap_or(dependencies),
                exe_config: root_exe_config.clone(),
                app_base: root_app_base.clone(),
            })
            .collect()
    }

    /// The roots of a `path` with wildcards: one per matching file.
    fn root_pattern(&mut self, p: &Spanned<String>) -> Vec<(RootAssembly, String)> {
        match crate::root_glob::expand(self.dir, p.get_ref()) {
            Ok(files) => files
                .into_iter()
                .map(|(path, label)| (RootAssembly::Path(path), label))
                .collect(),
            Err(crate::root_glob::GlobProblem::Invalid(why)) => {
                self.problem(
                    DiagnosticKind::InvalidValue,
                    p.span(),
                    format!("root pattern `{}` is not a valid glob: {why}", p.get_ref()),
                    "bad pattern",
                    Some("`*` and `?` match within a directory, `**` across directories, `[abc]` one of the characters".into()),
                );
                Vec::new()
            }
            Err(crate::root_glob::GlobProblem::NoMatch) => {
                self.problem(
                    DiagnosticKind::MissingFile,
                    p.span(),
                    format!("root pattern `{}` matches no file", p.get_ref()),
                    "no such file",
                    Some(format!("paths are relative to {}", self.dir.display())),
                );
                Vec::new()
            }
        }
    }

    fn scenarios(&mut self, s: &Spanned<Vec<Scenario>>) -> Vec<Scenario> {
        let set: BTreeSet<Scenario> = s.get_ref().iter().copied().collect();
        if set.is_empty() {
            self.problem(
                DiagnosticKind::InvalidValue,
                s.span(),
                "`scenarios` is empty".into(),
                "no scenario",
                Some("use e.g. [\"default\"] or [\"default\", \"debug\"]".into()),
            );
            return vec![Scenario::Default];
        }
        set.into_iter().collect()
    }

    fn resolve(&self, p: &Spanned<String>) -> PathBuf {
        self.dir.join(p.get_ref())
    }

    fn file(&mut self, p: &Spanned<String>, what: &str) -> Option<PathBuf> {
        let path = self.resolve(p);
        if path.is_file() {
            Some(path)
        } else {
            let (why, label) = if path.exists() {
                ("is not a file", "not a file")
            } else {
                ("does not exist", "no such file")
            };
            self.problem(
                DiagnosticKind::MissingFile,
                p.span(),
                format!("{what} `{}` {why}", p.get_ref()),
                label,
                Some(format!("paths are relative to {}", self.dir.display())),
            );
            None
        }
    }

    fn directory(&mut self, p: &Spanned<String>, what: &str) -> Option<PathBuf> {
        let path = self.resolve(p);
        if path.is_dir() {
            Some(path)
        } else {
            self.problem(
                DiagnosticKind::MissingFile,
                p.span(),
                format!("{what} `{}` is not a directory", p.get_ref()),
                "no such directory",
                Some(format!("paths are relative to {}", self.dir.display())),
            );
            None
        }
    }

    fn display_name(&mut self, n: &Spanned<String>, what: &str) -> bool {
        match ngen_binder::AssemblyName::parse(n.get_ref()) {
            Ok(_) => true,
            Err(e) => {
                self.problem(
                    DiagnosticKind::BadDisplayName,
                    n.span(),
                    format!("{what} `{}` is not a valid assembly display name: {e}", n.get_ref()),
                    "bad display name",
                    Some(
                        "expected e.g. \"MyLib\" or \"MyLib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null\""
                            .into(),
                    ),
                );
                false
            }
        }
    }
}

/// A manifest path as a stable label: forward slashes, no leading `./`.
fn normalise_label(p: &str) -> String {
    let s = p.replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
