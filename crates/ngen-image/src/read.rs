//! Reading an image's header from the file, without loading (dlopen'ing) it.
//!
//! Finds the header symbol in the ELF dynamic symbol table and decodes the bytes it points
//! at, so the runtime can validate an image before mapping it and tools can inspect images;
//! lists the methods an image exports, which a hard-bound image may call directly.

use std::collections::BTreeSet;
use std::path::Path;

use ngen_abi::image::{HEADER_SYMBOL, exported_method_rid};
use object::{Object, ObjectSection, ObjectSymbol};

use crate::{ImageError, ImageHeader, decode_header};

/// Reads and decodes the header of the image at `path`.
pub fn read_header(path: &Path) -> Result<ImageHeader, ImageError> {
    let bytes = std::fs::read(path).map_err(|source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_header_from_bytes(&bytes)
}

/// Decodes the header of an image held in memory (the bytes of the `.so` file).
pub fn read_header_from_bytes(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    let file = object::File::parse(bytes).map_err(|e| ImageError::NotElf(e.to_string()))?;
    let symbol = file
        .dynamic_symbols()
        .chain(file.symbols())
        .find(|s| s.name() == Ok(HEADER_SYMBOL))
        .ok_or(ImageError::MissingSymbol(HEADER_SYMBOL))?;
    let section_index = symbol
        .section_index()
        .ok_or(ImageError::MissingSymbol(HEADER_SYMBOL))?;
    let section = file
        .section_by_index(section_index)
        .map_err(|e| ImageError::NotElf(e.to_string()))?;
    let data = section
        .data()
        .map_err(|e| ImageError::NotElf(e.to_string()))?;
    let start = symbol
        .address()
        .checked_sub(section.address())
        .and_then(|o| usize::try_from(o).ok())
        .ok_or_else(|| ImageError::BadHeader("header symbol outside its section".into()))?;
    let bytes = data
        .get(start..)
        .ok_or_else(|| ImageError::BadHeader("header symbol outside its section".into()))?;
    decode_header(bytes)
}

/// The MethodDef rids whose code the image of `assembly` (its bytes) exports for hard-bound
/// images (`ngen_abi::image::exported_method_symbol`).
pub fn exported_methods(bytes: &[u8], assembly: &str) -> Result<BTreeSet<u32>, ImageError> {
    let file = object::File::parse(bytes).map_err(|e| ImageError::NotElf(e.to_string()))?;
    Ok(file
        .dynamic_symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| exported_method_rid(assembly, s.name().ok()?))
        .collect())
}
