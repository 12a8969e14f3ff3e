//! The cache refuses a tree that others could write, before any command uses it: the cache
//! directory, `.local/`, `index.json`, every directory of the image tree and every file in an
//! image directory must be writable only by their owner, who must be this user or root
//! (`ngen_image::trust`, the rule the runtime applies to the images it maps). The message says
//! what to run (`chmod go-w …`), as ssh does for a private key.
//!
//! Cost: one `stat` per directory and image file (about 80 for a closure of 11 images).
//!
//! Depends on [`crate::layout`], [`crate::error`] and ngen-image's `trust`.

use std::path::{Path, PathBuf};

use ngen_image::trust::check_path;
use ngen_manifest::Scenario;

use crate::error::{CacheError, Result};
use crate::layout::Layout;

/// Checks every part of the cache at `layout` that exists.
pub fn check_cache_tree(layout: &Layout) -> Result<()> {
    let check = |p: &Path| check_path(p).map_err(CacheError::Untrusted);
    check(layout.root())?;
    for p in [layout.local(), layout.index()] {
        if p.exists() {
            check(&p)?;
        }
    }
    for scenario in Scenario::ALL {
        let dir = layout.scenario_dir(scenario);
        if dir.is_dir() {
            check_below(&dir, 3, &check)?;
        }
    }
    Ok(())
}

/// Checks `dir` and, `depth` levels down, every entry under it (files and directories).
fn check_below(dir: &Path, depth: usize, check: &dyn Fn(&Path) -> Result<()>) -> Result<()> {
    check(dir)?;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            if depth > 0 {
                check_below(&child, depth - 1, check)?;
            } else {
                check(&child)?;
            }
        } else {
            check(&child)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn refuses_a_writable_image_file_deep_in_the_tree() {
        let root = tempfile::tempdir().unwrap();
        let layout = Layout::new(root.path());
        let image_dir = root.path().join("default/App/1.0.0.0/0123456789abcdef");
        crate::fsutil::create_dir_all(&image_dir).unwrap();
        crate::fsutil::write_new_file(&image_dir.join("App.ni.so"), b"x").unwrap();
        assert!(check_cache_tree(&layout).is_ok());
        chmod(&image_dir.join("App.ni.so"), 0o666);
        let err = check_cache_tree(&layout).unwrap_err().to_string();
        assert!(err.contains("permissions 0666 for"), "{err}");
        assert!(err.contains("App.ni.so' are too open"), "{err}");
        chmod(&image_dir.join("App.ni.so"), 0o644);
        chmod(&root.path().join("default/App"), 0o775);
        let err = check_cache_tree(&layout).unwrap_err().to_string();
        assert!(err.contains("permissions 0775 for"), "{err}");
        assert!(err.contains("run `chmod go-w"), "{err}");
    }
}
