//! AOT emission: every method of an assembly into one relocatable ELF object, with the image
//! tables (header, method table, import cells, helper table) as data objects.
//!
//! Functions are declared first (so relocations can name them), then translated and compiled
//! in parallel (one `Context` per worker), then defined in MethodDef order, so the object's
//! bytes do not depend on scheduling. A method that is called directly but could not be
//! compiled gets a stub that calls through its import cell (hence through the runtime: JIT
//! fallback). Depends on cranelift-*, rayon, and the crate's translator.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, ExtFuncData, ExternalName, FuncRef, Function, GlobalValue, GlobalValueData,
    InstBuilder, MemFlagsData, Signature, UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module, ModuleReloc};
use cranelift_object::{ObjectBuilder, ObjectModule};
use ngen_abi::helpers::{HELPER_COUNT, HelperId};
use ngen_abi::image::{CELL_SIZE, CELL_TARGET_OFFSET, CellKind, HEADER_SYMBOL, TABLES_SYMBOL};
use ngen_metadata::{Assembly, TableId, Token};
use rayon::prelude::*;

use super::abi::clif_signature;
use super::env::{CallTarget, TranslateEnv};
use super::isa::{IsaKind, make_isa};
use super::translate::{MethodInput, translate};
use crate::method::{call_shape, method_def_shape, prepare, referenced_tokens};
use crate::types::MethodShape;

/// The result of compiling one MethodDef.
pub(crate) struct MethodOutcome {
    pub rid: u32,
    /// Code size, or the exclusion reason.
    pub result: Result<u32, String>,
}

/// An emitted object plus what the header must describe.
pub(crate) struct EmittedObject {
    pub object: Vec<u8>,
    pub outcomes: Vec<MethodOutcome>,
}

struct Compiled {
    bytes: Vec<u8>,
    relocs: Vec<ModuleReloc>,
    alignment: u64,
}

/// Functions that exist in the image (compiled or stubbed), by MethodDef rid.
struct FuncPlan {
    id: FuncId,
    sig: Signature,
    shape: MethodShape,
}

/// Shared, read-only state for the parallel phase.
struct Plan<'a> {
    asm: &'a Assembly,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    funcs: BTreeMap<u32, FuncPlan>,
    cells: BTreeMap<(u32, u32, u32), u32>,
    cells_data: DataId,
    helpers_data: DataId,
}

/// Compiles every method of `asm` into an object. `header` receives the cell list and the
/// outcomes and returns the header bytes to embed.
pub(crate) fn emit_object(
    asm: &Assembly,
    threads: usize,
    header: impl FnOnce(&[(u32, u32, u32)], &[MethodOutcome]) -> Vec<u8>,
) -> Result<EmittedObject, String> {
    let isa: OwnedTargetIsa = make_isa(IsaKind::Aot)?;
    let call_conv = isa.default_call_conv();
    let builder = ObjectBuilder::new(
        isa.clone(),
        "image",
        cranelift_module::default_libcall_names(),
    )
    .map_err(|e| e.to_string())?;
    let mut module = ObjectModule::new(builder);
    let err = |e: cranelift_module::ModuleError| e.to_string();

    let header_id = module
        .declare_data(HEADER_SYMBOL, Linkage::Export, false, false)
        .map_err(err)?;
    let tables_id = module
        .declare_data(TABLES_SYMBOL, Linkage::Export, true, false)
        .map_err(err)?;
    let methods_id = module
        .declare_data("ngen_methods", Linkage::Hidden, true, false)
        .map_err(err)?;
    let cells_id = module
        .declare_data("ngen_cells", Linkage::Hidden, true, false)
        .map_err(err)?;
    let helpers_id = module
        .declare_data("ngen_helpers", Linkage::Hidden, true, false)
        .map_err(err)?;

    let method_count = asm.row_count(TableId::MethodDef);
    let mut funcs = BTreeMap::new();
    for rid in 1..=method_count {
        if !matches!(asm.method_body(rid), Ok(Some(_))) {
            continue;
        }
        let Ok(shape) = method_def_shape(asm, rid) else {
            continue;
        };
        let sig = clif_signature(&shape, call_conv);
        let id = module
            // Readable in profilers and debuggers; the rid keeps overloads apart.
            .declare_function(
                &format!("{}#{rid}", crate::method_display_name(asm, rid)),
                Linkage::Hidden,
                &sig,
            )
            .map_err(err)?;
        funcs.insert(rid, FuncPlan { id, sig, shape });
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;

    let referenced: BTreeSet<(u32, u32, u32)> = pool.install(|| {
        (1..=method_count)
            .into_par_iter()
            .flat_map_iter(|rid| referenced_tokens(asm, rid))
            .collect()
    });
    let mut cells: BTreeMap<(u32, u32, u32), u32> = BTreeMap::new();
    for (i, key) in referenced.iter().enumerate() {
        cells.insert(*key, i as u32);
    }

    let plan = Plan {
        asm,
        call_conv,
        frontend: isa.frontend_config(),
        funcs,
        cells,
        cells_data: cells_id,
        helpers_data: helpers_id,
    };

    let results: Vec<(u32, Result<Compiled, String>)> = pool.install(|| {
        (1..=method_count)
            .into_par_iter()
            .map_init(
                || (Context::new(), FunctionBuilderContext::new()),
                |(ctx, fctx), rid| {
                    // A panic inside Cranelift becomes an exclusion: a bad method must never
                    // take the whole image down.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        compile_one(&plan, &*isa, ctx, fctx, rid)
                    }));
                    let result = result.unwrap_or_else(|panic| {
                        Err(super::internal_error(ctx, fctx, panic.as_ref()))
                    });
                    (rid, result)
                },
            )
            .collect()
    });

    let Plan {
        funcs, mut cells, ..
    } = plan;
    let mut outcomes = Vec::with_capacity(results.len());
    let mut compiled_ids: Vec<(u32, FuncId)> = Vec::new();
    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    for (rid, result) in results {
        match result {
            Ok(c) => {
                let f = &funcs[&rid];
                module
                    .define_function_bytes(f.id, c.alignment, &c.bytes, &c.relocs)
                    .map_err(err)?;
                compiled_ids.push((rid, f.id));
                outcomes.push(MethodOutcome {
                    rid,
                    result: Ok(c.bytes.len() as u32),
                });
            }
            Err(reason) => {
                if let Some(f) = funcs.get(&rid) {
                    // Direct callers reach this method through a stub and its cell.
                    let key = (
                        CellKind::Method as u32,
                        Token::new(TableId::MethodDef, rid).0,
                        0,
                    );
                    let next = cells.len() as u32;
                    let index = *cells.entry(key).or_insert(next);
                    ctx.func = Function::with_name_signature(
                        UserFuncName::user(0, f.id.as_u32()),
                        f.sig.clone(),
                    );
                    let stub = StubEnv {
                        config: isa.frontend_config(),
                        call_conv,
                        cells_data: cells_id,
                        helpers_data: helpers_id,
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

    // Cells in index order.
    let mut cell_list: Vec<((u32, u32, u32), u32)> = cells.into_iter().collect();
    cell_list.sort_by_key(|(_, i)| *i);
    let cell_keys: Vec<(u32, u32, u32)> = cell_list.into_iter().map(|(k, _)| k).collect();

    // Method table.
    let mut desc = DataDescription::new();
    desc.define(vec![0u8; (method_count.max(1) as usize) * 8].into_boxed_slice());
    desc.set_align(8);
    for (rid, id) in &compiled_ids {
        let fref = module.declare_func_in_data(*id, &mut desc);
        desc.write_function_addr((rid - 1) * 8, fref);
    }
    module.define_data(methods_id, &desc).map_err(err)?;

    let mut desc = DataDescription::new();
    desc.define(vec![0u8; cell_keys.len().max(1) * CELL_SIZE as usize].into_boxed_slice());
    desc.set_align(16);
    module.define_data(cells_id, &desc).map_err(err)?;

    let mut desc = DataDescription::new();
    desc.define(vec![0u8; HELPER_COUNT * 8].into_boxed_slice());
    desc.set_align(8);
    module.define_data(helpers_id, &desc).map_err(err)?;

    let mut tables = vec![0u8; ngen_abi::image::IMAGE_TABLES_SIZE];
    tables[8..16].copy_from_slice(&(method_count as u64).to_le_bytes());
    tables[24..32].copy_from_slice(&(cell_keys.len() as u64).to_le_bytes());
    tables[40..48].copy_from_slice(&(HELPER_COUNT as u64).to_le_bytes());
    let mut desc = DataDescription::new();
    desc.define(tables.into_boxed_slice());
    desc.set_align(8);
    for (offset, id) in [(0u32, methods_id), (16, cells_id), (32, helpers_id)] {
        let gv = module.declare_data_in_data(id, &mut desc);
        desc.write_data_addr(offset, gv, 0);
    }
    module.define_data(tables_id, &desc).map_err(err)?;

    let header_bytes = header(&cell_keys, &outcomes);
    let mut desc = DataDescription::new();
    desc.define(header_bytes.into_boxed_slice());
    desc.set_align(8);
    module.define_data(header_id, &desc).map_err(err)?;

    let object = module.finish().emit().map_err(|e| e.to_string())?;
    Ok(EmittedObject { object, outcomes })
}

fn compile_one(
    plan: &Plan<'_>,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    rid: u32,
) -> Result<Compiled, String> {
    crate::method::check_aot_allowed(plan.asm, rid)?;
    let prepared = prepare(plan.asm, rid)?;
    let Some(f) = plan.funcs.get(&rid) else {
        // prepare() succeeded, so the signature must be what failed.
        return Err(method_def_shape(plan.asm, rid)
            .err()
            .unwrap_or_else(|| "signature not supported".into()));
    };
    ctx.clear();
    ctx.func = Function::with_name_signature(UserFuncName::user(0, f.id.as_u32()), f.sig.clone());
    let input = MethodInput::of(&prepared);
    let mut env = AotEnv {
        plan,
        func_refs: HashMap::new(),
        cells_gv: None,
        helpers_gv: None,
    };
    translate(&mut ctx.func, fctx, &input, &mut env)?;
    if std::env::var_os("NGEN_DUMP_CLIF").is_some() {
        eprintln!("; MethodDef {rid}\n{}", ctx.func.display());
    }
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| format!("code generation failed: {:?}", e.inner))?;
    let code = ctx
        .compiled_code()
        .ok_or_else(|| "code generation produced nothing".to_string())?;
    let relocs = code
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, f.id))
        .collect();
    let compiled = Compiled {
        bytes: code.buffer.data().to_vec(),
        relocs,
        alignment: code.buffer.alignment as u64,
    };
    ctx.clear();
    Ok(compiled)
}

/// A global value for a hidden data object of this module.
fn data_gv(func: &mut Function, data: DataId) -> GlobalValue {
    let name = func.declare_imported_user_function(UserExternalName {
        namespace: 1,
        index: data.as_u32(),
    });
    func.create_global_value(GlobalValueData::Symbol {
        name: ExternalName::user(name),
        offset: Imm64::new(0),
        colocated: true,
        tls: false,
    })
}

struct AotEnv<'p, 'a> {
    plan: &'p Plan<'a>,
    func_refs: HashMap<u32, FuncRef>,
    cells_gv: Option<GlobalValue>,
    helpers_gv: Option<GlobalValue>,
}

impl AotEnv<'_, '_> {
    fn cell_addr(
        &mut self,
        key: (u32, u32, u32),
        b: &mut FunctionBuilder<'_>,
    ) -> Result<Value, String> {
        let index = *self
            .plan
            .cells
            .get(&key)
            .ok_or_else(|| format!("internal: no cell for token 0x{:08x}", key.1))?;
        let gv = match self.cells_gv {
            Some(gv) => gv,
            None => {
                let gv = data_gv(b.func, self.plan.cells_data);
                self.cells_gv = Some(gv);
                gv
            }
        };
        let base = b.ins().symbol_value(I64, gv);
        Ok(b.ins().iadd_imm_s(base, index as i64 * CELL_SIZE as i64))
    }
}

impl TranslateEnv for AotEnv<'_, '_> {
    fn frontend_config(&self) -> cranelift_codegen::isa::TargetFrontendConfig {
        self.plan.frontend
    }

    fn call_conv(&self) -> CallConv {
        self.plan.call_conv
    }

    fn callee_shape(&mut self, token: Token) -> Result<crate::types::MethodShape, String> {
        call_shape(self.plan.asm, token)
    }

    fn call_target(
        &mut self,
        token: Token,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<CallTarget, String> {
        if token.table() == Some(TableId::MethodDef)
            && let Some(f) = self.plan.funcs.get(&token.rid())
        {
            if let Some(fref) = self.func_refs.get(&token.rid()) {
                return Ok(CallTarget::Direct(*fref));
            }
            let sig = b.import_signature(f.sig.clone());
            let name = b.func.declare_imported_user_function(UserExternalName {
                namespace: 0,
                index: f.id.as_u32(),
            });
            let fref = b.import_function(ExtFuncData {
                name: ExternalName::user(name),
                signature: sig,
                colocated: true,
                patchable: false,
            });
            self.func_refs.insert(token.rid(), fref);
            return Ok(CallTarget::Direct(fref));
        }
        let addr = self.cell_addr((CellKind::Method as u32, token.0, 0), b)?;
        Ok(CallTarget::Cell(addr))
    }

    fn constrained_cell(
        &mut self,
        method: Token,
        constraint: Token,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<Value, String> {
        self.cell_addr(
            (CellKind::ConstrainedMethod as u32, method.0, constraint.0),
            b,
        )
    }

    fn check_callvirt(&mut self, token: Token) -> Result<(), String> {
        crate::method::check_callvirt(self.plan.asm, token)
    }

    fn string_cell(&mut self, token: Token, b: &mut FunctionBuilder<'_>) -> Result<Value, String> {
        self.cell_addr((CellKind::String as u32, token.0, 0), b)
    }

    fn array_element(&mut self, token: Token) -> Result<crate::types::ValKind, String> {
        crate::corlib_refs::primitive_element(self.plan.asm, token)
    }

    fn is_initialize_array(&mut self, token: Token) -> bool {
        crate::corlib_refs::is_initialize_array(self.plan.asm, token)
    }

    fn field_init_data(&mut self, token: Token) -> Result<Vec<u8>, String> {
        crate::corlib_refs::field_init_data(self.plan.asm, token).map(<[u8]>::to_vec)
    }

    fn fold_literal_call(&mut self, token: Token, argument: f64) -> Option<f64> {
        crate::corlib_refs::fold_literal_call(self.plan.asm, token, argument)
    }

    fn static_field_cell(
        &mut self,
        token: Token,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<(Value, crate::types::ValKind), String> {
        let kind = crate::corlib_refs::bcl_static_field(self.plan.asm, token)?;
        let cell = self.cell_addr((CellKind::StaticField as u32, token.0, 0), b)?;
        Ok((cell, kind))
    }

    fn helper_table(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        let gv = match self.helpers_gv {
            Some(gv) => gv,
            None => {
                let gv = data_gv(b.func, self.plan.helpers_data);
                self.helpers_gv = Some(gv);
                gv
            }
        };
        b.ins().symbol_value(I64, gv)
    }
}

/// Module-wide facts a stub needs.
struct StubEnv {
    config: cranelift_codegen::isa::TargetFrontendConfig,
    call_conv: CallConv,
    cells_data: DataId,
    helpers_data: DataId,
}

/// A function with `shape`'s signature that forwards to whatever import cell `cell_index`
/// resolves to (resolving it on first use).
fn build_stub(
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    shape: &MethodShape,
    cell_index: u32,
    stub: &StubEnv,
) {
    let (call_conv, config) = (stub.call_conv, stub.config);
    let cells_gv = data_gv(func, stub.cells_data);
    let helpers_gv = data_gv(func, stub.helpers_data);
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let base = b.ins().symbol_value(I64, cells_gv);
    let cell = b
        .ins()
        .iadd_imm_s(base, cell_index as i64 * CELL_SIZE as i64);
    let t = b
        .ins()
        .load(I64, MemFlagsData::trusted(), cell, CELL_TARGET_OFFSET);
    let slow = b.create_block();
    b.set_cold_block(slow);
    let done = b.create_block();
    let target = b.append_block_param(done, I64);
    b.ins().brif(t, done, &[BlockArg::Value(t)], slow, &[]);
    b.switch_to_block(slow);
    let table = b.ins().symbol_value(I64, helpers_gv);
    let resolve = b.ins().load(
        I64,
        MemFlagsData::trusted(),
        table,
        HelperId::ResolveCell.table_offset(),
    );
    let mut rsig = Signature::new(call_conv);
    rsig.params.push(AbiParam::new(I64));
    rsig.returns.push(AbiParam::new(I64));
    let rsig = b.import_signature(rsig);
    let call = b.ins().call_indirect(rsig, resolve, &[cell]);
    let resolved = b.inst_results(call)[0];
    b.ins().jump(done, &[BlockArg::Value(resolved)]);
    b.switch_to_block(done);
    let sig = b.import_signature(clif_signature(shape, call_conv));
    let call = b.ins().call_indirect(sig, target, &params);
    let results = b.inst_results(call).to_vec();
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(config);
}
