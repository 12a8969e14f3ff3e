//! `ngen-build queue pause|continue|status` and `executeQueuedItems [1|2|3]` (alias `eqi`):
//! Ngen's deferred compilation, seen from the command line. The service that works through
//! the queue by itself is `service.rs`; `service_start.rs` starts it.
//!
//! `queue status` reads without the cache lock (the queue and the service's status file are
//! replaced atomically), so it answers at once even while an item compiles.

use std::process::ExitCode;

use ngen_cache::queue::{QueueItem, QueueState, QueuedAction, log_completed};
use ngen_cache::queue_service;
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

/// Runs one item (under the lock held by the caller) and removes it from the queue.
pub(crate) fn execute_item(
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
            if !q.paused {
                super::service_start::after_queueing(&locked, args.ngen.silent);
            }
        }
        QueueCommand::Status => {
            let text = status_text(cache.layout()).map_err(report)?;
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

/// `queue status`: the queue, the service (state, pid, item in progress) and what remains.
fn status_text(layout: &ngen_cache::Layout) -> Result<String, CacheError> {
    use std::fmt::Write as _;
    let q = QueueState::load(layout)?;
    let service = queue_service::live_status(layout);
    let in_progress = match &service {
        Some(queue_service::ServiceStatus {
            state: queue_service::ServiceState::Executing { seq, .. },
            ..
        }) => Some(*seq),
        _ => None,
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Queue: {}",
        if q.paused { "paused" } else { "running" }
    );
    match &service {
        Some(s) => {
            let _ = writeln!(text, "Service: running (pid {}), {}", s.pid, s.state);
        }
        None if q.items.is_empty() || q.paused => {
            let _ = writeln!(text, "Service: stopped");
        }
        None => {
            let _ = writeln!(
                text,
                "Service: stopped (`ngen-build service` or `ngen-build executeQueuedItems` runs \
                 the pending items)"
            );
        }
    }
    let _ = writeln!(text, "Pending items: {}", q.items.len());
    let mut items = q.items.clone();
    items.sort_by_key(|i| (i.priority, i.seq));
    for i in &items {
        let mark = if in_progress == Some(i.seq) {
            " (in progress)"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "  [{}] priority {}: {}{mark}",
            i.seq, i.priority, i.action
        );
    }
    let _ = writeln!(text, "Log: {}", queue_service::log_path(layout).display());
    Ok(text)
}
