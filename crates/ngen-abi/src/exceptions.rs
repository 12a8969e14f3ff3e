//! Exception kinds the compiled code and the runtime raise by id.
//!
//! Compiled code never builds exception objects itself: it calls the runtime's throw helper
//! with one of these ids. The numbering is ABI: append, never reorder.

/// A CLI exception type that compiled code or the runtime's BCL surface can raise.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    Overflow = 0,
    DivideByZero = 1,
    IndexOutOfRange = 2,
    NullReference = 3,
    InvalidCast = 4,
    Format = 5,
    Argument = 6,
    ArgumentNull = 7,
    ArgumentOutOfRange = 8,
    Arithmetic = 9,
    InvalidProgram = 10,
    OutOfMemory = 11,
    StackOverflow = 12,
}

impl ExceptionKind {
    /// Every kind, in id order.
    pub const ALL: [ExceptionKind; 13] = [
        Self::Overflow,
        Self::DivideByZero,
        Self::IndexOutOfRange,
        Self::NullReference,
        Self::InvalidCast,
        Self::Format,
        Self::Argument,
        Self::ArgumentNull,
        Self::ArgumentOutOfRange,
        Self::Arithmetic,
        Self::InvalidProgram,
        Self::OutOfMemory,
        Self::StackOverflow,
    ];

    /// The kind with this ABI id, if any.
    pub fn from_id(id: u32) -> Option<Self> {
        Self::ALL.get(id as usize).copied()
    }

    /// The full CLI type name, e.g. `System.OverflowException`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Overflow => "System.OverflowException",
            Self::DivideByZero => "System.DivideByZeroException",
            Self::IndexOutOfRange => "System.IndexOutOfRangeException",
            Self::NullReference => "System.NullReferenceException",
            Self::InvalidCast => "System.InvalidCastException",
            Self::Format => "System.FormatException",
            Self::Argument => "System.ArgumentException",
            Self::ArgumentNull => "System.ArgumentNullException",
            Self::ArgumentOutOfRange => "System.ArgumentOutOfRangeException",
            Self::Arithmetic => "System.ArithmeticException",
            Self::InvalidProgram => "System.InvalidProgramException",
            Self::OutOfMemory => "System.OutOfMemoryException",
            Self::StackOverflow => "System.StackOverflowException",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for kind in ExceptionKind::ALL {
            assert_eq!(ExceptionKind::from_id(kind as u32), Some(kind));
        }
        assert_eq!(
            ExceptionKind::from_id(ExceptionKind::ALL.len() as u32),
            None
        );
    }
}
