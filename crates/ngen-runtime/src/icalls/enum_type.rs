//! `System.Enum`'s icalls (`icall-def.h` `ENUM_*`) on boxed enums, as Mono's `icall.c`
//! computes them from the underlying primitive: `get_value` (a box of the underlying value),
//! `get_hashcode`, `InternalCompareTo`, `InternalHasFlag`, `InternalGetCorElementType`;
//! and on enum types: `GetEnumValuesAndNames` (the constants `ToString`, `Parse`,
//! `GetNames` and `GetValues` work from), `InternalBoxEnum` (`ToObject`) and
//! `InternalGetUnderlyingType`. Generic code reaches the first through constrained calls on
//! enum type arguments (`GetHashCode`, `CompareTo`, `ToString`).
//!
//! Depends on: the runtime's state ([`crate::state::objects`], [`crate::state::reflection`]),
//! [`crate::helpers`].

use ngen_abi::object::OBJECT_HEADER_SIZE;
use ngen_compiler::runtime_types::Primitive;

/// The underlying value's bytes of the boxed enum `obj`, sign- or zero-extended to 64 bits as
/// its primitive is, with the primitive.
fn value_of(obj: u64) -> (Primitive, i64, u64) {
    let (primitive, _) = crate::state::objects::enum_underlying(obj);
    let data = obj + OBJECT_HEADER_SIZE as u64;
    // SAFETY: `obj` is a live boxed enum; its value starts after the header and is as large
    // as its underlying primitive.
    let (signed, unsigned) = unsafe {
        match primitive {
            Primitive::I1 => (i64::from(*(data as *const i8)), 0),
            Primitive::U1 | Primitive::Boolean => (0, u64::from(*(data as *const u8))),
            Primitive::I2 => (i64::from(*(data as *const i16)), 0),
            Primitive::U2 | Primitive::Char => (0, u64::from(*(data as *const u16))),
            Primitive::I4 => (i64::from(*(data as *const i32)), 0),
            Primitive::U4 | Primitive::R4 => (0, u64::from(*(data as *const u32))),
            Primitive::I8 | Primitive::I | Primitive::R8 => (*(data as *const i64), 0),
            _ => (0, *(data as *const u64)),
        }
    };
    (primitive, signed, unsigned)
}

/// `get_value()`: a box of the underlying primitive holding the enum's value.
extern "C" fn get_value(this: u64) -> u64 {
    if this == 0 {
        return 0;
    }
    let (primitive, table) = crate::state::objects::enum_underlying(this);
    let (size, _) = primitive.size_align();
    let header = OBJECT_HEADER_SIZE as usize;
    let boxed = crate::helpers::alloc_instance(header + size as usize, false);
    // SAFETY: a fresh block of header + size bytes; `this` holds `size` value bytes after
    // its header.
    unsafe {
        boxed.cast::<u64>().write(table);
        std::ptr::copy_nonoverlapping(
            (this as *const u8).add(header),
            boxed.add(header),
            size as usize,
        );
    }
    boxed as u64
}

/// `get_hashcode()`: Mono's `ves_icall_System_Enum_get_hashcode`.
extern "C" fn get_hashcode(this: u64) -> i32 {
    let (primitive, signed, unsigned) = value_of(this);
    match primitive {
        Primitive::I1 => (signed as i32) ^ ((signed as i32) << 8),
        Primitive::I2 => i32::from(signed as i16 as u16) | ((signed as i32) << 16),
        Primitive::I4 => signed as i32,
        Primitive::I8 | Primitive::I | Primitive::R8 => {
            ((signed & 0xffff_ffff) as i32) ^ ((signed >> 32) as i32)
        }
        Primitive::U8 | Primitive::U => {
            let v = unsigned as i64;
            ((v & 0xffff_ffff) as i32) ^ ((v >> 32) as i32)
        }
        _ => unsigned as i32,
    }
}

/// `InternalCompareTo(object, object)`: 1 when `other` is null, 2 when the types differ,
/// else -1, 0 or 1 by the underlying values (`ves_icall_System_Enum_compare_value_to`).
extern "C" fn internal_compare_to(this: u64, other: u64) -> i32 {
    if other == 0 {
        return 1;
    }
    if crate::state::objects::method_table_of_object(this)
        != crate::state::objects::method_table_of_object(other)
    {
        return 2;
    }
    let (primitive, a_signed, a_unsigned) = value_of(this);
    let (_, b_signed, b_unsigned) = value_of(other);
    let order = match primitive {
        Primitive::R4 => f32::from_bits(a_unsigned as u32)
            .partial_cmp(&f32::from_bits(b_unsigned as u32))
            .unwrap_or(std::cmp::Ordering::Less),
        Primitive::R8 => f64::from_bits(a_signed as u64)
            .partial_cmp(&f64::from_bits(b_signed as u64))
            .unwrap_or(std::cmp::Ordering::Less),
        Primitive::I1 | Primitive::I2 | Primitive::I4 | Primitive::I8 | Primitive::I => {
            a_signed.cmp(&b_signed)
        }
        _ => a_unsigned.cmp(&b_unsigned),
    };
    order as i32
}

/// `GetEnumValuesAndNames(RuntimeType enumType, out ulong[] values, out string[] names)`:
/// whether the values came sorted; `ArgumentException` when the type is not an enum.
extern "C" fn get_enum_values_and_names(type_object: u64, values: u64, names: u64) -> i32 {
    if type_object == 0 || values == 0 || names == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    match crate::state::reflection::enum_values_and_names(type_object) {
        Ok((value_array, name_array, sorted)) => {
            // SAFETY: `values` and `names` are the caller's `out` locals (byrefs to references).
            unsafe {
                (values as *mut u64).write(value_array);
                (names as *mut u64).write(name_array);
            }
            i32::from(sorted)
        }
        Err(message) => {
            crate::eh::raise::raise("ArgumentException", &message);
            1
        }
    }
}

/// `InternalBoxEnum(RuntimeType enumType, long value)`.
extern "C" fn internal_box_enum(type_object: u64, value: u64) -> u64 {
    if type_object == 0 {
        return 0;
    }
    crate::state::reflection::box_enum(type_object, value)
}

/// `InternalGetUnderlyingType(RuntimeType enumType)`.
extern "C" fn internal_get_underlying_type(type_object: u64) -> u64 {
    if type_object == 0 {
        return 0;
    }
    match crate::state::reflection::enum_underlying_type_object(type_object) {
        Some(t) => t,
        None => {
            crate::eh::raise::raise("ArgumentException", "Type provided must be an Enum.");
            0
        }
    }
}

/// `InternalHasFlag(Enum flags)`: `(this & flags) == flags` over the value's bytes.
extern "C" fn internal_has_flag(this: u64, flags: u64) -> i32 {
    if this == 0 || flags == 0 {
        return 0;
    }
    let (_, _, a) = value_bits(this);
    let (_, _, b) = value_bits(flags);
    i32::from(a & b == b)
}

/// `InternalGetCorElementType()`: the `MonoTypeEnum` of the underlying primitive.
extern "C" fn internal_get_cor_element_type(this: u64) -> i32 {
    let (primitive, _) = crate::state::objects::enum_underlying(this);
    match primitive {
        Primitive::Boolean => 0x02,
        Primitive::Char => 0x03,
        Primitive::I1 => 0x04,
        Primitive::U1 => 0x05,
        Primitive::I2 => 0x06,
        Primitive::U2 => 0x07,
        Primitive::I4 => 0x08,
        Primitive::U4 => 0x09,
        Primitive::I8 => 0x0a,
        Primitive::U8 => 0x0b,
        Primitive::R4 => 0x0c,
        Primitive::R8 => 0x0d,
        Primitive::I => 0x18,
        Primitive::U => 0x19,
        Primitive::Void => 0x01,
    }
}

/// The value's bytes zero-extended to 64 bits (as Mono's `memcpy` into a zeroed `guint64`).
fn value_bits(obj: u64) -> (Primitive, i64, u64) {
    let (primitive, signed, unsigned) = value_of(obj);
    let (size, _) = primitive.size_align();
    let mask = if size >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * size)) - 1
    };
    let bits = if unsigned != 0 {
        unsigned
    } else {
        signed as u64
    };
    (primitive, signed, bits & mask)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "GetEnumValuesAndNames",
            get_enum_values_and_names as *const (),
        ),
        ("InternalBoxEnum", internal_box_enum as *const ()),
        ("InternalCompareTo", internal_compare_to as *const ()),
        (
            "InternalGetCorElementType",
            internal_get_cor_element_type as *const (),
        ),
        (
            "InternalGetUnderlyingType",
            internal_get_underlying_type as *const (),
        ),
        ("InternalHasFlag", internal_has_flag as *const ()),
        ("get_hashcode", get_hashcode as *const ()),
        ("get_value", get_value as *const ()),
    ]
}
