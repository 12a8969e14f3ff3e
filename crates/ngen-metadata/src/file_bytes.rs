//! An assembly's bytes: mapped from its file, or owned.
//!
//! `Assembly::open` maps the file read-only (`MAP_PRIVATE`) rather than reading it. The pages
//! are then clean file pages that every process with the same assembly open shares, as mono
//! and the CLR share them by mapping assemblies. mscorlib is 4.7 MB, and a process that read it
//! kept that much private memory (docs/BENCHMARKS.md, "Shared code pages"). A clone shares the
//! mapping instead of copying the bytes. A file that cannot be mapped (empty, a pipe) is read.
//!
//! Depends on `memmap2`. The model, as for mono and the CLR: an assembly is not modified in
//! place while it is open. Replacing it (write a new file, rename it over) is always safe; the
//! mapping keeps the old inode. Truncating a mapped file in place would fault on the next read
//! of a lost page.

use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) enum FileBytes {
    Mapped(Arc<memmap2::Mmap>),
    Owned(Arc<Vec<u8>>),
}

impl FileBytes {
    /// Maps `path`, or reads it when it cannot be mapped.
    pub(crate) fn open(path: &Path) -> std::io::Result<FileBytes> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() > 0 {
            // SAFETY: the mapping is read-only and private; see the module doc for the one
            // misuse (truncation in place while open) it cannot guard against.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes::Mapped(Arc::new(map)));
            }
        }
        std::fs::read(path).map(FileBytes::from)
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> FileBytes {
        FileBytes::Owned(Arc::new(bytes))
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_read_bytes_are_the_file() {
        let dir = std::env::temp_dir().join(format!("ngen-file-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let full = dir.join("full.bin");
        let empty = dir.join("empty.bin");
        std::fs::write(&full, b"MZ\x90\x00 some bytes").unwrap();
        std::fs::write(&empty, b"").unwrap();
        let mapped = FileBytes::open(&full).unwrap();
        assert!(matches!(mapped, FileBytes::Mapped(_)));
        assert_eq!(&*mapped, b"MZ\x90\x00 some bytes");
        let read = FileBytes::open(&empty).unwrap();
        assert!(matches!(read, FileBytes::Owned(_)) && read.is_empty());
        assert!(FileBytes::open(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
