//! The remote cache at the command line: which remote a `build` uses (`--remote-cache URL`,
//! `--no-remote-cache`, `NGEN_REMOTE_CACHE`, `NGEN_REMOTE_CACHE_TOKEN`, `[remote-cache]` in
//! ngen.toml), how its warnings are shown, and `ngen-build cache stats`, which reports what it
//! did (hits, misses, bytes) from `.local/remote-cache-stats.json`.
//!
//! Precedence of the URL: `--no-remote-cache`, then `--remote-cache`, then
//! `NGEN_REMOTE_CACHE` (empty counts as unset), then ngen.toml. `upload` and `timeout-ms`
//! come from ngen.toml only. A malformed URL is a usage error (exit 2) wherever it comes from;
//! an unreachable remote is only ever a warning.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ngen_cache::remote::{Stats, StatsFile, WarningSink};
use ngen_cache::{Layout, LockedCache, RemoteCache, RemoteSettings};
use ngen_manifest::Project;

use super::build::{MessageFormat, json_line, load_project};
use super::support::{print_stdout, usage_error};

/// The remote-cache flags of `build`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct RemoteArgs {
    /// Use this remote cache (Bazel's HTTP protocol: URL/ac/KEY, URL/cas/SHA256), overriding
    /// $NGEN_REMOTE_CACHE and ngen.toml's [remote-cache] url. Plain http:// only.
    #[arg(long, value_name = "URL", conflicts_with = "no_remote_cache")]
    pub remote_cache: Option<String>,
    /// Use no remote cache, whatever ngen.toml or $NGEN_REMOTE_CACHE say.
    #[arg(long)]
    pub no_remote_cache: bool,
}

/// The remote a build of `project` uses, if any; `Err` (already printed, exit 2) for a bad URL.
pub(crate) fn remote_settings(
    project: &Project,
    args: &RemoteArgs,
) -> Result<Option<RemoteSettings>, ExitCode> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if args.no_remote_cache {
        return Ok(None);
    }
    let (url, source) = match (&args.remote_cache, env("NGEN_REMOTE_CACHE")) {
        (Some(url), _) => (url.clone(), "--remote-cache"),
        (None, Some(url)) => (url, "NGEN_REMOTE_CACHE"),
        (None, None) => match &project.remote_cache.url {
            Some(url) => (url.clone(), "ngen.toml"),
            None => return Ok(None),
        },
    };
    let url = ngen_manifest::check_url(&url).map_err(|why| {
        usage_error(miette::miette!(
            code = "ngen::usage::remote_cache",
            help = "expected e.g. http://cache.internal:8080/ngen; --no-remote-cache turns the remote cache off",
            "remote-cache URL `{url}` (from {source}) {why}"
        ))
    })?;
    Ok(Some(RemoteSettings {
        url,
        upload: project.remote_cache.upload,
        timeout: Duration::from_millis(project.remote_cache.timeout_ms),
        token: env("NGEN_REMOTE_CACHE_TOKEN"),
    }))
}

/// Where the remote's warnings go: a `warning:` line on stderr, or with JSON output a
/// `remote-cache-warning` message on stdout.
pub(crate) fn warning_sink(format: MessageFormat) -> WarningSink {
    match format {
        MessageFormat::Human | MessageFormat::Msbuild => {
            Box::new(|w| eprintln!("warning: remote cache: {w}"))
        }
        MessageFormat::Json => Box::new(|w| {
            json_line(&serde_json::json!({"reason": "remote-cache-warning", "message": w}))
        }),
    }
}

/// Adds this build's counts to the stats file (a failure to write them is only a warning).
pub(crate) fn record_stats(cache: &LockedCache, remote: &RemoteCache) {
    let layout = cache.layout();
    if let Err(e) = StatsFile::append(
        &layout.remote_stats(),
        &layout.tmp(),
        remote.url(),
        remote.stats(),
    ) {
        eprintln!("warning: remote cache: cannot record statistics: {e}");
    }
}

/// One line for people: `4 hits, 1 miss, … ; 1.2 MiB downloaded, …`.
pub(crate) fn describe(s: &Stats) -> String {
    let n = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {}, {} discarded, {} skipped, {}; {} downloaded, {} ({}) uploaded{}",
        n(s.hits, "hit", "hits"),
        n(s.misses, "miss", "misses"),
        s.discarded,
        s.skipped,
        n(s.errors, "error", "errors"),
        bytes(s.bytes_downloaded),
        n(s.uploads, "image", "images"),
        bytes(s.bytes_uploaded),
        if s.upload_failures > 0 {
            format!(", {} failed", n(s.upload_failures, "upload", "uploads"))
        } else {
            String::new()
        }
    )
}

/// 1536 → "1.5 KiB".
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(clap::Subcommand)]
pub enum CacheCommand {
    /// What the remote cache did: hits, misses, discarded entries, errors and bytes, for the
    /// last build and for all builds of this cache.
    Stats(StatsArgs),
}

#[derive(clap::Args)]
pub struct StatsArgs {
    /// Path of ngen.toml whose cache to report on (default: the nearest one).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Report on this cache directory instead of the manifest's.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Print the statistics as one JSON object (the stats file's format).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    match args.command {
        CacheCommand::Stats(a) => stats(a),
    }
}

fn stats(args: StatsArgs) -> miette::Result<ExitCode> {
    let dir = match args.cache_dir {
        Some(d) => d,
        None => match load_project(args.manifest_path.as_deref())? {
            Ok(p) => p.cache_dir,
            Err(code) => return Ok(code),
        },
    };
    let file = StatsFile::load(&Layout::new(&dir).remote_stats());
    if args.json {
        let text = serde_json::to_string(&file).map_err(|e| miette::miette!("{e}"))?;
        print_stdout(&format!("{text}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = match (&file.last_build, &file.url) {
        (Some(last), Some(url)) => format!(
            "Remote cache {url}\n  last build: {}\n  all builds ({}): {}\n",
            describe(last),
            file.builds,
            describe(&file.total)
        ),
        _ => format!(
            "No remote-cache statistics in {}: no build with a remote cache has run there\n",
            dir.display()
        ),
    };
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
