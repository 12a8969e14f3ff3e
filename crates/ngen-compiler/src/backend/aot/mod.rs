//! AOT emission: every method of an assembly into one relocatable ELF object, with the image
//! tables (header, method table, import cells, helper table) as data objects.
//!
//! ## Model
//! Data objects and functions are declared first, so relocations can name them
//! ([`tables::ImageData::declare`], [`plan::declare_functions`]); the import cells are laid
//! out from a scan of every method's IL ([`plan::layout_cells`]). Methods are then translated
//! and compiled in parallel (one `Context` per worker) against the read-only [`plan::Plan`],
//! a chunk of work items at a time, each chunk defined in MethodDef order before the next is
//! compiled, so the object's bytes do not depend on scheduling and only one chunk's machine
//! code waits in memory besides the module's. A method
//! that is called directly but could not be compiled gets a stub that calls through its import
//! cell, hence through the runtime: JIT fallback ([`stub`]). Last come the tables and the
//! header, which lists the cells and the exclusions ([`tables`]).
//!
//! ## Invariants
//! Same input, same bytes: token order everywhere, cells in key order, no addresses or
//! timestamps. The layout of the tables is `ngen_abi::image`'s; the runtime reads it.
//!
//! ## Debugging
//! `NGEN_DUMP_CLIF=1` prints the CLIF of every compiled method to stderr.
//!
//! Depends on: cranelift-*, rayon, the crate's translator ([`super::translate`]).

mod hard;
pub(crate) mod held;
pub(crate) mod instances;
mod pinvoke;
mod plan;
pub(crate) mod select;
pub(crate) mod shared;
mod stats;
mod stub;
mod tables;

use std::collections::BTreeMap;

use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, Module, ModuleReloc};
use cranelift_object::{ObjectBuilder, ObjectModule, ObjectProduct};
use ngen_abi::image::{CellKey, CellKind};
use ngen_metadata::{Assembly, TableId, Token};
use rayon::prelude::*;

use super::debuginfo::{
    CodeRange, MethodDebug, VariableDebug, code_ranges, frame_variables, write_dwarf,
};
use super::isa::{IsaKind, make_isa};
use super::translate::{MethodInput, translate};
use crate::il_offsets::MethodIlOffsets;
use crate::method::{method_def_shape_in, prepare};
use crate::type_context::TypeContext;
use instances::ImageInstances;
use plan::{AotEnv, Plan, declare_functions, declare_instances, declare_shared, layout_cells};
use stub::{StubEnv, build_stub};
use tables::ImageData;

pub use hard::HardImage;
pub use held::{HeldInstances, InstancePlans};

/// Work items compiled between two defining rounds: large enough that both workers stay
/// busy, small enough that the code waiting to be defined stays a small part of the image.
const DEFINE_CHUNK: usize = 2048;

/// The result of compiling one MethodDef.
pub(crate) struct MethodOutcome {
    pub rid: u32,
    /// Code size, or the exclusion reason.
    pub result: Result<u32, String>,
}

/// One unit of the parallel phase: a MethodDef, or generic instance `n` of the image.
#[derive(Clone, Copy)]
enum Work {
    Method(u32),
    Instance(usize),
    /// Shared code of generic MethodDef `shared[n]` (`shared.rs`).
    Shared(usize),
}

/// The canonical shared code of one generic MethodDef, as the header and the report see it.
pub(crate) struct SharedOutcome {
    pub rid: u32,
    /// The header context of its canonical form (0: over `System.Object` alone).
    pub context: u32,
    /// That form's serialized arguments (`<mscorlib#1,int;>`), for the report.
    pub form: Option<String>,
    /// The dictionary's register and cell indices, when the method has a method-table entry
    /// (a declared function, compiled or not).
    pub entry: Option<(u32, Vec<u32>)>,
    /// Code size, or why there is no shared code.
    pub result: Result<u32, String>,
}

/// An emitted object plus what the header must describe.
pub(crate) struct EmittedObject {
    /// The object, written out only by the linker step (`ngen_image::link_shared_object`).
    pub object: ObjectProduct,
    pub outcomes: Vec<MethodOutcome>,
    /// Each generic instance's code size or the reason it is left to the JIT, in header order.
    pub instance_outcomes: Vec<Result<u32, String>>,
    /// Each generic MethodDef's shared code, in rid order.
    pub shared_outcomes: Vec<SharedOutcome>,
    /// CPU seconds the worker threads of this object's own pool used (every method).
    pub worker_cpu_seconds: f64,
}

/// Machine code of one method, ready to define in the module.
struct Compiled {
    bytes: Vec<u8>,
    relocs: Vec<ModuleReloc>,
    alignment: u64,
    /// Debug scenario: the IL offset of each range of the code, for the line table.
    ranges: Vec<CodeRange>,
    /// Debug scenario: where the arguments and locals live.
    variables: Vec<VariableDebug>,
    /// Native → IL offsets (`crate::il_offsets`).
    il_offsets: MethodIlOffsets,
    /// The CLIF handed to Cranelift (`NGEN_COMPILE_STATS`).
    clif: stats::ClifCount,
}

/// The other images an image relies on: those it hard-binds to, and what mscorlib's image
/// holds of mscorlib's generics (`held.rs`).
pub(crate) struct OtherImages<'a> {
    pub hard: &'a [HardImage],
    pub held: &'a select::HeldLookup<'a>,
}

/// Compiles every method of `asm` into an object for `scenario` (the profile hooks; the
/// debug scenario's unoptimised code and DWARF, with lines from `symbols`). `header` receives
/// the cell list and the outcomes and returns the header bytes to embed.
pub(crate) fn emit_object(
    asm: &Assembly,
    types: &TypeContext,
    threads: usize,
    scenario: ngen_abi::Scenario,
    symbols: Option<&ngen_symbols::SymbolFile>,
    OtherImages { hard, held }: OtherImages<'_>,
    header: impl FnOnce(&[CellKey], &[MethodOutcome], &ImageInstances, &[SharedOutcome]) -> Vec<u8>,
) -> Result<EmittedObject, String> {
    let isa: OwnedTargetIsa = make_isa(IsaKind::Aot, scenario.debug)?;
    let call_conv = isa.default_call_conv();
    let builder = ObjectBuilder::new(
        isa.clone(),
        "image",
        cranelift_module::default_libcall_names(),
    )
    .map_err(|e| e.to_string())?;
    let mut module = ObjectModule::new(builder);
    let err = |e: cranelift_module::ModuleError| e.to_string();

    let data = ImageData::declare(&mut module)?;
    let method_count = asm.row_count(TableId::MethodDef);
    let funcs = declare_functions(&mut module, asm, types, call_conv)?;
    let selection = select::select_instances(asm, types, held);
    let (instances, shared) = (selection.instances, selection.shared);
    let shared_funcs = declare_shared(
        &mut module,
        asm,
        call_conv,
        &shared,
        &selection.shared_shapes,
        &instances,
    )?;
    let served = (selection.served, selection.held_elsewhere);
    let instance_funcs = declare_instances(
        &mut module,
        types,
        call_conv,
        &instances,
        &selection.instance_declarable,
    )?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;
    let cells = layout_cells(&pool, asm, &instances);
    let hard_calls = hard::declare_hard_calls(&mut module, asm, types, call_conv, &cells, hard)?;

    let plan = Plan {
        asm,
        types,
        call_conv,
        frontend: isa.frontend_config(),
        funcs,
        instances: &instances,
        instance_funcs,
        shared: &shared,
        shared_funcs,
        cells,
        hard_calls,
        cells_data: data.cells,
        helpers_data: data.helpers,
        profile: scenario.profile,
        debug: scenario.debug,
        // `mono --debug` maps a frame to its exact instruction only in methods with symbols.
        exact_il_offsets: scenario.debug && symbols.is_some(),
    };

    let work: Vec<Work> = (1..=method_count)
        .map(Work::Method)
        .chain((0..instances.instances.len()).map(Work::Instance))
        .chain(
            (0..shared.len())
                .filter(|&j| plan.shared_funcs[j].is_ok())
                .map(Work::Shared),
        )
        .collect();
    let count_clif = stats::wanted();
    let mut clif_counts: Vec<(stats::FunctionKind, stats::ClifCount)> = Vec::new();

    // Shared code's method-table entries follow the instances', one per declared function.
    let instance_count = instances.instances.len() as u32;
    let mut shared_slots: Vec<Option<u32>> = Vec::with_capacity(shared.len());
    let mut declared_shared = 0u32;
    for f in &plan.shared_funcs {
        shared_slots.push(f.is_ok().then(|| {
            declared_shared += 1;
            method_count + instance_count + declared_shared
        }));
    }
    let mut shared_results: Vec<Result<u32, String>> = plan
        .shared_funcs
        .iter()
        .map(|f| match f {
            Ok(_) => Err("internal: shared code not compiled".to_string()),
            Err(reason) => Err(reason.clone()),
        })
        .collect();
    let mut outcomes = Vec::with_capacity(method_count as usize);
    let mut compiled_ids: Vec<(u32, FuncId)> = Vec::new();
    let mut debug_methods: Vec<MethodDebug> = Vec::new();
    let mut trace_tables: Vec<(u32, Vec<(u32, u32)>)> = Vec::new();
    let mut instance_outcomes = vec![Err(String::new()); instances.instances.len()];
    // Cells of the stubs of methods that failed, after the laid-out ones (nothing translated
    // later looks them up: calls to an own MethodDef are direct).
    let mut stub_cells: BTreeMap<CellKey, u32> = BTreeMap::new();
    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    // Compiled a chunk at a time and defined in work order before the next, so the machine
    // code waiting to be defined is one chunk's, not the image's (peak memory), and the
    // object's bytes do not depend on scheduling.
    for chunk in work.chunks(DEFINE_CHUNK) {
        let results: Vec<(Work, Result<Compiled, String>)> = pool.install(|| {
            chunk
                .par_iter()
                .map_init(
                    || (Context::new(), FunctionBuilderContext::new()),
                    |(ctx, fctx), &item| {
                        // A panic inside Cranelift becomes an exclusion: a bad method must never
                        // take the whole image down.
                        let result =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match item {
                                Work::Method(rid) => compile_one(&plan, &*isa, ctx, fctx, rid),
                                Work::Instance(i) => compile_instance(&plan, &*isa, ctx, fctx, i),
                                Work::Shared(j) => compile_shared(&plan, &*isa, ctx, fctx, j),
                            }));
                        let result = result.unwrap_or_else(|panic| {
                            Err(super::internal_error(ctx, fctx, panic.as_ref()))
                        });
                        (item, result)
                    },
                )
                .collect()
        });
        if count_clif {
            clif_counts.extend(results.iter().filter_map(|(item, r)| {
                Some((
                    function_kind(asm, types, &instances, &shared, *item),
                    r.as_ref().ok()?.clif,
                ))
            }));
        }
        for (item, result) in results {
            // Method-table entries after the MethodDefs': instance `i`'s is `method_rows + i`,
            // then the shared code's; left 0 when compilation failed (the runtime uses an
            // exact instance or the JIT instead).
            let entry = match item {
                Work::Method(_) => None,
                Work::Shared(j) => {
                    shared_results[j] = code_size(&result);
                    plan.shared_funcs[j].as_ref().ok().zip(shared_slots[j])
                }
                Work::Instance(i) => {
                    instance_outcomes[i] = code_size(&result);
                    plan.instance_funcs[i]
                        .as_ref()
                        .map(|f| (f, method_count + i as u32 + 1))
                }
            };
            let Work::Method(rid) = item else {
                if let Some((f, slot)) = entry {
                    let mut tables = (&mut compiled_ids, &mut trace_tables);
                    define_entry(
                        &mut module,
                        (&mut ctx, &mut fctx),
                        &*isa,
                        f,
                        slot,
                        result,
                        &mut tables,
                    )?;
                }
                continue;
            };
            match result {
                Ok(c) => {
                    let f = &plan.funcs[&rid];
                    module
                        .define_function_bytes(f.id, c.alignment, &c.bytes, &c.relocs)
                        .map_err(err)?;
                    compiled_ids.push((rid, f.id));
                    if scenario.debug {
                        debug_methods.push(MethodDebug {
                            func: f.id,
                            rid,
                            name: crate::method_display_name(asm, rid),
                            code_size: c.bytes.len() as u32,
                            ranges: c.ranges,
                            variables: c.variables,
                        });
                    }
                    trace_tables.push((rid, c.il_offsets.trace_pairs()));
                    outcomes.push(MethodOutcome {
                        rid,
                        result: Ok(c.bytes.len() as u32),
                    });
                }
                Err(reason) => {
                    if let Some(f) = plan.funcs.get(&rid) {
                        // Direct callers reach this method through a stub and its cell.
                        let key =
                            CellKey::new(CellKind::Method, Token::new(TableId::MethodDef, rid).0);
                        let index = match plan.cells.get(&key) {
                            Some(&index) => index,
                            None => {
                                let next = (plan.cells.len() + stub_cells.len()) as u32;
                                *stub_cells.entry(key).or_insert(next)
                            }
                        };
                        ctx.func = Function::with_name_signature(
                            UserFuncName::user(0, f.id.as_u32()),
                            f.sig.clone(),
                        );
                        let stub = StubEnv {
                            config: isa.frontend_config(),
                            call_conv,
                            cells_data: data.cells,
                            helpers_data: data.helpers,
                        };
                        build_stub(&mut ctx.func, &mut fctx, &f.shape, index, &stub);
                        module.define_function(f.id, &mut ctx).map_err(err)?;
                        module.clear_context(&mut ctx);
                    }
                    outcomes.push(MethodOutcome {
                        rid,
                        result: Err(reason),
                    });
                }
            }
        }
    }
    if count_clif {
        let name = asm.identity().map(|i| i.name).unwrap_or_default();
        eprintln!(
            "compile stats {name}: exact instances left to shared code or other images: {} (held by another framework image: {})",
            served.0, served.1
        );
        stats::print(&name, clif_counts);
    }
    // The pool is this object's alone: its threads' whole CPU time is this object's work.
    let worker_cpu_seconds = pool
        .broadcast(|_| crate::cpu_time::thread_cpu_seconds())
        .iter()
        .sum();
    let Plan {
        shared_funcs,
        mut cells,
        ..
    } = plan;
    cells.extend(stub_cells);

    // Each shared method's header entry: its dictionary's register and cells (every key of
    // its body was laid out with the MethodDefs' cells).
    let shared_outcomes: Vec<SharedOutcome> = shared
        .iter()
        .zip(shared_results)
        .zip(shared_funcs.iter().zip(&shared_slots))
        .map(|((method, result), (f, slot))| {
            let entry = match (f, slot) {
                (Ok(f), Some(_)) => shared::dictionary_register(&f.shape).ok().map(|register| {
                    let cells = method
                        .keys
                        .iter()
                        .map(|k| cells.get(k).copied().unwrap_or(u32::MAX))
                        .collect();
                    (register, cells)
                }),
                _ => None,
            };
            SharedOutcome {
                rid: method.rid,
                context: method.context,
                form: (method.context != 0).then(|| {
                    let (_, type_args, method_args) = &instances.context(method.context).names;
                    format!("<{};{}>", type_args.join(","), method_args.join(","))
                }),
                entry,
                result,
            }
        })
        .collect();

    // Cells in index order.
    let mut cell_list: Vec<(CellKey, u32)> = cells.into_iter().collect();
    cell_list.sort_by_key(|(_, i)| *i);
    let cell_keys: Vec<CellKey> = cell_list.into_iter().map(|(k, _)| k).collect();

    let header_bytes = header(&cell_keys, &outcomes, &instances, &shared_outcomes);
    let method_entries = method_count + instance_count + declared_shared;
    data.define(
        &mut module,
        method_entries,
        &compiled_ids,
        cell_keys.len(),
        header_bytes,
    )?;
    tables::define_il_offsets(
        &mut module,
        ngen_abi::il_offsets::encode(method_entries, &trace_tables),
    )?;

    let mut product = module.finish();
    let assembly_name = asm.identity().map(|i| i.name).unwrap_or_default();
    hard::export_methods(&mut product, &assembly_name, asm, &compiled_ids);
    if scenario.debug {
        write_dwarf(&mut product, &assembly_name, symbols, &debug_methods)?;
    }
    Ok(EmittedObject {
        object: product,
        outcomes,
        instance_outcomes,
        shared_outcomes,
        worker_cpu_seconds,
    })
}

/// What work item `item` compiles, for `NGEN_COMPILE_STATS`.
fn function_kind(
    asm: &Assembly,
    types: &TypeContext,
    instances: &ImageInstances,
    shared: &[shared::SharedMethod],
    item: Work,
) -> stats::FunctionKind {
    use stats::FunctionKind as Kind;
    match item {
        Work::Method(rid) if crate::pinvoke::is_pinvoke(asm, rid) => Kind::PInvoke,
        Work::Method(_) => Kind::Method,
        Work::Shared(j) if shared[j].context == 0 => Kind::Shared,
        Work::Shared(_) => Kind::SharedMixed,
        Work::Instance(i) => {
            let context = instances.context(instances.instances[i].1);
            match (context.own, types.all_reference_types(&context.generics)) {
                (true, true) => Kind::OwnInstanceOverReferences,
                (true, false) => Kind::OwnInstanceWithValueTypes,
                (false, true) => Kind::ForeignInstanceOverReferences,
                (false, false) => Kind::ForeignInstanceWithValueTypes,
            }
        }
    }
}

/// The code size of a compilation, or why it failed.
fn code_size(result: &Result<Compiled, String>) -> Result<u32, String> {
    result
        .as_ref()
        .map(|c| c.bytes.len() as u32)
        .map_err(Clone::clone)
}

/// The method-table entries compiled so far and their IL-offset tables.
type EntryTables<'t> = (
    &'t mut Vec<(u32, FuncId)>,
    &'t mut Vec<(u32, Vec<(u32, u32)>)>,
);

/// Defines `f`, the function of method-table entry `slot` after the MethodDefs' (a generic
/// instance, shared code), from its compilation's result: the code, listed in `tables`; or,
/// when compilation failed, a trap body nothing reaches (its entry stays 0).
fn define_entry(
    module: &mut ObjectModule,
    (ctx, fctx): (&mut Context, &mut FunctionBuilderContext),
    isa: &dyn TargetIsa,
    f: &plan::FuncPlan,
    slot: u32,
    result: Result<Compiled, String>,
    tables: &mut EntryTables<'_>,
) -> Result<(), String> {
    let err = |e: cranelift_module::ModuleError| e.to_string();
    match result {
        Ok(c) => {
            module
                .define_function_bytes(f.id, c.alignment, &c.bytes, &c.relocs)
                .map_err(err)?;
            // Its IL offsets are the blob's slot of the same index.
            tables.0.push((slot, f.id));
            tables.1.push((slot, c.il_offsets.trace_pairs()));
        }
        Err(_) => {
            ctx.func =
                Function::with_name_signature(UserFuncName::user(0, f.id.as_u32()), f.sig.clone());
            stub::build_trap(&mut ctx.func, fctx, isa.frontend_config());
            module.define_function(f.id, ctx).map_err(err)?;
            module.clear_context(ctx);
        }
    }
    Ok(())
}

/// Translates and compiles MethodDef `rid` (in a worker of the parallel phase).
fn compile_one(
    plan: &Plan<'_>,
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    rid: u32,
) -> Result<Compiled, String> {
    crate::method::check_aot_allowed(plan.asm, rid)?;
    if crate::pinvoke::is_pinvoke(plan.asm, rid) {
        return pinvoke::compile_stub(plan, isa, ctx, fctx, rid);
    }
    let prepared = prepare(plan.asm, rid, plan.types)?;
    let Some(f) = plan.funcs.get(&rid) else {
        // prepare() succeeded, so the signature must be what failed.
        return Err(method_def_shape_in(plan.types, plan.asm, rid)
            .err()
            .unwrap_or_else(|| "signature not supported".into()));
    };
    let env = AotEnv::new(plan, plan.asm, true, plan.types.clone(), 0).inlining_in(rid);
    compile_body(isa, ctx, fctx, f, &prepared, env, rid)
}

/// Translates and compiles generic instance `index` of the image (full specialisation: the
/// body of its MethodDef with every `!n`/`!!n` its context's).
fn compile_instance(
    plan: &Plan<'_>,
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    index: usize,
) -> Result<Compiled, String> {
    let (rid, context) = plan.instances.instances[index];
    let image_context = plan.instances.context(context);
    let asm: &Assembly = &image_context.assembly;
    crate::method::check_aot_allowed(asm, rid)?;
    let types = plan.types.in_context(image_context.generics.clone());
    let prepared = prepare(asm, rid, &types)?;
    let f = plan.instance_funcs[index]
        .as_ref()
        .ok_or_else(|| "signature not supported".to_string())?;
    let env = AotEnv::new(plan, asm, image_context.own, types, context);
    compile_body(isa, ctx, fctx, f, &prepared, env, rid)
}

/// Translates and compiles the canonical shared code of `plan.shared[index]` (its body in the
/// canonical context, every cell a slot of the hidden dictionary: `shared.rs`).
fn compile_shared(
    plan: &Plan<'_>,
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    index: usize,
) -> Result<Compiled, String> {
    let method = &plan.shared[index];
    crate::method::check_aot_allowed(plan.asm, method.rid)?;
    let types = plan.types.in_context(method.generics.clone());
    let prepared = prepare(plan.asm, method.rid, &types)?;
    let f = plan.shared_funcs[index]
        .as_ref()
        .map_err(|reason| reason.clone())?;
    let env = AotEnv::new(plan, plan.asm, true, types, 0).sharing(&method.keys[..]);
    compile_body(isa, ctx, fctx, f, &prepared, env, method.rid)
}

/// Translates `prepared` into function `f` and compiles it.
fn compile_body(
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    f: &plan::FuncPlan,
    prepared: &crate::method::PreparedMethod<'_>,
    mut env: AotEnv<'_, '_>,
    rid: u32,
) -> Result<Compiled, String> {
    ctx.clear();
    ctx.func = Function::with_name_signature(UserFuncName::user(0, f.id.as_u32()), f.sig.clone());
    let mut input = MethodInput::of(prepared);
    let reported = match translate(&mut ctx.func, fctx, &input, &mut env) {
        Ok(reported) => reported,
        // Inlined code the translator could not take: the method alone, without inlining.
        Err(reject) if reject.after_inlining() => {
            ctx.func =
                Function::with_name_signature(UserFuncName::user(0, f.id.as_u32()), f.sig.clone());
            env = env.fresh();
            input.inlining = false;
            translate(&mut ctx.func, fctx, &input, &mut env).map_err(|r| r.to_string())?
        }
        Err(reject) => return Err(reject.to_string()),
    };
    if std::env::var_os("NGEN_DUMP_CLIF").is_some() {
        eprintln!("; MethodDef {rid}\n{}", ctx.func.display());
    }
    let (code, relocs, clif) = generate(ctx, isa, f.id)?;
    let (ranges, variables) = if env.debug() {
        (
            code_ranges(code),
            frame_variables(env.assembly(), rid, prepared, code),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let compiled = Compiled {
        bytes: code.buffer.data().to_vec(),
        relocs,
        alignment: code.buffer.alignment as u64,
        ranges,
        variables,
        il_offsets: MethodIlOffsets::from_srclocs(code.buffer.get_srclocs_sorted(), reported),
        clif,
    };
    ctx.clear();
    Ok(compiled)
}

/// The code Cranelift made of a function, its relocations and the CLIF it was given.
type Generated<'c> = (
    &'c cranelift_codegen::CompiledCode,
    Vec<ModuleReloc>,
    stats::ClifCount,
);

/// Runs Cranelift on `ctx.func`, function `id` of the object, and returns its code with the
/// relocations the object module takes: the one code-generation step of method bodies and
/// P/Invoke stubs alike.
fn generate<'c>(
    ctx: &'c mut Context,
    isa: &dyn TargetIsa,
    id: FuncId,
) -> Result<Generated<'c>, String> {
    // Three walks over the function's instructions: only for NGEN_COMPILE_STATS.
    let clif = if stats::wanted() {
        stats::ClifCount::of(&ctx.func)
    } else {
        stats::ClifCount::default()
    };
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| format!("code generation failed: {:?}", e.inner))?;
    let code = ctx
        .compiled_code()
        .ok_or_else(|| "code generation produced nothing".to_string())?;
    let relocs = code
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    Ok((code, relocs, clif))
}
