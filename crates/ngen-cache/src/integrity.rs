//! Whether a cache's image directories agree with its index: what `package` checks before it
//! archives anything, so an installer never ships an image the index does not vouch for.
//!
//! Two disagreements are possible. An image the index names may have no `<Name>.ni.so` (a
//! file deleted by hand, a copy interrupted). And an image directory the index no longer names
//! may still be on disk: a failed build keeps the previous images (see
//! [`crate::engine::LockedCache::commit`]) until the next successful build collects them, and
//! `ngen-build run --images` searches directories recursively, so it would load them.
//!
//! Depends on [`crate::index`], [`crate::layout`] and [`crate::engine`]'s directory listing; reads directory listings only.

use ngen_manifest::Scenario;
use std::collections::BTreeSet;

use crate::engine::read_dirs;
use crate::index::Index;
use crate::layout::Layout;

/// One disagreement between the index and the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageProblem {
    /// The index names an image whose file is not there.
    Missing {
        /// The assembly's display name.
        assembly: String,
        /// Its scenario.
        scenario: Scenario,
        /// The image directory relative to the cache.
        dir: String,
    },
    /// An image directory on disk that the index does not name.
    Unreferenced {
        /// The image directory relative to the cache.
        dir: String,
    },
}

impl std::fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageProblem::Missing {
                assembly,
                scenario,
                dir,
            } => write!(f, "image missing: {assembly} ({scenario}), {dir}"),
            ImageProblem::Unreferenced { dir } => write!(
                f,
                "stale image {dir}: not in the index (left by a failed build)"
            ),
        }
    }
}

/// Every disagreement between `index` and the cache at `layout`, in a stable order (missing
/// images by directory, then unreferenced directories sorted).
pub fn check(layout: &Layout, index: &Index) -> Vec<ImageProblem> {
    let mut problems: Vec<ImageProblem> = index
        .images
        .iter()
        .filter(|img| {
            !layout
                .abs(&img.dir)
                .join(Layout::image_file(&img.name))
                .is_file()
        })
        .map(|img| ImageProblem::Missing {
            assembly: img.assembly.clone(),
            scenario: img.scenario,
            dir: img.dir.clone(),
        })
        .collect();
    let named: BTreeSet<&str> = index.images.iter().map(|i| i.dir.as_str()).collect();
    for dir in image_dirs_on_disk(layout) {
        if !named.contains(dir.as_str()) {
            problems.push(ImageProblem::Unreferenced { dir });
        }
    }
    problems
}

/// `<scenario>/<Name>/<Version>/<fp16>` directories present on disk, sorted.
fn image_dirs_on_disk(layout: &Layout) -> Vec<String> {
    let mut out = Vec::new();
    for scenario in Scenario::ALL {
        let scenario_dir = layout.scenario_dir(scenario);
        for name in read_dirs(&scenario_dir) {
            for version in read_dirs(&name) {
                for image in read_dirs(&version) {
                    if let Ok(rel) = image.strip_prefix(layout.root()) {
                        out.push(rel.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::ImageRecord;

    fn record(dir: &str, name: &str) -> ImageRecord {
        ImageRecord {
            dir: dir.into(),
            assembly: format!("{name}, Version=1.0.0.0"),
            name: name.into(),
            scenario: Scenario::Default,
            fingerprint: "f".into(),
            references: 1,
            methods_compiled: 1,
            methods_excluded: 0,
        }
    }

    #[test]
    fn finds_missing_and_unreferenced_images() {
        let root = tempfile::tempdir().unwrap();
        let layout = Layout::new(root.path());
        let present = "default/Lib/1.0.0.0/aaaa";
        let missing = "default/App/1.0.0.0/bbbb";
        let leftover = "default/Lib/1.0.0.0/cccc";
        for dir in [present, missing, leftover] {
            std::fs::create_dir_all(layout.abs(dir)).unwrap();
        }
        std::fs::write(layout.abs(present).join("Lib.ni.so"), b"elf").unwrap();
        let index = Index {
            images: vec![record(missing, "App"), record(present, "Lib")],
            ..Index::default()
        };
        assert_eq!(
            check(&layout, &index),
            vec![
                ImageProblem::Missing {
                    assembly: "App, Version=1.0.0.0".into(),
                    scenario: Scenario::Default,
                    dir: missing.into(),
                },
                ImageProblem::Unreferenced {
                    dir: leftover.into()
                },
            ]
        );
        std::fs::remove_dir_all(layout.abs(leftover)).unwrap();
        std::fs::write(layout.abs(missing).join("App.ni.so"), b"elf").unwrap();
        assert!(check(&layout, &index).is_empty());
    }
}
