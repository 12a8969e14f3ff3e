//! `ngen-build service`: Ngen's native image service for one cache.
//!
//! The model (Ngen's "Native Image Service" and "Service Shutdown"):
//! - at most one service per cache: it holds `.local/service.lock` (`queue_service`), so a
//!   second one (auto-started twice, or by systemd's timer) exits at once;
//! - it works through the persistent queue: priority 1, then 2, then 3 only when the machine is
//!   idle (`queue_idle`: load average and other processes' CPU share over a window, or
//!   `NGEN_IDLE=1|0`); it waits while `queue pause` is in effect;
//! - manual commands come first: each item runs in a child process (`service --run-item N`)
//!   holding the cache lock, and when a manual command appears (its marker in
//!   `.local/manual/`), or the queue is paused, the service stops that child (SIGKILL; the
//!   cache is crash-safe and keeps every complete image), waits until the manual command has
//!   finished, and runs the item again. A child that crashes loses its item (logged), so a bad
//!   item cannot stall the queue;
//! - an item leaves the queue only once done, so a killed service (`kill -9`, a reboot) redoes
//!   it on restart; the child dies with the service (`PR_SET_PDEATHSIG`);
//! - it exits when the queue is empty, deciding so under the cache lock (see
//!   `ngen_cache::queue_service` for the race with `install /queue`);
//! - it logs to `.local/service.log` (and to stderr when that is elsewhere: the journal under
//!   systemd), including each item's output.
//!
//! Depends on `ngen_cache::{queue, queue_idle, queue_service, lock}`, the queue command's
//! `execute_item`, and libc (`prctl`).

use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ngen_cache::lock::ManualMarker;
use ngen_cache::queue::{QueueItem, QueueState, log_completed};
use ngen_cache::queue_idle::{IdleMonitor, IdlePolicy};
use ngen_cache::queue_service::{ServiceLock, ServiceLog, ServiceState, ServiceStatus};
use ngen_cache::{Cache, queue_service};

use super::build::report;
use super::install::NgenOptions;
use super::queue::execute_item;
use super::support::usage_error;

/// Exit code of `--run-item` when it could not take the cache lock or the queue is paused:
/// nothing was done, try again later (sysexits' EX_TEMPFAIL).
const EXIT_RETRY: u8 = 75;

#[derive(clap::Args)]
pub struct ServiceArgs {
    /// How often to look at the queue, the machine and manual commands, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        env = "NGEN_SERVICE_POLL_MS"
    )]
    pub poll_ms: u64,
    /// Idle needs the 1-minute load average per CPU at most this (`NGEN_IDLE=1|0` forces idle).
    #[arg(
        long,
        value_name = "LOAD",
        default_value_t = 0.5,
        env = "NGEN_IDLE_LOAD"
    )]
    pub idle_load: f64,
    /// Idle needs other processes' share of the CPU time over the window at most this, in %.
    #[arg(
        long,
        value_name = "PERCENT",
        default_value_t = 20.0,
        env = "NGEN_IDLE_CPU"
    )]
    pub idle_cpu: f64,
    /// The window the CPU share is measured over, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30,
        env = "NGEN_IDLE_WINDOW"
    )]
    pub idle_window: u64,
    /// Keep running when the queue is empty (default: exit, as Ngen's service does).
    #[arg(long)]
    pub keep_running: bool,
    /// Internal: run one queued item under the cache lock (the service's child process).
    #[arg(long, value_name = "SEQ", hide = true)]
    pub run_item: Option<u64>,
    #[command(flatten)]
    pub ngen: NgenOptions,
}

impl ServiceArgs {
    fn idle_policy(&self) -> Result<IdlePolicy, miette::Report> {
        if !(self.idle_load >= 0.0 && self.idle_load.is_finite()) {
            return Err(miette::miette!(
                "--idle-load must be a load average per CPU of 0 or more, not {}",
                self.idle_load
            ));
        }
        if !(0.0..=100.0).contains(&self.idle_cpu) {
            return Err(miette::miette!(
                "--idle-cpu must be a percentage from 0 to 100, not {}",
                self.idle_cpu
            ));
        }
        Ok(IdlePolicy {
            max_load_per_cpu: self.idle_load,
            max_busy_share: self.idle_cpu / 100.0,
            window: Duration::from_secs(self.idle_window),
            forced: IdlePolicy::forced_from_env(),
        })
    }
}

pub fn run(args: ServiceArgs) -> miette::Result<ExitCode> {
    let policy = match args.idle_policy() {
        Ok(p) => p,
        Err(e) => return Ok(usage_error(e)),
    };
    let cache = args.ngen.cache()?;
    if let Some(seq) = args.run_item {
        return run_item(&cache, seq, &args.ngen);
    }
    ngen_cache::fsutil::create_dir_all(&cache.layout().local()).map_err(report)?;
    let Some(lock) = ServiceLock::try_acquire(cache.layout()).map_err(report)? else {
        let pid = queue_service::live_status(cache.layout()).map_or(0, |s| s.pid);
        if !args.ngen.silent {
            eprintln!(
                "     The service already runs for {} (pid {pid}); nothing to do",
                cache.layout().root().display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let log = Arc::new(ServiceLog::open(cache.layout()));
    let mut service = Service {
        cache: &cache,
        args: &args,
        lock: Some(lock),
        log: log.clone(),
        monitor: IdleMonitor::new(policy),
        last_state: None,
        last_written: Instant::now(),
    };
    log.line(&format!(
        "service started for {} (poll {} ms, idle: load ≤ {} per CPU, others' CPU ≤ {}% over {}s{})",
        cache.layout().root().display(),
        args.poll_ms,
        args.idle_load,
        args.idle_cpu,
        args.idle_window,
        match policy.forced {
            Some(true) => ", NGEN_IDLE forces idle",
            Some(false) => ", NGEN_IDLE forces busy",
            None => "",
        }
    ));
    match service.work() {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            log.line(&format!("service stopped on an error: {e}"));
            Err(report(e))
        }
    }
}

/// What became of an item's child process.
enum ItemOutcome {
    Done(bool),
    Retry,
    Preempted(&'static str),
    Crashed(ExitStatus),
}

struct Service<'a> {
    cache: &'a Cache,
    args: &'a ServiceArgs,
    /// Held until the service decides to stop.
    lock: Option<ServiceLock>,
    log: Arc<ServiceLog>,
    monitor: IdleMonitor,
    last_state: Option<ServiceState>,
    last_written: Instant,
}

impl Service<'_> {
    fn poll(&self) -> Duration {
        Duration::from_millis(self.args.poll_ms.max(10))
    }

    /// Records a state change in the status file, and in the log when its kind changes.
    fn set_state(&mut self, state: ServiceState) -> ngen_cache::Result<()> {
        let same_kind = self
            .last_state
            .as_ref()
            .is_some_and(|s| std::mem::discriminant(s) == std::mem::discriminant(&state));
        let refresh = same_kind
            && self.last_state.as_ref() != Some(&state)
            && self.last_written.elapsed() >= Duration::from_secs(5);
        if same_kind && !refresh {
            return Ok(());
        }
        if !same_kind {
            self.log.line(&state.to_string());
        }
        if let Some(lock) = &self.lock {
            lock.set_status(&ServiceStatus {
                pid: std::process::id(),
                state: state.clone(),
            })?;
        }
        self.last_state = Some(state);
        self.last_written = Instant::now();
        Ok(())
    }

    fn layout(&self) -> &ngen_cache::Layout {
        self.cache.layout()
    }

    fn work(&mut self) -> ngen_cache::Result<()> {
        self.set_state(ServiceState::Starting)?;
        loop {
            if !self.layout().root().is_dir() {
                self.log
                    .line("service stopped: the cache directory is gone");
                return Ok(());
            }
            self.monitor.sample();
            if ManualMarker::others_active(&self.layout().local()) {
                self.set_state(ServiceState::YieldingToManual)?;
                std::thread::sleep(self.poll());
                continue;
            }
            let queue = QueueState::load(self.layout())?;
            if queue.items.is_empty() {
                if self.args.keep_running {
                    self.set_state(ServiceState::WaitingForWork)?;
                } else if self.stop_if_still_empty()? {
                    return Ok(());
                }
                std::thread::sleep(self.poll());
                continue;
            }
            if queue.paused {
                self.set_state(ServiceState::Paused)?;
                std::thread::sleep(self.poll());
                continue;
            }
            // Priorities 1 and 2 never wait for idle time; 3 asks the monitor.
            let item = match queue.next(2, false) {
                Some(item) => Some(item.clone()),
                None => {
                    let verdict = self.monitor.verdict();
                    let item = queue.next(3, verdict.idle).cloned();
                    if item.is_none() && !queue.items.is_empty() {
                        self.set_state(ServiceState::WaitingForIdle {
                            reason: verdict.reason,
                        })?;
                    }
                    item
                }
            };
            let Some(item) = item else {
                std::thread::sleep(self.poll());
                continue;
            };
            self.run_one(&item)?;
        }
    }

    /// Exits when the queue is still empty under the cache lock; `false` to keep polling.
    fn stop_if_still_empty(&mut self) -> ngen_cache::Result<bool> {
        let Some(locked) = self.cache.lock_for_service()? else {
            return Ok(false);
        };
        if !QueueState::load(locked.layout())?.items.is_empty() {
            return Ok(false);
        }
        self.log.line("service stopped: the queue is empty");
        // The service lock goes first, while the cache lock still keeps installers out.
        drop(self.lock.take());
        drop(locked);
        Ok(true)
    }

    fn run_one(&mut self, item: &QueueItem) -> ngen_cache::Result<()> {
        self.set_state(ServiceState::Executing {
            seq: item.seq,
            priority: item.priority,
            what: item.action.to_string(),
        })?;
        match self.run_child(item)? {
            ItemOutcome::Done(true) => self.log.line(&format!("item {} done", item.seq)),
            ItemOutcome::Done(false) => self.log.line(&format!(
                "item {} failed (its output is above); it left the queue",
                item.seq
            )),
            ItemOutcome::Retry => {
                self.set_state(ServiceState::WaitingForLock)?;
                std::thread::sleep(self.poll());
            }
            ItemOutcome::Preempted(why) => self.log.line(&format!(
                "stopped item {} for {why}; it runs again afterwards",
                item.seq
            )),
            ItemOutcome::Crashed(status) => {
                self.log.line(&format!(
                    "item {} crashed ({status}); removing it from the queue. Run `ngen-build {}` by hand to see why",
                    item.seq, item.action
                ));
                let locked = self.cache.lock()?;
                let mut queue = QueueState::load(locked.layout())?;
                queue.remove(item.seq);
                queue.save(locked.layout())?;
                log_completed(locked.layout(), item, false);
            }
        }
        Ok(())
    }

    /// Runs `item` in a child process, stopping it when a manual command or a pause needs the
    /// cache.
    fn run_child(&mut self, item: &QueueItem) -> ngen_cache::Result<ItemOutcome> {
        let io = |e| ngen_cache::CacheError::io("cannot start", &self.layout().local(), e);
        let mut child = self.spawn_child(item).map_err(io)?;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(io)? {
                break status;
            }
            let why = if ManualMarker::others_active(&self.layout().local()) {
                Some("a manual command")
            } else if QueueState::load(self.layout()).is_ok_and(|q| q.paused) {
                Some("`queue pause`")
            } else {
                None
            };
            if let Some(why) = why {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(ItemOutcome::Preempted(why));
            }
            std::thread::sleep(self.poll());
        };
        Ok(match status.code() {
            Some(0) => ItemOutcome::Done(true),
            Some(1) => ItemOutcome::Done(false),
            Some(c) if c == i32::from(EXIT_RETRY) => ItemOutcome::Retry,
            _ => ItemOutcome::Crashed(status),
        })
    }

    fn spawn_child(&self, item: &QueueItem) -> std::io::Result<Child> {
        let (reader, writer) = std::io::pipe()?;
        let mut command = Command::new(std::env::current_exe()?);
        command
            .arg("service")
            .arg("--run-item")
            .arg(item.seq.to_string())
            .arg("--cache-dir")
            .arg(std::path::absolute(self.layout().root())?)
            .arg("-j")
            .arg(self.args.ngen.jobs().to_string())
            .stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer);
        if self.args.ngen.verbose {
            command.arg("--verbose");
        }
        if self.args.ngen.silent {
            command.arg("--silent");
        }
        // SAFETY: prctl is async-signal-safe. The child dies with the service, so a killed
        // service (a reboot) leaves no item half-run by an orphan.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn()?;
        // `command` holds the pipe's write ends; drop it so the reader sees the end.
        drop(command);
        let log = self.log.clone();
        let seq = item.seq;
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                log.line(&format!("  item {seq}: {line}"));
            }
        });
        Ok(child)
    }
}

/// The child: runs item `seq` under the cache lock. Exit 0 done (or already done by someone
/// else), 1 failed, [`EXIT_RETRY`] not run (lock busy or paused).
fn run_item(cache: &Cache, seq: u64, ngen: &NgenOptions) -> miette::Result<ExitCode> {
    let Some(locked) = cache.lock_for_service().map_err(report)? else {
        return Ok(ExitCode::from(EXIT_RETRY));
    };
    let queue = QueueState::load(locked.layout()).map_err(report)?;
    if queue.paused {
        return Ok(ExitCode::from(EXIT_RETRY));
    }
    let Some(item) = queue.items.iter().find(|i| i.seq == seq).cloned() else {
        return Ok(ExitCode::SUCCESS);
    };
    let ok = execute_item(&locked, &item, ngen.jobs(), ngen.output()).map_err(report)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
