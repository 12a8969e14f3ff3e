//! `NGEN_COMPILE_STATS=1`: how many functions of each kind an image compiles and how much CLIF
//! each kind hands to Cranelift (instructions, blocks, and the cold blocks of call and cell
//! slow paths), printed to stderr, so compile time can be attributed to what causes it
//! (docs/BENCHMARKS.md, "Compile CPU"). Counted before Cranelift's optimisations, when the
//! function is as the translator built it.

use cranelift_codegen::ir::Function;

/// The CLIF one function (or a sum of them) handed to Cranelift.
#[derive(Default, Clone, Copy, Debug)]
pub(super) struct ClifCount {
    pub functions: u64,
    pub insts: u64,
    pub blocks: u64,
    pub cold_blocks: u64,
    pub cold_insts: u64,
}

impl ClifCount {
    /// The instructions and blocks laid out in `func`.
    pub(super) fn of(func: &Function) -> Self {
        let mut count = ClifCount {
            functions: 1,
            ..Default::default()
        };
        for block in func.layout.blocks() {
            let insts = func.layout.block_insts(block).count() as u64;
            count.blocks += 1;
            count.insts += insts;
            if func.layout.is_cold(block) {
                count.cold_blocks += 1;
                count.cold_insts += insts;
            }
        }
        count
    }

    fn add(&mut self, other: &ClifCount) {
        self.functions += other.functions;
        self.insts += other.insts;
        self.blocks += other.blocks;
        self.cold_blocks += other.cold_blocks;
        self.cold_insts += other.cold_insts;
    }
}

/// What a compiled function is, for the tally.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum FunctionKind {
    /// A MethodDef with an IL body (non-generic, or generic code never compiled open).
    Method,
    /// A P/Invoke marshalling stub.
    PInvoke,
    /// An exact instance of the compiled assembly's own generic, every argument a reference
    /// type: what its shared code could serve.
    OwnInstanceOverReferences,
    /// An exact instance of an own generic with a value type among its arguments.
    OwnInstanceWithValueTypes,
    /// An exact instance of another assembly's generic, every argument a reference type.
    ForeignInstanceOverReferences,
    /// An exact instance of another assembly's generic with a value type among its arguments.
    ForeignInstanceWithValueTypes,
    /// Canonical shared code.
    Shared,
}

/// Whether the tally is asked for (read once per image).
pub(super) fn wanted() -> bool {
    std::env::var_os("NGEN_COMPILE_STATS").is_some()
}

/// Sums `counts` by kind and prints one line per kind and a total to stderr.
pub(super) fn print(assembly: &str, counts: impl IntoIterator<Item = (FunctionKind, ClifCount)>) {
    let mut by_kind: std::collections::BTreeMap<FunctionKind, ClifCount> = Default::default();
    let mut total = ClifCount::default();
    for (kind, count) in counts {
        by_kind.entry(kind).or_default().add(&count);
        total.add(&count);
    }
    eprintln!("compile stats {assembly}: kind functions clif_insts blocks cold_blocks cold_insts");
    let rows = by_kind.iter().map(|(k, c)| (format!("{k:?}"), c));
    for (name, c) in rows.chain(std::iter::once(("Total".to_string(), &total))) {
        eprintln!(
            "compile stats {assembly}: {name} {} {} {} {} {}",
            c.functions, c.insts, c.blocks, c.cold_blocks, c.cold_insts
        );
    }
}
