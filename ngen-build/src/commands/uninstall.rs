//! `ngen-build uninstall`: remove roots (by path, full or partial display name, or `*`) and
//! every image no remaining root needs. A dependency shared with another root stays; a root
//! is never removed implicitly. Without `--debug`/`--profile` every scenario is removed;
//! with them exactly that scenario (so `--debug` leaves `debug+profile`).
//!
//! Queued `install`s of the named assembly are cancelled too, so an installer's removal
//! script (`install /queue:1` on install, `uninstall` on removal, under `set -e`) succeeds
//! even when the service has not run the install yet, and the service never runs it later.

use std::path::PathBuf;
use std::process::ExitCode;

use ngen_cache::BuildOutcome;
use ngen_cache::actions::{UninstallRequest, queued_installs_to_cancel, roots_to_uninstall};
use ngen_cache::engine::Plan;
use ngen_cache::queue::QueueState;
use ngen_manifest::Scenario;

use super::install::NgenOptions;
use super::{build::report, support::parse_selector};

#[derive(clap::Args)]
pub struct Args {
    /// A root's path, full or partial display name, or `*` for every root.
    pub assembly: String,
    /// Only the debug scenario (Ngen `/Debug`). Default: every scenario of the root.
    #[arg(long)]
    pub debug: bool,
    /// Only the profile scenario (Ngen `/Profile`).
    #[arg(long)]
    pub profile: bool,
    /// Accepted for symmetry with install (Ngen `/NoDependencies`).
    #[arg(long)]
    pub no_dependencies: bool,
    /// Only the root installed with this `/ExeConfig`.
    #[arg(long, value_name = "PATH")]
    pub exe_config: Option<PathBuf>,
    /// Only the root installed with this `/AppBase`.
    #[arg(long, value_name = "DIR")]
    pub app_base: Option<PathBuf>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

fn abs_string(p: &PathBuf) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.clone())
        .to_string_lossy()
        .into_owned()
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let selector = match parse_selector(&args.assembly) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let request = UninstallRequest {
        selector,
        scenario: (args.debug || args.profile)
            .then(|| Scenario::from_flags(args.debug, args.profile)),
        exe_config: args.exe_config.as_ref().map(abs_string),
        app_base: args.app_base.as_ref().map(abs_string),
    };
    let cache = args.ngen.cache()?;
    let locked = cache.lock().map_err(report)?;
    let previous = locked.index().map_err(report)?;
    let remove = roots_to_uninstall(&previous, &request);
    let mut queue = QueueState::load(locked.layout()).map_err(report)?;
    let cancel = queued_installs_to_cancel(&queue, &request);
    if !cancel.is_empty() {
        for seq in &cancel {
            if let Some(item) = queue.items.iter().find(|i| i.seq == *seq)
                && !args.ngen.silent
            {
                eprintln!(
                    "   Cancelled queued {} at priority {} (item {seq})",
                    item.action, item.priority
                );
            }
            queue.remove(*seq);
        }
        queue.save(locked.layout()).map_err(report)?;
    }
    if remove.is_empty() && !cancel.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if remove.is_empty() {
        let what = format!(
            "{} is not installed as a root{}",
            args.assembly,
            request
                .scenario
                .map(|s| format!(" in scenario {s}"))
                .unwrap_or_default()
        );
        // Say what is installed: the same root in other scenarios, or every root.
        let same_root: Vec<String> = previous
            .roots
            .iter()
            .filter(|r| request.selector.matches_root(r))
            .map(|r| r.key.scenario.to_string())
            .collect();
        let help = if !same_root.is_empty() {
            format!(
                "it is installed in scenario {}; uninstall with the flags it was installed with",
                same_root.join(", ")
            )
        } else if previous.roots.is_empty() {
            format!(
                "the cache {} has no roots (see --cache-dir and $NGEN_CACHE)",
                cache.layout().root().display()
            )
        } else {
            let roots: Vec<&str> = previous.roots.iter().map(|r| r.key.root.as_str()).collect();
            format!(
                "installed roots: {}; `ngen-build display` shows them with their scenarios",
                roots.join(", ")
            )
        };
        eprintln!(
            "{:?}",
            miette::miette!(
                code = "ngen::uninstall::not_installed",
                help = help,
                "{what}"
            )
        );
        return Ok(ExitCode::FAILURE);
    }
    let kept: Vec<_> = previous
        .roots
        .iter()
        .filter(|r| !remove.contains(&r.key))
        .cloned()
        .collect();
    let index = locked
        .commit(kept, &Plan::default(), &BuildOutcome::default(), &previous)
        .map_err(report)?;
    if !args.ngen.silent {
        for key in &remove {
            eprintln!(" Uninstalled {} ({})", key.root, key.scenario);
        }
        let removed = previous
            .images
            .iter()
            .filter(|i| index.image(&i.dir).is_none());
        for img in removed {
            eprintln!(
                "     Removed {} ({}): {}",
                img.assembly, img.scenario, img.dir
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
