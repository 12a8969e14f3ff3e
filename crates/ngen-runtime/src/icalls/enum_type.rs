//! `System.Enum`'s icalls (`icall-def.h` `ENUM_*`) on boxed enums, as Mono's `icall.c`
//! computes them from the underlying primitive: `get_value` (a box of the underlying value),
//! `get_hashcode`, `InternalCompareTo`. Generic code reaches them through constrained calls
//! on enum type arguments (`GetHashCode`, `CompareTo`, `ToString`).
//!
//! Depends on: the runtime's state ([`crate::state::objects`]), [`crate::helpers`].

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

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("InternalCompareTo", internal_compare_to as *const ()),
        ("get_hashcode", get_hashcode as *const ()),
        ("get_value", get_value as *const ()),
    ]
}
