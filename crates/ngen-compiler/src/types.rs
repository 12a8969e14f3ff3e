//! The compiler's view of CIL types: the kinds of values that travel through the managed
//! calling convention and live in locals, and the evaluation-stack types (ECMA-335 I.12.3.2.1).
//!
//! Cranelift-free and metadata-free so both the translator and the runtime can use it; the
//! mapping from metadata signatures lives in [`crate::signature`].

/// The type of a parameter, return value or local, as far as code generation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValKind {
    Bool,
    Char,
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    /// `native int`.
    I,
    /// `native unsigned int`.
    U,
    R4,
    R8,
    /// Any object reference (string, object, class, array).
    Ref,
    /// A managed (`&`) or unmanaged (`*`) pointer.
    Ptr,
}

/// The machine type of a value in the managed calling convention (SystemV registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MachineType {
    I32,
    I64,
    F32,
    F64,
}

impl ValKind {
    /// How the value is passed, returned and held: the small integer types travel as
    /// `I32`, sign- or zero-extended per CIL; pointers and references as `I64`.
    pub fn machine(self) -> MachineType {
        match self {
            Self::Bool | Self::Char | Self::I1 | Self::U1 | Self::I2 | Self::U2 => MachineType::I32,
            Self::I4 | Self::U4 => MachineType::I32,
            Self::I8 | Self::U8 | Self::I | Self::U | Self::Ref | Self::Ptr => MachineType::I64,
            Self::R4 => MachineType::F32,
            Self::R8 => MachineType::F64,
        }
    }

    /// The evaluation-stack type of a value of this kind once loaded.
    pub fn stack(self) -> StackType {
        match self {
            Self::Bool
            | Self::Char
            | Self::I1
            | Self::U1
            | Self::I2
            | Self::U2
            | Self::I4
            | Self::U4 => StackType::I4,
            Self::I8 | Self::U8 => StackType::I8,
            Self::I | Self::U => StackType::I,
            Self::R4 => StackType::F4,
            Self::R8 => StackType::F8,
            Self::Ref => StackType::O,
            Self::Ptr => StackType::Ptr,
        }
    }

    /// Size in bytes of a value of this kind in memory.
    pub fn size(self) -> u32 {
        match self {
            Self::Bool | Self::I1 | Self::U1 => 1,
            Self::Char | Self::I2 | Self::U2 => 2,
            Self::I4 | Self::U4 | Self::R4 => 4,
            _ => 8,
        }
    }
}

/// An evaluation-stack type. `F4` is kept apart from `F8` (mono keeps `float32` arithmetic
/// in single precision on x86-64); they merge to `F8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StackType {
    I4,
    I8,
    /// `native int` (also unmanaged pointers once converted).
    I,
    F4,
    F8,
    /// Object reference.
    O,
    /// Managed pointer (`&`).
    Ptr,
}

impl StackType {
    /// Machine type holding values of this stack type.
    pub fn machine(self) -> MachineType {
        match self {
            Self::I4 => MachineType::I32,
            Self::I8 | Self::I | Self::O | Self::Ptr => MachineType::I64,
            Self::F4 => MachineType::F32,
            Self::F8 => MachineType::F64,
        }
    }

    /// True for the integer stack types (`int32`, `int64`, `native int`).
    pub fn is_integer(self) -> bool {
        matches!(self, Self::I4 | Self::I8 | Self::I)
    }

    /// True for `F`.
    pub fn is_float(self) -> bool {
        matches!(self, Self::F4 | Self::F8)
    }

    /// The ILAsm-ish name used in exclusion reasons.
    pub fn name(self) -> &'static str {
        match self {
            Self::I4 => "int32",
            Self::I8 => "int64",
            Self::I => "native int",
            Self::F4 => "float32",
            Self::F8 => "float64",
            Self::O => "O",
            Self::Ptr => "&",
        }
    }
}

/// The shape of a method as the calling convention sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodShape {
    /// An implicit leading `this` (passed as `I64`: an object reference, or a pointer for
    /// value-type instance methods).
    pub has_this: bool,
    /// Declared parameters, without `this`.
    pub params: Vec<ValKind>,
    /// `None` for `void`.
    pub ret: Option<ValKind>,
}

impl MethodShape {
    /// Argument kinds including `this` (as [`ValKind::Ptr`] when present).
    pub fn arg_kinds(&self) -> Vec<ValKind> {
        let mut args = Vec::with_capacity(self.params.len() + 1);
        if self.has_this {
            args.push(ValKind::Ptr);
        }
        args.extend_from_slice(&self.params);
        args
    }
}
