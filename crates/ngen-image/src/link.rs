//! Linking a relocatable object into an ELF shared object with the system linker.
//!
//! Runs `cc -shared -nostdlib` in a fresh temporary directory with fixed relative file
//! names, and without a build-id, so that the output depends only on the object's bytes
//! (no paths, no timestamps): this is what makes images byte-reproducible.
//!
//! Every image gets the soname `<Assembly>.ni.so`. A hard-bound image is linked against the
//! images it binds to, copied into the directory under their sonames, so its undefined method
//! symbols resolve there and its `DT_NEEDED` entries are those bare sonames: no path and no
//! `RUNPATH`. The runtime maps the dependency images first, and the dynamic loader matches a
//! `DT_NEEDED` name against the sonames of objects already loaded (glibc's `_dl_map_object`),
//! so the images stay relocatable wherever the cache lives.

use std::io::{BufWriter, Write};
use std::process::Command;

use crate::ImageError;

/// An image a hard-bound image is linked against.
#[derive(Clone, Debug)]
pub struct LinkedDependency {
    /// Its soname, `<Assembly>.ni.so` (what the dependent's `DT_NEEDED` names).
    pub soname: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Links the object `write_object` writes (an ELF relocatable from cranelift-object) into
/// `.so` bytes named `soname`, against the images it is hard-bound to (`dependencies`, none
/// for a soft-bound image). The object is streamed to the linker's input file, never held
/// whole in memory, and whatever `write_object` owns is dropped before the linker runs: an
/// image's object is the compile's largest allocation.
pub fn link_shared_object(
    write_object: impl FnOnce(&mut dyn Write) -> Result<(), String>,
    soname: &str,
    dependencies: &[LinkedDependency],
) -> Result<Vec<u8>, ImageError> {
    let dir = tempfile::Builder::new()
        .prefix("ngen-link-")
        .tempdir()
        .map_err(|e| ImageError::Link(format!("temporary directory: {e}")))?;
    let io = |path: &std::path::Path, source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let plain_name = |name: &str| {
        !name.is_empty() && !name.contains('/') && name != "image.o" && name != "image.so"
    };
    if !plain_name(soname) {
        return Err(ImageError::Link(format!("bad soname {soname:?}")));
    }
    let obj_path = dir.path().join("image.o");
    let file = std::fs::File::create(&obj_path).map_err(|e| io(&obj_path, e))?;
    let mut writer = BufWriter::new(file);
    write_object(&mut writer).map_err(|e| ImageError::Link(format!("writing the object: {e}")))?;
    writer.flush().map_err(|e| io(&obj_path, e))?;
    drop(writer);
    let mut args: Vec<String> = [
        "-shared",
        "-nostdlib",
        "-Wl,--build-id=none",
        "-Wl,-z,noexecstack",
        "-Wl,--hash-style=gnu",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("-Wl,-soname,{soname}"));
    args.extend(["-o", "image.so", "image.o"].map(String::from));
    if !dependencies.is_empty() {
        // Every dependency is recorded, used or not (the header lists them all), and their own
        // hard dependencies need not be present here.
        args.extend(["-Wl,--no-as-needed", "-Wl,--allow-shlib-undefined"].map(String::from));
    }
    for dependency in dependencies {
        if !plain_name(&dependency.soname) || dependency.soname == soname {
            return Err(ImageError::Link(format!(
                "bad dependency soname {:?}",
                dependency.soname
            )));
        }
        let path = dir.path().join(&dependency.soname);
        std::fs::write(&path, &dependency.bytes).map_err(|e| io(&path, e))?;
        // A relative file name: the linker records the library's own soname as DT_NEEDED.
        args.push(dependency.soname.clone());
    }
    let output = Command::new("cc")
        .current_dir(dir.path())
        .args(&args)
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
