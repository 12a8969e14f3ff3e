//! `ngen-build package --out FILE.tar[.gz|.zst] [--prefix DIR]`: a reproducible archive of a
//! cache for installers (sorted entries, fixed mtime/uid/gid/modes; `.local/` excluded, every
//! entry under DIR when given), compressed as the name says.
//!
//! It refuses (exit 1, nothing written) a cache it would ship wrong: an image the index names
//! but that is missing, an image directory the index does not name (left by a failed build),
//! and, for a manifest's cache, an image that is stale against its inputs (planned as
//! `explain` does; a root that does not resolve in this environment gets a warning). Each is
//! named; `ngen-build build` fixes them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ngen_cache::engine::Freshness;
use ngen_cache::integrity::{self, ImageProblem};
use ngen_cache::package::ArchiveFormat;

use super::build::{load_project, report};
use super::explain::plan_project;
use super::support::usage_error;

#[derive(clap::Args)]
pub struct Args {
    /// The archive to write (replaced if it exists). Required. `.tar.gz`/`.tgz` is gzip,
    /// `.tar.zst`/`.tzst` zstd, anything else a plain tar.
    #[arg(long, value_name = "FILE.tar")]
    pub out: PathBuf,
    /// Path of ngen.toml whose cache to package (default: the nearest one).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package this cache directory instead of the manifest's (e.g. an Ngen actions cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Put every entry under this relative directory (e.g. usr/lib/myapp/ngen), so the archive
    /// extracts straight into an installer's staging root. Default: none.
    #[arg(long, value_name = "DIR", default_value = "")]
    pub prefix: String,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    if let Err(e) = ngen_cache::package::normalize_prefix(&args.prefix) {
        return Ok(usage_error(miette::miette!(
            code = "ngen::usage::prefix",
            help = "--prefix usr/lib/myapp/ngen",
            "{e}"
        )));
    }
    if let Err(e) = ArchiveFormat::from_path(&args.out) {
        return Ok(usage_error(miette::miette!(
            code = "ngen::usage::archive_format",
            help = "--out x.tar (plain), x.tar.gz or x.tgz (gzip), x.tar.zst or x.tzst (zstd)",
            "{e}"
        )));
    }
    let project = match args.cache_dir {
        Some(_) => None,
        None => match load_project(args.manifest_path.as_deref())? {
            Ok(p) => Some(p),
            Err(code) => return Ok(code),
        },
    };
    let dir = match (&args.cache_dir, &project) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => p.cache_dir.clone(),
        (None, None) => unreachable!("a project is loaded whenever --cache-dir is absent"),
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
    let layout = ngen_cache::Layout::new(&dir);
    let problems = match &project {
        // Planning needs the cache lock; holding it until the archive is written keeps a
        // concurrent build from changing what was checked.
        Some(project) => {
            let cache = ngen_cache::Cache::new(&dir);
            let locked = cache.lock().map_err(report)?;
            let index = locked.index().map_err(report)?;
            let (mut problems, dirty) = stale_images(project, &locked, &index)?;
            // A missing image is already reported as stale by the plan: say it once.
            problems.extend(
                integrity::check(&layout, &index)
                    .iter()
                    .filter(
                        |p| !matches!(p, ImageProblem::Missing { dir, .. } if dirty.contains(dir)),
                    )
                    .map(|p| p.to_string()),
            );
            if problems.is_empty() {
                return write(&dir, &args.out, &args.prefix);
            }
            problems
        }
        None => {
            let _lock = ngen_cache::lock::CacheLock::shared(&layout.local());
            let index = ngen_cache::Index::load(&layout.index()).map_err(report)?;
            let problems: Vec<String> = integrity::check(&layout, &index)
                .iter()
                .map(|p| p.to_string())
                .collect();
            if problems.is_empty() {
                return write(&dir, &args.out, &args.prefix);
            }
            problems
        }
    };
    refuse(&dir, &args.out, &problems, project.is_some())
}

/// Writes the archive and says so.
fn write(dir: &Path, out: &Path, prefix: &str) -> miette::Result<ExitCode> {
    let entries = ngen_cache::package::write_package_under(dir, out, prefix).map_err(report)?;
    if !crate::output_options::quiet() {
        eprintln!("    Packaged {} ({entries} entries)", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The manifest's images that are stale against their inputs, and its roots that do not
/// resolve, as one line each; and the directories of the stale images.
fn stale_images(
    project: &ngen_manifest::Project,
    locked: &ngen_cache::LockedCache,
    index: &ngen_cache::Index,
) -> miette::Result<(Vec<String>, BTreeSet<String>)> {
    let plan = plan_project(project, &[], locked, index)?;
    // Resolution depends on the environment (MONO_GAC_PREFIX, the framework): a root that
    // does not resolve here may have been built fine; its images are still checked on disk.
    for (key, _) in &plan.errors {
        eprintln!(
            "warning: {} ({}) does not resolve here, so its images' freshness is not checked \
             (`ngen-build explain` says why)",
            key.root, key.scenario
        );
    }
    let mut problems = Vec::new();
    let mut dirty = BTreeSet::new();
    for img in &plan.images {
        if let Freshness::Dirty(reasons) = &img.freshness {
            dirty.insert(img.dir.clone());
            let why = reasons.first().map(|r| r.to_string()).unwrap_or_default();
            problems.push(format!(
                "stale image: {} ({}): {why}",
                img.display_name, img.scenario
            ));
        }
    }
    Ok((problems, dirty))
}

/// Reports why nothing was packaged: exit 1.
fn refuse(dir: &Path, out: &Path, problems: &[String], manifest: bool) -> miette::Result<ExitCode> {
    for p in problems {
        eprintln!("error: {p}");
    }
    let help = if manifest {
        "run `ngen-build build` (it rebuilds these images and removes leftovers), then package again"
    } else {
        "run `ngen-build build` (a manifest's cache) or `ngen-build update` (Ngen's cache), then package again"
    };
    Err(miette::miette!(
        code = "ngen::package::stale",
        help = help,
        "not packaging {}: {} of its images cannot be shipped as they are; {} was not written",
        dir.display(),
        problems.len(),
        out.display()
    ))
}
