//! `ngen-build queue pause|continue|status`, `executeQueuedItems [1|2|3]` (alias `eqi`) and
//! `service`: Ngen's deferred compilation.
//!
//! The service processes the persistent queue: priority 1 at once, 2 after every 1, 3 only
//! while the machine is idle (`NGEN_IDLE=1|0` forces it, else the 1-minute load average per
//! CPU must be ≤ `--idle-load`). It yields to manual commands (they run first), waits while
//! paused, survives restarts (the queue is on disk; an item leaves it only once done) and
//! exits when the queue is empty, as Ngen's service does.

use std::process::ExitCode;
use std::time::Duration;

use ngen_cache::lock::ManualMarker;
use ngen_cache::queue::{QueueItem, QueueState, QueuedAction, is_idle, log_completed};
use ngen_cache::{CacheError, LockedCache};

use super::build::{Output, report};
use super::install::{NgenOptions, install_now};
use super::update::update_now;

#[derive(clap::Args)]
pub struct Args {
    /// pause, continue or status (any case, as in Ngen).
    #[arg(value_enum, ignore_case = true)]
    pub command: QueueCommand,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum QueueCommand {
    /// Stop the service from starting new items.
    Pause,
    /// Let a paused service continue.
    Continue,
    /// Show whether the queue is paused and what is pending.
    Status,
}

#[derive(clap::Args)]
pub struct EqiArgs {
    /// Run items of this priority and more urgent ones (1 = only priority 1); default: all.
    #[arg(value_parser = clap::value_parser!(u8).range(1..=3))]
    pub priority: Option<u8>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

#[derive(clap::Args)]
pub struct ServiceArgs {
    /// How often to look at the queue, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// Idle when the 1-minute load average per CPU is at most this (`NGEN_IDLE=1|0` forces it).
    #[arg(long, value_name = "LOAD", default_value_t = 0.25)]
    pub idle_load: f64,
    /// Keep running when the queue is empty (default: exit, as Ngen's service does).
    #[arg(long)]
    pub keep_running: bool,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

/// Runs one item (under the lock held by the caller) and removes it from the queue.
fn execute_item(
    locked: &LockedCache,
    item: &QueueItem,
    jobs: usize,
    out: Output,
) -> Result<bool, CacheError> {
    if !out.silent {
        eprintln!(
            "   Executing {} (priority {}, item {})",
            item.action, item.priority, item.seq
        );
    }
    let ok = match &item.action {
        a @ QueuedAction::Install { .. } => install_now(locked, a, jobs, out),
        QueuedAction::Update => update_now(locked, jobs, out),
    };
    let ok = match ok {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("error: {}: {e}", item.action);
            false
        }
    };
    let mut q = QueueState::load(locked.layout())?;
    q.remove(item.seq);
    q.save(locked.layout())?;
    log_completed(locked.layout(), item, ok);
    Ok(ok)
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let cache = args.ngen.cache()?;
    match args.command {
        QueueCommand::Pause | QueueCommand::Continue => {
            let locked = cache.lock().map_err(report)?;
            let mut q = QueueState::load(locked.layout()).map_err(report)?;
            q.paused = matches!(args.command, QueueCommand::Pause);
            q.save(locked.layout()).map_err(report)?;
            if !args.ngen.silent {
                if q.paused {
                    eprintln!(
                        "      Paused the queue: the service starts no new item until `ngen-build queue continue`"
                    );
                } else {
                    eprintln!(
                        "   Continued the queue ({} item{} pending)",
                        q.items.len(),
                        if q.items.len() == 1 { "" } else { "s" }
                    );
                }
            }
        }
        QueueCommand::Status => {
            let _lock = ngen_cache::lock::CacheLock::shared(&cache.layout().local());
            let q = QueueState::load(cache.layout()).map_err(report)?;
            let service = std::fs::read_to_string(cache.layout().local().join("service.pid"))
                .ok()
                .filter(|pid| std::path::Path::new("/proc").join(pid.trim()).exists());
            use std::fmt::Write as _;
            let mut text = String::new();
            let _ = writeln!(
                text,
                "Queue: {}",
                if q.paused { "paused" } else { "running" }
            );
            let _ = writeln!(
                text,
                "Service: {}",
                service
                    .map(|p| format!("running (pid {})", p.trim()))
                    .unwrap_or_else(|| "stopped".into())
            );
            let _ = writeln!(text, "Pending items: {}", q.items.len());
            let mut items = q.items.clone();
            items.sort_by_key(|i| (i.priority, i.seq));
            for i in &items {
                let _ = writeln!(text, "  [{}] priority {}: {}", i.seq, i.priority, i.action);
            }
            super::support::print_stdout(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_eqi(args: EqiArgs) -> miette::Result<ExitCode> {
    let cache = args.ngen.cache()?;
    let max = args.priority.unwrap_or(3);
    let locked = cache.lock().map_err(report)?;
    let mut all_ok = true;
    let mut executed = 0usize;
    loop {
        let q = QueueState::load(locked.layout()).map_err(report)?;
        let Some(item) = q.next(max, true).cloned() else {
            break;
        };
        executed += 1;
        all_ok &=
            execute_item(&locked, &item, args.ngen.jobs(), args.ngen.output()).map_err(report)?;
    }
    if executed == 0 && !args.ngen.silent {
        let scope = match args.priority {
            Some(p) if p < 3 => format!(" at priority {p} or more urgent"),
            _ => String::new(),
        };
        eprintln!("     Nothing queued{scope}");
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Removes the service's pid file when the service stops.
struct PidFile(std::path::PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn run_service(args: ServiceArgs) -> miette::Result<ExitCode> {
    let cache = args.ngen.cache()?;
    let layout = cache.layout().clone();
    ngen_cache::fsutil::create_dir_all(&layout.local()).map_err(report)?;
    let pid_path = layout.local().join("service.pid");
    if let Ok(pid) = std::fs::read_to_string(&pid_path)
        && pid.trim() != std::process::id().to_string()
        && std::path::Path::new("/proc").join(pid.trim()).exists()
    {
        return Err(miette::miette!(
            "the service is already running for this cache (pid {})",
            pid.trim()
        ));
    }
    std::fs::write(&pid_path, std::process::id().to_string())
        .map_err(|e| miette::miette!("cannot write {}: {e}", pid_path.display()))?;
    let _pid = PidFile(pid_path);
    let poll = Duration::from_millis(args.poll_ms.max(10));
    if !args.ngen.silent {
        eprintln!("     Service started for {}", layout.root().display());
    }
    loop {
        // Manual commands take precedence: wait while one runs or waits for the lock.
        if ManualMarker::others_active(&layout.local()) {
            std::thread::sleep(poll);
            continue;
        }
        let q = QueueState::load(&layout).map_err(report)?;
        if q.items.is_empty() && !args.keep_running {
            if !args.ngen.silent {
                eprintln!("     Service stopped: the queue is empty");
            }
            return Ok(ExitCode::SUCCESS);
        }
        if q.paused {
            std::thread::sleep(poll);
            continue;
        }
        let Some(candidate) = q.next(3, is_idle(args.idle_load)).cloned() else {
            std::thread::sleep(poll);
            continue;
        };
        let Some(locked) = cache.lock_for_service().map_err(report)? else {
            std::thread::sleep(poll);
            continue;
        };
        // Re-read under the lock: a manual eqi may have run it meanwhile.
        let q = QueueState::load(&layout).map_err(report)?;
        if q.paused || !q.items.iter().any(|i| i.seq == candidate.seq) {
            continue;
        }
        let item = q
            .next(3, is_idle(args.idle_load))
            .cloned()
            .unwrap_or(candidate);
        execute_item(&locked, &item, args.ngen.jobs(), args.ngen.output()).map_err(report)?;
    }
}
