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
    /// A value-type value (ECMA-335 I.12.3.2.1's "user-defined value type"), held in a
    /// translator-owned stack slot; the CLIF value is that slot's address.
    Struct(StructLayout),
}

/// The size and alignment of a value type stored inline (Mono's `mono_type_size`): all the
/// translator needs to allocate, copy and pass a struct. Where its references are is the
/// type system's business (GC maps of the heap objects that hold it); stacks are scanned
/// conservatively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StructLayout {
    pub size: u32,
    pub align: u32,
}

/// The type of an argument, local, return value, field or array element as the translator
/// sees it: a primitive kind (enums are their underlying primitive) or a struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IlType {
    Val(ValKind),
    Struct(StructLayout),
}

impl IlType {
    /// The kind that travels in the calling convention: a struct travels by reference
    /// (the address of a caller-owned copy).
    pub fn abi_kind(self) -> ValKind {
        match self {
            IlType::Val(kind) => kind,
            IlType::Struct(_) => ValKind::Ptr,
        }
    }

    /// Size in bytes of a value of this type in memory.
    pub fn size(self) -> u32 {
        match self {
            IlType::Val(kind) => kind.size(),
            IlType::Struct(layout) => layout.size,
        }
    }

    /// The evaluation-stack type of a value of this type once loaded.
    pub fn stack_type(self) -> StackType {
        match self {
            IlType::Val(kind) => StackType::of(kind),
            IlType::Struct(layout) => StackType::Struct(layout),
        }
    }
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
            Self::I8 | Self::I | Self::O | Self::Ptr | Self::Struct(_) => MachineType::I64,
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
            Self::Struct(_) => "value type",
        }
    }
}

/// The shape of a method as the calling convention sees it.
///
/// Value types (ECMA-335 I.8.2.2 structs, not enums) travel by reference: a struct argument
/// is the address of a copy the caller owns (the callee may write to it), and a struct
/// return value is written to a buffer the caller passes as a hidden pointer argument right
/// after `this` (first when there is no `this`), the machine function then returning
/// nothing; as Mono's amd64 ABI does for value types it cannot return in registers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodShape {
    /// An implicit leading `this` (passed as `I64`: an object reference, or a pointer for
    /// value-type instance methods).
    pub has_this: bool,
    /// Declared parameters, without `this`.
    pub params: Vec<IlType>,
    /// `None` for `void`.
    pub ret: Option<IlType>,
}

impl MethodShape {
    /// IL argument types including `this` (as a [`ValKind::Ptr`] when present).
    pub fn arg_types(&self) -> Vec<IlType> {
        let mut args = Vec::with_capacity(self.params.len() + 1);
        if self.has_this {
            args.push(IlType::Val(ValKind::Ptr));
        }
        args.extend_from_slice(&self.params);
        args
    }

    /// Argument kinds including `this`, as they travel (structs as pointers), without the
    /// hidden return buffer.
    pub fn arg_kinds(&self) -> Vec<ValKind> {
        self.arg_types().into_iter().map(IlType::abi_kind).collect()
    }

    /// The struct returned through a hidden buffer, if the method returns one.
    pub fn struct_return(&self) -> Option<StructLayout> {
        match self.ret {
            Some(IlType::Struct(layout)) => Some(layout),
            _ => None,
        }
    }

    /// The machine parameters in order: `this`, the hidden return buffer, the parameters.
    pub fn abi_params(&self) -> Vec<ValKind> {
        let mut kinds = self.arg_kinds();
        if self.struct_return().is_some() {
            kinds.insert(usize::from(self.has_this), ValKind::Ptr);
        }
        kinds
    }

    /// The machine return kind (`None` for `void` and for struct returns).
    pub fn abi_ret(&self) -> Option<ValKind> {
        match self.ret {
            Some(IlType::Val(kind)) => Some(kind),
            _ => None,
        }
    }
}
