//! Wildcards in a root's `path` (issue 10, item 7): `path = "plugins/*.dll"` makes every
//! matching file a root, so plugin DLLs that no `.exe` references still get images.
//!
//! The model: a `path` containing `*`, `?` or `[` is a glob pattern relative to the manifest
//! (`**` matches any number of directories), expanded when the manifest loads; each matching
//! file is one root with its own label (its path relative to the manifest, `/`-separated), in
//! sorted order, so the roots and the index do not depend on directory order. A pattern that
//! matches no file is an error, as a missing file is.
//!
//! Depends on the `glob` crate only.

use std::path::{Path, PathBuf};

/// Whether a `path` is a pattern rather than a file name.
pub(crate) fn is_pattern(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// Why a pattern gave no roots.
#[derive(Debug)]
pub(crate) enum GlobProblem {
    /// The pattern is malformed (`[` without `]`, ...).
    Invalid(String),
    /// No file matches.
    NoMatch,
}

/// The files matching `pattern` (relative to `dir`), sorted, with their labels.
pub(crate) fn expand(dir: &Path, pattern: &str) -> Result<Vec<(PathBuf, String)>, GlobProblem> {
    let full = dir.join(pattern);
    let paths = glob::glob(&full.to_string_lossy())
        .map_err(|e| GlobProblem::Invalid(format!("{} (at character {})", e.msg, e.pos)))?;
    let mut found: Vec<(PathBuf, String)> = paths
        .flatten()
        .filter(|p| p.is_file())
        .map(|p| {
            let label = p
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| p.to_string_lossy().into_owned());
            (p, label)
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    if found.is_empty() {
        return Err(GlobProblem::NoMatch);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_expands_to_sorted_files_with_relative_labels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("plugins/sub")).unwrap();
        for f in [
            "plugins/B.dll",
            "plugins/A.dll",
            "plugins/sub/C.dll",
            "plugins/x.txt",
        ] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("plugins/D.dll")).unwrap();
        let labels = |p: &str| -> Vec<String> {
            expand(dir.path(), p)
                .unwrap()
                .into_iter()
                .map(|(_, l)| l)
                .collect()
        };
        assert_eq!(labels("plugins/*.dll"), ["plugins/A.dll", "plugins/B.dll"]);
        assert_eq!(
            labels("plugins/**/*.dll"),
            ["plugins/A.dll", "plugins/B.dll", "plugins/sub/C.dll"]
        );
        assert!(matches!(
            expand(dir.path(), "none/*.dll"),
            Err(GlobProblem::NoMatch)
        ));
        assert!(matches!(
            expand(dir.path(), "plugins/[.dll"),
            Err(GlobProblem::Invalid(_))
        ));
        assert!(is_pattern("plugins/*.dll") && !is_pattern("bin/App.exe"));
    }
}
