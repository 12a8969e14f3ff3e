//! `ngen-build display [name | path]`: the roots, then the native images, then (for a given
//! assembly) the roots that depend on it. Partial names match as in Ngen.

use std::process::ExitCode;

use ngen_cache::actions::{Selector, display};

use super::build::report;
use super::install::NgenOptions;

#[derive(clap::Args)]
pub struct Args {
    /// Show only this assembly (path, full or partial display name).
    pub assembly: Option<String>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let cache = args.ngen.cache()?;
    let _lock = ngen_cache::lock::CacheLock::shared(&cache.layout().local());
    let index = cache.index().map_err(report)?;
    let selector = args
        .assembly
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(report)?;
    print!("{}", display(&index, selector.as_ref()));
    Ok(ExitCode::SUCCESS)
}
