//! `NGEN_LOG=binding`: every image decision and JIT compilation on stderr.

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
