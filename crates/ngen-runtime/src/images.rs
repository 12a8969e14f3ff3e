//! Native images on disk: finding them, checking that they can be trusted, validating what can
//! be checked without the binder, and mapping them (dlopen) with their tables.
//!
//! Trust comes first, in this order (docs/native-images.md, "Integrity"):
//! 1. [`open_image`]: the image, its digest file and every directory from the image directory
//!    searched down to the file must be writable by no one but their owner, this user or root
//!    (`ngen_image::trust`); then the file is opened once and mapped read-only (not read: the
//!    loader maps it again, and a copy of mscorlib's 28 MB image cost a hello world 20 ms and
//!    28 MB of peak RSS; docs/BENCHMARKS.md section 11);
//! 2. the runtime validates the header read from those bytes (here and in `state.rs`);
//! 3. [`verify_digest`]: the bytes must have the BLAKE3 digest recorded next to the image
//!    (`ngen_image::digest`), checked just before mapping so rejected candidates cost no hash;
//!    the mapping is hashed in chunks whose pages are released as soon as they are hashed, so
//!    hashing never holds more than a chunk of the image resident; an unchanged file hashed
//!    before is not hashed again (`ngen_image::verified`'s stamps);
//! 4. [`map`] maps the same open file through `/proc/PID/fd/N`, so what is mapped is what was
//!    hashed even if the path is replaced meanwhile, then releases the pages only the loader
//!    reads (`loader_pages`: the relocations).
//!
//! Depends on ngen-image (header, digest, trust), ngen-abi (tables), libloading, memmap2,
//! blake3 (with rayon: a large image is hashed on every core), walkdir.

mod loader_pages;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use ngen_abi::helpers::HELPER_COUNT;
use ngen_abi::il_offsets::IL_OFFSETS_SYMBOL;
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
            "{name} changed: image was compiled from MVID {}, the assembly now has MVID {}",
            guid_of_hex(&header.assembly.mvid),
            ngen_metadata::Guid(mvid)
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

/// An MVID as the header stores it (32 hex digits, storage order) in the registry format
/// people see everywhere else; the text as it is when it is not such an MVID.
fn guid_of_hex(hex: &str) -> String {
    let mut bytes = [0u8; 16];
    let parsed = hex.len() == 32
        && bytes.iter_mut().enumerate().all(|(i, b)| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .map(|v| *b = v)
                .is_some()
        });
    if parsed {
        ngen_metadata::Guid(bytes).to_string()
    } else {
        hex.to_string()
    }
}

/// An image file opened for validation: `bytes` are `file`'s contents, which stays open until
/// the image is mapped from it.
pub(crate) struct OpenedImage {
    path: PathBuf,
    file: File,
    bytes: ImageBytes,
}

/// An image's bytes for validation: the file mapped read-only, or (a file that cannot be
/// mapped) read into memory.
enum ImageBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

/// How much of a mapped image is hashed before its pages are released.
const HASH_CHUNK: usize = 4 << 20;

impl ImageBytes {
    fn of(file: &mut File) -> std::io::Result<ImageBytes> {
        // SAFETY: a private read-only mapping. An image is replaced by renaming a new file over
        // it, never rewritten in place (ngen-cache writes and renames), so the pages stay the
        // file that was opened; the digest check below catches any other content.
        match unsafe { memmap2::Mmap::map(&*file) } {
            Ok(map) => Ok(ImageBytes::Mapped(map)),
            Err(_) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(file, &mut bytes)?;
                Ok(ImageBytes::Read(bytes))
            }
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            ImageBytes::Mapped(map) => map,
            ImageBytes::Read(bytes) => bytes,
        }
    }

    /// The BLAKE3 of the bytes. A mapping is hashed a chunk at a time, each chunk's pages
    /// dropped from this process once hashed (they stay in the page cache, where the
    /// loader's mapping finds them), so peak RSS does not grow by the image's size.
    fn blake3(&self) -> blake3::Hash {
        match self {
            ImageBytes::Read(bytes) => blake3::hash(bytes),
            ImageBytes::Mapped(map) => {
                let mut hasher = blake3::Hasher::new();
                for (i, chunk) in map.chunks(HASH_CHUNK).enumerate() {
                    // Both cores when there are two: mscorlib's 28 MB take ~5 ms on one.
                    hasher.update_rayon(chunk);
                    // SAFETY: `DontNeed` on a private file mapping with no written (copied)
                    // pages only unmaps them: a later read faults the same file pages in
                    // again. Nothing holds a reference into the chunk across this call.
                    // A failure only leaves the pages resident.
                    let _ = unsafe {
                        map.unchecked_advise_range(
                            memmap2::UncheckedAdvice::DontNeed,
                            i * HASH_CHUNK,
                            chunk.len(),
                        )
                    };
                }
                hasher.finalize()
            }
        }
    }
}

/// Checks the permissions of the image at `path` (found under `search_root`), its digest file
/// and the directories between them, then reads it and decodes its header. A permission
/// problem is also printed as a warning, since the user must fix it (as ssh does).
pub(crate) fn open_image(
    search_root: Option<&Path>,
    path: &Path,
) -> Result<(OpenedImage, ImageHeader), String> {
    let root = search_root.unwrap_or_else(|| path.parent().unwrap_or(path));
    let digest = ngen_image::digest::digest_path(path);
    let trusted = ngen_image::trust::check_chain(root, path).and_then(|()| {
        if digest.exists() {
            ngen_image::trust::check_path(&digest)
        } else {
            Ok(())
        }
    });
    if let Err(e) = trusted {
        eprintln!(
            "ngen-build run: warning: not using native image {}: {e}",
            path.display()
        );
        return Err(e.to_string());
    }
    let mut file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let bytes = ImageBytes::of(&mut file).map_err(|e| format!("cannot read: {e}"))?;
    let header = ngen_image::read_header_from_bytes(bytes.as_slice()).map_err(|e| e.to_string())?;
    Ok((
        OpenedImage {
            path: path.to_path_buf(),
            file,
            bytes,
        },
        header,
    ))
}

/// Checks the opened image's bytes against the digest recorded next to it; returns it.
///
/// The bytes are hashed unless a trusted verification stamp (`ngen_image::verified`) says this
/// very file (device, inode, size, mtime, ctime of the open descriptor, the one mapped next)
/// was hashed before with the digest recorded now: a run from an unchanged image then reads
/// none of it (mscorlib's 28 MB took a fifth of a hello world's CPU, docs/BENCHMARKS.md
/// section 17). A successful hash of a file not changed in the last seconds is stamped.
pub(crate) fn verify_digest(image: &OpenedImage) -> Result<String, String> {
    use ngen_image::verified;
    let stamps = verified::stamp_dir();
    let identity = image
        .file
        .metadata()
        .ok()
        .map(|m| verified::FileIdentity::of(&m));
    if let (Some((dir, base)), Some(identity)) = (&stamps, &identity)
        && let Ok(recorded) = ngen_image::digest::recorded_digest(&image.path)
        && verified::is_stamped(dir, base, identity, &recorded)
    {
        return Ok(recorded.to_hex().to_string());
    }
    let actual = image.bytes.blake3();
    let digest = ngen_image::digest::verify_hash(&image.path, actual).map_err(|e| e.to_string())?;
    if let (Some((dir, _)), Some(identity)) = (&stamps, &identity) {
        verified::stamp(dir, identity, &actual, verified::now_ns());
    }
    Ok(digest)
}

/// A mapped image. The library stays loaded for the life of the process, and so does the
/// file descriptor it was mapped through (a reused `/proc/PID/fd/N` name would make the
/// dynamic loader return the library already loaded under that name).
pub(crate) struct MappedImage {
    _library: libloading::Library,
    _file: File,
    pub methods: *const u64,
    pub method_count: usize,
    pub cells: *mut ImportCell,
    pub cell_count: usize,
    /// BLAKE3 of the image's bytes (hex), which images hard-bound to it recorded.
    pub blake3: String,
}

// SAFETY: the tables are only read/written under the runtime lock or by the single managed
// thread through compiled code.
unsafe impl Send for MappedImage {}

/// The path the dynamic loader maps `image` through: its open descriptor when `/proc` is
/// mounted, else its path.
fn load_path(image: &OpenedImage) -> PathBuf {
    use std::os::fd::AsRawFd;
    // `/proc/PID/fd/N`, not `/proc/self/fd/N`: the name is also what a debugger reads from
    // the loader's list to open the image (gdb, for its symbols and DWARF), and in the
    // debugger's process `self` is the debugger (gdb would read its own descriptor N).
    let by_fd = PathBuf::from(format!(
        "/proc/{}/fd/{}",
        std::process::id(),
        image.file.as_raw_fd()
    ));
    if by_fd.exists() {
        by_fd
    } else {
        image.path.clone()
    }
}

/// Maps the opened (and verified) image of assembly `asm`, fills its helper table and adds its
/// methods to the code map; `instance_owners[i]` is the runtime's index of the assembly
/// defining generic instance `i`'s method, that method's MethodDef rid (so its frames are
/// named and located as that method's, as mono names `List`1[T].Add`) and the instance's
/// generic context (0 for shared code), for reflection.
pub(crate) fn map(
    image: OpenedImage,
    header: &ImageHeader,
    asm: usize,
    instance_owners: Box<[crate::code_map::EntryOwner]>,
) -> Result<MappedImage, String> {
    let path = load_path(&image);
    // The loader maps the file itself: drop the mapping that was hashed.
    let OpenedImage { file, bytes, .. } = image;
    drop(bytes);
    // SAFETY: images contain no initialisers (linked with -nostdlib, no constructors).
    let library = unsafe { libloading::Library::new(&path) }.map_err(|e| e.to_string())?;
    let tables: *mut ImageTables = {
        // SAFETY: the symbol is the data object of type ImageTables (validated header).
        let symbol = unsafe { library.get::<*mut ImageTables>(TABLES_SYMBOL.as_bytes()) }
            .map_err(|e| format!("no {TABLES_SYMBOL}: {e}"))?;
        *symbol
    };
    // SAFETY: the symbol points at an ImageTables written by the compiler.
    let t = unsafe { &*tables };
    // MethodDefs first, then the generic instances the header lists, then its shared code.
    if t.method_count
        != header.method_rows as u64 + header.instances.len() as u64 + header.shared.len() as u64
        || t.cell_count != header.cells.len() as u64
        || t.helper_count != HELPER_COUNT as u64
    {
        return Err("image tables do not match the header".into());
    }
    // SAFETY: helper_count slots, checked above.
    unsafe { crate::helpers::fill(t.helpers) };
    // SAFETY: the symbol is the IL-offset blob the compiler wrote; the library stays mapped
    // for the process's life (code is never unloaded).
    let blob = unsafe { library.get::<*const u8>(IL_OFFSETS_SYMBOL.as_bytes()) }
        .ok()
        .map(|blob| unsafe { ngen_abi::il_offsets::blob_at(*blob) });
    // SAFETY: method_count entries, checked above against the header; the library stays
    // mapped for the process's life.
    let entries: &'static [u64] =
        unsafe { std::slice::from_raw_parts(t.methods, t.method_count as usize) };
    // Every symbol the runtime needs is looked up: what only the loader reads can go.
    loader_pages::release(tables as *const u8);
    crate::code_map::add_image(crate::code_map::ImageCode::new(
        asm,
        entries,
        header.method_rows as usize,
        instance_owners,
        tables as u64,
        blob,
    ));
    Ok(MappedImage {
        methods: t.methods,
        method_count: t.method_count as usize,
        cells: t.cells,
        cell_count: t.cell_count as usize,
        blake3: String::new(),
        _library: library,
        _file: file,
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

#[cfg(test)]
mod mvid_display_tests {
    #[test]
    fn a_header_mvid_is_shown_in_registry_format() {
        assert_eq!(
            super::guid_of_hex("bf84c7ae72769a4393c9ccc2a6eaaf6c"),
            "aec784bf-7672-439a-93c9-ccc2a6eaaf6c"
        );
        assert_eq!(super::guid_of_hex("xyz"), "xyz");
    }
}
