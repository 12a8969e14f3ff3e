//! `ngen-build display [name | path]`: which cache it shows and why (`Native image cache:
//! /var/cache/ngen-build (machine-wide, the default for root)`), then the roots, the native
//! images and (for a given assembly) the roots that depend on it. Partial names match as in
//! Ngen.

use std::process::ExitCode;

use ngen_cache::actions::display;

use super::install::NgenOptions;
use super::support::print_stdout;
use super::{build::report, support::parse_selector};

#[derive(clap::Args)]
pub struct Args {
    /// Show only this assembly (path, full or partial display name).
    pub assembly: Option<String>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let selector = match args.assembly.as_deref().map(parse_selector).transpose() {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let location = args.ngen.cache_location()?;
    let cache = ngen_cache::Cache::new(&location.dir);
    let _lock = ngen_cache::lock::CacheLock::shared(&cache.layout().local());
    let index = cache.index().map_err(report)?;
    if let Some(sel) = &selector {
        let known = index.roots.iter().any(|r| sel.matches_root(r))
            || index
                .images
                .iter()
                .any(|i| sel.matches_assembly(&i.assembly, &index));
        if !known {
            return Err(miette::miette!(
                code = "ngen::display::not_installed",
                help = "`ngen-build display` lists everything in this cache; \
                        `ngen-build install <assembly>` adds a root",
                "{} is not in the native image cache {}",
                args.assembly.as_deref().unwrap_or_default(),
                cache.layout().root().display()
            ));
        }
    }
    print_stdout(&format!(
        "Native image cache: {} ({})\n\n{}",
        location.dir.display(),
        location.source,
        display(&index, selector.as_ref())
    ))?;
    if selector.is_none() && index.roots.is_empty() && !args.ngen.silent {
        // stdout keeps Ngen's format; the hint goes to stderr.
        eprintln!(
            "note: the cache {} has no roots yet: `ngen-build install <App.exe>` adds one \
             (a manifest's images are in its cache-dir, default target/ngen: pass --cache-dir)",
            cache.layout().root().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
