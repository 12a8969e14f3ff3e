//! The deferred queue of Ngen's native image service: `install /queue[:n]`, `update /queue`,
//! `executeQueuedItems [n]`, `queue pause|continue|status` and the service's choice of the
//! next item.
//!
//! State lives in `<cache>/.local/queue.json` (written atomically under the cache lock), so
//! the queue survives restarts of the service and of the machine; an item is removed only
//! after it completed, so a killed service redoes it (actions are idempotent). Each completed
//! item is appended to `.local/queue.log`.
//!
//! Priorities: 1 runs at once, 2 after every 1, 3 only when the machine is idle
//! ([`crate::queue_idle`]). The service itself (lock, status, log) is
//! [`crate::queue_service`].
//!
//! Depends on [`crate::layout`], [`crate::fsutil`], [`crate::error`] and
//! [`crate::engine::json_bytes`] (the canonical JSON form).

use std::path::PathBuf;

use ngen_manifest::Scenario;
use serde::{Deserialize, Serialize};

use crate::error::{CacheError, Result};
use crate::fsutil;
use crate::layout::Layout;

/// A queued action with everything needed to run it later (absolute paths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum QueuedAction {
    /// `install`.
    Install {
        /// Absolute path or display name.
        root: String,
        /// Scenario.
        scenario: Scenario,
        /// `/ExeConfig`.
        exe_config: Option<PathBuf>,
        /// `/AppBase`.
        app_base: Option<PathBuf>,
        /// Framework directory override.
        framework_dir: Option<PathBuf>,
        /// `false` for `/NoDependencies`.
        dependencies: bool,
        /// Compile framework dependencies too.
        compile_framework: bool,
    },
    /// `update`.
    Update,
}

impl std::fmt::Display for QueuedAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueuedAction::Install { root, scenario, .. } => {
                write!(f, "install {root} ({scenario})")
            }
            QueuedAction::Update => write!(f, "update"),
        }
    }
}

/// One queued item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Order of arrival.
    pub seq: u64,
    /// 1, 2 or 3.
    pub priority: u8,
    /// What to do.
    #[serde(flatten)]
    pub action: QueuedAction,
}

/// The persistent queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueState {
    /// `queue pause` was issued (the service waits; `executeQueuedItems` still runs items).
    pub paused: bool,
    /// Next sequence number.
    pub next_seq: u64,
    /// Pending items in arrival order.
    pub items: Vec<QueueItem>,
}

impl QueueState {
    /// Reads the queue of the cache at `layout` (absent = empty).
    pub fn load(layout: &Layout) -> Result<QueueState> {
        let path = layout.queue();
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| CacheError::Corrupt {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QueueState::default()),
            Err(e) => Err(CacheError::io("cannot read", &path, e)),
        }
    }

    /// Writes it atomically (call with the cache lock held).
    pub fn save(&self, layout: &Layout) -> Result<()> {
        fsutil::create_dir_all(&layout.local())?;
        fsutil::write_atomic(
            &layout.queue(),
            &crate::engine::json_bytes(self),
            &layout.tmp(),
        )
    }

    /// Appends an item; an identical pending action keeps the better (lower) priority.
    pub fn push(&mut self, priority: u8, action: QueuedAction) -> u64 {
        if let Some(existing) = self.items.iter_mut().find(|i| i.action == action) {
            existing.priority = existing.priority.min(priority);
            return existing.seq;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.items.push(QueueItem {
            seq,
            priority,
            action,
        });
        seq
    }

    /// The next item with priority ≤ `max_priority`: lowest priority number first, then
    /// arrival order. Priority 3 items are offered only when `idle`.
    pub fn next(&self, max_priority: u8, idle: bool) -> Option<&QueueItem> {
        self.items
            .iter()
            .filter(|i| i.priority <= max_priority)
            .filter(|i| i.priority < 3 || idle)
            .min_by_key(|i| (i.priority, i.seq))
    }

    /// Removes a completed item.
    pub fn remove(&mut self, seq: u64) {
        self.items.retain(|i| i.seq != seq);
    }
}

/// Appends a completed item to `.local/queue.log`.
pub fn log_completed(layout: &Layout, item: &QueueItem, ok: bool) {
    use std::io::Write;
    let line = serde_json::json!({"seq": item.seq, "priority": item.priority, "what": item.action.to_string(), "ok": ok});
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(layout.queue_log())
    {
        let _ = writeln!(f, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_order_and_idle_gate() {
        let mut q = QueueState::default();
        let install = |r: &str| QueuedAction::Install {
            root: r.into(),
            scenario: Scenario::Default,
            exe_config: None,
            app_base: None,
            framework_dir: None,
            dependencies: true,
            compile_framework: false,
        };
        q.push(3, install("A3"));
        q.push(2, install("A2"));
        q.push(1, install("A1"));
        q.push(2, install("B2"));
        let order = |q: &mut QueueState, idle| {
            let mut v = Vec::new();
            while let Some(i) = q.next(3, idle).cloned() {
                v.push(i.action.to_string());
                q.remove(i.seq);
            }
            v
        };
        assert_eq!(
            order(&mut q.clone(), false),
            vec![
                "install A1 (default)",
                "install A2 (default)",
                "install B2 (default)"
            ]
        );
        assert_eq!(order(&mut q.clone(), true).len(), 4);
        assert_eq!(q.next(1, true).map(|i| i.priority), Some(1));
        // Re-queuing the same action keeps one item with the better priority.
        let seq = q.push(1, install("A3"));
        assert_eq!(q.items.len(), 4);
        assert_eq!(
            q.items.iter().find(|i| i.seq == seq).map(|i| i.priority),
            Some(1)
        );
    }
}
