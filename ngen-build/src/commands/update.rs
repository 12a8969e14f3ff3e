//! `ngen-build update`: rebuild the images that became invalid, for every root of the cache.
//! Fingerprints decide: only images whose inputs changed are compiled. `--queue` defers it to
//! the service at priority 3, as Ngen does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use ngen_cache::queue::{QueueState, QueuedAction};
use ngen_cache::resolve::{RootAssemblySource, RootSource};
use ngen_cache::{CacheError, LockedCache, RootRequest};

use super::build::{Output, execute, report};
use super::install::NgenOptions;

#[derive(clap::Args)]
pub struct Args {
    /// Defer to the native image service. Updates always run at priority 3, as in Ngen; a
    /// priority given here is ignored with a warning.
    #[arg(long, value_name = "PRIORITY", num_args = 0..=1, default_missing_value = "3",
          value_parser = clap::value_parser!(u8).range(1..=3))]
    pub queue: Option<u8>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

/// Re-plans every root of the cache and rebuilds what is invalid.
pub(crate) fn update_now(
    cache: &LockedCache,
    jobs: usize,
    out: Output,
) -> Result<bool, CacheError> {
    let previous = cache.index()?;
    let requests: Vec<RootRequest> = previous
        .roots
        .iter()
        .map(|r| RootRequest {
            key: r.key.clone(),
            source: RootSource {
                assembly: if r.key.root.starts_with('/') {
                    RootAssemblySource::Path(PathBuf::from(&r.key.root))
                } else {
                    RootAssemblySource::Name(r.key.root.clone())
                },
                exe_config: r.key.exe_config.as_ref().map(PathBuf::from),
                app_base: r.key.app_base.as_ref().map(PathBuf::from),
                framework_dir: None,
                gac_dirs: Vec::new(),
            },
            dependencies: r.dependencies,
            compile_framework: r.compile_framework,
        })
        .collect();
    let summary = execute(cache, Vec::new(), &requests, &BTreeMap::new(), jobs, out)?;
    Ok(summary.success())
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let cache = args.ngen.cache()?;
    let locked = cache.lock().map_err(report)?;
    if let Some(priority) = args.queue {
        if priority != 3 {
            eprintln!(
                "warning: updates are always queued at priority 3 (as Ngen does); ignoring priority {priority}"
            );
        }
        let mut q = QueueState::load(locked.layout()).map_err(report)?;
        let seq = q.push(3, QueuedAction::Update);
        q.save(locked.layout()).map_err(report)?;
        if !args.ngen.silent {
            eprintln!("      Queued update at priority 3 (item {seq})");
        }
        super::service_start::after_queueing(&locked, args.ngen.silent);
        return Ok(ExitCode::SUCCESS);
    }
    if locked.index().map_err(report)?.roots.is_empty() {
        if !args.ngen.silent {
            eprintln!(
                "     Nothing to update: the cache {} has no roots (`ngen-build install` adds one; \
                 a manifest's images are updated by `ngen-build build`)",
                locked.layout().root().display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let ok = update_now(&locked, args.ngen.jobs(), args.ngen.output()).map_err(report)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
