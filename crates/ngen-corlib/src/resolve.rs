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

use crate::{char_info, convert, environment, floating_point, math, primitives, string};
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
            let cell = STRING_EMPTY.get_or_init(|| string::empty() as usize);
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
    // System.Exception (until mscorlib's own `get_Message` compiles: it needs `object[]`)
    row!(instance Exception::get_Message() -> String => crate::exceptions::get_message),
    // (until mscorlib's own `StackTrace.ToString()` compiles: it needs `StringBuilder`)
    row!(instance Exception::ToString() -> String => crate::exceptions::to_string),
    row!(instance Exception::get_StackTrace() -> String => crate::exceptions::get_stack_trace),
    // System.String
    row!(static String::Concat(String, String) -> String => string::concat2),
    row!(static String::Concat(String, String, String) -> String => string::concat3),
    row!(static String::Concat(String, String, String, String) -> String => string::concat4),
    row!(instance String::get_Length() -> I4 => string::get_length),
    row!(instance String::get_Chars(I4) -> Char => string::get_chars),
    row!(static String::op_Equality(String, String) -> Bool => string::op_equality),
    row!(static String::op_Inequality(String, String) -> Bool => string::op_inequality),
    row!(static String::Equals(String, String) -> Bool => string::op_equality),
    row!(instance String::Equals(String) -> Bool => string::equals_instance),
    row!(static String::IsNullOrEmpty(String) -> Bool => string::is_null_or_empty),
    row!(instance String::ToString() -> String => string::to_string),
    row!(instance String::Substring(I4) -> String => string::substring_from_entry),
    row!(instance String::Substring(I4, I4) -> String => string::substring_entry),
    row!(instance String::IndexOf(Char) -> I4 => string::index_of_char),
    row!(instance String::IndexOf(Char, I4) -> I4 => string::index_of_char_from),
    row!(instance String::LastIndexOf(Char) -> I4 => string::last_index_of_char),
    row!(instance String::Contains(String) -> Bool => string::contains_entry),
    row!(instance String::Trim() -> String => string::trim_entry),
    row!(instance String::Replace(Char, Char) -> String => string::replace_char_entry),
    row!(instance String::Replace(String, String) -> String => string::replace_string_entry),
    row!(instance String::PadLeft(I4) -> String => string::pad_left),
    row!(instance String::PadLeft(I4, Char) -> String => string::pad_left_with),
    row!(instance String::PadRight(I4) -> String => string::pad_right),
    row!(instance String::PadRight(I4, Char) -> String => string::pad_right_with),
    row!(instance String::ToCharArray() -> SzArrayOfChar => string::to_char_array),
    row!(static String::CompareOrdinal(String, String) -> I4 => string::compare_ordinal_entry),
    row!(static String::IsNullOrWhiteSpace(String) -> Bool => string::is_null_or_white_space),
    // ToString() of the primitive types (`this` is a pointer to the value).
    row!(instance Boolean::ToString() -> String => primitives::boolean_to_string),
    row!(instance Char::ToString() -> String => primitives::char_to_string),
    row!(instance SByte::ToString() -> String => primitives::sbyte_to_string),
    row!(instance Byte::ToString() -> String => primitives::byte_to_string),
    row!(instance Int16::ToString() -> String => primitives::int16_to_string),
    row!(instance UInt16::ToString() -> String => primitives::uint16_to_string),
    row!(instance Int32::ToString() -> String => primitives::int32_to_string),
    row!(instance UInt32::ToString() -> String => primitives::uint32_to_string),
    row!(instance Int64::ToString() -> String => primitives::int64_to_string),
    row!(instance UInt64::ToString() -> String => primitives::uint64_to_string),
    row!(instance Single::ToString() -> String => primitives::single_to_string),
    row!(instance Double::ToString() -> String => primitives::double_to_string),
    row!(instance IntPtr::ToString() -> String => primitives::intptr_to_string),
    row!(instance UIntPtr::ToString() -> String => primitives::uintptr_to_string),
    row!(static Char::ToString(Char) -> String => primitives::char_to_string_static),
    // CompareTo(T) and Equals(T) of the primitive types (`this` is a pointer to the value).
    row!(instance Boolean::CompareTo(Bool) -> I4 => primitives::boolean_compare_to),
    row!(instance Boolean::Equals(Bool) -> Bool => primitives::boolean_equals),
    row!(instance Char::CompareTo(Char) -> I4 => primitives::char_compare_to),
    row!(instance Char::Equals(Char) -> Bool => primitives::char_equals),
    row!(instance SByte::CompareTo(I1) -> I4 => primitives::sbyte_compare_to),
    row!(instance SByte::Equals(I1) -> Bool => primitives::sbyte_equals),
    row!(instance Byte::CompareTo(U1) -> I4 => primitives::byte_compare_to),
    row!(instance Byte::Equals(U1) -> Bool => primitives::byte_equals),
    row!(instance Int16::CompareTo(I2) -> I4 => primitives::int16_compare_to),
    row!(instance Int16::Equals(I2) -> Bool => primitives::int16_equals),
    row!(instance UInt16::CompareTo(U2) -> I4 => primitives::uint16_compare_to),
    row!(instance UInt16::Equals(U2) -> Bool => primitives::uint16_equals),
    row!(instance Int32::CompareTo(I4) -> I4 => primitives::int32_compare_to),
    row!(instance Int32::Equals(I4) -> Bool => primitives::int32_equals),
    row!(instance UInt32::CompareTo(U4) -> I4 => primitives::uint32_compare_to),
    row!(instance UInt32::Equals(U4) -> Bool => primitives::uint32_equals),
    row!(instance Int64::CompareTo(I8) -> I4 => primitives::int64_compare_to),
    row!(instance Int64::Equals(I8) -> Bool => primitives::int64_equals),
    row!(instance UInt64::CompareTo(U8) -> I4 => primitives::uint64_compare_to),
    row!(instance UInt64::Equals(U8) -> Bool => primitives::uint64_equals),
    row!(instance Single::CompareTo(R4) -> I4 => primitives::single_compare_to),
    row!(instance Single::Equals(R4) -> Bool => primitives::single_equals),
    row!(instance Double::CompareTo(R8) -> I4 => primitives::double_compare_to),
    row!(instance Double::Equals(R8) -> Bool => primitives::double_equals),
    // ToString(string format): standard and custom numeric formats, invariant culture.
    row!(instance SByte::ToString(String) -> String => primitives::sbyte_to_string_format),
    row!(instance Byte::ToString(String) -> String => primitives::byte_to_string_format),
    row!(instance Int16::ToString(String) -> String => primitives::int16_to_string_format),
    row!(instance UInt16::ToString(String) -> String => primitives::uint16_to_string_format),
    row!(instance Int32::ToString(String) -> String => primitives::int32_to_string_format),
    row!(instance UInt32::ToString(String) -> String => primitives::uint32_to_string_format),
    row!(instance Int64::ToString(String) -> String => primitives::int64_to_string_format),
    row!(instance UInt64::ToString(String) -> String => primitives::uint64_to_string_format),
    row!(instance Single::ToString(String) -> String => primitives::single_to_string_format),
    row!(instance Double::ToString(String) -> String => primitives::double_to_string_format),
    // Parse(string)
    row!(static Boolean::Parse(String) -> Bool => primitives::boolean_parse),
    row!(static Char::Parse(String) -> Char => primitives::char_parse),
    row!(static SByte::Parse(String) -> I1 => primitives::sbyte_parse),
    row!(static Byte::Parse(String) -> U1 => primitives::byte_parse),
    row!(static Int16::Parse(String) -> I2 => primitives::int16_parse),
    row!(static UInt16::Parse(String) -> U2 => primitives::uint16_parse),
    row!(static Int32::Parse(String) -> I4 => primitives::int32_parse),
    row!(static UInt32::Parse(String) -> U4 => primitives::uint32_parse),
    row!(static Int64::Parse(String) -> I8 => primitives::int64_parse),
    row!(static UInt64::Parse(String) -> U8 => primitives::uint64_parse),
    row!(static Single::Parse(String) -> R4 => primitives::single_parse),
    row!(static Double::Parse(String) -> R8 => primitives::double_parse),
    // TryParse(string, out T): false and a zeroed result on any failure, null included.
    row!(static Boolean::TryParse(String, ByRefBool) -> Bool => primitives::boolean_try_parse),
    row!(static Char::TryParse(String, ByRefChar) -> Bool => primitives::char_try_parse),
    row!(static SByte::TryParse(String, ByRefI1) -> Bool => primitives::sbyte_try_parse),
    row!(static Byte::TryParse(String, ByRefU1) -> Bool => primitives::byte_try_parse),
    row!(static Int16::TryParse(String, ByRefI2) -> Bool => primitives::int16_try_parse),
    row!(static UInt16::TryParse(String, ByRefU2) -> Bool => primitives::uint16_try_parse),
    row!(static Int32::TryParse(String, ByRefI4) -> Bool => primitives::int32_try_parse),
    row!(static UInt32::TryParse(String, ByRefU4) -> Bool => primitives::uint32_try_parse),
    row!(static Int64::TryParse(String, ByRefI8) -> Bool => primitives::int64_try_parse),
    row!(static UInt64::TryParse(String, ByRefU8) -> Bool => primitives::uint64_try_parse),
    row!(static Single::TryParse(String, ByRefR4) -> Bool => primitives::single_try_parse),
    row!(static Double::TryParse(String, ByRefR8) -> Bool => primitives::double_try_parse),
    // System.Math
    row!(static Math::Sqrt(R8) -> R8 => math::sqrt),
    row!(static Math::Abs(I1) -> I1 => math::abs_i1),
    row!(static Math::Abs(I2) -> I2 => math::abs_i2),
    row!(static Math::Abs(I4) -> I4 => math::abs_i4),
    row!(static Math::Abs(I8) -> I8 => math::abs_i8),
    row!(static Math::Abs(R4) -> R4 => math::abs_r4),
    row!(static Math::Abs(R8) -> R8 => math::abs_r8),
    row!(static Math::Max(I1, I1) -> I1 => math::max_i4),
    row!(static Math::Max(U1, U1) -> U1 => math::max_i4),
    row!(static Math::Max(I2, I2) -> I2 => math::max_i4),
    row!(static Math::Max(U2, U2) -> U2 => math::max_i4),
    row!(static Math::Max(I4, I4) -> I4 => math::max_i4),
    row!(static Math::Max(U4, U4) -> U4 => math::max_u4),
    row!(static Math::Max(I8, I8) -> I8 => math::max_i8),
    row!(static Math::Max(U8, U8) -> U8 => math::max_u8),
    row!(static Math::Max(R4, R4) -> R4 => math::max_r4),
    row!(static Math::Max(R8, R8) -> R8 => math::max_r8),
    row!(static Math::Min(I1, I1) -> I1 => math::min_i4),
    row!(static Math::Min(U1, U1) -> U1 => math::min_i4),
    row!(static Math::Min(I2, I2) -> I2 => math::min_i4),
    row!(static Math::Min(U2, U2) -> U2 => math::min_i4),
    row!(static Math::Min(I4, I4) -> I4 => math::min_i4),
    row!(static Math::Min(U4, U4) -> U4 => math::min_u4),
    row!(static Math::Min(I8, I8) -> I8 => math::min_i8),
    row!(static Math::Min(U8, U8) -> U8 => math::min_u8),
    row!(static Math::Min(R4, R4) -> R4 => math::min_r4),
    row!(static Math::Min(R8, R8) -> R8 => math::min_r8),
    row!(static Math::Pow(R8, R8) -> R8 => math::pow),
    row!(static Math::Floor(R8) -> R8 => math::floor),
    row!(static Math::Ceiling(R8) -> R8 => math::ceiling),
    row!(static Math::Round(R8) -> R8 => math::round),
    row!(static Math::Round(R8, I4) -> R8 => math::round_digits),
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
    row!(static Math::Log(R8, R8) -> R8 => math::log_base),
    row!(static Math::Log10(R8) -> R8 => math::log10),
    row!(static Math::Sign(I1) -> I4 => math::sign_i4),
    row!(static Math::Sign(I2) -> I4 => math::sign_i4),
    row!(static Math::Sign(I4) -> I4 => math::sign_i4),
    row!(static Math::Sign(I8) -> I4 => math::sign_i8),
    row!(static Math::Sign(R4) -> I4 => math::sign_r4),
    row!(static Math::Sign(R8) -> I4 => math::sign_r8),
    row!(static Math::BigMul(I4, I4) -> I8 => math::big_mul),
    row!(static Math::IEEERemainder(R8, R8) -> R8 => math::ieee_remainder),
    row!(static Math::Asinh(R8) -> R8 => math::asinh),
    row!(static Math::Acosh(R8) -> R8 => math::acosh),
    row!(static Math::Atanh(R8) -> R8 => math::atanh),
    row!(static Math::Cbrt(R8) -> R8 => math::cbrt),
    row!(static Math::DivRem(I4, I4, ByRefI4) -> I4 => math::div_rem_i4),
    row!(static Math::DivRem(I8, I8, ByRefI8) -> I8 => math::div_rem_i8),
    row!(static Math::Clamp(I1, I1, I1) -> I1 => math::clamp_i4),
    row!(static Math::Clamp(U1, U1, U1) -> U1 => math::clamp_i4),
    row!(static Math::Clamp(I2, I2, I2) -> I2 => math::clamp_i4),
    row!(static Math::Clamp(U2, U2, U2) -> U2 => math::clamp_i4),
    row!(static Math::Clamp(I4, I4, I4) -> I4 => math::clamp_i4),
    row!(static Math::Clamp(U4, U4, U4) -> U4 => math::clamp_u4),
    row!(static Math::Clamp(I8, I8, I8) -> I8 => math::clamp_i8),
    row!(static Math::Clamp(U8, U8, U8) -> U8 => math::clamp_u8),
    row!(static Math::Clamp(R4, R4, R4) -> R4 => math::clamp_r4),
    row!(static Math::Clamp(R8, R8, R8) -> R8 => math::clamp_r8),
    // System.Double / System.Single predicates
    row!(static Double::IsNaN(R8) -> Bool => floating_point::double_is_nan),
    row!(static Double::IsInfinity(R8) -> Bool => floating_point::double_is_infinity),
    row!(static Double::IsPositiveInfinity(R8) -> Bool => floating_point::double_is_positive_infinity),
    row!(static Double::IsNegativeInfinity(R8) -> Bool => floating_point::double_is_negative_infinity),
    row!(static Double::IsFinite(R8) -> Bool => floating_point::double_is_finite),
    row!(static Double::IsNegative(R8) -> Bool => floating_point::double_is_negative),
    row!(static Double::IsNormal(R8) -> Bool => floating_point::double_is_normal),
    row!(static Double::IsSubnormal(R8) -> Bool => floating_point::double_is_subnormal),
    row!(static Single::IsNaN(R4) -> Bool => floating_point::single_is_nan),
    row!(static Single::IsInfinity(R4) -> Bool => floating_point::single_is_infinity),
    row!(static Single::IsPositiveInfinity(R4) -> Bool => floating_point::single_is_positive_infinity),
    row!(static Single::IsNegativeInfinity(R4) -> Bool => floating_point::single_is_negative_infinity),
    row!(static Single::IsFinite(R4) -> Bool => floating_point::single_is_finite),
    row!(static Single::IsNegative(R4) -> Bool => floating_point::single_is_negative),
    row!(static Single::IsNormal(R4) -> Bool => floating_point::single_is_normal),
    row!(static Single::IsSubnormal(R4) -> Bool => floating_point::single_is_subnormal),
    // System.BitConverter
    row!(static BitConverter::DoubleToInt64Bits(R8) -> I8 => floating_point::double_to_int64_bits),
    row!(static BitConverter::Int64BitsToDouble(I8) -> R8 => floating_point::int64_bits_to_double),
    row!(static BitConverter::SingleToInt32Bits(R4) -> I4 => floating_point::single_to_int32_bits),
    row!(static BitConverter::Int32BitsToSingle(I4) -> R4 => floating_point::int32_bits_to_single),
    // System.Char classification
    row!(static Char::IsDigit(Char) -> Bool => char_info::char_is_digit),
    row!(static Char::IsLetter(Char) -> Bool => char_info::char_is_letter),
    row!(static Char::IsLetterOrDigit(Char) -> Bool => char_info::char_is_letter_or_digit),
    row!(static Char::IsWhiteSpace(Char) -> Bool => char_info::char_is_white_space),
    row!(static Char::IsUpper(Char) -> Bool => char_info::char_is_upper),
    row!(static Char::IsLower(Char) -> Bool => char_info::char_is_lower),
    row!(static Char::IsNumber(Char) -> Bool => char_info::char_is_number),
    row!(static Char::IsPunctuation(Char) -> Bool => char_info::char_is_punctuation),
    row!(static Char::IsSymbol(Char) -> Bool => char_info::char_is_symbol),
    row!(static Char::IsSeparator(Char) -> Bool => char_info::char_is_separator),
    row!(static Char::IsControl(Char) -> Bool => char_info::char_is_control),
    row!(static Char::IsSurrogate(Char) -> Bool => char_info::char_is_surrogate),
    row!(static Char::IsHighSurrogate(Char) -> Bool => char_info::char_is_high_surrogate),
    row!(static Char::IsLowSurrogate(Char) -> Bool => char_info::char_is_low_surrogate),
    // System.Convert
    row!(static Convert::ToInt32(R8) -> I4 => convert::to_int32_r8),
    row!(static Convert::ToInt32(R4) -> I4 => convert::to_int32_r4),
    row!(static Convert::ToInt32(I8) -> I4 => convert::to_int32_i8),
    row!(static Convert::ToInt32(U4) -> I4 => convert::to_int32_u4),
    row!(static Convert::ToInt32(U8) -> I4 => convert::to_int32_u8),
    row!(static Convert::ToInt32(String) -> I4 => convert::to_int32_string),
    row!(static Convert::ToInt32(Bool) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(Char) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(I1) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(U1) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(I2) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(U2) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt32(I4) -> I4 => convert::to_int32_identity),
    row!(static Convert::ToInt64(R8) -> I8 => convert::to_int64_r8),
    row!(static Convert::ToInt64(R4) -> I8 => convert::to_int64_r4),
    row!(static Convert::ToInt64(I4) -> I8 => convert::to_int64_i4),
    row!(static Convert::ToInt64(Bool) -> I8 => convert::to_int64_i4),
    row!(static Convert::ToInt64(U8) -> I8 => convert::to_int64_u8),
    row!(static Convert::ToInt64(String) -> I8 => convert::to_int64_string),
    row!(static Convert::ToDouble(I4) -> R8 => convert::to_double_i4),
    row!(static Convert::ToDouble(Bool) -> R8 => convert::to_double_i4),
    row!(static Convert::ToDouble(I8) -> R8 => convert::to_double_i8),
    row!(static Convert::ToDouble(R4) -> R8 => convert::to_double_r4),
    row!(static Convert::ToDouble(String) -> R8 => convert::to_double_string),
    row!(static Convert::ToBoolean(String) -> Bool => convert::to_boolean_string),
    row!(static Convert::ToBoolean(I4) -> Bool => convert::to_boolean_i4),
    row!(static Convert::ToBoolean(R8) -> Bool => convert::to_boolean_r8),
    row!(static Convert::ToString(I4) -> String => convert::to_string_i4),
    row!(static Convert::ToString(I8) -> String => convert::to_string_i8),
    row!(static Convert::ToString(R8) -> String => convert::to_string_r8),
    row!(static Convert::ToString(R4) -> String => convert::to_string_r4),
    row!(static Convert::ToString(Bool) -> String => convert::to_string_bool),
    // System.Environment
    row!(static Environment::Exit(I4) -> Void => environment::exit),
    row!(static Environment::get_NewLine() -> String => environment::get_new_line),
    row!(static Environment::get_TickCount() -> I4 => environment::get_tick_count),
    row!(static Environment::get_ExitCode() -> I4 => environment::get_exit_code),
    row!(static Environment::set_ExitCode(I4) -> Void => environment::set_exit_code),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_exact_overloads_only() {
        let abs_int = CorlibMethodRef {
            namespace: "System",
            type_name: "Math",
            method: "Abs",
            has_this: false,
            params: &[ValueKind::I4],
            ret: ValueKind::I4,
        };
        assert_eq!(resolve(&abs_int), Some(math::abs_i4 as *const u8));
        let wrong_overload = CorlibMethodRef {
            params: &[ValueKind::Object],
            ..abs_int
        };
        assert_eq!(resolve(&wrong_overload), None);
        let wrong_namespace = CorlibMethodRef {
            namespace: "System.IO",
            ..abs_int
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
        assert!(resolve(&try_parse).is_some());
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
        assert_eq!(value, string::empty() as usize);
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
