//! `ngen-build package --out FILE.tar`: a reproducible archive of a cache for installers
//! (sorted entries, fixed mtime/uid/gid/modes; `.local/` excluded).

use std::path::PathBuf;
use std::process::ExitCode;

use super::build::{load_project, report};

#[derive(clap::Args)]
pub struct Args {
    /// The archive to write (replaced if it exists). Required.
    #[arg(long, value_name = "FILE.tar")]
    pub out: PathBuf,
    /// Path of ngen.toml whose cache to package (default: the nearest one).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package this cache directory instead of the manifest's (e.g. an Ngen actions cache).
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
    let parent = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        return Err(miette::miette!(
            code = "ngen::package::out_dir",
            help = format!(
                "create it first (mkdir -p {}) or choose another --out",
                parent.display()
            ),
            "cannot write {}: the directory {} does not exist",
            args.out.display(),
            parent.display()
        ));
    }
    if args.out.is_dir() {
        return Err(miette::miette!(
            code = "ngen::input::not_a_file",
            help = "--out names the archive file to write, e.g. --out dist/images.tar",
            "{} is a directory",
            args.out.display()
        ));
    }
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
