//! Where `ngen-build run` finds images when no `--images` is given: the `<scenario>`
//! directory of an explicit `--cache-dir`, of the manifest's cache (an explicit
//! `--manifest-path`, else the nearest `ngen.toml` at or above the start directory), and of
//! Ngen's caches, the ones `install` writes to ([`crate::location::run_caches`]: `$NGEN_CACHE`,
//! else this user's default and the machine-wide cache). Only directories that exist are
//! returned, most specific first.
//!
//! Depends on [`crate::layout`], [`crate::location`] and ngen-manifest.

use std::path::{Path, PathBuf};

use ngen_manifest::Scenario;

use crate::layout::Layout;

/// The image directories for running in `scenario`.
pub fn image_dirs(
    manifest_path: Option<&Path>,
    cache_dir: Option<&Path>,
    start: &Path,
    scenario: Scenario,
) -> Vec<PathBuf> {
    let mut caches: Vec<PathBuf> = Vec::new();
    if let Some(c) = cache_dir {
        caches.push(c.to_path_buf());
    }
    let manifest = manifest_path.map(Path::to_path_buf).or_else(|| {
        start
            .ancestors()
            .map(|d| d.join("ngen.toml"))
            .find(|p| p.is_file())
    });
    if let Some(m) = manifest
        && let Ok(project) = ngen_manifest::load(&m)
    {
        caches.push(project.cache_dir);
    }
    caches.extend(crate::location::run_caches());
    let mut dirs = Vec::new();
    for c in caches {
        let d = Layout::new(c).scenario_dir(scenario);
        if d.is_dir() && !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    dirs
}
