//! `ngen-build install`: Ngen's install action on a native image cache. Generates images for
//! an assembly and (unless `--no-dependencies`) its dependencies, and records it as a root.
//! With `--queue[=1|2|3]` the action is deferred to the queue instead.
//!
//! Also home of what the Ngen actions share: choosing the cache (`--cache-dir`, then
//! `NGEN_CACHE`, then `/var/cache/ngen-build` for root, else `$XDG_CACHE_HOME/ngen-build` or
//! `~/.cache/ngen-build`: `ngen_cache::location`), Ngen's
//! `/nologo /silent /verbose` options, and [`install_now`] used by the queue.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use ngen_cache::actions::Selector;
use ngen_cache::location::{CacheLocation, CacheSource};
use ngen_cache::queue::{QueueState, QueuedAction};
use ngen_cache::resolve::{RootAssemblySource, RootSource};
use ngen_cache::{Cache, CacheError, LockedCache, RootKey, RootRequest};
use ngen_manifest::Scenario;

use super::build::{MessageFormat, Output, default_jobs, execute, report};
use super::support::{check_assembly_file, parse_selector, usage_error};

/// Options every Ngen action accepts.
#[derive(clap::Args, Clone, Debug)]
pub struct NgenOptions {
    /// The native image cache (default: $NGEN_CACHE, else /var/cache/ngen-build for root,
    /// else $XDG_CACHE_HOME/ngen-build or ~/.cache/ngen-build).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Suppress the startup banner (accepted for Ngen compatibility; there is none).
    #[arg(long)]
    pub nologo: bool,
    /// Suppress success messages.
    #[arg(long)]
    pub silent: bool,
    /// Say why each image is fresh or dirty.
    #[arg(long, short)]
    pub verbose: bool,
    /// Compile at most N images at once (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N", value_parser = super::build::parse_jobs)]
    pub jobs: Option<usize>,
}

impl NgenOptions {
    pub(crate) fn cache(&self) -> miette::Result<Cache> {
        Ok(Cache::new(self.cache_location()?.dir))
    }

    /// The cache and where it came from (`display` says so).
    pub(crate) fn cache_location(&self) -> miette::Result<CacheLocation> {
        let location = action_cache(self.cache_dir.as_deref())?;
        let dir = &location.dir;
        if dir.exists() && !dir.is_dir() {
            return Err(miette::miette!(
                code = "ngen::input::cache_dir",
                help =
                    "point --cache-dir (or $NGEN_CACHE) at a directory; it is created if missing",
                "the native image cache {} (from {}) is a file, not a directory",
                dir.display(),
                match location.source {
                    CacheSource::Flag | CacheSource::Environment => location.source.to_string(),
                    _ => "the default location".to_string(),
                }
            ));
        }
        Ok(location)
    }

    pub(crate) fn output(&self) -> Output {
        Output {
            format: MessageFormat::Human,
            verbose: self.verbose,
            silent: self.silent,
            manifest: false,
        }
    }

    pub(crate) fn jobs(&self) -> usize {
        self.jobs.unwrap_or_else(default_jobs).max(1)
    }
}

/// The cache for Ngen actions: `--cache-dir`, then `NGEN_CACHE`, then the machine-wide cache
/// for root and the user's cache dir for everyone else (`ngen_cache::location`).
pub(crate) fn action_cache(given: Option<&std::path::Path>) -> miette::Result<CacheLocation> {
    ngen_cache::location::current(given).map_err(|e| miette::miette!("{e}"))
}

#[derive(clap::Args)]
pub struct Args {
    /// The assembly: a path (`App.exe`, `bin/MyLib.dll`) or a display name in the GAC.
    pub assembly: String,
    /// Images for debugging (Ngen `/Debug`). Default: the default scenario.
    #[arg(long)]
    pub debug: bool,
    /// Images for profiling (Ngen `/Profile`).
    #[arg(long)]
    pub profile: bool,
    /// Only the assembly itself, not its dependencies (Ngen `/NoDependencies`).
    #[arg(long)]
    pub no_dependencies: bool,
    /// Bind with this application's configuration (Ngen `/ExeConfig`).
    #[arg(long, value_name = "PATH")]
    pub exe_config: Option<PathBuf>,
    /// Probe from this application base (Ngen `/AppBase`).
    #[arg(long, value_name = "DIR")]
    pub app_base: Option<PathBuf>,
    /// Mono's framework directory; its GAC is `<DIR>/../gac` (default: /usr/lib/mono/4.5).
    #[arg(long, visible_alias = "framework", value_name = "DIR")]
    pub framework_dir: Option<PathBuf>,
    /// Compile framework dependencies (mscorlib, System, ...) too (default: they are only
    /// fingerprinted).
    #[arg(long)]
    pub compile_framework: bool,
    /// Defer to the native image service at priority 1, 2 or 3 (default 3).
    #[arg(long, value_name = "PRIORITY", num_args = 0..=1, default_missing_value = "3",
          value_parser = clap::value_parser!(u8).range(1..=3))]
    pub queue: Option<u8>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

fn absolute(p: &PathBuf) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.clone())
}

/// Installs one root now, keeping every other root as it is.
pub(crate) fn install_now(
    cache: &LockedCache,
    action: &QueuedAction,
    jobs: usize,
    out: Output,
) -> Result<bool, CacheError> {
    let QueuedAction::Install {
        root,
        scenario,
        exe_config,
        app_base,
        framework_dir,
        dependencies,
        compile_framework,
    } = action
    else {
        return Err(CacheError::Usage("not an install".into()));
    };
    let is_path = root.starts_with('/');
    if is_path && !std::path::Path::new(root).is_file() {
        return Err(CacheError::Usage(format!("{root} does not exist")));
    }
    let request = RootRequest {
        key: RootKey {
            root: root.clone(),
            scenario: *scenario,
            exe_config: exe_config
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
            app_base: app_base.as_ref().map(|p| p.to_string_lossy().into_owned()),
        },
        source: RootSource {
            assembly: if is_path {
                RootAssemblySource::Path(PathBuf::from(root))
            } else {
                RootAssemblySource::Name(root.clone())
            },
            exe_config: exe_config.clone(),
            app_base: app_base.clone(),
            framework_dir: framework_dir.clone(),
            gac_dirs: Vec::new(),
        },
        dependencies: *dependencies,
        compile_framework: *compile_framework,
    };
    let previous = cache.index()?;
    let kept = previous
        .roots
        .into_iter()
        .filter(|r| r.key != request.key)
        .collect();
    let summary = execute(cache, kept, &[request], &BTreeMap::new(), jobs, out)?;
    Ok(summary.success())
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    if std::path::Path::new(&args.assembly).is_dir() {
        check_assembly_file(std::path::Path::new(&args.assembly))?;
    }
    let root = match parse_selector(&args.assembly) {
        Ok(Selector::All) => {
            return Ok(usage_error(miette::miette!(
                code = "ngen::usage::assembly",
                help = "install takes one assembly: a path or a display name (`uninstall *` removes every root)",
                "`*` names no assembly to install"
            )));
        }
        Ok(Selector::Path(p)) => {
            // Checked now, so a queued install cannot fail later for a typo.
            check_assembly_file(std::path::Path::new(&p))?;
            p
        }
        Ok(Selector::Name(name)) => {
            // Looked up now, so a queued install cannot fail later for a misspelt name.
            let config = ngen_binder::BinderConfig {
                framework_dir: args.framework_dir.clone(),
                ..Default::default()
            };
            if let Err(e) = ngen_binder::locate_with_config(&name, &config) {
                return Err(miette::miette!(
                    code = "ngen::input::not_in_gac",
                    help = "check the spelling and version; an assembly outside the GAC is \
                            installed by its path (App.exe, bin/MyLib.dll)",
                    "{e}"
                ));
            }
            args.assembly.clone()
        }
        Err(code) => return Ok(code),
    };
    let action = QueuedAction::Install {
        root,
        scenario: Scenario::from_flags(args.debug, args.profile),
        exe_config: args.exe_config.as_ref().map(absolute),
        app_base: args.app_base.as_ref().map(absolute),
        framework_dir: args.framework_dir.as_ref().map(absolute),
        dependencies: !args.no_dependencies,
        compile_framework: args.compile_framework,
    };
    let cache = args.ngen.cache()?;
    let locked = cache.lock().map_err(report)?;
    if let Some(priority) = args.queue {
        let mut q = QueueState::load(locked.layout()).map_err(report)?;
        let seq = q.push(priority, action.clone());
        q.save(locked.layout()).map_err(report)?;
        if !args.ngen.silent {
            eprintln!("      Queued {action} at priority {priority} (item {seq})");
        }
        super::service_start::after_queueing(&locked, args.ngen.silent);
        return Ok(ExitCode::SUCCESS);
    }
    let ok = install_now(&locked, &action, args.ngen.jobs(), args.ngen.output()).map_err(report)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
