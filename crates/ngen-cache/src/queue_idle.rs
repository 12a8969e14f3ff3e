//! When the machine is idle enough for priority-3 work (Ngen: "installed when the native image
//! service detects that the computer is idle").
//!
//! The model: the machine is idle when, at once,
//! - the 1-minute load average (`/proc/loadavg`) is at most `max_load_per_cpu × CPUs`, and
//! - over the last `window`, the CPU time spent by everything *but the service itself* (the
//!   aggregate `cpu` line of `/proc/stat` minus the service's own and its waited-for children's
//!   time from `/proc/self/stat`) is at most `max_busy_share` of the machine's CPU time.
//!
//! The second test needs a full window of samples: a service that just started is not idle
//! until it has watched the machine for `window`. The load average also counts the service's
//! own compiles for about a minute after they end; the CPU share does not, so the CPU share is
//! the precise test and the load average the coarse one. `NGEN_IDLE=1|0` forces the answer
//! (tests, CI, a machine that is never quiet). Jiffies in both files are in `USER_HZ` units,
//! so they can be subtracted from each other. See proc(5).
//!
//! Depends on nothing in the crate; it reads `/proc` only.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The thresholds (the service's `--idle-*` options).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdlePolicy {
    /// Largest 1-minute load average per CPU that still counts as idle.
    pub max_load_per_cpu: f64,
    /// Largest share (0–1) of the machine's CPU time used by other processes over the window.
    pub max_busy_share: f64,
    /// How long the CPU share is measured over.
    pub window: Duration,
    /// `Some(answer)` when `NGEN_IDLE` forces it.
    pub forced: Option<bool>,
}

impl IdlePolicy {
    /// The defaults documented in docs/build-tool.md: load ≤ 0.5 per CPU, others' CPU ≤ 20 %
    /// over 30 s.
    pub const DEFAULT: IdlePolicy = IdlePolicy {
        max_load_per_cpu: 0.5,
        max_busy_share: 0.20,
        window: Duration::from_secs(30),
        forced: None,
    };

    /// Reads `NGEN_IDLE` (`1`/`true`/`always` or `0`/`false`/`never`; anything else measures).
    pub fn forced_from_env() -> Option<bool> {
        match std::env::var("NGEN_IDLE").ok().as_deref() {
            Some("1") | Some("always") | Some("true") => Some(true),
            Some("0") | Some("never") | Some("false") => Some(false),
            _ => None,
        }
    }
}

/// The answer and why, for `queue status` and the service log.
#[derive(Debug, Clone, PartialEq)]
pub struct IdleVerdict {
    /// Whether priority-3 work may run.
    pub idle: bool,
    /// E.g. `load 0.10 ≤ 1.00 (2 CPUs), others' CPU 3% ≤ 20% over 30s`.
    pub reason: String,
}

/// One reading of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSample {
    /// Jiffies the machine spent not idle (user, nice, system, irq, softirq, steal).
    pub machine_busy: u64,
    /// All jiffies (busy plus idle and iowait).
    pub machine_total: u64,
    /// Jiffies of this process and its waited-for children.
    pub own: u64,
}

impl CpuSample {
    /// Reads `/proc/stat` and `/proc/self/stat`; `None` when either is unreadable.
    pub fn read() -> Option<CpuSample> {
        let (machine_busy, machine_total) =
            parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)?;
        let own = parse_self_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        Some(CpuSample {
            machine_busy,
            machine_total,
            own,
        })
    }
}

/// Watches the machine; call [`IdleMonitor::sample`] on every poll.
#[derive(Debug)]
pub struct IdleMonitor {
    policy: IdlePolicy,
    samples: VecDeque<(Instant, CpuSample)>,
}

impl IdleMonitor {
    /// A monitor with no samples yet.
    pub fn new(policy: IdlePolicy) -> IdleMonitor {
        IdleMonitor {
            policy,
            samples: VecDeque::new(),
        }
    }

    /// Takes a sample now.
    pub fn sample(&mut self) {
        if self.policy.forced.is_some() {
            return;
        }
        if let Some(s) = CpuSample::read() {
            self.push(Instant::now(), s);
        }
    }

    /// Adds a sample taken at `at` and forgets those no longer needed for one window.
    pub fn push(&mut self, at: Instant, sample: CpuSample) {
        self.samples.push_back((at, sample));
        // Keep the newest sample that is at least one window old as the base.
        while self
            .samples
            .get(1)
            .is_some_and(|(t, _)| at.duration_since(*t) >= self.policy.window)
        {
            self.samples.pop_front();
        }
    }

    /// Whether the machine is idle now, with the load average read from `/proc/loadavg`.
    pub fn verdict(&self) -> IdleVerdict {
        if let Some(idle) = self.policy.forced {
            return IdleVerdict {
                idle,
                reason: format!("NGEN_IDLE forces {}", if idle { "idle" } else { "busy" }),
            };
        }
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|t| parse_loadavg(&t));
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.verdict_with(load, cpus)
    }

    /// [`IdleMonitor::verdict`] with the load average and CPU count given (tests).
    pub fn verdict_with(&self, load: Option<f64>, cpus: usize) -> IdleVerdict {
        let policy = &self.policy;
        let Some(load) = load else {
            return busy("the load average is unreadable (/proc/loadavg)".into());
        };
        let max_load = policy.max_load_per_cpu * cpus as f64;
        let window = policy.window.as_secs_f64();
        if load > max_load {
            return busy(format!("load {load:.2} > {max_load:.2} ({cpus} CPUs)"));
        }
        let (Some((first_at, first)), Some((last_at, last))) =
            (self.samples.front(), self.samples.back())
        else {
            return busy("no CPU sample yet".into());
        };
        let watched = last_at.duration_since(*first_at).as_secs_f64();
        // Polls are not exact: a window counts as covered within 5 %.
        if watched < window * 0.95 {
            return busy(format!("watching the CPU: {watched:.0}s of {window:.0}s"));
        }
        let total = last.machine_total.saturating_sub(first.machine_total);
        let others = last
            .machine_busy
            .saturating_sub(first.machine_busy)
            .saturating_sub(last.own.saturating_sub(first.own));
        let share = if total == 0 {
            0.0
        } else {
            others as f64 / total as f64
        };
        let text = format!(
            "load {load:.2} ≤ {max_load:.2} ({cpus} CPUs), others' CPU {:.0}% {} {:.0}% over {watched:.0}s",
            share * 100.0,
            if share <= policy.max_busy_share {
                "≤"
            } else {
                ">"
            },
            policy.max_busy_share * 100.0
        );
        IdleVerdict {
            idle: share <= policy.max_busy_share,
            reason: text,
        }
    }
}

fn busy(reason: String) -> IdleVerdict {
    IdleVerdict {
        idle: false,
        reason,
    }
}

/// The 1-minute load average from `/proc/loadavg` text.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// (busy, total) jiffies from the aggregate `cpu` line of `/proc/stat` text. The columns are
/// user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already
/// counted in user and nice, so it is left out.
pub fn parse_proc_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [user, nice, system, idle, iowait, irq, softirq, rest @ ..] = fields.as_slice() else {
        return None;
    };
    let steal = rest.first().copied().unwrap_or(0);
    let busy = user + nice + system + irq + softirq + steal;
    Some((busy, busy + idle + iowait))
}

/// utime + stime + cutime + cstime from `/proc/self/stat` text (fields 14–17). The command
/// name (field 2) is in parentheses and may contain spaces, so fields are counted after the
/// last `)`.
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let after = &text[text.rfind(')')? + 1..];
    // After ")": field 3 (state) is index 0, so field n is index n - 3.
    let fields: Vec<&str> = after.split_whitespace().collect();
    (11..15)
        .map(|i| fields.get(i)?.parse::<u64>().ok())
        .sum::<Option<u64>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n";

    #[test]
    fn parses_proc_files() {
        assert_eq!(parse_proc_stat(STAT), Some((160, 1180)));
        assert_eq!(parse_loadavg("0.42 0.30 0.10 1/123 4567\n"), Some(0.42));
        let own = "4242 (ngen build) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 20 0 1 0 5 6 7";
        assert_eq!(parse_self_stat(own), Some(11 + 12 + 13 + 14));
        assert_eq!(parse_proc_stat("intr 1 2 3\n"), None);
        assert_eq!(parse_self_stat("garbage"), None);
    }

    fn monitor(share_busy: u64, own: u64) -> IdleMonitor {
        let policy = IdlePolicy {
            window: Duration::from_secs(10),
            ..IdlePolicy::DEFAULT
        };
        let mut m = IdleMonitor::new(policy);
        let t0 = Instant::now();
        m.push(
            t0,
            CpuSample {
                machine_busy: 0,
                machine_total: 0,
                own: 0,
            },
        );
        m.push(
            t0 + Duration::from_secs(10),
            CpuSample {
                machine_busy: share_busy,
                machine_total: 1000,
                own,
            },
        );
        m
    }

    #[test]
    fn idle_needs_low_load_and_low_cpu_of_others_over_a_full_window() {
        // 10 % busy: idle.
        assert!(monitor(100, 0).verdict_with(Some(0.1), 2).idle);
        // 50 % busy: not idle...
        let v = monitor(500, 0).verdict_with(Some(0.1), 2);
        assert!(!v.idle, "{}", v.reason);
        assert!(v.reason.contains("50% > 20%"), "{}", v.reason);
        // ...unless the service itself used most of it.
        assert!(monitor(500, 450).verdict_with(Some(0.1), 2).idle);
        // High load: not idle, whatever the CPU share.
        let v = monitor(0, 0).verdict_with(Some(1.5), 2);
        assert!(
            !v.idle && v.reason.contains("load 1.50 > 1.00"),
            "{}",
            v.reason
        );
        // Unreadable load average: not idle.
        assert!(!monitor(0, 0).verdict_with(None, 2).idle);
    }

    #[test]
    fn a_window_must_be_watched_before_the_machine_counts_as_idle() {
        let mut m = IdleMonitor::new(IdlePolicy {
            window: Duration::from_secs(10),
            ..IdlePolicy::DEFAULT
        });
        assert!(!m.verdict_with(Some(0.0), 1).idle);
        let t0 = Instant::now();
        let quiet = |total| CpuSample {
            machine_busy: 0,
            machine_total: total,
            own: 0,
        };
        m.push(t0, quiet(0));
        m.push(t0 + Duration::from_secs(3), quiet(300));
        let v = m.verdict_with(Some(0.0), 1);
        assert!(!v.idle && v.reason.contains("3s of 10s"), "{}", v.reason);
        m.push(t0 + Duration::from_secs(12), quiet(1200));
        assert!(m.verdict_with(Some(0.0), 1).idle);
        // Old samples are dropped, one window's worth is kept.
        m.push(t0 + Duration::from_secs(30), quiet(3000));
        assert_eq!(m.samples.len(), 2);
    }

    #[test]
    fn forcing_overrides_measurement() {
        let m = IdleMonitor::new(IdlePolicy {
            forced: Some(true),
            ..IdlePolicy::DEFAULT
        });
        assert!(m.verdict().idle);
        let m = IdleMonitor::new(IdlePolicy {
            forced: Some(false),
            ..IdlePolicy::DEFAULT
        });
        assert!(!m.verdict().idle);
    }
}
