//! The dependency images an image is hard-bound to, read and checked before compiling: each
//! must be an image of this compiler, target and scenario, of the very assembly the compiled
//! one is bound against (same MVID). From each comes what the back end needs (its exported
//! methods, `backend::aot::HardImage`), what the linker needs (its bytes under its soname)
//! and what the header records (`ngen_image::HardBinding`: name, MVID, BLAKE3 of its bytes).
//!
//! Depends on: ngen-image (header, exports, digest), [`crate::backend::aot`].

use std::path::PathBuf;

use ngen_abi::Scenario;
use ngen_image::{AssemblyStamp, HardBinding, LinkedDependency};

use crate::CompileError;
use crate::backend::aot::HardImage;

/// The hard dependencies of one compilation, in the order given (sorted by name for the
/// header).
#[derive(Default)]
pub(crate) struct HardDependencies {
    pub images: Vec<HardImage>,
    pub linked: Vec<LinkedDependency>,
    pub bindings: Vec<HardBinding>,
}

/// Reads the images at `paths`; `references` are the stamps of the assemblies the compiled
/// one is compiled against.
pub(crate) fn read(
    paths: &[PathBuf],
    references: &[AssemblyStamp],
    scenario: Scenario,
) -> Result<HardDependencies, CompileError> {
    let mut out = HardDependencies::default();
    for path in paths {
        let fail = |reason: String| CompileError::HardDependency {
            path: path.clone(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let header = ngen_image::read_header_from_bytes(&bytes).map_err(|e| fail(e.to_string()))?;
        if header.compiler != crate::compiler_identity() || header.target != crate::target_triple()
        {
            return Err(fail(format!(
                "compiled by {} {} for {}, not by this compiler",
                header.compiler.name, header.compiler.version, header.target
            )));
        }
        if header.scenario != scenario.bits() {
            return Err(fail(format!(
                "compiled for scenario bits {}, this image is for {}",
                header.scenario,
                scenario.bits()
            )));
        }
        let name = header.assembly.name.clone();
        if !references.contains(&header.assembly) {
            return Err(fail(format!(
                "it is an image of {name} (MVID {}), which is not the {name} this assembly is \
                 compiled against",
                header.assembly.mvid
            )));
        }
        let exports =
            ngen_image::exported_methods(&bytes, &name).map_err(|e| fail(e.to_string()))?;
        out.bindings.push(HardBinding {
            name: name.clone(),
            mvid: header.assembly.mvid.clone(),
            image_blake3: ngen_image::digest::hex_digest(&bytes),
        });
        out.linked.push(LinkedDependency {
            soname: image_soname(&name),
            bytes,
        });
        out.images.push(HardImage { name, exports });
    }
    out.bindings.sort();
    out.bindings
        .dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
    Ok(out)
}

/// The soname of `assembly`'s image: its file name, `<assembly>.ni.so`.
pub(crate) fn image_soname(assembly: &str) -> String {
    format!("{assembly}.ni.so")
}
