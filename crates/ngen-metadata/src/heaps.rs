//! The four heaps (II.24.2.3-5): `#Strings`, `#US`, `#Blob`, `#GUID`. Zero-copy lookups on
//! the assembly's own bytes; every offset is bounds-checked.

use crate::Assembly;
use crate::error::{MetadataError, Result};
use crate::reader::Cursor;

impl Assembly {
    fn heap(&self, range: &std::ops::Range<usize>) -> &[u8] {
        self.bytes.get(range.clone()).unwrap_or(&[])
    }

    /// The NUL-terminated UTF-8 string at `index` in `#Strings` (index 0 is the empty string).
    pub fn string(&self, index: u32) -> Result<&str> {
        let heap = self.heap(&self.streams.strings);
        if index == 0 && heap.is_empty() {
            return Ok("");
        }
        let tail = heap
            .get(index as usize..)
            .ok_or(MetadataError::BadHeapIndex {
                heap: "#Strings",
                index,
                size: heap.len() as u32,
            })?;
        let len = tail
            .iter()
            .position(|b| *b == 0)
            .ok_or(MetadataError::BadString(index))?;
        std::str::from_utf8(&tail[..len]).map_err(|_| MetadataError::BadString(index))
    }

    /// The blob at `index` in `#Blob` (without its compressed length prefix).
    pub fn blob(&self, index: u32) -> Result<&[u8]> {
        let heap = self.heap(&self.streams.blob);
        if index == 0 && heap.is_empty() {
            return Ok(&[]);
        }
        if index as usize >= heap.len() {
            return Err(MetadataError::BadHeapIndex {
                heap: "#Blob",
                index,
                size: heap.len() as u32,
            });
        }
        let mut c = Cursor::at(heap, index as usize, "#Blob entry");
        let len = c.compressed_u32()? as usize;
        c.bytes(len)
    }

    /// The UTF-16 string at `index` in `#US` (the operand of `ldstr`), without the trailing flag byte.
    pub fn user_string(&self, index: u32) -> Result<Vec<u16>> {
        let heap = self.heap(&self.streams.user_strings);
        if index as usize >= heap.len() {
            return Err(MetadataError::BadHeapIndex {
                heap: "#US",
                index,
                size: heap.len() as u32,
            });
        }
        let mut c = Cursor::at(heap, index as usize, "#US entry");
        let len = c.compressed_u32()? as usize;
        let bytes = c
            .bytes(len)
            .map_err(|_| MetadataError::BadUserString(index))?;
        // The blob holds 2n bytes of UTF-16 plus one terminal flag byte.
        let chars = bytes.get(..len & !1).unwrap_or(&[]);
        Ok(chars
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect())
    }

    /// The `#US` string at `index`, converted lossily to a Rust `String`.
    pub fn user_string_lossy(&self, index: u32) -> Result<String> {
        Ok(String::from_utf16_lossy(&self.user_string(index)?))
    }

    /// The GUID with 1-based `index` in `#GUID`; index 0 is the null GUID (all zeros).
    pub fn guid(&self, index: u32) -> Result<[u8; 16]> {
        if index == 0 {
            return Ok([0; 16]);
        }
        let heap = self.heap(&self.streams.guid);
        let start = (index as usize - 1) * 16;
        let bytes = heap
            .get(start..start + 16)
            .ok_or(MetadataError::BadHeapIndex {
                heap: "#GUID",
                index,
                size: heap.len() as u32,
            })?;
        let mut g = [0u8; 16];
        g.copy_from_slice(bytes);
        Ok(g)
    }
}
