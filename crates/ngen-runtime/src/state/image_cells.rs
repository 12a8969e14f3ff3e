//! The descriptions of an image's import cells, made when a cell is first resolved.
//!
//! Every cell's `key` is a leaked [`CellDesc`] the runtime reads when compiled code asks it to
//! resolve the cell. A JIT cell or a dictionary slot gets its description when it is made; an
//! image's cells keep the key 0 the image was written with until first used, when
//! [`desc_of`] describes the cell from the image header's record of it. mscorlib's image has
//! 34,000 cells and a hello world resolves a few hundred: describing each one when the image
//! was mapped was 1.3 MB of heap and wrote every page of the cell array (0.5 MB made private),
//! docs/BENCHMARKS.md section 22.
//!
//! The registry is its own lock, not the runtime's: interface calls read a cell's description
//! without the runtime lock ([`super::objects::interface_target`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use ngen_abi::image::{CellKind, ImportCell};
use ngen_image::CellEntry;

use super::{CellDesc, fatal, new_cell_key_in};

/// One mapped image's cells and what they refer to.
pub(super) struct ImageCells {
    /// The first cell of the image's cell array.
    start: usize,
    /// The header's record of each cell, in cell order (validated: known kinds, contexts in
    /// range).
    records: Box<[CellEntry]>,
    /// The image's generic contexts, 0 first (none): the runtime's context id and the
    /// runtime's index of the assembly whose tokens the cells name.
    contexts: Box<[(u32, usize)]>,
}

impl ImageCells {
    /// The cells at `start` described by `records`, whose contexts index `contexts`; an
    /// error names the first record the runtime could not resolve.
    pub(super) fn new(
        start: *mut ImportCell,
        records: Vec<CellEntry>,
        contexts: Vec<(u32, usize)>,
    ) -> Result<ImageCells, String> {
        for record in &records {
            CellKind::from_u32(record.kind)
                .ok_or_else(|| format!("unknown cell kind {}", record.kind))?;
            if record.context as usize >= contexts.len() {
                return Err(format!("cell context {} out of range", record.context));
            }
        }
        Ok(ImageCells {
            start: start as usize,
            records: records.into_boxed_slice(),
            contexts: contexts.into_boxed_slice(),
        })
    }

    /// The description of `cell` if it is one of these cells.
    fn describe(&self, cell: usize) -> Option<u64> {
        let offset = cell.checked_sub(self.start)?;
        let size = std::mem::size_of::<ImportCell>();
        if offset % size != 0 {
            return None;
        }
        let record = self.records.get(offset / size)?;
        let kind = CellKind::from_u32(record.kind)?;
        let &(generics, home) = self.contexts.get(record.context as usize)?;
        Some(new_cell_key_in(
            home,
            kind,
            record.token,
            record.aux,
            generics,
            None,
        ))
    }
}

/// Every mapped image's cells.
static IMAGES: RwLock<Vec<ImageCells>> = RwLock::new(Vec::new());

/// Registers a mapped image's cells.
pub(super) fn add(cells: ImageCells) {
    IMAGES
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .push(cells);
}

/// The description of `cell`, a cell compiled code passed to the runtime: its key, made now
/// for an image cell not used before.
pub(super) fn desc_of(cell: *mut ImportCell) -> &'static CellDesc {
    // SAFETY: compiled code passes one of its cells, which are writable, aligned data; the
    // key is only written through this atomic view once the cell is in use.
    let key = unsafe { AtomicU64::from_ptr(std::ptr::addr_of_mut!((*cell).key)) };
    let mut desc = key.load(Ordering::Acquire);
    if desc == 0 {
        let made = IMAGES
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find_map(|image| image.describe(cell as usize));
        let Some(made) = made else {
            fatal(&format!("internal: cell {cell:p} belongs to no image"))
        };
        desc = match key.compare_exchange(0, made, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => made,
            Err(theirs) => {
                // Another thread described it first; ours was never shared.
                // SAFETY: `made` is the box `new_cell_key_in` just leaked.
                drop(unsafe { Box::from_raw(made as *mut CellDesc) });
                theirs
            }
        };
    }
    // SAFETY: a nonzero key is a leaked CellDesc, never freed.
    unsafe { &*(desc as *const CellDesc) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: CellKind, token: u32, context: u32) -> CellEntry {
        CellEntry {
            kind: kind as u32,
            token,
            aux: 7,
            context,
        }
    }

    #[test]
    fn a_cell_is_described_from_its_record_once_and_in_its_context() {
        let cells: &'static mut [ImportCell] = Box::leak(
            (0..3)
                .map(|_| ImportCell { target: 0, key: 0 })
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let start = cells.as_mut_ptr();
        let records = vec![
            record(CellKind::Method, 0x0600_0001, 0),
            record(CellKind::String, 0x7000_0010, 1),
            record(CellKind::StaticField, 0x0400_0002, 0),
        ];
        add(ImageCells::new(start, records, vec![(0, 4), (9, 6)]).unwrap());
        // SAFETY: index 1 of the three cells.
        let second = unsafe { start.add(1) };
        let desc = desc_of(second);
        assert_eq!(
            (desc.asm, desc.kind, desc.token, desc.aux, desc.generics),
            (6, CellKind::String, 0x7000_0010, 7, 9)
        );
        assert!(std::ptr::eq(desc, desc_of(second)), "made once, then read");
        let first = desc_of(start);
        assert_eq!(
            (first.asm, first.kind, first.generics),
            (4, CellKind::Method, 0)
        );
        // SAFETY: the cells are this test's.
        assert_eq!(
            unsafe { (*start.add(2)).key },
            0,
            "an unused cell stays undescribed"
        );
    }

    #[test]
    fn records_the_runtime_cannot_resolve_reject_the_image() {
        let mut cell = ImportCell { target: 0, key: 0 };
        let unknown = CellEntry {
            kind: 9999,
            token: 1,
            aux: 0,
            context: 0,
        };
        assert!(ImageCells::new(&mut cell, vec![unknown], vec![(0, 0)]).is_err());
        let out_of_range = record(CellKind::Method, 1, 2);
        assert!(ImageCells::new(&mut cell, vec![out_of_range], vec![(0, 0), (1, 0)]).is_err());
    }
}
