//! A bounds-checked little-endian byte cursor plus ECMA-335 compressed integers (II.23.2).
//! Every read returns a typed error instead of panicking; no other module reads raw bytes
//! without going through here or `slice::get`.

use crate::error::{MetadataError, Result};

/// Reads little-endian values from a byte slice, tracking the position.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data` starting at 0; `what` names the structure for error messages.
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        Cursor { data, pos: 0, what }
    }

    /// A cursor at `pos` (which may be past the end: the first read then fails).
    pub fn at(data: &'a [u8], pos: usize, what: &'static str) -> Self {
        Cursor { data, pos, what }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn truncated(&self, needed: usize) -> MetadataError {
        MetadataError::Truncated {
            what: self.what,
            offset: self.pos as u64,
            needed: needed as u64,
            available: self.remaining() as u64,
        }
    }

    /// The next `n` bytes, advancing past them.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.truncated(n))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(n))?;
        self.pos = end;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Peeks at the next byte without consuming it.
    pub fn peek_u8(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn i8(&mut self) -> Result<i8> {
        Ok(self.u8()? as i8)
    }
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_le_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A 2- or 4-byte little-endian unsigned value (table columns).
    pub fn uint(&mut self, width: u8) -> Result<u32> {
        if width == 2 {
            Ok(u32::from(self.u16()?))
        } else {
            self.u32()
        }
    }

    /// An ECMA-335 compressed unsigned integer (II.23.2): 1, 2 or 4 bytes, big-endian.
    pub fn compressed_u32(&mut self) -> Result<u32> {
        let start = self.pos;
        let b0 = self.u8()?;
        if b0 & 0x80 == 0 {
            Ok(u32::from(b0))
        } else if b0 & 0xC0 == 0x80 {
            let b1 = self.u8()?;
            Ok((u32::from(b0 & 0x3F) << 8) | u32::from(b1))
        } else if b0 & 0xE0 == 0xC0 {
            let rest = self.bytes(3)?;
            Ok((u32::from(b0 & 0x1F) << 24)
                | (u32::from(rest[0]) << 16)
                | (u32::from(rest[1]) << 8)
                | u32::from(rest[2]))
        } else {
            Err(MetadataError::BadCompressedInt {
                what: self.what,
                offset: start,
            })
        }
    }

    /// An ECMA-335 compressed signed integer (II.23.2): rotated sign bit.
    pub fn compressed_i32(&mut self) -> Result<i32> {
        let start = self.pos;
        let raw = self.compressed_u32()?;
        // The sign bit was rotated into bit 0; the width decides how far to sign-extend.
        let mask = match self.pos - start {
            1 => 0xFFFF_FFC0u32,
            2 => 0xFFFF_E000,
            _ => 0xF000_0000,
        };
        if raw & 1 == 0 {
            Ok((raw >> 1) as i32)
        } else {
            Ok(((raw >> 1) | mask) as i32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_unsigned_examples_from_the_spec() {
        let cases: &[(&[u8], u32)] = &[
            (&[0x03], 0x03),
            (&[0x7F], 0x7F),
            (&[0x80, 0x80], 0x80),
            (&[0xAE, 0x57], 0x2E57),
            (&[0xBF, 0xFF], 0x3FFF),
            (&[0xC0, 0x00, 0x40, 0x00], 0x4000),
            (&[0xDF, 0xFF, 0xFF, 0xFF], 0x1FFF_FFFF),
        ];
        for (bytes, want) in cases {
            assert_eq!(Cursor::new(bytes, "t").compressed_u32().unwrap(), *want);
        }
    }

    #[test]
    fn compressed_signed_examples_from_the_spec() {
        let cases: &[(&[u8], i32)] = &[
            (&[0x06], 3),
            (&[0x7B], -3),
            (&[0x80, 0x80], 64),
            (&[0x01], -64),
            (&[0xC0, 0x00, 0x40, 0x00], 8192),
            (&[0x80, 0x01], -8192),
            (&[0xDF, 0xFF, 0xFF, 0xFE], 268435455),
            (&[0xC0, 0x00, 0x00, 0x01], -268435456),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                Cursor::new(bytes, "t").compressed_i32().unwrap(),
                *want,
                "{bytes:x?}"
            );
        }
    }

    #[test]
    fn truncated_and_invalid_compressed_ints_are_errors() {
        assert!(Cursor::new(&[0x80], "t").compressed_u32().is_err());
        assert!(Cursor::new(&[0xC0, 0, 0], "t").compressed_u32().is_err());
        assert!(Cursor::new(&[0xE0, 0, 0, 0], "t").compressed_u32().is_err());
        assert!(Cursor::new(&[], "t").u32().is_err());
    }
}
