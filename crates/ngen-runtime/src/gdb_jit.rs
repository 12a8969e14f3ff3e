//! The debug scenario's runtime half (issue 12): whether JIT code of this run is debug code
//! (unoptimised, every variable in a stack slot, as the run's debug images are).
//!
//! Depends on: nothing but std.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the run is in the debug scenario.
static DEBUG: AtomicBool = AtomicBool::new(false);

/// Records the run's scenario (before anything is compiled).
pub(crate) fn start(scenario: ngen_abi::Scenario) {
    DEBUG.store(scenario.debug, Ordering::Relaxed);
}

/// Whether the JIT compiles debug-scenario code.
pub(crate) fn debug_scenario() -> bool {
    DEBUG.load(Ordering::Relaxed)
}
