//! Which managed method a machine-code address belongs to: the runtime's map of image and JIT
//! code, for crash reports (managed stack traces) and the profile hooks.
//!
//! ## Model
//! One sorted list of address ranges, each naming the method compiled there by assembly index
//! and MethodDef rid, and, for one generic instance's code, the instance's generic context;
//! besides it, each mapped image's method table, searched in place ([`image_code`]).
//! That context is what reflection needs to name the instance (`Delegate.Method`,
//! `StackFrame.GetMethod()`, as mono's `actual_method`); traces name the MethodDef. When an image is mapped, its method table (the entry address of each
//! compiled method, by rid) gives the ranges: each method runs to the next one's start, the
//! last to the image's tables (code precedes data in an image). That costs nothing at
//! startup, where a pass over the ELF symbol table took 19 ms for mscorlib's 18,165 symbols
//! in a debug build, and a list of its ranges 6 MB of heap. An address in the stub of an excluded method is attributed to the method before it.
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

mod image_code;

use std::borrow::Cow;
use std::sync::{PoisonError, RwLock};

pub(crate) use image_code::{EntryOwner, ImageCode};

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

/// JIT code and stubs.
static MAP: RwLock<Vec<CodeRange>> = RwLock::new(Vec::new());

/// The code of each mapped image.
static IMAGES: RwLock<Vec<ImageCode>> = RwLock::new(Vec::new());

/// Adds a mapped image's code.
pub(crate) fn add_image(code: ImageCode) {
    let mut images = IMAGES.write().unwrap_or_else(PoisonError::into_inner);
    images.push(code);
}

/// The IL offset a stack trace shows at `pc` inside `range` (which holds it), if known.
pub(crate) fn il_offset_at(range: &CodeRange, pc: u64) -> Option<u32> {
    let native = u32::try_from(pc.checked_sub(range.start)?).ok()?;
    if let Some(entries) = &range.il_offsets {
        return ngen_abi::il_offsets::lookup_method(entries, native);
    }
    let images = IMAGES.read().unwrap_or_else(PoisonError::into_inner);
    let blob = images
        .iter()
        .find(|image| image.asm() == range.asm)?
        .il_offsets?;
    ngen_abi::il_offsets::lookup(blob, range.rid, native)
}

/// Adds `ranges` to the map (tests: code the runtime did not compile).
#[cfg(test)]
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
    let images = IMAGES.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(image) = images.iter().find(|image| image.holds(pc)) {
        return image.range_at(pc).as_ref().map(f);
    }
    drop(images);
    let map = MAP.read().unwrap_or_else(PoisonError::into_inner);
    find(&map, pc).map(f)
}

/// Like [`lookup`], but gives up instead of waiting (for signal handlers).
pub(crate) fn try_lookup<R>(pc: u64, f: impl FnOnce(&CodeRange) -> R) -> Option<R> {
    let images = IMAGES.try_read().ok()?;
    if let Some(image) = images.iter().find(|image| image.holds(pc)) {
        return image.range_at(pc).as_ref().map(f);
    }
    drop(images);
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
        let entries: &'static [u64] = Box::leak(Box::new([0x1100, 0, 0x1000, 0x1180]));
        let image = ImageCode::new(5, entries, 4, Box::new([]), 0x2000, None);
        // (start, end, assembly, rid) of the method holding each address.
        let at = |pc| image.range_at(pc).map(|r| (r.start, r.end, r.asm, r.rid));
        assert_eq!(at(0x1000), Some((0x1000, 0x1100, 5, 3)));
        assert_eq!(at(0x10ff), Some((0x1000, 0x1100, 5, 3)));
        assert_eq!(at(0x1100), Some((0x1100, 0x1180, 5, 1)));
        assert_eq!(at(0x1fff), Some((0x1180, 0x2000, 5, 4)));
        assert_eq!(at(0x2000), None);
        assert_eq!(at(0xfff), None);
        // Tables before the code (not what the linker does) leave the last method out.
        let after: &'static [u64] = Box::leak(Box::new([0x3000]));
        let image = ImageCode::new(0, after, 1, Box::new([]), 0x2000, None);
        assert_eq!(image.range_at(0x3000), None);
    }
}
