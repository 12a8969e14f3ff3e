//! `System.Array`'s icalls (`icall-def.h` `ARRAY_*`, `mono/metadata/icall.c`) for arrays of
//! any rank: `CreateInstanceImpl`, `GetRank`, `GetLength`, `GetLongLength`, `GetLowerBound`,
//! `ClearInternal`,
//! `FastCopy`, `GetValue`, `SetValue` (by indices), `GetValueImpl`, `SetValueImpl`. mscorlib's `Array.Length`, `Rank`, `Copy`,
//! `Clear`, `IndexOf`, `Sort` and `GetValue` run from its IL on top of them.
//!
//! ## Model
//! Mono's `MonoArray`: `bounds` at 16 (null for a vector), the element count at 24, the
//! elements from 32, row-major; a multi-dimensional array's bounds are `rank`
//! `{length: u64, lower_bound: i32}` records (`translate/array_md.rs` lays them out). What an
//! element is comes from the array's type ([`crate::state::arrays::array_info`]).
//!
//! Depends on: `crate::state::arrays` (element types), `ngen_abi::object` (the layout),
//! [`crate::eh::raise`].

use ngen_abi::object::{ARRAY_BOUNDS_OFFSET, ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};
use ngen_compiler::arrays::ArrayInfo;

use super::array_widening::{Widened, primitive_size, widen};
use crate::state::arrays::{array_info, element_method_table, is_assignable_to_element};

/// The word at `offset` of the live array `array`.
fn word(array: u64, offset: i32) -> u64 {
    // SAFETY: managed code passes live, non-null arrays, whose header is four words.
    unsafe { ((array + offset as u64) as *const u64).read() }
}

/// The (length, lower bound) of dimension `dim` of `array`, or IndexOutOfRangeException made
/// pending (`None`) when the array has no such dimension.
fn dimension(array: u64, dim: i32) -> Option<(u64, i32)> {
    let info = array_info(array);
    let Some(dim) = u32::try_from(dim).ok().filter(|d| *d < info.rank) else {
        crate::eh::raise::raise(
            "IndexOutOfRangeException",
            "Index was outside the bounds of the array.",
        );
        return None;
    };
    let bounds = word(array, ARRAY_BOUNDS_OFFSET);
    if bounds == 0 {
        return Some((word(array, ARRAY_LENGTH_OFFSET), 0));
    }
    let record = bounds + u64::from(dim) * 16;
    // SAFETY: a multi-dimensional array's bounds hold `rank` 16-byte records.
    unsafe {
        Some((
            (record as *const u64).read(),
            ((record + 8) as *const i32).read(),
        ))
    }
}

/// `GetRank()` (`ves_icall_System_Array_GetRank`).
extern "C" fn get_rank(this: u64) -> i32 {
    array_info(this).rank as i32
}

/// `GetLength(int dimension)`: OverflowException past `int.MaxValue`, as Mono.
extern "C" fn get_length(this: u64, dim: i32) -> i32 {
    match dimension(this, dim) {
        Some((length, _)) => i32::try_from(length).unwrap_or_else(|_| {
            crate::eh::raise::raise(
                "OverflowException",
                "Arithmetic operation resulted in an overflow.",
            );
            0
        }),
        None => 0,
    }
}

/// `GetLongLength(int dimension)`.
extern "C" fn get_long_length(this: u64, dim: i32) -> i64 {
    dimension(this, dim).map_or(0, |(length, _)| length as i64)
}

/// `GetLowerBound(int dimension)`.
extern "C" fn get_lower_bound(this: u64, dim: i32) -> i32 {
    dimension(this, dim).map_or(0, |(_, lower)| lower)
}

/// The address of element `pos` (a row-major position) of `array`.
fn element_address(array: u64, info: &ArrayInfo, pos: u64) -> u64 {
    array + ARRAY_DATA_OFFSET as u64 + pos * u64::from(info.element_size)
}

/// Whether `pos .. pos + count` lies within `array`'s elements.
fn within(array: u64, pos: u64, count: u64) -> bool {
    pos.checked_add(count)
        .is_some_and(|end| end <= word(array, ARRAY_LENGTH_OFFSET))
}

/// `ClearInternal(Array a, int index, int count)`: zeroes `count` elements from position
/// `index` (the managed caller checked the range).
extern "C" fn clear_internal(array: u64, index: i32, count: i32) {
    let (Ok(index), Ok(count)) = (u64::try_from(index), u64::try_from(count)) else {
        return;
    };
    if !within(array, index, count) {
        return;
    }
    let info = array_info(array);
    let start = element_address(array, &info, index);
    // SAFETY: the range lies within the live array's elements (checked above).
    unsafe {
        std::ptr::write_bytes(
            start as *mut u8,
            0,
            (count * u64::from(info.element_size)) as usize,
        )
    };
}

/// `FastCopy(source, source_index, dest, dest_index, length)`: copies in one move and says
/// true in Mono's common cases (`ves_icall_System_Array_FastCopy`): same rank, zero lower
/// bounds, ranges that fit, and the same element type, or reference elements whose source
/// type is a subclass of the destination's. False leaves the copy to `Array.Copy`'s managed
/// loop (which converts element by element).
extern "C" fn fast_copy(
    source: u64,
    source_index: i32,
    dest: u64,
    dest_index: i32,
    length: i32,
) -> u32 {
    let (Ok(si), Ok(di), Ok(n)) = (
        u64::try_from(source_index),
        u64::try_from(dest_index),
        u64::try_from(length),
    ) else {
        return 0;
    };
    let (from, to) = (array_info(source), array_info(dest));
    if from.rank != to.rank
        || has_nonzero_lower_bound(source, from.rank)
        || has_nonzero_lower_bound(dest, to.rank)
        || !within(source, si, n)
        || !within(dest, di, n)
    {
        return 0;
    }
    if from.element != to.element {
        let subclass = from.element_is_reference
            && to.element_is_reference
            && crate::state::arrays::is_element_subtype(&from, &to).unwrap_or(false);
        if !subclass {
            return 0;
        }
    }
    let bytes = (n * u64::from(from.element_size)) as usize;
    // SAFETY: both ranges lie within live arrays of the same element size (checked above);
    // `copy` allows overlap, as `Array.Copy` within one array needs.
    unsafe {
        std::ptr::copy(
            element_address(source, &from, si) as *const u8,
            element_address(dest, &to, di) as *mut u8,
            bytes,
        )
    };
    1
}

/// Whether any dimension of `array` starts above 0.
fn has_nonzero_lower_bound(array: u64, rank: u32) -> bool {
    let bounds = word(array, ARRAY_BOUNDS_OFFSET);
    bounds != 0
        && (0..u64::from(rank)).any(|d| {
            // SAFETY: `rank` bounds records.
            unsafe { ((bounds + d * 16 + 8) as *const i32).read() > 0 }
        })
}

/// A shallow copy of `array` (`MemberwiseClone`, `Array.Clone`): elements and, for a
/// multi-dimensional array, its bounds, which the copy points at in its own block.
pub(super) fn clone_array(array: u64, info: &ArrayInfo) -> u64 {
    let count = word(array, ARRAY_LENGTH_OFFSET);
    let data = (count * u64::from(info.element_size)).next_multiple_of(8);
    let bounds = word(array, ARRAY_BOUNDS_OFFSET);
    let bounds_bytes = if bounds == 0 {
        0
    } else {
        u64::from(info.rank) * 16
    };
    let size = ARRAY_DATA_OFFSET as u64 + data + bounds_bytes;
    let copy = crate::helpers::alloc_instance(size as usize, info.scanned) as u64;
    // SAFETY: `copy` is a fresh block of `size` bytes; `array` holds its header, `count`
    // elements and, when `bounds` is set, `rank` bounds records at `bounds`.
    unsafe {
        (copy as *mut u64).write(word(array, 0));
        ((copy + ARRAY_LENGTH_OFFSET as u64) as *mut u64).write(count);
        std::ptr::copy_nonoverlapping(
            (array + ARRAY_DATA_OFFSET as u64) as *const u8,
            (copy + ARRAY_DATA_OFFSET as u64) as *mut u8,
            (count * u64::from(info.element_size)) as usize,
        );
        if bounds != 0 {
            let own = copy + ARRAY_DATA_OFFSET as u64 + data;
            std::ptr::copy_nonoverlapping(
                bounds as *const u8,
                own as *mut u8,
                bounds_bytes as usize,
            );
            ((copy + ARRAY_BOUNDS_OFFSET as u64) as *mut u64).write(own);
        }
    }
    copy
}

/// The `int` elements of the `int[]` at `array` (not null).
fn int_elements(array: u64) -> Vec<i32> {
    let n = word(array, ARRAY_LENGTH_OFFSET) as usize;
    // SAFETY: an `int[]` holds `n` 4-byte elements from its data offset.
    unsafe { std::slice::from_raw_parts((array + ARRAY_DATA_OFFSET as u64) as *const i32, n) }
        .to_vec()
}

/// `CreateInstanceImpl(Type elementType, int[] lengths, int[] bounds)`: a zeroed array of the
/// element type with those lengths and lower bounds (`ves_icall_System_Array_CreateInstanceImpl`):
/// a vector for one dimension without a non-zero bound, else a general array laid out as
/// `newobj T[,]::.ctor` lays it out. The managed caller checked the arguments' shapes.
extern "C" fn create_instance_impl(element_type: u64, lengths: u64, bounds: u64) -> u64 {
    if element_type == 0 || lengths == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    let lengths = int_elements(lengths);
    let lower: Vec<i32> = if bounds == 0 {
        vec![0; lengths.len()]
    } else {
        int_elements(bounds)
    };
    if lengths.is_empty() || lower.len() != lengths.len() || lengths.iter().any(|l| *l < 0) {
        crate::eh::raise::raise(
            "ArgumentOutOfRangeException",
            "Specified argument was out of the range of valid values.",
        );
        return 0;
    }
    let rank = lengths.len() as u32;
    let general = rank > 1 || lower[0] != 0;
    let (method_table, info) = crate::state::arrays::array_type_of(element_type, rank, general)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Array.CreateInstance: {e}")));
    let count = lengths
        .iter()
        .try_fold(1u64, |n, l| n.checked_mul(*l as u64));
    let data = count.and_then(|n| n.checked_mul(u64::from(info.element_size)));
    let bounds_bytes = if general { u64::from(rank) * 16 } else { 0 };
    let size = data
        .map(|d| ARRAY_DATA_OFFSET as u64 + d.next_multiple_of(8) + bounds_bytes)
        .filter(|s| *s <= isize::MAX as u64);
    let (Some(count), Some(data), Some(size)) = (count, data, size) else {
        crate::eh::raise::raise(
            "OutOfMemoryException",
            "Insufficient memory to continue the execution of the program.",
        );
        return 0;
    };
    let array = crate::helpers::alloc_instance(size as usize, info.scanned) as u64;
    // SAFETY: a fresh zeroed block of `size` bytes: header, count, elements, then `rank`
    // bounds records for a general array.
    unsafe {
        (array as *mut u64).write(method_table);
        ((array + ARRAY_LENGTH_OFFSET as u64) as *mut u64).write(count);
        if general {
            let own = array + ARRAY_DATA_OFFSET as u64 + data.next_multiple_of(8);
            ((array + ARRAY_BOUNDS_OFFSET as u64) as *mut u64).write(own);
            for (d, (length, lower)) in lengths.iter().zip(&lower).enumerate() {
                let record = own + d as u64 * 16;
                (record as *mut u64).write(*length as u64);
                ((record + 8) as *mut i32).write(*lower);
            }
        }
    }
    array
}

/// `GetValueImpl(int pos)`: element `pos`, boxed when it is a value.
extern "C" fn get_value_impl(this: u64, pos: i32) -> u64 {
    let Some(pos) = u64::try_from(pos).ok().filter(|p| within(this, *p, 1)) else {
        crate::eh::raise::raise(
            "IndexOutOfRangeException",
            "Index was outside the bounds of the array.",
        );
        return 0;
    };
    let info = array_info(this);
    let at = element_address(this, &info, pos);
    if info.element_is_reference {
        // SAFETY: a reference element of the live array.
        return unsafe { (at as *const u64).read() };
    }
    let method_table = element_method_table(&info)
        .unwrap_or_else(|e| crate::state::fatal(&format!("Array.GetValueImpl: {e}")));
    let size = info.element_size as usize;
    let boxed = crate::helpers::alloc_instance(16 + size, info.scanned);
    // SAFETY: a fresh box of 16 + size bytes; the element has `size` bytes.
    unsafe {
        boxed.cast::<u64>().write(method_table);
        std::ptr::copy_nonoverlapping(at as *const u8, boxed.add(16), size);
    }
    boxed as u64
}

/// `SetValueImpl(object value, int pos)`: null zeroes the element; a reference must be
/// assignable to the element type (InvalidCastException); a box of the element's own value
/// type is copied; a boxed primitive into a primitive element is converted when the
/// conversion widens, as Mono converts it ([`widen`]); anything else is InvalidCastException.
extern "C" fn set_value_impl(this: u64, value: u64, pos: i32) {
    let Some(pos) = u64::try_from(pos).ok().filter(|p| within(this, *p, 1)) else {
        crate::eh::raise::raise(
            "IndexOutOfRangeException",
            "Index was outside the bounds of the array.",
        );
        return;
    };
    let info = array_info(this);
    let at = element_address(this, &info, pos);
    let size = info.element_size as usize;
    if value == 0 {
        // SAFETY: the element lies within the live array.
        unsafe { std::ptr::write_bytes(at as *mut u8, 0, size) };
        return;
    }
    if info.element_is_reference {
        if is_assignable_to_element(value, &info).unwrap_or(false) {
            // SAFETY: a reference element of the live array.
            unsafe { (at as *mut u64).write(value) };
        } else {
            crate::eh::raise::raise("InvalidCastException", "Specified cast is not valid.");
        }
        return;
    }
    let same_type = element_method_table(&info).is_ok_and(|mt| mt == word(value, 0));
    if same_type {
        // SAFETY: the box holds a value of the element's type and size after its header.
        unsafe { std::ptr::copy_nonoverlapping((value + 16) as *const u8, at as *mut u8, size) };
        return;
    }
    let converted = match crate::state::arrays::primitives(value, &info) {
        Some((from, to)) => {
            let mut bits = [0u8; 8];
            let value_size = primitive_size(from) as usize;
            // SAFETY: a box of the primitive `from` holds its `value_size` (at most 8) bytes
            // after the header.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (value + 16) as *const u8,
                    bits.as_mut_ptr(),
                    value_size,
                )
            };
            widen(from, u64::from_le_bytes(bits), to)
        }
        None => Widened::InvalidCast,
    };
    match converted {
        Widened::Bits(bits) => {
            // SAFETY: the element lies within the live array; a primitive element has at most
            // 8 bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bits.to_le_bytes().as_ptr(),
                    at as *mut u8,
                    size.min(8),
                )
            }
        }
        Widened::NotWidening => crate::eh::raise::raise(
            "ArgumentException",
            "not a widening conversion\nParameter name: value",
        ),
        Widened::InvalidCast => {
            crate::eh::raise::raise("InvalidCastException", "Specified cast is not valid.")
        }
    }
}

/// The row-major position the `int[] indices` name in `array`, as
/// `ves_icall_System_Array_GetValue` computes it; `None` with ArgumentNullException,
/// ArgumentException (not one index per dimension) or IndexOutOfRangeException made pending.
fn position_of(array: u64, indices: u64) -> Option<u64> {
    if indices == 0 {
        crate::eh::raise::raise(
            "ArgumentNullException",
            "Value cannot be null.\nParameter name: indices",
        );
        return None;
    }
    let rank = array_info(array).rank;
    if word(indices, ARRAY_BOUNDS_OFFSET) != 0
        || word(indices, ARRAY_LENGTH_OFFSET) != u64::from(rank)
    {
        crate::eh::raise::raise(
            "ArgumentException",
            "Value does not fall within the expected range.",
        );
        return None;
    }
    let mut pos: i64 = 0;
    for d in 0..rank {
        // SAFETY: `indices` is an `int[]` of `rank` elements (checked above).
        let index = unsafe {
            ((indices + ARRAY_DATA_OFFSET as u64 + u64::from(d) * 4) as *const i32).read()
        };
        let (length, lower) = dimension(array, d as i32)?;
        let relative = i64::from(index) - i64::from(lower);
        if relative < 0 || relative as u64 >= length {
            crate::eh::raise::raise(
                "IndexOutOfRangeException",
                "Index was outside the bounds of the array.",
            );
            return None;
        }
        pos = pos * length as i64 + relative;
    }
    Some(pos as u64)
}

/// `GetValue(int[] indices)`: the element, boxed when it is a value.
extern "C" fn get_value(this: u64, indices: u64) -> u64 {
    match position_of(this, indices) {
        Some(pos) => get_value_impl(this, pos as i32),
        None => 0,
    }
}

/// `SetValue(object value, int[] indices)`.
extern "C" fn set_value(this: u64, value: u64, indices: u64) {
    if let Some(pos) = position_of(this, indices) {
        set_value_impl(this, value, pos as i32);
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("ClearInternal", clear_internal as *const ()),
        ("CreateInstanceImpl", create_instance_impl as *const ()),
        ("FastCopy", fast_copy as *const ()),
        ("GetLength", get_length as *const ()),
        ("GetLongLength", get_long_length as *const ()),
        ("GetLowerBound", get_lower_bound as *const ()),
        ("GetRank", get_rank as *const ()),
        ("GetValue", get_value as *const ()),
        ("GetValueImpl", get_value_impl as *const ()),
        ("SetValue", set_value as *const ()),
        ("SetValueImpl", set_value_impl as *const ()),
    ]
}
