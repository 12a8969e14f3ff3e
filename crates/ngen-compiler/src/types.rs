//! The compiler's view of CIL types: the kinds of values that travel through the managed
//! calling convention and live in locals, and the evaluation-stack types (ECMA-335 I.12.3.2.1).
//!
//! Cranelift-free and metadata-free so both the translator and the runtime can use it; the
//! mapping from metadata signatures lives in [`crate::signature`].

pub use ngen_abi::calling_convention::{MachineType, ValKind};

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
    /// The evaluation-stack type of a value of `kind` once loaded.
    pub fn of(kind: ValKind) -> StackType {
        match kind {
            ValKind::Bool
            | ValKind::Char
            | ValKind::I1
            | ValKind::U1
            | ValKind::I2
            | ValKind::U2
            | ValKind::I4
            | ValKind::U4 => Self::I4,
            ValKind::I8 | ValKind::U8 => Self::I8,
            ValKind::I | ValKind::U => Self::I,
            ValKind::R4 => Self::F4,
            ValKind::R8 => Self::F8,
            ValKind::Ref => Self::O,
            ValKind::Ptr => Self::Ptr,
        }
    }

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
