//! The image's data objects: the exported header and [`ImageTables`] directory, and the
//! hidden method table, import cells and helper table the directory points at (see
//! `docs/native-images.md`). Field offsets of the directory come from `ngen_abi::image`
//! (`offset_of!` on the `repr(C)` struct the runtime reads), never literals.
//!
//! Depends on: cranelift-module, `ngen_abi::image`, `ngen_abi::helpers`.
//!
//! [`ImageTables`]: ngen_abi::image::ImageTables

use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module, ModuleError};
use cranelift_object::ObjectModule;
use ngen_abi::helpers::HELPER_COUNT;
use ngen_abi::il_offsets::IL_OFFSETS_SYMBOL;
use ngen_abi::image::{
    CELL_SIZE, CELLS_SYMBOL, HEADER_SYMBOL, HELPERS_SYMBOL, IMAGE_TABLES_SIZE, METHODS_SYMBOL,
    TABLES_CELL_COUNT_OFFSET, TABLES_CELLS_OFFSET, TABLES_HELPER_COUNT_OFFSET,
    TABLES_HELPERS_OFFSET, TABLES_METHOD_COUNT_OFFSET, TABLES_METHODS_OFFSET, TABLES_SYMBOL,
};

fn err(e: ModuleError) -> String {
    e.to_string()
}

/// The data objects of an image, declared before any function so relocations can name them.
pub(super) struct ImageData {
    header: DataId,
    tables: DataId,
    methods: DataId,
    pub(super) cells: DataId,
    pub(super) helpers: DataId,
}

impl ImageData {
    /// Declares the five data objects (the first two exported, the rest hidden).
    pub(super) fn declare(module: &mut ObjectModule) -> Result<ImageData, String> {
        Ok(ImageData {
            header: module
                .declare_data(HEADER_SYMBOL, Linkage::Export, false, false)
                .map_err(err)?,
            tables: module
                .declare_data(TABLES_SYMBOL, Linkage::Export, true, false)
                .map_err(err)?,
            methods: module
                .declare_data(METHODS_SYMBOL, Linkage::Hidden, true, false)
                .map_err(err)?,
            cells: module
                .declare_data(CELLS_SYMBOL, Linkage::Hidden, true, false)
                .map_err(err)?,
            helpers: module
                .declare_data(HELPERS_SYMBOL, Linkage::Hidden, true, false)
                .map_err(err)?,
        })
    }

    /// Defines the tables: `method_count` code addresses (`compiled` filled in by rid),
    /// `cell_count` zeroed cells, a zeroed helper table, the directory, and the header.
    pub(super) fn define(
        &self,
        module: &mut ObjectModule,
        method_count: u32,
        compiled: &[(u32, FuncId)],
        cell_count: usize,
        header: Vec<u8>,
    ) -> Result<(), String> {
        let mut desc = DataDescription::new();
        desc.define(vec![0u8; (method_count.max(1) as usize) * 8].into_boxed_slice());
        desc.set_align(8);
        for (rid, id) in compiled {
            let fref = module.declare_func_in_data(*id, &mut desc);
            desc.write_function_addr((rid - 1) * 8, fref);
        }
        module.define_data(self.methods, &desc).map_err(err)?;

        let mut desc = DataDescription::new();
        desc.define(vec![0u8; cell_count.max(1) * CELL_SIZE as usize].into_boxed_slice());
        desc.set_align(16);
        module.define_data(self.cells, &desc).map_err(err)?;

        let mut desc = DataDescription::new();
        desc.define(vec![0u8; HELPER_COUNT * 8].into_boxed_slice());
        desc.set_align(8);
        module.define_data(self.helpers, &desc).map_err(err)?;

        let mut tables = vec![0u8; IMAGE_TABLES_SIZE];
        for (offset, count) in [
            (TABLES_METHOD_COUNT_OFFSET, method_count as u64),
            (TABLES_CELL_COUNT_OFFSET, cell_count as u64),
            (TABLES_HELPER_COUNT_OFFSET, HELPER_COUNT as u64),
        ] {
            tables[offset..offset + 8].copy_from_slice(&count.to_le_bytes());
        }
        let mut desc = DataDescription::new();
        desc.define(tables.into_boxed_slice());
        desc.set_align(8);
        for (offset, id) in [
            (TABLES_METHODS_OFFSET, self.methods),
            (TABLES_CELLS_OFFSET, self.cells),
            (TABLES_HELPERS_OFFSET, self.helpers),
        ] {
            let gv = module.declare_data_in_data(id, &mut desc);
            desc.write_data_addr(offset as u32, gv, 0);
        }
        module.define_data(self.tables, &desc).map_err(err)?;

        let mut desc = DataDescription::new();
        desc.define(header.into_boxed_slice());
        desc.set_align(8);
        module.define_data(self.header, &desc).map_err(err)?;
        Ok(())
    }
}

/// Defines the exported IL-offset blob (`ngen_abi::il_offsets`): the runtime reads it in place
/// to name the IL offset of a frame in a stack trace.
pub(super) fn define_il_offsets(module: &mut ObjectModule, blob: Vec<u8>) -> Result<(), String> {
    let id = module
        .declare_data(IL_OFFSETS_SYMBOL, Linkage::Export, false, false)
        .map_err(err)?;
    let mut desc = DataDescription::new();
    desc.define(blob.into_boxed_slice());
    desc.set_align(4);
    module.define_data(id, &desc).map_err(err)
}
