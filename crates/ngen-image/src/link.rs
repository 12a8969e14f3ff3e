//! Linking a relocatable object into an ELF shared object with the system linker.
//!
//! Runs `cc -shared -nostdlib` in a fresh temporary directory with fixed relative file
//! names, and without a build-id, so that the output depends only on the object's bytes
//! (no paths, no timestamps): this is what makes images byte-reproducible.

use std::process::Command;

use crate::ImageError;

/// Links `object` (an ELF relocatable from cranelift-object) into `.so` bytes.
pub fn link_shared_object(object: &[u8]) -> Result<Vec<u8>, ImageError> {
    let dir = tempfile::Builder::new()
        .prefix("ngen-link-")
        .tempdir()
        .map_err(|e| ImageError::Link(format!("temporary directory: {e}")))?;
    let io = |path: &std::path::Path, source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let obj_path = dir.path().join("image.o");
    std::fs::write(&obj_path, object).map_err(|e| io(&obj_path, e))?;
    let output = Command::new("cc")
        .current_dir(dir.path())
        .args([
            "-shared",
            "-nostdlib",
            "-Wl,--build-id=none",
            "-Wl,-z,noexecstack",
            "-Wl,--hash-style=gnu",
            "-o",
            "image.so",
            "image.o",
        ])
        .output()
        .map_err(|e| ImageError::Link(format!("cannot run cc: {e}")))?;
    if !output.status.success() {
        return Err(ImageError::Link(format!(
            "cc exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let so_path = dir.path().join("image.so");
    std::fs::read(&so_path).map_err(|e| io(&so_path, e))
}
