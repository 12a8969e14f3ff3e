//! The P/Invoke ABI between a marshalling stub and the runtime.
//!
//! A method with an ImplMap row (`pinvokeimpl`, `[DllImport]`) has no body; the compiler
//! gives it a marshalling stub (mono's managed-to-native wrapper, crossgen2's
//! `PInvokeILEmitter`) with the method's managed signature. The stub loads the native target
//! from the method's [`CellKind::PInvoke`](crate::image::CellKind::PInvoke) cell (resolved
//! lazily by the runtime), converts each argument, calls the target with the C (SystemV)
//! convention, and converts the result back. The conversions it cannot do inline are
//! [`MarshalOp`]s of the [`PInvokeMarshal`](crate::helpers::HelperId::PInvokeMarshal) helper.
//!
//! Numbering is ABI: append, never reorder (and bump the image format version).

/// Defines `MarshalOp` from one list, so the ids and `from_u32` cannot drift apart.
macro_rules! marshal_ops {
    ($( $(#[$doc:meta])* $name:ident = $id:literal; )*) => {
        /// One marshalling step of a P/Invoke stub: `PInvokeMarshal(op, value, extra)`.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum MarshalOp {
            $( $(#[$doc])* $name = $id, )*
        }

        impl MarshalOp {
            /// The op with this id.
            pub fn from_u32(v: u32) -> Option<MarshalOp> {
                match v {
                    $( $id => Some(Self::$name), )*
                    _ => None,
                }
            }
        }
    };
}

marshal_ops! {
    /// `value` a string (or null): a new NUL-terminated UTF-8 copy (`LPStr`, mono's default
    /// on Unix) in `malloc`ed memory, or 0 for null.
    StringToUtf8 = 0;
    /// `value` a string (or null): a new NUL-terminated UTF-16 copy (`LPWStr`), or 0.
    StringToUtf16 = 1;
    /// `value` a native UTF-8 string (or 0): a new managed string (null for 0); the native
    /// memory is then freed, as mono frees a returned `char*`.
    StringFromUtf8 = 2;
    /// As [`MarshalOp::StringFromUtf8`] for a UTF-16 string.
    StringFromUtf16 = 3;
    /// `value` a `StringBuilder` (or null): a zeroed native buffer of its capacity plus the
    /// terminator, holding its current text as UTF-8, or 0 for null.
    BuilderToUtf8 = 4;
    /// As [`MarshalOp::BuilderToUtf8`] in UTF-16.
    BuilderToUtf16 = 5;
    /// `value` the `StringBuilder`, `extra` its buffer: the builder's text becomes the
    /// buffer's NUL-terminated UTF-8 text (at most its capacity); the buffer is freed.
    BuilderFromUtf8 = 6;
    /// As [`MarshalOp::BuilderFromUtf8`] in UTF-16.
    BuilderFromUtf16 = 7;
    /// `value` memory a previous op allocated (or 0): freed.
    Free = 8;
    /// `value` a `SafeHandle`: `DangerousAddRef`, then its `handle`. A null handle raises
    /// `ArgumentNullException`, a closed one `ObjectDisposedException` (pending; returns 0).
    SafeHandleAddRef = 9;
    /// `value` a `SafeHandle` the stub added a reference to: `DangerousRelease`.
    SafeHandleRelease = 10;
    /// `value` the method table of a `SafeHandle` class, `extra` a native handle: a new
    /// instance made by its parameterless constructor, with `handle` set (a returned or `out`
    /// `SafeHandle`).
    SafeHandleNew = 11;
    /// Saves the calling thread's `errno` for `Marshal.GetLastWin32Error`
    /// (`SetLastError = true`), right after the native call.
    SaveLastError = 12;
    /// `value` the P/Invoke cell of a method whose signature cannot be marshalled: raises
    /// `MarshalDirectiveException` saying why (pending; returns 0), as mono does at the call.
    Unsupported = 13;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip() {
        for id in 0..=13 {
            assert_eq!(MarshalOp::from_u32(id).map(|op| op as u32), Some(id));
        }
        assert_eq!(MarshalOp::from_u32(14), None);
    }
}
