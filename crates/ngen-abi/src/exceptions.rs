//! Exception kinds the compiled code and the runtime raise by id.
//!
//! Compiled code never builds exception objects itself: it calls the runtime's throw helper
//! with one of these ids. The numbering is ABI: append, never reorder.

/// Defines `ExceptionKind` from one list, `Name = id "System.TypeName";`, so the ids, `ALL` and
/// the type names cannot drift apart. Append, never reorder.
macro_rules! exception_kinds {
    ($( $name:ident = $id:literal $type_name:literal; )*) => {
        /// A CLI exception type that compiled code or the runtime's BCL surface can raise.
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
}

impl ExceptionKind {
    /// The kind with this ABI id, if any.
    pub fn from_id(id: u32) -> Option<Self> {
        Self::ALL.get(id as usize).copied()
    }

    /// The core-library class this kind's class derives from directly.
    pub fn parent(self) -> CoreExceptionClass {
        use ExceptionKind as K;
        match self {
            K::Overflow | K::DivideByZero => CoreExceptionClass::Kind(K::Arithmetic),
            K::ArgumentNull | K::ArgumentOutOfRange => CoreExceptionClass::Kind(K::Argument),
            _ => CoreExceptionClass::SystemException,
        }
    }
}

/// A core-library exception class a `catch` clause can name and the runtime's exceptions can
/// be instances of: a kind's class, or one of the two roots above them. Its ABI id
/// ([`CoreExceptionClass::id`]) is the kind's id, then [`ExceptionKind::ALL`]`.len()` for
/// `System.Exception` and one more for `System.SystemException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoreExceptionClass {
    Kind(ExceptionKind),
    Exception,
    SystemException,
}

impl CoreExceptionClass {
    /// Number of ids.
    pub const COUNT: usize = ExceptionKind::ALL.len() + 2;

    pub fn id(self) -> u32 {
        match self {
            Self::Kind(kind) => kind as u32,
            Self::Exception => ExceptionKind::ALL.len() as u32,
            Self::SystemException => ExceptionKind::ALL.len() as u32 + 1,
        }
    }

    pub fn from_id(id: u32) -> Option<Self> {
        match id as usize {
            n if n < ExceptionKind::ALL.len() => ExceptionKind::from_id(id).map(Self::Kind),
            n if n == ExceptionKind::ALL.len() => Some(Self::Exception),
            n if n == ExceptionKind::ALL.len() + 1 => Some(Self::SystemException),
            _ => None,
        }
    }

    /// The class named `System.<name>`, if it is one of these.
    pub fn by_name(namespace: &str, name: &str) -> Option<Self> {
        if namespace != "System" {
            return None;
        }
        match name {
            "Exception" => Some(Self::Exception),
            "SystemException" => Some(Self::SystemException),
            _ => ExceptionKind::ALL
                .into_iter()
                .find(|k| k.type_name().strip_prefix("System.") == Some(name))
                .map(Self::Kind),
        }
    }

    /// Its direct base class among these, `None` for `System.Exception`.
    pub fn parent(self) -> Option<Self> {
        match self {
            Self::Kind(kind) => Some(kind.parent()),
            Self::SystemException => Some(Self::Exception),
            Self::Exception => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_classes_round_trip_and_chain_to_exception() {
        for id in 0..CoreExceptionClass::COUNT as u32 {
            let class = CoreExceptionClass::from_id(id).unwrap();
            assert_eq!(class.id(), id);
            let mut top = class;
            while let Some(parent) = top.parent() {
                top = parent;
            }
            assert_eq!(top, CoreExceptionClass::Exception);
        }
        assert_eq!(
            CoreExceptionClass::by_name("System", "DivideByZeroException"),
            Some(CoreExceptionClass::Kind(ExceptionKind::DivideByZero))
        );
        assert_eq!(CoreExceptionClass::by_name("System", "Object"), None);
    }

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
