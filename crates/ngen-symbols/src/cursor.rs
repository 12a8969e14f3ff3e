//! A bounds-checked little-endian reader over a symbol file's bytes: every read of a
//! malformed or truncated file is an error, never a panic or an out-of-bounds access.
//!
//! Two variable-length integer encodings occur: the 7-bit groups (LEB128) that Mono's `.mdb`
//! writer uses (.NET's `BinaryWriter.Write7BitEncodedInt`: a negative `int` is written as its
//! 32-bit two's complement, so decoding wraps to 32 bits), and ECMA-335's compressed integers
//! (II.23.2, with the signed rotation the portable PDB format uses).
//!
//! Depends on: nothing but [`crate::SymbolError`].

use crate::SymbolError;

/// A position in a byte slice.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at `pos` of `bytes`; `what` names the structure for the error when `pos` is
    /// past the end.
    pub(crate) fn at(bytes: &'a [u8], pos: usize, what: &'static str) -> Result<Self, SymbolError> {
        if pos > bytes.len() {
            return Err(SymbolError::Truncated { what, offset: pos });
        }
        Ok(Cursor { bytes, pos })
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SymbolError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(SymbolError::Truncated {
                what,
                offset: self.pos,
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, SymbolError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, SymbolError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, SymbolError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, SymbolError> {
        let lo = u64::from(self.u32(what)?);
        let hi = u64::from(self.u32(what)?);
        Ok(lo | (hi << 32))
    }

    /// A little-endian unsigned integer of `width` bytes (2 or 4: table columns).
    pub(crate) fn uint(&mut self, width: usize, what: &'static str) -> Result<u32, SymbolError> {
        match width {
            2 => self.u16(what).map(u32::from),
            _ => self.u32(what),
        }
    }

    /// .NET's 7-bit encoded `int` (at most 5 bytes; wraps to 32 bits as the writer did).
    pub(crate) fn leb128_i32(&mut self, what: &'static str) -> Result<i32, SymbolError> {
        let start = self.pos;
        let mut value: u32 = 0;
        for group in 0..5 {
            let b = self.u8(what)?;
            value |= u32::from(b & 0x7f).wrapping_shl(7 * group);
            if b & 0x80 == 0 {
                return Ok(value as i32);
            }
        }
        Err(SymbolError::Malformed {
            what,
            offset: start,
            detail: "7-bit encoded integer longer than 5 bytes".into(),
        })
    }

    /// A 7-bit encoded value that must not be negative (offsets, counts, indexes).
    pub(crate) fn leb128_u32(&mut self, what: &'static str) -> Result<u32, SymbolError> {
        let start = self.pos;
        let v = self.leb128_i32(what)?;
        u32::try_from(v).map_err(|_| SymbolError::Malformed {
            what,
            offset: start,
            detail: format!("negative value {v}"),
        })
    }

    /// An ECMA-335 compressed unsigned integer (II.23.2), with the number of bytes it took.
    fn compressed_with_len(&mut self, what: &'static str) -> Result<(u32, usize), SymbolError> {
        let start = self.pos;
        let b0 = self.u8(what)?;
        if b0 & 0x80 == 0 {
            Ok((u32::from(b0), 1))
        } else if b0 & 0xc0 == 0x80 {
            let b1 = self.u8(what)?;
            Ok(((u32::from(b0 & 0x3f) << 8) | u32::from(b1), 2))
        } else if b0 & 0xe0 == 0xc0 {
            let rest = self.take(3, what)?;
            let v = (u32::from(b0 & 0x1f) << 24)
                | (u32::from(rest[0]) << 16)
                | (u32::from(rest[1]) << 8)
                | u32::from(rest[2]);
            Ok((v, 4))
        } else {
            Err(SymbolError::Malformed {
                what,
                offset: start,
                detail: format!("bad compressed integer lead byte 0x{b0:02x}"),
            })
        }
    }

    pub(crate) fn compressed_u32(&mut self, what: &'static str) -> Result<u32, SymbolError> {
        self.compressed_with_len(what).map(|(v, _)| v)
    }

    /// A compressed signed integer: the unsigned encoding of the value rotated left by one
    /// within its width (6, 13 or 28 bits), the sign in bit 0.
    pub(crate) fn compressed_i32(&mut self, what: &'static str) -> Result<i32, SymbolError> {
        let (raw, len) = self.compressed_with_len(what)?;
        let magnitude = (raw >> 1) as i32;
        if raw & 1 == 0 {
            return Ok(magnitude);
        }
        let sign_bits: i32 = match len {
            1 => -0x40,
            2 => -0x2000,
            _ => -0x1000_0000,
        };
        Ok(magnitude | sign_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_negative_ints_as_dotnet_writes_them() {
        // Write7BitEncodedInt(-1): 0xff 0xff 0xff 0xff 0x0f.
        let bytes = [0xff, 0xff, 0xff, 0xff, 0x0f, 0x05];
        let mut c = Cursor::at(&bytes, 0, "t").unwrap();
        assert_eq!(c.leb128_i32("t").unwrap(), -1);
        assert_eq!(c.leb128_i32("t").unwrap(), 5);
        assert!(c.leb128_i32("t").is_err());
    }

    #[test]
    fn leb128_longer_than_five_bytes_is_malformed() {
        let bytes = [0x80; 6];
        let mut c = Cursor::at(&bytes, 0, "t").unwrap();
        assert!(matches!(
            c.leb128_i32("t"),
            Err(SymbolError::Malformed { .. })
        ));
    }

    #[test]
    fn compressed_integers_follow_ecma_335_examples() {
        // II.23.2: 0x03 -> 03, 0x3FFF -> BF FF, 0x4000 -> C0 00 40 00.
        let bytes = [0x03, 0xbf, 0xff, 0xc0, 0x00, 0x40, 0x00];
        let mut c = Cursor::at(&bytes, 0, "t").unwrap();
        assert_eq!(c.compressed_u32("t").unwrap(), 3);
        assert_eq!(c.compressed_u32("t").unwrap(), 0x3fff);
        assert_eq!(c.compressed_u32("t").unwrap(), 0x4000);
        // Signed (II.23.2's table): 3, -3, 64, -64, 8192, -8192, -268435456.
        let bytes = [
            0x06, 0x7b, 0x80, 0x80, 0x01, 0xc0, 0x00, 0x40, 0x00, 0x80, 0x01, 0xc0, 0x00, 0x00,
            0x01,
        ];
        let mut c = Cursor::at(&bytes, 0, "t").unwrap();
        for expected in [3, -3, 64, -64, 8192, -8192, -268_435_456] {
            assert_eq!(c.compressed_i32("t").unwrap(), expected);
        }
        assert!(c.is_at_end());
    }
}
