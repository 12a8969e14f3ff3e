//! Text across the P/Invoke boundary: `string` to and from native UTF-8 or UTF-16 buffers
//! and `StringBuilder` buffers copied back (mono's `mono_string_to_utf8str`,
//! `mono_string_builder_to_utf8`, `mono_string_utf8_to_builder` and their UTF-16 twins).
//!
//! ## Model
//! Native buffers are `malloc`ed (mono's `mono_marshal_alloc` is `g_malloc`), so native code
//! may keep or free them as under mono, and a returned string is freed with `free` after the
//! copy, as mono's wrapper does. A builder's buffer has room for its capacity plus the
//! terminator; after the call the builder holds the buffer's text up to the first NUL
//! (at most its capacity), in one chunk (`m_ChunkPrevious` null), its chunk array reused
//! when it is large enough, as mono's `mono_string_utf16len_to_builder` does.
//!
//! Depends on: libc (`malloc`, `free`), `crate::alloc` (string and `char[]`
//! objects), [`crate::state::objects::core_field_offset`] (`StringBuilder`'s fields).

use crate::alloc::{alloc_char_array, alloc_string, string_as_utf16};
use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

/// `StringBuilder`'s fields (mscorlib's `m_ChunkChars`, ...), found once.
struct BuilderFields {
    chars: u64,
    previous: u64,
    length: u64,
    offset: u64,
}

fn builder_fields() -> Option<&'static BuilderFields> {
    static FIELDS: std::sync::OnceLock<Option<BuilderFields>> = std::sync::OnceLock::new();
    FIELDS
        .get_or_init(|| {
            let at = |f| {
                crate::state::objects::core_field_offset("Text.StringBuilder", f)
                    .ok()
                    .map(u64::from)
            };
            Some(BuilderFields {
                chars: at("m_ChunkChars")?,
                previous: at("m_ChunkPrevious")?,
                length: at("m_ChunkLength")?,
                offset: at("m_ChunkOffset")?,
            })
        })
        .as_ref()
}

/// Reads a word-sized field.
///
/// # Safety
/// `obj + offset` must be a readable field of a live object.
unsafe fn read_u64(obj: u64, offset: u64) -> u64 {
    unsafe { ((obj + offset) as *const u64).read() }
}

/// Reads an `int` field.
///
/// # Safety
/// As [`read_u64`].
unsafe fn read_i32(obj: u64, offset: u64) -> i32 {
    unsafe { ((obj + offset) as *const i32).read() }
}

fn array_length(array: u64) -> usize {
    // SAFETY: `array` is a live array; its length word is at the fixed offset.
    unsafe { ((array + ARRAY_LENGTH_OFFSET as u64) as *const usize).read() }
}

/// A `malloc`ed copy of `bytes` followed by `terminator` zero bytes and at least `room`
/// bytes in all (zeroed), or 0 when the allocation fails.
fn native_copy(bytes: &[u8], room: usize, terminator: usize) -> u64 {
    let size = room.max(bytes.len() + terminator);
    // SAFETY: calloc of `size` bytes; the copy stays inside them.
    unsafe {
        let p = libc::calloc(size.max(1), 1).cast::<u8>();
        if p.is_null() {
            return 0;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        p as u64
    }
}

fn utf16_bytes(chars: &[u16]) -> Vec<u8> {
    chars.iter().flat_map(|c| c.to_le_bytes()).collect()
}

/// A native copy of string `s` (0 for null).
pub(super) fn string_to_native(s: u64, utf16: bool) -> u64 {
    if s == 0 {
        return 0;
    }
    let chars = string_as_utf16(s as *const _);
    if utf16 {
        native_copy(&utf16_bytes(chars), 0, 2)
    } else {
        native_copy(String::from_utf16_lossy(chars).as_bytes(), 0, 1)
    }
}

/// The UTF-16 code units of the NUL-terminated native text at `p`, at most `limit` units.
fn native_units(p: u64, utf16: bool, limit: usize) -> Vec<u16> {
    if utf16 {
        let mut out = Vec::new();
        // SAFETY: the native side promised a NUL-terminated UTF-16 string (or a buffer of
        // `limit` units we allocated).
        unsafe {
            let mut at = p as *const u16;
            while out.len() < limit && *at != 0 {
                out.push(*at);
                at = at.add(1);
            }
        }
        out
    } else {
        let mut bytes = Vec::new();
        // SAFETY: as above, for UTF-8.
        unsafe {
            let mut at = p as *const u8;
            while bytes.len() < limit && *at != 0 {
                bytes.push(*at);
                at = at.add(1);
            }
        }
        String::from_utf8_lossy(&bytes).encode_utf16().collect()
    }
}

/// A new string from native text at `p` (null for 0), which is then freed.
pub(super) fn string_from_native(p: u64, utf16: bool) -> u64 {
    if p == 0 {
        return 0;
    }
    let units = native_units(p, utf16, usize::MAX);
    // SAFETY: mono frees a returned `char*` with `g_free` (`free`); the program declared it so.
    unsafe { libc::free(p as *mut libc::c_void) };
    alloc_string(&units) as u64
}

/// The text and capacity of a `StringBuilder`.
fn builder_text(builder: u64) -> Option<(Vec<u16>, usize)> {
    let f = builder_fields()?;
    let mut chunks = Vec::new();
    let mut chunk = builder;
    let mut capacity = 0;
    while chunk != 0 {
        // SAFETY: `chunk` is a live StringBuilder; the fields are at their offsets.
        let (chars, length, offset, previous) = unsafe {
            (
                read_u64(chunk, f.chars),
                read_i32(chunk, f.length),
                read_i32(chunk, f.offset),
                read_u64(chunk, f.previous),
            )
        };
        if chunk == builder && chars != 0 {
            capacity = usize::try_from(offset).unwrap_or(0) + array_length(chars);
        }
        let length = usize::try_from(length)
            .unwrap_or(0)
            .min(array_length(chars));
        // SAFETY: the chunk's array holds at least `length` chars after the data offset.
        let units = unsafe {
            std::slice::from_raw_parts((chars + ARRAY_DATA_OFFSET as u64) as *const u16, length)
        };
        chunks.push(units.to_vec());
        chunk = previous;
    }
    chunks.reverse();
    Some((chunks.concat(), capacity))
}

/// A native buffer for `builder` (0 for null): its capacity plus the terminator, holding
/// its text.
pub(super) fn builder_to_native(builder: u64, utf16: bool) -> u64 {
    if builder == 0 {
        return 0;
    }
    let Some((text, capacity)) = builder_text(builder) else {
        return 0;
    };
    if utf16 {
        native_copy(&utf16_bytes(&text), (capacity + 1) * 2, 2)
    } else {
        native_copy(String::from_utf16_lossy(&text).as_bytes(), capacity + 1, 1)
    }
}

/// After the call: `builder` holds the text of `buffer` (then freed).
pub(super) fn builder_from_native(builder: u64, buffer: u64, utf16: bool) {
    if builder == 0 || buffer == 0 {
        return;
    }
    let (Some(f), Some((_, capacity))) = (builder_fields(), builder_text(builder)) else {
        return;
    };
    let units = native_units(buffer, utf16, if utf16 { capacity } else { capacity + 1 });
    let units = &units[..units.len().min(capacity)];
    // SAFETY: our own calloc'd buffer.
    unsafe { libc::free(buffer as *mut libc::c_void) };
    // SAFETY: `builder` is a live StringBuilder; its chunk array has `array_length` chars.
    unsafe {
        let mut chars = read_u64(builder, f.chars);
        if chars == 0 || array_length(chars) < units.len() {
            chars = alloc_char_array(units) as u64;
            ((builder + f.chars) as *mut u64).write(chars);
        } else {
            let data = (chars + ARRAY_DATA_OFFSET as u64) as *mut u16;
            std::ptr::copy_nonoverlapping(units.as_ptr(), data, units.len());
        }
        ((builder + f.previous) as *mut u64).write(0);
        ((builder + f.length) as *mut i32).write(units.len() as i32);
        ((builder + f.offset) as *mut i32).write(0);
    }
}

/// Frees a buffer a marshalling op allocated.
pub(super) fn free(p: u64) {
    if p != 0 {
        // SAFETY: `p` came from our calloc (or native code handed it back, as under mono).
        unsafe { libc::free(p as *mut libc::c_void) };
    }
}
