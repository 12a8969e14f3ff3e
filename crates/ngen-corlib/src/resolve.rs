//! From a `[mscorlib]` method reference to the `extern "C"` entry point implementing it.
//!
//! The runtime (or the compiler's import resolution) maps a MemberRef's parent type, name and
//! signature to a [`CorlibMethodRef`] and calls [`resolve`]. `None` means the method is outside
//! the BCL surface; the runtime then reports "method X not available in the runtime's BCL surface".
//!
//! ## Calling convention of every entry point
//! SystemV (`extern "C"`), with CIL's evaluation-stack types:
//! - `Bool`, `Char`, `I1`, `U1`, `I2`, `U2`, `I4`, `U4` travel as `i32`, sign- or zero-extended
//!   as CIL does (`bool` is 0 or 1; a `Char` is zero-extended), in both directions;
//! - `I8`/`U8` as `i64`, `R4` as `f32`, `R8` as `f64`;
//! - `I`, `U` and every reference (`String`, `Object`, arrays) as a pointer-sized integer;
//! - an instance method (`has_this`) takes `this` as an extra leading pointer argument that is
//!   *not* listed in `params`: for `System.String` it is the string reference, for a primitive
//!   value type (e.g. `Int32::ToString()` called after `ldloca`) it is a pointer to the value.
//!
//! [`ValueKind::abi`] gives the machine type for each kind so the compiler can build the call
//! signature without knowing these rules.
//!
//! Depends on: every other module of this crate (it only takes function addresses).

use crate::math;
use ngen_abi::calling_convention::{MachineType, ValKind};
use std::fmt;

/// The type of a parameter or return value of a BCL method, as far as the BCL surface needs.
///
/// Mirrors the ECMA-335 element types the surface uses. Anything else (generic instances,
/// classes other than `System.String`/`System.Object`, multi-dimensional arrays, byrefs to
/// non-primitives) is not in the surface: the caller maps it to no `ValueKind` and treats the
/// method as unavailable. Build byrefs with [`ValueKind::by_ref`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `void` (return type only).
    Void,
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
    R4,
    R8,
    /// `native int` (`System.IntPtr`).
    I,
    /// `native unsigned int` (`System.UIntPtr`).
    U,
    String,
    Object,
    /// `string[]`.
    SzArrayOfString,
    /// `char[]`.
    SzArrayOfChar,
    /// A managed pointer (`T&`, e.g. the `out int` of `Int32.TryParse`), passed as a pointer.
    /// Obtain it from [`ValueKind::by_ref`]; the referent is never itself a byref or `void`.
    ByRef(&'static ValueKind),
}

impl ValueKind {
    /// The calling-convention kind this travels as (`ngen_abi::calling_convention`, the table
    /// the compiler builds signatures from); `None` for `void`.
    pub fn val_kind(self) -> Option<ValKind> {
        Some(match self {
            Self::Void => return None,
            Self::Bool => ValKind::Bool,
            Self::Char => ValKind::Char,
            Self::I1 => ValKind::I1,
            Self::U1 => ValKind::U1,
            Self::I2 => ValKind::I2,
            Self::U2 => ValKind::U2,
            Self::I4 => ValKind::I4,
            Self::U4 => ValKind::U4,
            Self::I8 => ValKind::I8,
            Self::U8 => ValKind::U8,
            Self::R4 => ValKind::R4,
            Self::R8 => ValKind::R8,
            Self::I => ValKind::I,
            Self::U => ValKind::U,
            Self::String | Self::Object | Self::SzArrayOfString | Self::SzArrayOfChar => {
                ValKind::Ref
            }
            Self::ByRef(_) => ValKind::Ptr,
        })
    }

    /// The machine type a value of this kind is passed and returned as; `None` for `void`.
    pub fn machine(self) -> Option<MachineType> {
        self.val_kind().map(ValKind::machine)
    }

    /// The byref type `self&`; `None` for `void` and for byrefs (which cannot nest).
    pub fn by_ref(self) -> Option<ValueKind> {
        let referent: &'static ValueKind = match self {
            Self::Void | Self::ByRef(_) => return None,
            Self::Bool => &Self::Bool,
            Self::Char => &Self::Char,
            Self::I1 => &Self::I1,
            Self::U1 => &Self::U1,
            Self::I2 => &Self::I2,
            Self::U2 => &Self::U2,
            Self::I4 => &Self::I4,
            Self::U4 => &Self::U4,
            Self::I8 => &Self::I8,
            Self::U8 => &Self::U8,
            Self::R4 => &Self::R4,
            Self::R8 => &Self::R8,
            Self::I => &Self::I,
            Self::U => &Self::U,
            Self::String => &Self::String,
            Self::Object => &Self::Object,
            Self::SzArrayOfString => &Self::SzArrayOfString,
            Self::SzArrayOfChar => &Self::SzArrayOfChar,
        };
        Some(Self::ByRef(referent))
    }
}

impl fmt::Display for ValueKind {
    /// The ILAsm spelling, used in messages ("int32", "string[]", "int32&").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Void => "void",
            Self::Bool => "bool",
            Self::Char => "char",
            Self::I1 => "int8",
            Self::U1 => "unsigned int8",
            Self::I2 => "int16",
            Self::U2 => "unsigned int16",
            Self::I4 => "int32",
            Self::U4 => "unsigned int32",
            Self::I8 => "int64",
            Self::U8 => "unsigned int64",
            Self::R4 => "float32",
            Self::R8 => "float64",
            Self::I => "native int",
            Self::U => "native unsigned int",
            Self::String => "string",
            Self::Object => "object",
            Self::SzArrayOfString => "string[]",
            Self::SzArrayOfChar => "char[]",
            Self::ByRef(referent) => return write!(f, "{referent}&"),
        };
        f.write_str(name)
    }
}

/// One overload of a BCL method, as named by a MemberRef into mscorlib.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CorlibMethodRef<'a> {
    /// e.g. `System`.
    pub namespace: &'a str,
    /// e.g. `Console`, `Int32`, `Math` (nested types are not in the surface).
    pub type_name: &'a str,
    /// e.g. `WriteLine`, `get_Length`, `op_Equality`, `ToString`.
    pub method: &'a str,
    /// True for instance methods; `this` is then an implicit leading pointer argument.
    pub has_this: bool,
    /// Declared parameter types, without `this`.
    pub params: &'a [ValueKind],
    pub ret: ValueKind,
}

impl fmt::Display for CorlibMethodRef<'_> {
    /// ILAsm-like: `string System.Int32::ToString()`, `void System.Console::WriteLine(int32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.has_this {
            f.write_str("instance ")?;
        }
        write!(f, "{} ", self.ret)?;
        if !self.namespace.is_empty() {
            write!(f, "{}.", self.namespace)?;
        }
        write!(f, "{}::{}(", self.type_name, self.method)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str(")")
    }
}

/// The entry point implementing exactly this overload, or `None` if it is outside the surface.
pub fn resolve(m: &CorlibMethodRef) -> Option<*const u8> {
    ENTRIES
        .iter()
        .find(|e| {
            e.type_name == m.type_name
                && e.method == m.method
                && e.has_this == m.has_this
                && e.ret == m.ret
                && e.params == m.params
                && m.namespace == "System"
        })
        .map(|e| e.entry())
}

/// Mono's JIT folds `Math.Round`, `Math.Sin` and `Math.Cos` of a literal argument (an
/// `ldc.r8` immediately before the `call`) at compile time, with results that differ from the
/// run-time entry points (e.g. `Math.Round(2.5)` is 3 under mono, `Math.Round(x)` with
/// `x == 2.5` is 2). A compiler that wants mono's output asks this function when it sees that
/// pattern and, on `Some(v)`, emits the constant `v` instead of the call.
pub fn fold_constant_call(m: &CorlibMethodRef, argument: f64) -> Option<f64> {
    let is_math_unary = m.namespace == "System"
        && m.type_name == "Math"
        && !m.has_this
        && m.params == [ValueKind::R8]
        && m.ret == ValueKind::R8;
    if is_math_unary {
        math::jit_folded_constant(m.method, argument)
    } else {
        None
    }
}

/// A static field of a BCL type, as named by a field MemberRef into mscorlib
/// (`ldsfld string [mscorlib]System.String::Empty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CorlibFieldRef<'a> {
    pub namespace: &'a str,
    pub type_name: &'a str,
    pub field: &'a str,
    /// The field's declared type.
    pub kind: ValueKind,
}

/// The address of a static field's storage, or `None` if it is outside the surface.
///
/// Compiled code loads the field from this address (`ldsfld`); the storage holds a value of
/// the field's type in its natural size (a reference for `String.Empty`, one byte for a
/// `bool`) and lives for the whole process. Fields that C# compiles to literals (`Math.PI`,
/// `Int32.MaxValue`, `Double.NaN`) never reach the runtime.
pub fn resolve_static_field(f: &CorlibFieldRef) -> Option<*const u8> {
    /// `String.Empty`: filled on first resolution (the string is allocated then).
    static STRING_EMPTY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    /// `BitConverter.IsLittleEndian` (every supported target is little-endian).
    static IS_LITTLE_ENDIAN: u8 = cfg!(target_endian = "little") as u8;
    if f.namespace != "System" {
        return None;
    }
    match (f.type_name, f.field, f.kind) {
        ("String", "Empty", ValueKind::String) => {
            let cell = STRING_EMPTY.get_or_init(|| crate::objects::empty_string() as usize);
            Some((cell as *const usize).cast())
        }
        ("BitConverter", "IsLittleEndian", ValueKind::Bool) => Some(&raw const IS_LITTLE_ENDIAN),
        _ => None,
    }
}

/// Every overload in the surface, for listings and tests.
pub fn all_methods() -> impl Iterator<Item = (CorlibMethodRef<'static>, *const u8)> {
    ENTRIES.iter().map(|e| {
        (
            CorlibMethodRef {
                namespace: "System",
                type_name: e.type_name,
                method: e.method,
                has_this: e.has_this,
                params: e.params,
                ret: e.ret,
            },
            e.entry(),
        )
    })
}

/// One row of the table: a `System.*` method overload and its entry point.
struct Entry {
    type_name: &'static str,
    method: &'static str,
    has_this: bool,
    params: &'static [ValueKind],
    ret: ValueKind,
    /// The entry point, as a function returning its address (statics cannot hold casts of
    /// function pointers to raw pointers).
    address: fn() -> *const u8,
}

impl Entry {
    fn entry(&self) -> *const u8 {
        (self.address)()
    }
}

/// One parameter or return kind in a [`row!`]: `I4`, or `ByRefI4` for `int32&`.
macro_rules! kind {
    (ByRefBool) => {
        ValueKind::ByRef(&ValueKind::Bool)
    };
    (ByRefChar) => {
        ValueKind::ByRef(&ValueKind::Char)
    };
    (ByRefI1) => {
        ValueKind::ByRef(&ValueKind::I1)
    };
    (ByRefU1) => {
        ValueKind::ByRef(&ValueKind::U1)
    };
    (ByRefI2) => {
        ValueKind::ByRef(&ValueKind::I2)
    };
    (ByRefU2) => {
        ValueKind::ByRef(&ValueKind::U2)
    };
    (ByRefI4) => {
        ValueKind::ByRef(&ValueKind::I4)
    };
    (ByRefU4) => {
        ValueKind::ByRef(&ValueKind::U4)
    };
    (ByRefI8) => {
        ValueKind::ByRef(&ValueKind::I8)
    };
    (ByRefU8) => {
        ValueKind::ByRef(&ValueKind::U8)
    };
    (ByRefR4) => {
        ValueKind::ByRef(&ValueKind::R4)
    };
    (ByRefR8) => {
        ValueKind::ByRef(&ValueKind::R8)
    };
    ($kind:ident) => {
        ValueKind::$kind
    };
}

/// `row!(static|instance Type::Method(params...) -> Ret => path::to::function)`.
macro_rules! row {
    (static $ty:ident :: $m:ident ( $($p:ident),* ) -> $r:ident => $f:path) => {
        Entry {
            type_name: stringify!($ty),
            method: stringify!($m),
            has_this: false,
            params: &[$(kind!($p)),*],
            ret: kind!($r),
            address: || $f as *const u8,
        }
    };
    (instance $ty:ident :: $m:ident ( $($p:ident),* ) -> $r:ident => $f:path) => {
        Entry {
            type_name: stringify!($ty),
            method: stringify!($m),
            has_this: true,
            params: &[$(kind!($p)),*],
            ret: kind!($r),
            address: || $f as *const u8,
        }
    };
}

static ENTRIES: &[Entry] = &[
    // System.Math
    row!(static Math::Sqrt(R8) -> R8 => math::sqrt),
    row!(static Math::Abs(R4) -> R4 => math::abs_r4),
    row!(static Math::Abs(R8) -> R8 => math::abs_r8),
    row!(static Math::Pow(R8, R8) -> R8 => math::pow),
    row!(static Math::Floor(R8) -> R8 => math::floor),
    row!(static Math::Ceiling(R8) -> R8 => math::ceiling),
    row!(static Math::Round(R8) -> R8 => math::round),
    row!(static Math::Truncate(R8) -> R8 => math::truncate),
    row!(static Math::Sin(R8) -> R8 => math::sin),
    row!(static Math::Cos(R8) -> R8 => math::cos),
    row!(static Math::Tan(R8) -> R8 => math::tan),
    row!(static Math::Asin(R8) -> R8 => math::asin),
    row!(static Math::Acos(R8) -> R8 => math::acos),
    row!(static Math::Atan(R8) -> R8 => math::atan),
    row!(static Math::Atan2(R8, R8) -> R8 => math::atan2),
    row!(static Math::Sinh(R8) -> R8 => math::sinh),
    row!(static Math::Cosh(R8) -> R8 => math::cosh),
    row!(static Math::Tanh(R8) -> R8 => math::tanh),
    row!(static Math::Exp(R8) -> R8 => math::exp),
    row!(static Math::Log(R8) -> R8 => math::log),
    row!(static Math::Log10(R8) -> R8 => math::log10),
    row!(static Math::Asinh(R8) -> R8 => math::asinh),
    row!(static Math::Acosh(R8) -> R8 => math::acosh),
    row!(static Math::Atanh(R8) -> R8 => math::atanh),
    row!(static Math::Cbrt(R8) -> R8 => math::cbrt),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_exact_overloads_only() {
        let sqrt_double = CorlibMethodRef {
            namespace: "System",
            type_name: "Math",
            method: "Sqrt",
            has_this: false,
            params: &[ValueKind::R8],
            ret: ValueKind::R8,
        };
        assert_eq!(resolve(&sqrt_double), Some(math::sqrt as *const u8));
        let wrong_overload = CorlibMethodRef {
            params: &[ValueKind::R4],
            ..sqrt_double
        };
        assert_eq!(resolve(&wrong_overload), None);
        let wrong_namespace = CorlibMethodRef {
            namespace: "System.IO",
            ..sqrt_double
        };
        assert_eq!(resolve(&wrong_namespace), None);
    }

    #[test]
    fn display_is_ilasm_like() {
        let m = CorlibMethodRef {
            namespace: "System",
            type_name: "Int32",
            method: "ToString",
            has_this: true,
            params: &[],
            ret: ValueKind::String,
        };
        assert_eq!(m.to_string(), "instance string System.Int32::ToString()");
        let try_parse = CorlibMethodRef {
            namespace: "System",
            type_name: "Int32",
            method: "TryParse",
            has_this: false,
            params: &[ValueKind::String, ValueKind::I4.by_ref().expect("byref")],
            ret: ValueKind::Bool,
        };
        assert_eq!(
            try_parse.to_string(),
            "bool System.Int32::TryParse(string, int32&)"
        );
        assert!(
            resolve(&try_parse).is_none(),
            "Int32.TryParse is mscorlib's own now"
        );
        assert_eq!(ValueKind::Void.by_ref(), None);
    }

    #[test]
    fn constant_folding_follows_mono() {
        let round = CorlibMethodRef {
            namespace: "System",
            type_name: "Math",
            method: "Round",
            has_this: false,
            params: &[ValueKind::R8],
            ret: ValueKind::R8,
        };
        assert_eq!(fold_constant_call(&round, 2.5), Some(3.0));
        assert_eq!(fold_constant_call(&round, -0.5), Some(-1.0));
        let sqrt = CorlibMethodRef {
            method: "Sqrt",
            ..round
        };
        assert_eq!(fold_constant_call(&sqrt, 2.0), None);
    }

    #[test]
    fn static_fields_point_at_their_values() {
        let empty = CorlibFieldRef {
            namespace: "System",
            type_name: "String",
            field: "Empty",
            kind: ValueKind::String,
        };
        let cell = resolve_static_field(&empty).expect("String.Empty");
        // SAFETY: the cell holds a string reference for the life of the process.
        let value = unsafe { cell.cast::<usize>().read() };
        assert_eq!(value, crate::objects::empty_string() as usize);
        let little = CorlibFieldRef {
            type_name: "BitConverter",
            field: "IsLittleEndian",
            kind: ValueKind::Bool,
            ..empty
        };
        // SAFETY: the storage is a static byte.
        assert_eq!(
            unsafe { resolve_static_field(&little).expect("field").read() },
            1
        );
        assert_eq!(
            resolve_static_field(&CorlibFieldRef {
                field: "Nope",
                ..empty
            }),
            None
        );
    }

    #[test]
    fn no_overload_is_listed_twice() {
        let all: Vec<_> = all_methods().map(|(m, _)| m).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(a), "{a} is listed twice");
        }
    }
}
