//! Native images on disk: finding them, validating what can be checked without the binder,
//! and mapping them (dlopen) with their tables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ngen_abi::helpers::HELPER_COUNT;
use ngen_abi::image::{ImageTables, ImportCell, TABLES_SYMBOL};
use ngen_image::{ImageHeader, mvid_hex};

/// Every `*.ni.so` under `dirs` (recursively), by lowercase assembly name, in sorted order.
pub(crate) fn index_images(dirs: &[PathBuf]) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for dir in dirs {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for f in files {
            let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(stem) = name.strip_suffix(".ni.so") {
                out.entry(stem.to_ascii_lowercase()).or_default().push(f);
            }
        }
    }
    out
}

/// Image files for assembly `name` under `dirs`, in search order.
pub fn find_image_candidates(dirs: &[PathBuf], name: &str) -> Vec<PathBuf> {
    index_images(dirs)
        .remove(&name.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Checks everything except the references: compiler identity, target, `scenario` (the run's), the
/// assembly's name and MVID, and the MethodDef count.
pub(crate) fn validate_own(
    header: &ImageHeader,
    name: &str,
    mvid: [u8; 16],
    method_rows: u32,
    scenario: ngen_abi::Scenario,
) -> Result<(), String> {
    let ours = ngen_compiler::compiler_identity();
    if header.compiler != ours {
        return Err(format!(
            "compiled by {} {} ({}), this runtime needs {} {} ({})",
            header.compiler.name,
            header.compiler.version,
            header.compiler.codegen,
            ours.name,
            ours.version,
            ours.codegen
        ));
    }
    if header.target != ngen_compiler::target_triple() {
        return Err(format!(
            "compiled for target {}, this runtime is {}",
            header.target,
            ngen_compiler::target_triple()
        ));
    }
    if header.scenario != scenario.bits() {
        return Err(format!(
            "compiled for the {} scenario, this run needs the {scenario} scenario",
            header
                .scenario()
                .map(|s| s.name().to_string())
                .unwrap_or_else(|| format!("unknown ({})", header.scenario))
        ));
    }
    if !header.assembly.name.eq_ignore_ascii_case(name) {
        return Err(format!(
            "image is for assembly {}, not {name}",
            header.assembly.name
        ));
    }
    let actual = mvid_hex(mvid);
    if header.assembly.mvid != actual {
        return Err(format!(
            "{name} changed: image was compiled from MVID {}, the assembly now has MVID {actual}",
            header.assembly.mvid
        ));
    }
    if header.method_rows != method_rows {
        return Err(format!(
            "image has {} methods, the assembly has {method_rows}",
            header.method_rows
        ));
    }
    Ok(())
}

/// A mapped image. The library stays loaded for the life of the process.
pub(crate) struct MappedImage {
    _library: libloading::Library,
    pub methods: *const u64,
    pub method_count: usize,
    pub cells: *mut ImportCell,
    pub cell_count: usize,
}

// SAFETY: the tables are only read/written under the runtime lock or by the single managed
// thread through compiled code.
unsafe impl Send for MappedImage {}

/// Maps the image at `path` and fills its helper table.
pub(crate) fn map(path: &Path, header: &ImageHeader) -> Result<MappedImage, String> {
    // SAFETY: images contain no initialisers (linked with -nostdlib, no constructors).
    let library = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    let tables: *mut ImageTables = {
        // SAFETY: the symbol is the data object of type ImageTables (validated header).
        let symbol = unsafe { library.get::<*mut ImageTables>(TABLES_SYMBOL.as_bytes()) }
            .map_err(|e| format!("no {TABLES_SYMBOL}: {e}"))?;
        *symbol
    };
    // SAFETY: the symbol points at an ImageTables written by the compiler.
    let t = unsafe { &*tables };
    if t.method_count != header.method_rows as u64
        || t.cell_count != header.cells.len() as u64
        || t.helper_count != HELPER_COUNT as u64
    {
        return Err("image tables do not match the header".into());
    }
    // SAFETY: helper_count slots, checked above.
    unsafe { crate::helpers::fill(t.helpers) };
    Ok(MappedImage {
        methods: t.methods,
        method_count: t.method_count as usize,
        cells: t.cells,
        cell_count: t.cell_count as usize,
        _library: library,
    })
}

impl MappedImage {
    /// Compiled code of MethodDef `rid`, if the image has it.
    pub(crate) fn method(&self, rid: u32) -> Option<u64> {
        let index = (rid as usize).checked_sub(1)?;
        if index >= self.method_count {
            return None;
        }
        // SAFETY: index < method_count.
        let code = unsafe { *self.methods.add(index) };
        (code != 0).then_some(code)
    }
}
