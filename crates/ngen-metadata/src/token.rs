//! Metadata tokens (II.22: table id in the top byte, 1-based row id in the low 24 bits).

use std::fmt;

use crate::tables::TableId;

/// The token-type byte of a `#US` string reference (`ldstr`).
pub const USER_STRING_TOKEN_TYPE: u8 = 0x70;

/// A metadata token: `table << 24 | rid`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Token(pub u32);

impl Token {
    /// The token for row `rid` of `table`.
    pub fn new(table: TableId, rid: u32) -> Token {
        Token((u32::from(table as u8) << 24) | (rid & 0x00FF_FFFF))
    }

    /// The raw token-type byte (a table id, or 0x70 for user strings).
    pub fn kind(self) -> u8 {
        (self.0 >> 24) as u8
    }

    /// The table this token indexes, if its top byte names one.
    pub fn table(self) -> Option<TableId> {
        TableId::from_u8(self.kind())
    }

    /// The 1-based row id (or `#US` offset for user strings); 0 means "null".
    pub fn rid(self) -> u32 {
        self.0 & 0x00FF_FFFF
    }

    /// True for a null reference (rid 0).
    pub fn is_null(self) -> bool {
        self.rid() == 0
    }

    /// True if this is a `#US` string token (operand of `ldstr`).
    pub fn is_user_string(self) -> bool {
        self.kind() == USER_STRING_TOKEN_TYPE
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table() {
            Some(t) => write!(f, "{}({})", t.name(), self.rid()),
            None => write!(f, "Token({:#010x})", self.0),
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}
