//! Which managed method a machine-code address belongs to: the runtime's map of image and JIT
//! code, for crash reports (managed stack traces) and the profile hooks.
//!
//! ## Model
//! One sorted list of address ranges, each naming the method compiled there by assembly index
//! and MethodDef rid, and, for one generic instance's code, the instance's generic context.
//! That context is what reflection needs to name the instance (`Delegate.Method`,
//! `StackFrame.GetMethod()`, as mono's `actual_method`); traces name the MethodDef. When an image is mapped, its method table (the entry address of each
//! compiled method, by rid) gives the ranges: each method runs to the next one's start, the
//! last to the image's tables (code precedes data in an image). That costs a sort, not a pass
//! over the ELF symbol table (19 ms for mscorlib's 18,165 symbols in a debug build), at every
//! start. An address in the stub of an excluded method is attributed to the method before it.
//! The JIT adds each method it compiles, with its exact size and its name. An instantiating
//! stub ([`crate::stubs::instantiating_stub`]: the entry of an exact instance served by shared
//! code) is a range of its own, naming the instance, so a delegate made on it has a method; it
//! leaves no frame, so no trace meets it. Names of image
//! methods are read from the metadata when asked for ([`name_of`]). Ranges are never removed:
//! code is never unloaded.
//!
//! Signal handlers read the map with [`try_lookup`], which never blocks: a fault while the
//! map is being extended only loses the method's name.
//!
//! Stack traces also ask for the IL offset of an address ([`il_offset_at`]): an image's
//! IL-offset blob (`ngen_abi::il_offsets`, registered with [`add_image_il_offsets`]) or the
//! table the JIT gave with the method's code.
//!
//! Depends on: [`crate::state`] (metadata, for names), `ngen_abi::il_offsets`.

use std::borrow::Cow;
use std::sync::{PoisonError, RwLock};

/// A method's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CodeRange {
    pub start: u64,
    pub end: u64,
    /// The runtime's assembly index.
    pub asm: usize,
    /// MethodDef rid.
    pub rid: u32,
    /// The runtime's generic context (`Runtime::generic_contexts` id) of the instance this
    /// code is exactly (JIT code of an instance, an image's exact instance, an instantiating
    /// stub); 0 for plain methods and shared code, which serves many instances.
    pub context: u32,
    /// `Namespace.Type::Method` when known at registration (JIT code).
    pub name: Option<Box<str>>,
    /// The method's own IL-offset entries (`ngen_abi::il_offsets::encode_method`'s form):
    /// JIT code's, or a generic instance's slot borrowed from its image's blob; other image code
    /// finds its image's blob by `asm`.
    pub il_offsets: Option<Cow<'static, [u8]>>,
}

static MAP: RwLock<Vec<CodeRange>> = RwLock::new(Vec::new());

/// The IL-offset blob of each mapped image, by assembly index.
static IMAGE_IL_OFFSETS: RwLock<Vec<(usize, &'static [u8])>> = RwLock::new(Vec::new());

/// Registers the IL-offset blob of assembly `asm`'s mapped image.
pub(crate) fn add_image_il_offsets(asm: usize, blob: &'static [u8]) {
    let mut blobs = IMAGE_IL_OFFSETS
        .write()
        .unwrap_or_else(PoisonError::into_inner);
    blobs.push((asm, blob));
}

/// The IL offset a stack trace shows at `pc` inside `range` (which holds it), if known.
pub(crate) fn il_offset_at(range: &CodeRange, pc: u64) -> Option<u32> {
    let native = u32::try_from(pc.checked_sub(range.start)?).ok()?;
    if let Some(entries) = &range.il_offsets {
        return ngen_abi::il_offsets::lookup_method(entries, native);
    }
    let blobs = IMAGE_IL_OFFSETS
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    let (_, blob) = blobs.iter().find(|(asm, _)| *asm == range.asm)?;
    ngen_abi::il_offsets::lookup(blob, range.rid, native)
}

/// Adds `ranges` to the map.
pub(crate) fn add(ranges: impl IntoIterator<Item = CodeRange>) {
    let mut map = MAP.write().unwrap_or_else(PoisonError::into_inner);
    map.extend(ranges);
    map.sort_by_key(|r| r.start);
}

/// Adds a method the JIT compiled (`size` bytes at `start`) in generic context `context`, and
/// writes it to the perf map when one is kept, named as images name their symbols
/// (`Namespace.Type::Method#rid`, the rid telling overloads apart).
pub(crate) fn add_jit(
    (asm, rid, context): (usize, u32, u32),
    (start, size): (u64, u64),
    name: &str,
    il_offsets: &[(u32, u32)],
) {
    crate::perf_map::record(start, size, &format!("{name}#{rid}"));
    let range = CodeRange {
        start,
        end: start.saturating_add(size),
        asm,
        rid,
        context,
        name: Some(name.into()),
        il_offsets: Some(Cow::Owned(ngen_abi::il_offsets::encode_method(il_offsets))),
    };
    insert(range);
}

/// Adds the instantiating stub of `size` bytes at `start`: the entry of the instance of
/// MethodDef `rid` of assembly `asm` in generic context `context`.
pub(crate) fn add_stub((asm, rid, context): (usize, u32, u32), (start, size): (u64, u64)) {
    insert(CodeRange {
        start,
        end: start.saturating_add(size),
        asm,
        rid,
        context,
        name: None,
        il_offsets: None,
    });
}

fn insert(range: CodeRange) {
    let mut map = MAP.write().unwrap_or_else(PoisonError::into_inner);
    let at = map.partition_point(|r| r.start <= range.start);
    map.insert(at, range);
}

/// The ranges of a mapped image of assembly `asm`: `entries[rid - 1]` is the entry address of
/// MethodDef `rid` (0 when the image lacks it), and code ends before `code_end` (the tables).
#[cfg(test)]
pub(crate) fn image_ranges(asm: usize, entries: &[u64], code_end: u64) -> Vec<CodeRange> {
    image_ranges_of(entries, code_end, |i| (asm, i as u32 + 1, 0, None))
}

/// The ranges of a mapped image's method table: `entries[i]` is an entry address (0 when the
/// image lacks that code) and `owner(i)` names whose method it is: the runtime's assembly
/// index, the MethodDef rid, the generic context of an exact instance (0 otherwise) and, for code whose IL offsets are not its assembly's image blob's
/// slot `rid` (a generic instance of another assembly's method), its own entries. Code ends
/// before `code_end` (the tables); each range runs to the next entry.
pub(crate) fn image_ranges_of(
    entries: &[u64],
    code_end: u64,
    owner: impl Fn(usize) -> (usize, u32, u32, Option<&'static [u8]>),
) -> Vec<CodeRange> {
    let mut starts: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, start)| **start != 0)
        .map(|(i, start)| (*start, i))
        .collect();
    starts.sort_unstable();
    starts.dedup_by_key(|(start, _)| *start);
    let ends = starts
        .iter()
        .skip(1)
        .map(|(start, _)| *start)
        .chain(std::iter::once(code_end));
    starts
        .iter()
        .zip(ends)
        .filter(|((start, _), end)| start < end)
        .map(|((start, i), end)| {
            let (asm, rid, context, il_offsets) = owner(*i);
            CodeRange {
                start: *start,
                end,
                asm,
                rid,
                context,
                name: None,
                il_offsets: il_offsets.map(Cow::Borrowed),
            }
        })
        .collect()
}

/// The `Namespace.Type::Method` of a range: its own, else from the metadata (unless the
/// runtime is busy).
pub(crate) fn name_of(asm: usize, rid: u32, name: Option<&str>) -> Option<String> {
    match name {
        Some(n) => Some(n.to_string()),
        None => {
            crate::state::try_with_metadata(asm, |a| ngen_compiler::method_display_name(a, rid))
        }
    }
}

/// Calls `f` with the range holding `pc`, if any (waits for a writer).
pub(crate) fn lookup<R>(pc: u64, f: impl FnOnce(&CodeRange) -> R) -> Option<R> {
    let map = MAP.read().unwrap_or_else(PoisonError::into_inner);
    find(&map, pc).map(f)
}

/// Like [`lookup`], but gives up instead of waiting (for signal handlers).
pub(crate) fn try_lookup<R>(pc: u64, f: impl FnOnce(&CodeRange) -> R) -> Option<R> {
    let map = MAP.try_read().ok()?;
    find(&map, pc).map(f)
}

fn find(map: &[CodeRange], pc: u64) -> Option<&CodeRange> {
    let after = map.partition_point(|r| r.start <= pc);
    let candidate = map.get(after.checked_sub(1)?)?;
    (pc < candidate.end).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64, rid: u32) -> CodeRange {
        CodeRange {
            start,
            end,
            asm: 0,
            rid,
            context: 0,
            name: None,
            il_offsets: None,
        }
    }

    #[test]
    fn finds_the_range_holding_an_address_and_nothing_between_ranges() {
        let map = vec![range(0x100, 0x140, 1), range(0x200, 0x210, 2)];
        assert_eq!(find(&map, 0x100).map(|r| r.rid), Some(1));
        assert_eq!(find(&map, 0x13f).map(|r| r.rid), Some(1));
        assert_eq!(find(&map, 0x140), None);
        assert_eq!(find(&map, 0xff), None);
        assert_eq!(find(&map, 0x20f).map(|r| r.rid), Some(2));
        assert_eq!(find(&map, 0x210), None);
    }

    #[test]
    fn image_methods_run_to_the_next_method_and_the_last_to_the_tables() {
        // rid 2 is not in the image; rid 3 comes first in the code.
        let ranges = image_ranges(5, &[0x1100, 0, 0x1000, 0x1180], 0x2000);
        assert_eq!(
            ranges,
            vec![
                CodeRange {
                    asm: 5,
                    ..range(0x1000, 0x1100, 3)
                },
                CodeRange {
                    asm: 5,
                    ..range(0x1100, 0x1180, 1)
                },
                CodeRange {
                    asm: 5,
                    ..range(0x1180, 0x2000, 4)
                },
            ]
        );
        // Tables before the code (not what the linker does) leave the last method out.
        assert_eq!(image_ranges(0, &[0x3000], 0x2000), vec![]);
    }
}
