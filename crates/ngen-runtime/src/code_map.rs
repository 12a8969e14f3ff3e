//! Which managed method a machine-code address belongs to: the runtime's map of image and JIT
//! code, for crash reports (managed stack traces), the profile hooks and the perf map.
//!
//! ## Model
//! One sorted list of address ranges, each naming the method compiled there (assembly index,
//! MethodDef rid, `Namespace.Type::Method`). Images add their function symbols when they are
//! mapped (the ELF symbol table holds `Namespace.Type::Method#rid` with sizes; the load bias
//! is the distance between the tables symbol's link-time and mapped addresses); the JIT adds
//! each method it compiles. Ranges are never removed: code is never unloaded.
//!
//! Signal handlers read the map with [`try_lookup`], which never blocks: a fault while the
//! map is being extended only loses the method's name.
//!
//! Depends on: ngen-image (`FunctionSymbol`).

use std::sync::{PoisonError, RwLock};

/// A method's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CodeRange {
    pub start: u64,
    pub end: u64,
    /// The runtime's assembly index.
    pub asm: usize,
    /// MethodDef rid; 0 when unknown (a stub).
    pub rid: u32,
    /// `Namespace.Type::Method`.
    pub name: Box<str>,
}

static MAP: RwLock<Vec<CodeRange>> = RwLock::new(Vec::new());

/// Adds `ranges` to the map.
pub(crate) fn add(ranges: impl IntoIterator<Item = CodeRange>) {
    let mut map = MAP.write().unwrap_or_else(PoisonError::into_inner);
    map.extend(ranges);
    map.sort_by_key(|r| r.start);
}

/// Adds a method the JIT compiled (`size` bytes at `start`), and writes it to the perf map
/// when one is kept, named as images name their symbols (`Namespace.Type::Method#rid`, the rid
/// telling overloads apart).
pub(crate) fn add_jit(asm: usize, rid: u32, start: u64, size: u64, name: &str) {
    crate::perf_map::record(start, size, &format!("{name}#{rid}"));
    let range = CodeRange {
        start,
        end: start.saturating_add(size),
        asm,
        rid,
        name: name.into(),
    };
    let mut map = MAP.write().unwrap_or_else(PoisonError::into_inner);
    let at = map.partition_point(|r| r.start <= start);
    map.insert(at, range);
}

/// The ranges of a mapped image of assembly `asm` whose tables symbol, linked at
/// `tables_link_address`, was mapped at `tables_address`.
pub(crate) fn image_ranges(
    asm: usize,
    tables_link_address: u64,
    tables_address: u64,
    symbols: &[ngen_image::FunctionSymbol],
) -> Vec<CodeRange> {
    let bias = tables_address.wrapping_sub(tables_link_address);
    symbols
        .iter()
        .map(|s| {
            let (name, rid) = split_rid(&s.name);
            CodeRange {
                start: s.address.wrapping_add(bias),
                end: s.address.wrapping_add(bias).wrapping_add(s.size),
                asm,
                rid,
                name: name.into(),
            }
        })
        .collect()
}

/// `Namespace.Type::Method#12` → (`Namespace.Type::Method`, 12); a name without a rid keeps
/// rid 0.
fn split_rid(symbol: &str) -> (&str, u32) {
    match symbol.rsplit_once('#') {
        Some((name, rid)) => match rid.parse() {
            Ok(rid) => (name, rid),
            Err(_) => (symbol, 0),
        },
        None => (symbol, 0),
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

    fn range(start: u64, end: u64, name: &str) -> CodeRange {
        CodeRange {
            start,
            end,
            asm: 0,
            rid: 1,
            name: name.into(),
        }
    }

    #[test]
    fn finds_the_range_holding_an_address_and_nothing_between_ranges() {
        let map = vec![range(0x100, 0x140, "A::a"), range(0x200, 0x210, "B::b")];
        assert_eq!(find(&map, 0x100).map(|r| &*r.name), Some("A::a"));
        assert_eq!(find(&map, 0x13f).map(|r| &*r.name), Some("A::a"));
        assert_eq!(find(&map, 0x140), None);
        assert_eq!(find(&map, 0xff), None);
        assert_eq!(find(&map, 0x20f).map(|r| &*r.name), Some("B::b"));
        assert_eq!(find(&map, 0x210), None);
    }

    #[test]
    fn image_symbols_are_rebased_and_their_rids_split_off() {
        let symbols = [ngen_image::FunctionSymbol {
            address: 0x1000,
            size: 0x20,
            name: "Demo.Fib::F#2".into(),
        }];
        let ranges = image_ranges(3, 0x4000, 0x7f00_0000_4000, &symbols);
        assert_eq!(
            ranges,
            vec![CodeRange {
                start: 0x7f00_0000_1000,
                end: 0x7f00_0000_1020,
                asm: 3,
                rid: 2,
                name: "Demo.Fib::F".into(),
            }]
        );
        assert_eq!(split_rid("A::b#x"), ("A::b#x", 0));
    }
}
