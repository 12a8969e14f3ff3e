//! The managed calling convention: how each kind of CIL value travels between compiled code
//! (AOT and JIT) and the runtime. One table, used by both: the compiler builds Cranelift
//! signatures from it and the runtime's helpers and icalls follow it, so the two sides cannot
//! disagree.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_widen_to_i32_and_references_are_pointer_sized() {
        for kind in [
            ValKind::Bool,
            ValKind::Char,
            ValKind::I1,
            ValKind::U2,
            ValKind::U4,
        ] {
            assert_eq!(kind.machine(), MachineType::I32, "{kind:?}");
        }
        for kind in [ValKind::I8, ValKind::U, ValKind::Ref, ValKind::Ptr] {
            assert_eq!(kind.machine(), MachineType::I64, "{kind:?}");
            assert_eq!(kind.size(), 8, "{kind:?}");
        }
        assert_eq!(ValKind::R4.machine(), MachineType::F32);
        assert_eq!(ValKind::R8.machine(), MachineType::F64);
        assert_eq!((ValKind::Bool.size(), ValKind::Char.size()), (1, 2));
    }
}
