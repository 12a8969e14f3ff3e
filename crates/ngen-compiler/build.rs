//! The source digest in the compiler identity images are stamped with.
//!
//! An image is valid only for the compiler that made it: the cells, helper slots and layouts it
//! was compiled against are those of the compiler's source, and the format version is bumped
//! only at releases' pace. Two `ngen-build` binaries with the same version but different sources
//! (a rebuild during development, a nightly) must not accept each other's images — a runtime
//! that did crashed on images whose cell semantics had changed. So the identity carries a BLAKE3
//! digest of the source of this crate and of every workspace crate it compiles against, over
//! their relative paths and contents in sorted order: the same source gives the same identity on
//! any machine and in any directory (images stay reproducible), any change gives another.
//!
//! Depends on: blake3 (build dependency).

use std::fs;
use std::path::{Path, PathBuf};

/// The crates whose source decides what an image means: this one and the workspace crates it
/// compiles against (siblings under `crates/`).
const CONTRACT_CRATES: &[&str] = &[
    "ngen-compiler",
    "ngen-abi",
    "ngen-typesystem",
    "ngen-metadata",
    "ngen-image",
    "ngen-symbols",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let crates_dir = manifest_dir.parent().unwrap_or(&manifest_dir).to_path_buf();
    let mut hasher = blake3::Hasher::new();
    for name in CONTRACT_CRATES {
        let src = crates_dir.join(name).join("src");
        if !src.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", src.display());
        let mut files = Vec::new();
        collect_files(&src, &mut files);
        files.sort();
        for file in files {
            let relative = file.strip_prefix(&crates_dir).unwrap_or(&file);
            let Ok(bytes) = fs::read(&file) else { continue };
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(&[0]);
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    let digest = hasher.finalize().to_hex();
    println!(
        "cargo:rustc-env=NGEN_COMPILER_SOURCE_DIGEST={}",
        &digest.as_str()[..16]
    );
}

/// Every file under `dir`, recursively.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
