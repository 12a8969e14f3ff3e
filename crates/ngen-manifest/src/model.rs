//! The serde/schemars model of `ngen.toml`: exactly what a user may write, nothing resolved.
//!
//! One set of types drives both deserialisation (with spans, for diagnostics) and the JSON
//! Schema in `manifest-schema/ngen.schema.json`, so the two cannot drift apart. Validation
//! and path resolution happen in [`crate::load`]; this module depends only on serde, toml and
//! schemars.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// `ngen.toml`: which assemblies to precompile, in which scenarios, and how to bind them.
///
/// Relative paths are relative to the directory that holds `ngen.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    title = "ngen.toml",
    description = "The ngen-build manifest: roots to precompile into native images, their scenarios, binding configuration and the image cache."
)]
pub struct Manifest {
    /// The roots: assemblies installed explicitly, each by `path` or by `name` (display name).
    /// Their dependencies are compiled too unless `dependencies = false`.
    #[serde(default, rename = "root")]
    #[schemars(with = "Vec<RootEntry>")]
    pub roots: Vec<Spanned<RootEntry>>,

    /// Scenarios for roots that do not list their own. Default: `["default"]`.
    #[schemars(with = "Option<Vec<Scenario>>")]
    pub scenarios: Option<Spanned<Vec<Scenario>>>,

    /// Compile the dependencies of each root as well (Ngen's default). `false` is Ngen's
    /// `/NoDependencies`: only the roots get images.
    pub dependencies: Option<bool>,

    /// Also compile framework assemblies (those bound from the framework directory or the GAC),
    /// such as mscorlib.dll. Default `false`: they are fingerprinted, so a framework update
    /// still invalidates every image above it, but their images are expected to be built once
    /// per machine (e.g. with `ngen-build install mscorlib`).
    pub compile_framework: Option<bool>,

    /// Application configuration file used for binding (Ngen's `/ExeConfig`).
    /// Default: `<root>.config` next to each root, when it exists.
    #[schemars(with = "Option<String>")]
    pub exe_config: Option<Spanned<String>>,

    /// Application base directory for probing (Ngen's `/AppBase`). Default: each root's directory.
    #[schemars(with = "Option<String>")]
    pub app_base: Option<Spanned<String>>,

    /// The framework directory (default `/usr/lib/mono/4.5`; the GAC is `<framework-dir>/../gac`).
    #[schemars(with = "Option<String>")]
    pub framework_dir: Option<Spanned<String>>,

    /// More GAC roots to bind from, in Mono's layout (`<dir>/<Name>/<version>__<token>/`),
    /// searched in order before `MONO_GAC_PREFIX`'s and the framework's GAC: e.g.
    /// `["vendor/gac/lib/mono/gac"]` for strong-named components installed in a private GAC.
    /// Assemblies bound from them get images like the application's own.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub gac_dirs: Vec<Spanned<String>>,

    /// Where images are written. Default: `target/ngen` next to `ngen.toml`.
    #[schemars(with = "Option<String>")]
    pub cache_dir: Option<Spanned<String>>,

    /// How many images to compile at once. Default: the number of CPUs.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub jobs: Option<Spanned<i64>>,

    /// Hard-binding hints by dependency name (simple or display name), like
    /// `DependencyAttribute`/`DefaultDependencyAttribute`. They combine with the attributes found
    /// in the assemblies; the manifest wins.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, LoadHint>")]
    pub hints: BTreeMap<Spanned<String>, Spanned<LoadHint>>,

    /// A shared cache speaking Bazel's HTTP remote-cache protocol (bazel-remote, nginx with
    /// WebDAV, ...). `build` asks it for each dirty image before compiling, and uploads fresh
    /// compiles when `upload = true`. It never decides correctness: every download is verified
    /// and any failure means a local compile.
    pub remote_cache: Option<RemoteCacheEntry>,
}

/// `[remote-cache]`: where the shared cache is and whether this machine may write to it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RemoteCacheEntry {
    /// Base URL, `http://host:port/prefix` (plain HTTP). `--remote-cache URL` and
    /// `NGEN_REMOTE_CACHE` override it and `--no-remote-cache` turns the cache off.
    /// `NGEN_REMOTE_CACHE_TOKEN`, when set, is sent as `Authorization: Bearer …`.
    #[schemars(with = "Option<String>", regex(pattern = r"^[hH][tT][tT][pP]://"))]
    pub url: Option<Spanned<String>>,

    /// Upload images compiled here. Default `false`: read-only (e.g. for pull-request runners).
    pub upload: Option<bool>,

    /// Milliseconds to wait for a connection and for each answer. Default 5000. After one
    /// failure the remote is not asked again during the build.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub timeout_ms: Option<Spanned<i64>>,
}

/// One root: an assembly installed explicitly, as with `ngen install`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RootEntry {
    /// Path of the assembly (`.exe` or `.dll`), or a glob pattern for one root per matching
    /// file (`plugins/*.dll`; `**` matches across directories). Give either `path` or `name`.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,

    /// Display name of an assembly in the GAC, e.g.
    /// `"System.Xml, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"`.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,

    /// The scenarios to build images for. Default: the top-level `scenarios`.
    #[schemars(with = "Option<Vec<Scenario>>")]
    pub scenarios: Option<Spanned<Vec<Scenario>>>,

    /// Override the top-level `dependencies` for this root.
    pub dependencies: Option<bool>,

    /// Override the top-level `exe-config` for this root.
    #[schemars(with = "Option<String>")]
    pub exe_config: Option<Spanned<String>>,

    /// Override the top-level `app-base` for this root.
    #[schemars(with = "Option<String>")]
    pub app_base: Option<Spanned<String>>,
}

/// A scenario: each gets its own complete set of images, as in Ngen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Scenario {
    /// Ordinary execution.
    #[serde(rename = "default")]
    Default,
    /// Images usable under a debugger (Ngen's `/Debug`).
    #[serde(rename = "debug")]
    Debug,
    /// Images usable under a profiler (Ngen's `/Profile`).
    #[serde(rename = "profile")]
    Profile,
    /// Both (`/Debug /Profile`).
    #[serde(rename = "debug+profile", alias = "profile+debug")]
    DebugProfile,
}

impl Scenario {
    /// Every scenario, in a fixed order.
    pub const ALL: [Scenario; 4] = [
        Scenario::Default,
        Scenario::Debug,
        Scenario::Profile,
        Scenario::DebugProfile,
    ];

    /// The name used in ngen.toml, on the command line and as a cache directory.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Default => "default",
            Scenario::Debug => "debug",
            Scenario::Profile => "profile",
            Scenario::DebugProfile => "debug+profile",
        }
    }

    /// The scenario Ngen picks for a `/Debug` and `/Profile` switch combination.
    pub fn from_flags(debug: bool, profile: bool) -> Scenario {
        match (debug, profile) {
            (false, false) => Scenario::Default,
            (true, false) => Scenario::Debug,
            (false, true) => Scenario::Profile,
            (true, true) => Scenario::DebugProfile,
        }
    }

    /// Whether debug code generation is requested.
    pub fn debug(self) -> bool {
        matches!(self, Scenario::Debug | Scenario::DebugProfile)
    }

    /// Whether profiler hooks are requested.
    pub fn profile(self) -> bool {
        matches!(self, Scenario::Profile | Scenario::DebugProfile)
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "default" => Ok(Scenario::Default),
            "debug" => Ok(Scenario::Debug),
            "profile" => Ok(Scenario::Profile),
            "debug+profile" | "profile+debug" => Ok(Scenario::DebugProfile),
            other => Err(format!(
                "unknown scenario `{other}` (expected default, debug, profile or debug+profile)"
            )),
        }
    }
}

/// How likely a dependency is to be loaded, as in `System.Runtime.CompilerServices.LoadHint`.
/// `always` makes it a hard-binding candidate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LoadHint {
    /// Use the dependency's own default (`DefaultDependencyAttribute`).
    Default,
    /// Always loaded: hard binding is appropriate.
    Always,
    /// Sometimes loaded: hard binding is not appropriate.
    Sometimes,
}

impl LoadHint {
    /// The lower-case name used in ngen.toml and in fingerprint inputs.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadHint::Default => "default",
            LoadHint::Always => "always",
            LoadHint::Sometimes => "sometimes",
        }
    }
}
