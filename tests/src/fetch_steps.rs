//! The steps the test helpers that fetch Debian packages at test time share
//! ([`crate::debian_apps`], [`crate::mono_sources`]): run a download or extraction command and
//! turn its failure into the reason a test prints when it skips, and find the file a download
//! wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `command` (described as `what` in messages); its failure, or a failure to start it,
/// is the reason, with its standard error and `hint` (what is likely missing).
pub(crate) fn run(command: &mut Command, what: &str, hint: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!(" ({hint})")
    };
    Err(format!(
        "`{what}` failed{hint}: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

/// The first file directly in `dir` whose name `wanted` accepts, or why there is none.
pub(crate) fn file_named(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
    missing: &str,
) -> Result<PathBuf, String> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&wanted))
        .ok_or_else(|| missing.to_string())
}
