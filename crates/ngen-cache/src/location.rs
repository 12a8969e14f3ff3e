//! Which native image cache Ngen's actions use, and so which one `ngen-build run` searches:
//! the one `install` writes to (issue 10, item 2).
//!
//! The model, as Ngen's machine-wide native image cache: `--cache-dir`, else `$NGEN_CACHE`,
//! else, for root, the machine-wide [`MACHINE_CACHE`] (`/var/cache/ngen-build`, FHS's place
//! for regenerable application caches; created root-owned 0755 like the rest of a cache), and
//! for everyone else `$XDG_CACHE_HOME/ngen-build`, else `~/.cache/ngen-build`. Programs run by
//! any user also use the machine-wide cache ([`run_caches`]), as every user of a machine shares
//! the images a package installed.
//!
//! [`pick`] takes the environment and the user as arguments so the root default is tested
//! without being root or touching `/var/cache`; [`current`] applies it to this process.
//!
//! Depends on ngen-image's `trust::effective_uid` only.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// The machine-wide cache: the default when running as root.
pub const MACHINE_CACHE: &str = "/var/cache/ngen-build";

/// Where the chosen cache came from (what `display` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheSource {
    /// `--cache-dir`.
    Flag,
    /// `$NGEN_CACHE`.
    Environment,
    /// The machine-wide default (running as root).
    MachineWide,
    /// The per-user default (`$XDG_CACHE_HOME` or `~/.cache`).
    PerUser,
}

impl fmt::Display for CacheSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheSource::Flag => "--cache-dir",
            CacheSource::Environment => "$NGEN_CACHE",
            CacheSource::MachineWide => "machine-wide, the default for root",
            CacheSource::PerUser => "per-user, the default for non-root users",
        })
    }
}

/// A cache directory and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLocation {
    /// The cache directory.
    pub dir: PathBuf,
    /// Where it came from.
    pub source: CacheSource,
}

/// No cache could be chosen: not root, and neither `$XDG_CACHE_HOME` nor `$HOME` is set.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "no native image cache directory: pass --cache-dir or set NGEN_CACHE (neither XDG_CACHE_HOME nor HOME is set)"
)]
pub struct NoCacheDir;

/// The cache for Ngen's actions, given `--cache-dir`, an environment lookup and whether the
/// process runs as root. Empty variables count as unset.
pub fn pick(
    given: Option<&Path>,
    env: &dyn Fn(&str) -> Option<OsString>,
    is_root: bool,
) -> Result<CacheLocation, NoCacheDir> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let at = |dir: PathBuf, source| Ok(CacheLocation { dir, source });
    if let Some(d) = given {
        return at(d.to_path_buf(), CacheSource::Flag);
    }
    if let Some(d) = var("NGEN_CACHE") {
        return at(d, CacheSource::Environment);
    }
    if is_root {
        return at(PathBuf::from(MACHINE_CACHE), CacheSource::MachineWide);
    }
    if let Some(d) = var("XDG_CACHE_HOME") {
        return at(d.join("ngen-build"), CacheSource::PerUser);
    }
    match var("HOME") {
        Some(h) => at(h.join(".cache").join("ngen-build"), CacheSource::PerUser),
        None => Err(NoCacheDir),
    }
}

/// [`pick`] for this process.
pub fn current(given: Option<&Path>) -> Result<CacheLocation, NoCacheDir> {
    pick(
        given,
        &|name| std::env::var_os(name),
        ngen_image::trust::effective_uid() == 0,
    )
}

/// The Ngen caches a program run by this process may use, most specific first: the one
/// `install` would write to (when one can be chosen), then the machine-wide one, unless
/// `$NGEN_CACHE` names the one cache to use.
pub fn run_caches() -> Vec<PathBuf> {
    run_caches_for(current(None))
}

fn run_caches_for(chosen: Result<CacheLocation, NoCacheDir>) -> Vec<PathBuf> {
    let machine = PathBuf::from(MACHINE_CACHE);
    match chosen {
        Ok(l) if l.source == CacheSource::Environment => vec![l.dir],
        Ok(l) if l.dir == machine => vec![machine],
        Ok(l) => vec![l.dir, machine],
        Err(NoCacheDir) => vec![machine],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn root_defaults_to_the_machine_wide_cache() {
        let home = env(&[("HOME", "/root"), ("XDG_CACHE_HOME", "/root/.xdg")]);
        let l = pick(None, &home, true).unwrap();
        assert_eq!(l.dir, Path::new("/var/cache/ngen-build"));
        assert_eq!(l.source, CacheSource::MachineWide);
    }

    #[test]
    fn users_default_to_their_xdg_cache_then_home() {
        let xdg = env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/home/u/.xdg")]);
        let l = pick(None, &xdg, false).unwrap();
        assert_eq!(l.dir, Path::new("/home/u/.xdg/ngen-build"));
        assert_eq!(l.source, CacheSource::PerUser);
        let home = env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "")]);
        let l = pick(None, &home, false).unwrap();
        assert_eq!(l.dir, Path::new("/home/u/.cache/ngen-build"));
        assert!(pick(None, &env(&[]), false).is_err());
    }

    #[test]
    fn runs_also_use_the_machine_wide_cache_unless_ngen_cache_says_otherwise() {
        let user = pick(None, &env(&[("HOME", "/home/u")]), false);
        assert_eq!(
            run_caches_for(user),
            [
                Path::new("/home/u/.cache/ngen-build"),
                Path::new(MACHINE_CACHE)
            ]
        );
        let root = pick(None, &env(&[]), true);
        assert_eq!(run_caches_for(root), [Path::new(MACHINE_CACHE)]);
        let set = pick(None, &env(&[("NGEN_CACHE", "/c")]), false);
        assert_eq!(run_caches_for(set), [Path::new("/c")]);
    }

    #[test]
    fn the_flag_then_the_environment_override_the_defaults_even_for_root() {
        let vars = env(&[("NGEN_CACHE", "/srv/ngen"), ("HOME", "/root")]);
        let l = pick(Some(Path::new("/tmp/c")), &vars, true).unwrap();
        assert_eq!(
            (l.dir.as_path(), l.source),
            (Path::new("/tmp/c"), CacheSource::Flag)
        );
        let l = pick(None, &vars, true).unwrap();
        assert_eq!(
            (l.dir.as_path(), l.source),
            (Path::new("/srv/ngen"), CacheSource::Environment)
        );
    }
}
