//! `System.Runtime.InteropServices.Marshal`'s block copies between arrays and unmanaged
//! memory (`icall-def.h` `MARSHAL_41`, `MARSHAL_42`): `Marshal.Copy`, which
//! `Mono.RuntimeMarshal.DecodeBlobArray` uses for an assembly's public key
//! (`AssemblyName.GetPublicKey`/`GetPublicKeyToken`).
//!
//! `GetLastWin32Error`/`SetLastWin32Error` are the P/Invoke's saved `errno`
//! ([`crate::pinvoke::last_error`]).
//!
//! Depends on: [`crate::state::arrays`] (element sizes), [`crate::pinvoke`].

use ngen_abi::object::ARRAY_DATA_OFFSET;

/// The address of element `start` of `array` and the byte count of `length` elements.
fn span(array: u64, start: i32, length: i32) -> Option<(u64, usize)> {
    let info = crate::state::arrays::array_info(array);
    let size = u64::from(info.element_size);
    let at = array + ARRAY_DATA_OFFSET as u64 + u64::try_from(start).ok()? * size;
    Some((at, usize::try_from(length).ok()? * size as usize))
}

/// `copy_from_unmanaged_fixed(IntPtr source, int startIndex, Array destination, int length,
/// void* fixed_destination_element)`: the managed caller checked the bounds.
extern "C" fn copy_from_unmanaged_fixed(
    source: u64,
    start: i32,
    destination: u64,
    length: i32,
    _fixed: u64,
) {
    if let Some((at, bytes)) = span(destination, start, length) {
        // SAFETY: the caller checked `start + length` against the array; `source` holds
        // `bytes` readable bytes.
        unsafe { std::ptr::copy(source as *const u8, at as *mut u8, bytes) };
    }
}

/// `copy_to_unmanaged_fixed(Array source, int startIndex, IntPtr destination, int length,
/// void* fixed_source_element)`.
extern "C" fn copy_to_unmanaged_fixed(
    source: u64,
    start: i32,
    destination: u64,
    length: i32,
    _fixed: u64,
) {
    if let Some((at, bytes)) = span(source, start, length) {
        // SAFETY: as above, the other way round.
        unsafe { std::ptr::copy(at as *const u8, destination as *mut u8, bytes) };
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    let mut methods = crate::pinvoke::last_error::marshal_methods();
    methods.extend([
        (
            "copy_from_unmanaged_fixed",
            copy_from_unmanaged_fixed as *const (),
        ),
        (
            "copy_to_unmanaged_fixed",
            copy_to_unmanaged_fixed as *const (),
        ),
    ]);
    methods
}
