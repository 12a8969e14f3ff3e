//! `NGEN_LOG=binding`: every image decision and JIT compilation on stderr; `NGEN_LOG=gc`: the
//! collector's figures at exit.

use std::sync::OnceLock;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("NGEN_LOG")
            .map(|v| {
                v.split(',')
                    .any(|p| p.trim() == "binding" || p.trim() == "all")
            })
            .unwrap_or(false)
    })
}

/// Logs one binding decision.
pub(crate) fn binding(message: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("ngen[binding]: {}", message());
    }
}

/// Under `NGEN_LOG=gc`, prints the collector's figures and the peak resident set at exit.
pub(crate) fn gc_summary() {
    if !ngen_gc::log_enabled() {
        return;
    }
    let stats = ngen_gc::stats();
    let peak_rss_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    eprintln!(
        "ngen[gc]: collections={} heap_bytes={} allocated_bytes={} peak_rss_kib={peak_rss_kib}",
        stats.collections, stats.heap_bytes, stats.allocated_bytes
    );
}
