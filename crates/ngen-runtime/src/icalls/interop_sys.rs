//! `Interop/Sys`'s icall (`icall-def.h` `CLR_INTEROP_SYS_*`): `DoubleToString`, the one C
//! formatting step under CoreFX's managed `Number.Formatting` (it asks for `%.40e` digits and
//! rounds them itself).
//!
//! Depends on: libc (`snprintf`).

/// `int DoubleToString(double value, byte* format, byte* buffer, int bufferLength)`:
/// `snprintf(buffer, bufferLength, format, value)`, as Mono's `ves_icall_Interop_Sys_
/// DoubleToString`. The numeric locale is the C library's default ("C"), so the decimal point
/// is `.`.
extern "C" fn double_to_string(value: f64, format: u64, buffer: u64, buffer_length: i32) -> i32 {
    if format == 0 || buffer == 0 || buffer_length <= 0 {
        return 0;
    }
    // SAFETY: mscorlib passes a NUL-terminated format with one double conversion and a buffer
    // of `buffer_length` bytes; snprintf writes at most that many.
    unsafe {
        libc::snprintf(
            buffer as *mut libc::c_char,
            buffer_length as usize,
            format as *const libc::c_char,
            value,
        )
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("DoubleToString", double_to_string as *const ())]
}

#[cfg(test)]
mod tests {
    use super::double_to_string;

    #[test]
    fn formats_with_the_c_librarys_printf() {
        let mut buffer = [0u8; 64];
        let n = double_to_string(
            0.1,
            c"%.40e".as_ptr() as u64,
            buffer.as_mut_ptr() as u64,
            buffer.len() as i32,
        );
        let text = std::str::from_utf8(&buffer[..n as usize]).unwrap();
        assert_eq!(text, "1.0000000000000000555111512312578270211816e-01");
    }
}
