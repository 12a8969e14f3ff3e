//! The IL-offset table of an image: for each compiled method, where in its machine code each
//! IL offset a stack trace shows begins (`docs/native-images.md`, "IL offsets").
//!
//! ## Model
//! The compiler writes one blob, the exported data object [`IL_OFFSETS_SYMBOL`]; the runtime
//! reads it in place when it names a frame's IL offset (`Exception.StackTrace`, the unhandled
//! report). The blob is little-endian:
//! - `u32 byte_length` (of the whole blob), `u32 method_count`, then `method_count` `u32`
//!   offsets into the blob, by MethodDef rid - 1 (0: the method has no table);
//! - at a method's offset: a LEB128 count, then per entry a LEB128 native-offset delta and a
//!   zigzag LEB128 IL-offset delta from the previous entry (starting at (0, 0)).
//!
//! An entry `(native, il)` covers the method's code from `native` to the next entry: an
//! address in it reports `il` (mono's IL offset for that instruction, `[0x000NN]`). Code before
//! the first entry (the prologue) and in entries of [`NO_IL_OFFSET`] has none. Deterministic: entries are sorted and the encoding
//! has one form.
//!
//! Depends on: nothing.

/// The IL offset of code that belongs to no instruction (a prologue's class-initialisation
/// check, what follows a method's last instruction): an address there has no IL offset.
/// (`u32::MAX` is Cranelift's "no source location".)
pub const NO_IL_OFFSET: u32 = u32::MAX - 1;

/// The exported data object holding the blob.
pub const IL_OFFSETS_SYMBOL: &str = "__ngen_il_offsets";

/// Encodes the tables of an image with `method_count` MethodDefs: `methods` holds
/// (rid, sorted (native, il) entries).
pub fn encode(method_count: u32, methods: &[(u32, Vec<(u32, u32)>)]) -> Vec<u8> {
    let head = 8 + 4 * method_count as usize;
    let mut out = vec![0u8; head];
    out[4..8].copy_from_slice(&method_count.to_le_bytes());
    for (rid, entries) in methods {
        let Some(slot) = rid.checked_sub(1).filter(|s| *s < method_count) else {
            continue;
        };
        if entries.is_empty() {
            continue;
        }
        let at = out.len() as u32;
        let slot = 8 + 4 * slot as usize;
        out[slot..slot + 4].copy_from_slice(&at.to_le_bytes());
        write_leb(&mut out, entries.len() as u64);
        let (mut native, mut il) = (0u32, 0u32);
        for &(n, i) in entries {
            write_leb(&mut out, u64::from(n.wrapping_sub(native)));
            let delta = i64::from(i) - i64::from(il);
            write_leb(&mut out, ((delta << 1) ^ (delta >> 63)) as u64);
            (native, il) = (n, i);
        }
    }
    let length = out.len() as u32;
    out[..4].copy_from_slice(&length.to_le_bytes());
    out
}

/// The blob an image exports at `start` (its [`IL_OFFSETS_SYMBOL`]).
///
/// # Safety
/// `start` must point at a blob [`encode`] wrote, mapped for as long as the result is used.
pub unsafe fn blob_at(start: *const u8) -> &'static [u8] {
    // SAFETY: the caller promises a blob, which begins with its own length.
    let length = unsafe { start.cast::<u32>().read_unaligned() };
    // SAFETY: as above, `length` bytes from `start`.
    unsafe { std::slice::from_raw_parts(start, length as usize) }
}

/// The IL offset the blob gives MethodDef `rid` at `native_offset` into its code, if any.
/// Never panics on a malformed blob (it answers `None`).
pub fn lookup(blob: &[u8], rid: u32, native_offset: u32) -> Option<u32> {
    let count = read_u32(blob, 4)?;
    let slot = rid.checked_sub(1).filter(|s| *s < count)?;
    let at = read_u32(blob, 8 + 4 * slot as usize)? as usize;
    if at == 0 {
        return None;
    }
    let mut cursor = blob.get(at..)?;
    let entries = read_leb(&mut cursor)?;
    lookup_entries(&mut cursor, entries, native_offset)
}

/// The entries of method-table slot `index` (1-based: a MethodDef's rid, or
/// `method_rows + i + 1` for generic instance `i`) in [`lookup_method`]'s form, if it has any.
pub fn method_entries(blob: &[u8], index: u32) -> Option<&[u8]> {
    let count = read_u32(blob, 4)?;
    let slot = index.checked_sub(1).filter(|s| *s < count)?;
    let at = read_u32(blob, 8 + 4 * slot as usize)? as usize;
    if at == 0 {
        return None;
    }
    // Exactly this method's bytes (a count, then two LEB128 numbers per entry), so that a
    // caller keeping them copies one method, not the rest of the blob.
    let start = blob.get(at..)?;
    let mut cursor = start;
    let entries = read_leb(&mut cursor)?;
    for _ in 0..entries.checked_mul(2)? {
        read_leb(&mut cursor)?;
    }
    start.get(..start.len() - cursor.len())
}

/// Like [`lookup`] over one method's entries encoded alone (the JIT's form: a count then the
/// entries, as after a method's offset in the blob).
pub fn lookup_method(entries: &[u8], native_offset: u32) -> Option<u32> {
    let mut cursor = entries;
    let count = read_leb(&mut cursor)?;
    lookup_entries(&mut cursor, count, native_offset)
}

/// One method's entries encoded alone, for [`lookup_method`].
pub fn encode_method(entries: &[(u32, u32)]) -> Vec<u8> {
    let blob = encode(1, &[(1, entries.to_vec())]);
    blob.get(12..)
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| vec![0])
}

fn lookup_entries(cursor: &mut &[u8], count: u64, native_offset: u32) -> Option<u32> {
    let (mut native, mut il) = (0u64, 0i64);
    let mut found = None;
    for _ in 0..count {
        native = native.checked_add(read_leb(cursor)?)?;
        let zigzag = read_leb(cursor)?;
        il += ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        if native > u64::from(native_offset) {
            break;
        }
        found = u32::try_from(il).ok().filter(|il| *il != NO_IL_OFFSET);
    }
    found
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb(cursor: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = cursor.split_first()?;
        *cursor = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn read_u32(blob: &[u8], at: usize) -> Option<u32> {
    let bytes = blob.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_reports_the_entry_it_falls_in_and_the_prologue_none() {
        let blob = encode(
            3,
            &[(1, vec![(4, 0), (20, 0x1c), (300, 2)]), (3, vec![(0, 7)])],
        );
        assert_eq!(lookup(&blob, 1, 3), None);
        assert_eq!(lookup(&blob, 1, 4), Some(0));
        assert_eq!(lookup(&blob, 1, 19), Some(0));
        assert_eq!(lookup(&blob, 1, 20), Some(0x1c));
        assert_eq!(lookup(&blob, 1, 299), Some(0x1c));
        assert_eq!(lookup(&blob, 1, 5000), Some(2));
        assert_eq!(lookup(&blob, 2, 0), None);
        assert_eq!(lookup(&blob, 3, 9), Some(7));
        assert_eq!(lookup(&blob, 4, 0), None);
        assert_eq!(lookup(&blob, 0, 0), None);
        let gap = encode(1, &[(1, vec![(4, 3), (10, NO_IL_OFFSET), (20, 5)])]);
        assert_eq!(lookup(&gap, 1, 9), Some(3));
        assert_eq!(lookup(&gap, 1, 12), None);
        assert_eq!(lookup(&gap, 1, 21), Some(5));
        let alone = encode_method(&[(4, 0), (20, 0x1c)]);
        assert_eq!(lookup_method(&alone, 25), Some(0x1c));
        assert_eq!(lookup_method(&alone, 2), None);
        // A slot's entries taken out of the blob answer as the blob does.
        let slot3 = method_entries(&blob, 3).unwrap();
        assert_eq!(lookup_method(slot3, 9), Some(7));
        assert_eq!(slot3, encode_method(&[(0, 7)]).as_slice());
        let slot1 = method_entries(&blob, 1).unwrap();
        assert_eq!(
            slot1,
            encode_method(&[(4, 0), (20, 0x1c), (300, 2)]).as_slice()
        );
        assert_eq!(method_entries(&blob, 2), None);
        assert_eq!(method_entries(&blob, 4), None);
    }

    #[test]
    fn a_truncated_or_garbage_blob_answers_none() {
        let blob = encode(1, &[(1, vec![(4, 0), (20, 0x1c)])]);
        for len in 0..blob.len() {
            let _ = lookup(&blob[..len], 1, 25);
        }
        assert_eq!(lookup(&[0xff; 16], 1, 0), None);
        assert_eq!(lookup_method(&[0xff; 3], 0), None);
    }
}
