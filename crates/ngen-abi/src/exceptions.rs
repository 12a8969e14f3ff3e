//! Exception kinds the compiled code and the runtime raise by id.
//!
//! Compiled code never builds exception objects itself: it calls the runtime's throw helper
//! with one of these ids. The numbering is ABI: append, never reorder.

/// Defines `ExceptionKind` from one list, `Name = id "System.TypeName";`, so the ids, `ALL` and
/// the type names cannot drift apart. Append, never reorder.
macro_rules! exception_kinds {
    ($( $name:ident = $id:literal $type_name:literal; )*) => {
        /// A CLI exception type that compiled code or the runtime can raise.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ExceptionKind {
            $( $name = $id, )*
        }

        impl ExceptionKind {
            /// Every kind, in id order.
            pub const ALL: [ExceptionKind; [$($id),*].len()] = [$(Self::$name),*];

            /// The full CLI type name, e.g. `System.OverflowException`.
            pub fn type_name(self) -> &'static str {
                match self {
                    $( Self::$name => $type_name, )*
                }
            }
        }
    };
}

exception_kinds! {
    Overflow = 0 "System.OverflowException";
    DivideByZero = 1 "System.DivideByZeroException";
    IndexOutOfRange = 2 "System.IndexOutOfRangeException";
    NullReference = 3 "System.NullReferenceException";
    InvalidCast = 4 "System.InvalidCastException";
    Format = 5 "System.FormatException";
    Argument = 6 "System.ArgumentException";
    ArgumentNull = 7 "System.ArgumentNullException";
    ArgumentOutOfRange = 8 "System.ArgumentOutOfRangeException";
    Arithmetic = 9 "System.ArithmeticException";
    InvalidProgram = 10 "System.InvalidProgramException";
    OutOfMemory = 11 "System.OutOfMemoryException";
    StackOverflow = 12 "System.StackOverflowException";
    ArrayTypeMismatch = 13 "System.ArrayTypeMismatchException";
}

impl ExceptionKind {
    /// The kind with this ABI id, if any.
    pub fn from_id(id: u32) -> Option<Self> {
        Self::ALL.get(id as usize).copied()
    }
}

/// What the `CaptureTrace` helper records (its `mode` argument).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    /// `throw`: a new trace from the calling frame outwards (mono resets `trace_ips`).
    Throw = 0,
    /// `rethrow`: the old trace without its catching frame, then the calling frame outwards.
    Rethrow = 1,
    /// A `catch` or filter of the calling frame takes the exception: the trace ends there.
    Caught = 2,
}

impl TraceMode {
    /// The mode with this ABI id, if any.
    pub fn from_id(id: u32) -> Option<Self> {
        [Self::Throw, Self::Rethrow, Self::Caught]
            .get(id as usize)
            .copied()
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

    #[test]
    fn type_names_match_the_kinds() {
        for kind in ExceptionKind::ALL {
            assert_eq!(kind.type_name(), format!("System.{kind:?}Exception"));
        }
    }
}
