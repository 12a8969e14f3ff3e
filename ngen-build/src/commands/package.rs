//! `ngen-build package --out FILE.tar`: a reproducible archive of a cache for installers
//! (sorted entries, fixed mtime/uid/gid/modes; `.local/` excluded).

use std::path::PathBuf;
use std::process::ExitCode;

use super::build::{load_project, report};

#[derive(clap::Args)]
pub struct Args {
    /// The archive to write.
    #[arg(long, value_name = "FILE.tar")]
    pub out: PathBuf,
    /// Path of ngen.toml whose cache to package (default: the nearest one).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package this cache directory instead of the manifest's.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let dir = match args.cache_dir {
        Some(d) => d,
        None => match load_project(args.manifest_path.as_deref())? {
            Ok(p) => p.cache_dir,
            Err(code) => return Ok(code),
        },
    };
    if !dir.join("index.json").is_file() {
        return Err(miette::miette!(
            help = "run `ngen-build build` first",
            "{} is not a built cache (no index.json)",
            dir.display()
        ));
    }
    let _lock = ngen_cache::lock::CacheLock::shared(&ngen_cache::Layout::new(&dir).local());
    let entries = ngen_cache::package::write_package(&dir, &args.out).map_err(report)?;
    eprintln!("    Packaged {} ({entries} entries)", args.out.display());
    Ok(ExitCode::SUCCESS)
}
