//! `NGEN_COMPILE_STATS=1`: how many functions of each kind an image compiles and how much CLIF
//! each kind hands to Cranelift (instructions, blocks, and the cold blocks of call and cell
//! slow paths), printed to stderr, so compile time can be attributed to what causes it
//! (docs/BENCHMARKS.md, "Compile CPU"). Counted before Cranelift's optimisations, when the
//! function is as the translator built it.

use cranelift_codegen::ir::{Block, Function, InstructionData, Opcode, ValueDef};
use ngen_abi::helpers::HelperId;

/// The CLIF one function (or a sum of them) handed to Cranelift.
#[derive(Default, Clone, Copy, Debug)]
pub(super) struct ClifCount {
    pub functions: u64,
    pub insts: u64,
    pub blocks: u64,
    pub cold_blocks: u64,
    pub cold_insts: u64,
    /// Cold blocks that resolve an import cell (`cells::emit_cell_target`'s slow path: a
    /// call of the `ResolveCell` helper), and their instructions with the block that jumps
    /// back.
    pub resolve_paths: u64,
    pub resolve_insts: u64,
    /// Calls through a cell's freshly loaded target (the block a resolve path joins, calling
    /// its parameter): the call sites a PLT-style cell would spare their resolve path.
    pub cell_calls: u64,
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
            if calls_its_parameter(func, block) {
                count.cell_calls += 1;
            }
            count.blocks += 1;
            count.insts += insts;
            if func.layout.is_cold(block) {
                count.cold_blocks += 1;
                count.cold_insts += insts;
                if calls_resolve_cell(func, block) {
                    count.resolve_paths += 1;
                    count.resolve_insts += insts + jump_back_insts(func, block);
                }
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
        self.resolve_paths += other.resolve_paths;
        self.resolve_insts += other.resolve_insts;
        self.cell_calls += other.cell_calls;
    }
}

/// Whether `block` calls the `ResolveCell` helper: an indirect call whose callee was loaded
/// from that helper's slot.
fn calls_resolve_cell(func: &Function, block: Block) -> bool {
    let offset = HelperId::ResolveCell.table_offset();
    func.layout.block_insts(block).any(|inst| {
        let InstructionData::CallIndirect { args, .. } = func.dfg.insts[inst] else {
            return false;
        };
        let Some(&callee) = args.as_slice(&func.dfg.value_lists).first() else {
            return false;
        };
        let ValueDef::Result(load, _) = func.dfg.value_def(callee) else {
            return false;
        };
        matches!(
            func.dfg.insts[load],
            InstructionData::Load { opcode: Opcode::Load, offset: o, .. } if i32::from(o) == offset
        )
    })
}

/// Whether `block` takes one parameter and calls it indirectly (a cell's target joined from its
/// fast and resolve paths, then called).
fn calls_its_parameter(func: &Function, block: Block) -> bool {
    let [param] = func.dfg.block_params(block) else {
        return false;
    };
    func.layout.block_insts(block).any(|inst| {
        matches!(
            func.dfg.insts[inst],
            InstructionData::CallIndirect { args, .. }
                if args.as_slice(&func.dfg.value_lists).first() == Some(param)
        )
    })
}

/// The instructions of the cold one-instruction block that follows a resolve block and
/// jumps back to the call (when the path tests the pending-exception word), else 0.
fn jump_back_insts(func: &Function, block: Block) -> u64 {
    match func.layout.next_block(block) {
        Some(next) if func.layout.is_cold(next) && func.layout.block_insts(next).count() == 1 => 1,
        _ => 0,
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
    /// Canonical shared code over `System.Object` alone.
    Shared,
    /// Canonical shared code of a form mixing reference and value types (`G<Object,int>`).
    SharedMixed,
}

/// Whether the tally is asked for (the variable is read once per process: every compiled
/// function asks, and counting is skipped when nobody wants it).
pub(super) fn wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| std::env::var_os("NGEN_COMPILE_STATS").is_some())
}

/// Sums `counts` by kind and prints one line per kind and a total to stderr.
pub(super) fn print(assembly: &str, counts: impl IntoIterator<Item = (FunctionKind, ClifCount)>) {
    let mut by_kind: std::collections::BTreeMap<FunctionKind, ClifCount> = Default::default();
    let mut total = ClifCount::default();
    for (kind, count) in counts {
        by_kind.entry(kind).or_default().add(&count);
        total.add(&count);
    }
    eprintln!(
        "compile stats {assembly}: kind functions clif_insts blocks cold_blocks cold_insts resolve_paths resolve_insts cell_calls"
    );
    let rows = by_kind.iter().map(|(k, c)| (format!("{k:?}"), c));
    for (name, c) in rows.chain(std::iter::once(("Total".to_string(), &total))) {
        eprintln!(
            "compile stats {assembly}: {name} {} {} {} {} {} {} {} {}",
            c.functions,
            c.insts,
            c.blocks,
            c.cold_blocks,
            c.cold_insts,
            c.resolve_paths,
            c.resolve_insts,
            c.cell_calls
        );
    }
}
