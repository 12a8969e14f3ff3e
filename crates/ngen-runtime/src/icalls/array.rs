//! `System.Array`'s icalls (`icall-def.h` `ARRAY_*`) that `Array.Copy` needs for vectors of
//! references (`MulticastDelegate.CombineImpl` copies its parts with it): `GetRank` and
//! `FastCopy`. Only vectors exist in this runtime (multi-dimensional arrays are not compiled).
//!
//! Depends on: `crate::state::arrays` (the element type), `ngen_abi::object` (the layout).

use ngen_abi::object::{ARRAY_BOUNDS_OFFSET, ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

/// The word at `offset` of the live array `array`.
fn word(array: u64, offset: i32) -> u64 {
    // SAFETY: managed code passes live, non-null arrays, whose header is four words.
    unsafe { ((array + offset as u64) as *const u64).read() }
}

/// `GetRank()`: 1 for a vector (null bounds), as `mono_array_get_rank`.
extern "C" fn get_rank(this: u64) -> i32 {
    if word(this, ARRAY_BOUNDS_OFFSET) != 0 {
        crate::state::fatal("System.Array::GetRank: multi-dimensional arrays are not supported");
    }
    1
}

/// `FastCopy(source, source_index, dest, dest_index, length)`: copies in one move and says
/// true when both are vectors of the same type whose elements are references and the
/// ranges fit (`ves_icall_System_Array_FastCopy`, `mono/metadata/icall.c`); false leaves
/// the copy to `Array.Copy`'s managed path.
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
    let same_type = word(source, 0) == word(dest, 0);
    let vectors = word(source, ARRAY_BOUNDS_OFFSET) == 0 && word(dest, ARRAY_BOUNDS_OFFSET) == 0;
    let fits =
        si + n <= word(source, ARRAY_LENGTH_OFFSET) && di + n <= word(dest, ARRAY_LENGTH_OFFSET);
    if !(same_type && vectors && fits) {
        return 0;
    }
    match crate::state::arrays::is_vector_of_references(source) {
        Ok(true) => {}
        Ok(false) => return 0,
        Err(e) => crate::state::fatal(&format!("System.Array::FastCopy: {e}")),
    }
    let from = source + ARRAY_DATA_OFFSET as u64 + si * 8;
    let to = dest + ARRAY_DATA_OFFSET as u64 + di * 8;
    // SAFETY: both ranges lie within live vectors of references (checked above); `copy`
    // allows them to overlap, as `Array.Copy` within one array needs.
    unsafe { std::ptr::copy(from as *const u64, to as *mut u64, n as usize) };
    1
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("FastCopy", fast_copy as *const ()),
        ("GetRank", get_rank as *const ()),
    ]
}
