//! Typed `u32` handles into the [`crate::TypeSystem`]'s arenas.
//!
//! A handle is only meaningful for the context that made it. Types are interned, so two
//! [`TypeHandle`]s are equal exactly when they name the same type (ECMA-335 I.8.6.1.1 identity,
//! with custom modifiers ignored). Depends on nothing.

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The arena index (stable for the life of the context, assigned in load order).
            pub fn index(self) -> u32 {
                self.0
            }

            pub(crate) fn at(self) -> usize {
                self.0 as usize
            }
        }
    };
}

handle!(
    /// A loaded type: a definition, an instantiation, an array, a byref, a pointer, a function
    /// pointer or a generic parameter.
    TypeHandle
);
handle!(
    /// A method of a particular (possibly instantiated) owner type, possibly itself instantiated.
    MethodHandle
);
handle!(
    /// A field of a particular (possibly instantiated) owner type.
    FieldHandle
);
handle!(
    /// A loaded assembly (its manifest module).
    ModuleId
);
