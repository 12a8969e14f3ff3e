//! `ValueType.Equals`'s and `ValueType.GetHashCode`'s icalls (`ValueType.InternalEquals`,
//! `ValueType.InternalGetHashCode`): two boxes of one value type compared field by field, and
//! one box hashed field by field, as Mono's `ves_icall_System_ValueType_Equals` and
//! `ves_icall_System_ValueType_InternalGetHashCode` do.
//!
//! ## Model
//! Boxes with different method tables are unequal. Fields of integer primitives (and enums
//! over them, and pointers) compare by bits; `float`/`double` by value with NaN equal to NaN.
//! Every other field (strings, references, structs) is handed back to managed code
//! (`DefaultEquals`) as a pair of objects in `fields`, which compares them with `Equals`;
//! the icall's result then no longer counts. The result array is allocated before any box
//! is made and each box stored into it at once, so the conservative GC always sees them.
//!
//! The hash agrees with that equality: integer fields (and enums over them, and pointers),
//! which compare by bits, are folded into the result here; every other field is handed to
//! managed code boxed (`GetHashCode` XORs each non-null one's `GetHashCode()` in), so
//! `float`/`double` hash by value as `Double.GetHashCode` does (NaNs and zeros alike), strings
//! as `String.GetHashCode`. Mono starts from the address of its `int` class, so its hashes
//! differ from run to run; this one starts from a constant, and only equal values having
//! equal hashes is observable.
//!
//! Depends on: [`super::field_queries`] (`box_value`), [`super::reflection`] (vectors).
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_System_ValueType_Equals`),
//! `mcs/class/corlib/System/ValueType.cs` (`DefaultEquals`).

use ngen_abi::object::ARRAY_DATA_OFFSET;
use ngen_compiler::runtime_types::binding_flags as bf;
use ngen_compiler::runtime_types::{NameFilter, Primitive, TypeHandle, WellKnownType};

use super::Runtime;
use super::reflection::with_runtime;

/// A field of the value type and how it compares.
struct Field {
    /// Offset inside the box (header included).
    offset: u64,
    ty: TypeHandle,
    primitive: Option<Primitive>,
}

/// `InternalEquals(o1, o2, out fields)`: true when every field compared here is equal and
/// none is left to managed code; `fields` receives the pairs left to it (else null).
pub(crate) fn internal_equals(this: u64, that: u64, fields_out: u64) -> bool {
    if fields_out != 0 {
        // SAFETY: `fields_out` is the address of the caller's `object[]` local.
        unsafe { (fields_out as *mut u64).write(0) };
    }
    if this == 0 || that == 0 {
        return false;
    }
    // SAFETY: both are live objects; their first word is the method table.
    let (mt_this, mt_that) = unsafe { ((this as *const u64).read(), (that as *const u64).read()) };
    if mt_this != mt_that {
        return false;
    }
    with_runtime("ValueType.Equals", |rt| {
        let ty = rt.type_of_object(this);
        let fields = instance_fields(rt, ty)?;
        let mut unhandled = Vec::new();
        for field in &fields {
            match field
                .primitive
                .and_then(|p| compare(p, this, that, field.offset))
            {
                Some(true) => {}
                Some(false) => return Ok(false),
                None => unhandled.push(field),
            }
        }
        if unhandled.is_empty() {
            return Ok(true);
        }
        let boxes = unhandled
            .iter()
            .flat_map(|f| [(f.ty, this + f.offset), (f.ty, that + f.offset)]);
        box_fields_into(rt, fields_out, unhandled.len() * 2, boxes)?;
        Ok(false)
    })
}

/// Where the hash of a value type starts (mono: its `int` class's address, see the module doc).
const HASH_SEED: i32 = 0x2f6a_41c5;

/// `InternalGetHashCode(o, out fields)`: the hash of `this`'s integer fields; `fields`
/// receives every other field boxed (else null), for managed code to hash.
pub(crate) fn internal_get_hash_code(this: u64, fields_out: u64) -> i32 {
    if fields_out != 0 {
        // SAFETY: `fields_out` is the address of the caller's `object[]` local.
        unsafe { (fields_out as *mut u64).write(0) };
    }
    if this == 0 {
        return HASH_SEED;
    }
    with_runtime("ValueType.GetHashCode", |rt| {
        let ty = rt.type_of_object(this);
        let fields = instance_fields(rt, ty)?;
        let mut result = HASH_SEED;
        let mut unhandled = Vec::new();
        for field in &fields {
            match field.primitive.and_then(|p| bits(p, this + field.offset)) {
                Some(word) => result ^= (word as i32) ^ ((word >> 32) as i32),
                None => unhandled.push(field),
            }
        }
        if unhandled.is_empty() {
            return Ok(result);
        }
        let boxes = unhandled.iter().map(|f| (f.ty, this + f.offset));
        box_fields_into(rt, fields_out, unhandled.len(), boxes)?;
        Ok(result)
    })
}

/// Stores a new `object[]` of `len` elements through `fields_out` (when not null), then each of
/// `fields` (a field's type and address) boxed into it in order. The array is stored before any
/// box is made and each box at once, so the conservative collector always sees them.
fn box_fields_into(
    rt: &mut Runtime,
    fields_out: u64,
    len: usize,
    fields: impl Iterator<Item = (TypeHandle, u64)>,
) -> Result<(), String> {
    let object = rt.types.well_known_type(WellKnownType::Object)?;
    let array = rt.new_vector(object, len)?;
    if fields_out != 0 {
        // SAFETY: `fields_out` is the address of the caller's `object[]` local.
        unsafe { (fields_out as *mut u64).write(array) };
    }
    let data = array + ARRAY_DATA_OFFSET as u64;
    for (i, (ty, address)) in fields.take(len).enumerate() {
        let boxed = super::field_queries::box_value(rt, ty, address)?;
        // SAFETY: the array has room for `len` references and `i < len`.
        unsafe { ((data + 8 * i as u64) as *mut u64).write(boxed) };
    }
    Ok(())
}

/// The bits of the integer `primitive` field at `address`, zero-extended; `None` for a
/// floating-point one (hashed by value in managed code) or another size.
fn bits(primitive: Primitive, address: u64) -> Option<u64> {
    let (size, _) = primitive.size_align();
    // SAFETY: the box holds a field of `size` bytes at `address`.
    unsafe {
        match primitive {
            Primitive::R4 | Primitive::R8 => None,
            _ => match size {
                1 => Some(u64::from((address as *const u8).read())),
                2 => Some(u64::from((address as *const u16).read_unaligned())),
                4 => Some(u64::from((address as *const u32).read_unaligned())),
                8 => Some((address as *const u64).read_unaligned()),
                _ => None,
            },
        }
    }
}

/// The instance fields `ty` declares, with their box offsets and primitives.
fn instance_fields(rt: &mut Runtime, ty: TypeHandle) -> Result<Vec<Field>, String> {
    let binding = bf::INSTANCE | bf::PUBLIC | bf::NON_PUBLIC | bf::DECLARED_ONLY;
    let handles = rt.types.fields_by_name(ty, &NameFilter::All, binding)?;
    let mut fields = Vec::with_capacity(handles.len());
    for handle in handles {
        let data = rt.types.field_data(handle)?;
        let Some(offset) = data.box_offset else {
            continue;
        };
        fields.push(Field {
            offset: u64::from(offset),
            ty: data.ty,
            primitive: rt.types.primitive_of(data.ty)?,
        });
    }
    Ok(fields)
}

/// Whether the `primitive` fields at `offset` of `a` and `b` are equal; `None` for a
/// primitive compared in managed code.
fn compare(primitive: Primitive, a: u64, b: u64, offset: u64) -> Option<bool> {
    let (size, _) = primitive.size_align();
    let (x, y) = (a + offset, b + offset);
    // SAFETY: both boxes hold a field of `size` bytes at `offset` (the same type).
    unsafe {
        Some(match primitive {
            Primitive::R4 => {
                let (p, q) = (
                    (x as *const f32).read_unaligned(),
                    (y as *const f32).read_unaligned(),
                );
                p == q || (p.is_nan() && q.is_nan())
            }
            Primitive::R8 => {
                let (p, q) = (
                    (x as *const f64).read_unaligned(),
                    (y as *const f64).read_unaligned(),
                );
                p == q || (p.is_nan() && q.is_nan())
            }
            _ if matches!(size, 1 | 2 | 4 | 8) => {
                let n = size as usize;
                std::slice::from_raw_parts(x as *const u8, n)
                    == std::slice::from_raw_parts(y as *const u8, n)
            }
            _ => return None,
        })
    }
}
