//! What the parallel phase of AOT compilation shares, read-only: the functions the image
//! will contain (declared up front, by MethodDef rid, so calls can name them) and the import
//! cells every method may use (laid out before translation, from a scan of each method's IL,
//! in key order). [`AotEnv`] answers the translator from the plan: a callee in the image, or
//! one a hard-bound dependency image exports ([`super::hard`]), is a direct call, anything
//! else a cell addressed PC-relative.
//!
//! Depends on: cranelift-module, rayon, [`crate::method`], [`crate::corlib_refs`],
//! [`crate::type_context`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, FuncRef, Function, GlobalValue, GlobalValueData, InstBuilder,
    Signature, UserExternalName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use ngen_abi::image::{CELL_SIZE, CellKey, CellKind};
use ngen_metadata::{Assembly, TableId, Token};
use rayon::prelude::*;

use super::instances::ImageInstances;
use super::shared::SharedMethod;
use crate::backend::abi::clif_signature;
use crate::backend::env::{CallTarget, TranslateEnv};
use crate::method::{method_def_shape_in, referenced_tokens};
use crate::type_context::TypeContext;
use crate::types::MethodShape;

/// A function that exists in the image (compiled or stubbed), by MethodDef rid.
pub(super) struct FuncPlan {
    pub(super) id: FuncId,
    pub(super) sig: Signature,
    pub(super) shape: MethodShape,
}

/// Shared, read-only state for the parallel phase.
pub(super) struct Plan<'a> {
    pub(super) asm: &'a Assembly,
    /// The compilation's type system.
    pub(super) types: &'a TypeContext,
    pub(super) call_conv: CallConv,
    pub(super) frontend: TargetFrontendConfig,
    pub(super) funcs: BTreeMap<u32, FuncPlan>,
    /// The generic instances the image holds, and their functions (in the same order;
    /// `None` when the instance's signature is not supported).
    pub(super) instances: &'a ImageInstances,
    pub(super) instance_funcs: Vec<Option<FuncPlan>>,
    /// The generic MethodDefs compiled as canonical shared code, and their functions (in the
    /// same order; `Err` when a method cannot have shared code).
    pub(super) shared: &'a [SharedMethod],
    pub(super) shared_funcs: Vec<Result<FuncPlan, String>>,
    pub(super) cells: BTreeMap<CellKey, u32>,
    /// Method cells of the image's own code that are direct calls into a hard-bound
    /// dependency image instead ([`super::hard`]).
    pub(super) hard_calls: BTreeMap<CellKey, FuncPlan>,
    pub(super) cells_data: DataId,
    pub(super) helpers_data: DataId,
    /// Profile scenario: methods call the enter and leave hooks.
    pub(super) profile: bool,
    /// Debug scenario: every variable in a stack slot.
    pub(super) debug: bool,
    /// Debug scenario with symbols: traces show each instruction's own IL offset.
    pub(super) exact_il_offsets: bool,
}

/// Declares a hidden function for every MethodDef with a body and a supported signature.
pub(super) fn declare_functions(
    module: &mut ObjectModule,
    asm: &Assembly,
    types: &TypeContext,
    call_conv: CallConv,
) -> Result<BTreeMap<u32, FuncPlan>, String> {
    let mut funcs = BTreeMap::new();
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        if !matches!(asm.method_body(rid), Ok(Some(_))) && !crate::pinvoke::is_pinvoke(asm, rid) {
            continue;
        }
        let Ok(shape) = method_def_shape_in(types, asm, rid) else {
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
            .map_err(|e| e.to_string())?;
        funcs.insert(rid, FuncPlan { id, sig, shape });
    }
    Ok(funcs)
}

/// Declares a hidden function for every generic instance of the image whose instantiated
/// signature is supported (`declarable`, from the selection), named after its method and its
/// serialized arguments (and its index, which keeps them apart), so the names are
/// deterministic.
pub(super) fn declare_instances(
    module: &mut ObjectModule,
    types: &TypeContext,
    call_conv: CallConv,
    instances: &ImageInstances,
    declarable: &[bool],
) -> Result<Vec<Option<FuncPlan>>, String> {
    let mut funcs = Vec::with_capacity(instances.instances.len());
    for (i, &(rid, context)) in instances.instances.iter().enumerate() {
        let image_context = instances.context(context);
        let asm: &Assembly = &image_context.assembly;
        let in_context = types.in_context(image_context.generics.clone());
        let shape = match in_context.instance_method_shape(asm, rid) {
            Ok((shape, _)) if declarable.get(i) == Some(&true) => shape,
            _ => {
                funcs.push(None);
                continue;
            }
        };
        let sig = clif_signature(&shape, call_conv);
        let (_, type_args, method_args) = &image_context.names;
        let id = module
            .declare_function(
                &format!(
                    "{}<{};{}>#{rid}.{i}",
                    crate::method_display_name(asm, rid),
                    type_args.join(","),
                    method_args.join(",")
                ),
                Linkage::Hidden,
                &sig,
            )
            .map_err(|e| e.to_string())?;
        funcs.push(Some(FuncPlan { id, sig, shape }));
    }
    Ok(funcs)
}

/// Declares a hidden function for the shared code of each of `shared` that has a signature
/// (`shapes`, from the selection: the canonical instance's), plus the dictionary (an `i64`
/// last), named `Method<__Canon>#rid` (or after its form's arguments,
/// `Method<mscorlib#1,int;>#rid`).
pub(super) fn declare_shared(
    module: &mut ObjectModule,
    asm: &Assembly,
    call_conv: CallConv,
    shared: &[SharedMethod],
    shapes: &[Result<MethodShape, String>],
    instances: &ImageInstances,
) -> Result<Vec<Result<FuncPlan, String>>, String> {
    let mut funcs = Vec::with_capacity(shared.len());
    for (method, shape) in shared.iter().zip(shapes) {
        let rid = method.rid;
        let shape = match shape {
            Ok(shape) => shape.clone(),
            Err(reason) => {
                funcs.push(Err(reason.clone()));
                continue;
            }
        };
        let mut sig = clif_signature(&shape, call_conv);
        sig.params.push(cranelift_codegen::ir::AbiParam::new(I64));
        // `__Canon` alone for the all-reference form, else the form's own arguments.
        let form = match method.context {
            0 => "__Canon".to_string(),
            c => {
                let (_, type_args, method_args) = &instances.context(c).names;
                format!("{};{}", type_args.join(","), method_args.join(","))
            }
        };
        let id = module
            .declare_function(
                &format!("{}<{form}>#{rid}", crate::method_display_name(asm, rid)),
                Linkage::Hidden,
                &sig,
            )
            .map_err(|e| e.to_string())?;
        funcs.push(Ok(FuncPlan { id, sig, shape }));
    }
    Ok(funcs)
}

/// The import cells of every method's IL, and of every generic instance's in its context,
/// numbered in key order (in `pool`).
pub(super) fn layout_cells(
    pool: &rayon::ThreadPool,
    asm: &Assembly,
    instances: &ImageInstances,
) -> BTreeMap<CellKey, u32> {
    let method_count = asm.row_count(TableId::MethodDef);
    let referenced: BTreeSet<CellKey> = pool.install(|| {
        (1..=method_count)
            .into_par_iter()
            .flat_map_iter(|rid| referenced_tokens(asm, rid))
            .chain(
                instances
                    .instances
                    .par_iter()
                    .flat_map_iter(|&(rid, context)| {
                        referenced_tokens(&instances.context(context).assembly, rid)
                            .into_iter()
                            .map(move |key| key.in_context(context))
                    }),
            )
            .collect()
    });
    referenced
        .into_iter()
        .enumerate()
        .map(|(i, key)| (key, i as u32))
        .collect()
}

/// A global value for a hidden data object of this module.
pub(super) fn data_gv(func: &mut Function, data: DataId) -> GlobalValue {
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

/// A reference from the function being built to the planned function `f`: `colocated` for
/// this image's own code (a direct PC-relative call), not for a hard-bound dependency's.
fn import_planned(b: &mut FunctionBuilder<'_>, f: &FuncPlan, colocated: bool) -> FuncRef {
    let signature = b.import_signature(f.sig.clone());
    let name = b.func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index: f.id.as_u32(),
    });
    b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated,
        patchable: false,
    })
}

/// The translator's environment for one method (or generic instance) of the image.
pub(super) struct AotEnv<'p, 'a> {
    plan: &'p Plan<'a>,
    /// The assembly whose method body is compiled (another one's for a generic instance of
    /// its method), whose tokens the body uses.
    asm: &'p Assembly,
    /// Whether that is the compiled assembly (MethodDef tokens may be direct calls).
    own: bool,
    /// The type system in the generic context of the body being compiled.
    types: TypeContext,
    /// That context's 1-based index in the header (0: none): every cell the body uses is
    /// keyed with it.
    context: u32,
    func_refs: HashMap<u32, FuncRef>,
    /// Imported functions of hard-bound dependency images, by method cell.
    hard_refs: HashMap<CellKey, FuncRef>,
    /// The MethodDef compiled, when its calls may be inlined (an own, non-generic method).
    inline_caller: Option<u32>,
    cells_gv: Option<GlobalValue>,
    helpers_gv: Option<GlobalValue>,
    /// Shared code: its dictionary's keys (slot `i` is `keys[i]`), and the dictionary
    /// parameter once the entry block has it.
    shared: Option<&'p [CellKey]>,
    dictionary: Option<Value>,
}

impl<'p, 'a> AotEnv<'p, 'a> {
    /// Makes this the environment of shared code whose dictionary holds `keys` (see
    /// `aot/shared.rs`): every cell is a dictionary slot, and no answer may depend on the
    /// canonical arguments' identity.
    pub(super) fn sharing(mut self, keys: &'p [CellKey]) -> Self {
        self.shared = Some(keys);
        self.inline_caller = None;
        self
    }

    /// Whether the image is for the debug scenario (line tables and variable locations).
    pub(super) fn debug(&self) -> bool {
        self.plan.debug
    }

    /// Lets the IL inliner expand calls of MethodDef `rid`, the method compiled, unless the
    /// image's scenario keeps every frame (debug, profile) or the body is not this image's
    /// own non-generic code.
    pub(super) fn inlining_in(mut self, rid: u32) -> Self {
        let plain = !self.plan.debug && !self.plan.profile;
        if plain && self.own && self.context == 0 {
            self.inline_caller = Some(rid);
        }
        self
    }

    /// A fresh environment for the same body (a new function: no imported references).
    pub(super) fn fresh(&self) -> Self {
        let mut env = AotEnv::new(
            self.plan,
            self.asm,
            self.own,
            self.types.clone(),
            self.context,
        );
        env.inline_caller = self.inline_caller;
        env.shared = self.shared;
        env
    }

    /// The assembly whose method body is compiled.
    pub(super) fn assembly(&self) -> &'p Assembly {
        self.asm
    }

    pub(super) fn new(
        plan: &'p Plan<'a>,
        asm: &'p Assembly,
        own: bool,
        types: TypeContext,
        context: u32,
    ) -> Self {
        AotEnv {
            plan,
            asm,
            own,
            types,
            context,
            func_refs: HashMap::new(),
            hard_refs: HashMap::new(),
            inline_caller: None,
            cells_gv: None,
            helpers_gv: None,
            shared: None,
            dictionary: None,
        }
    }
}

impl AotEnv<'_, '_> {
    /// MethodDef `rid`'s token when the image can call it from this body: directly within
    /// the image, or through a cell the scan laid out (a method found only while translating,
    /// a constrained call's implementation in a generic instance, may have neither).
    fn reachable_method(&self, rid: u32) -> Option<Token> {
        let token = Token::new(TableId::MethodDef, rid);
        let key = CellKey::new(CellKind::Method, token.0).in_context(self.context);
        let direct = self.own && self.plan.funcs.contains_key(&rid);
        (direct || self.plan.cells.contains_key(&key)).then_some(token)
    }

    fn cell_addr(&mut self, key: CellKey, b: &mut FunctionBuilder<'_>) -> Result<Value, String> {
        if let Some(keys) = self.shared {
            let slot = keys.binary_search(&key).map_err(|_| {
                format!(
                    "shared code: no dictionary slot for token 0x{:08x}",
                    key.token
                )
            })?;
            let dictionary = self
                .dictionary
                .ok_or("internal: shared code without its dictionary")?;
            return Ok(b
                .ins()
                .iadd_imm_s(dictionary, slot as i64 * CELL_SIZE as i64));
        }
        let key = key.in_context(self.context);
        let index = *self
            .plan
            .cells
            .get(&key)
            .ok_or_else(|| format!("internal: no cell for token 0x{:08x}", key.token))?;
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
    fn metadata(&self) -> Option<(&TypeContext, &Assembly)> {
        Some((&self.types, self.asm))
    }

    fn profile_hooks(&self) -> bool {
        self.plan.profile
    }

    fn debug_code(&self) -> bool {
        self.plan.debug
    }

    fn exact_il_offsets(&self) -> bool {
        self.plan.exact_il_offsets
    }

    fn frontend_config(&self) -> cranelift_codegen::isa::TargetFrontendConfig {
        self.plan.frontend
    }

    fn call_conv(&self) -> CallConv {
        self.plan.call_conv
    }

    fn call_target(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<CallTarget, String> {
        let token = Token(key.token);
        if self.shared.is_some() {
            // The exact instance's callee, resolved through the dictionary.
            return Ok(CallTarget::Cell(self.cell_addr(key, b)?));
        }
        if key.kind == CellKind::Method
            && self.own
            && token.table() == Some(TableId::MethodDef)
            && let Some(f) = self.plan.funcs.get(&token.rid())
        {
            if let Some(fref) = self.func_refs.get(&token.rid()) {
                return Ok(CallTarget::Direct(*fref));
            }
            let fref = import_planned(b, f, true);
            self.func_refs.insert(token.rid(), fref);
            return Ok(CallTarget::Direct(fref));
        }
        if self.own
            && self.context == 0
            && let Some(f) = self.plan.hard_calls.get(&key)
        {
            if let Some(fref) = self.hard_refs.get(&key) {
                return Ok(CallTarget::Direct(*fref));
            }
            // Another image's code: reached through the GOT entry the loader fills.
            let fref = import_planned(b, f, false);
            self.hard_refs.insert(key, fref);
            return Ok(CallTarget::Direct(fref));
        }
        Ok(CallTarget::Cell(self.cell_addr(key, b)?))
    }

    fn cell(&mut self, key: CellKey, b: &mut FunctionBuilder<'_>) -> Result<Value, String> {
        self.cell_addr(key, b)
    }

    fn inline_body(
        &mut self,
        callee: Token,
        caller: Option<Token>,
        newobj: bool,
    ) -> Option<crate::backend::translate::InlineBody> {
        let caller = caller.map_or(self.inline_caller?, |t| t.rid());
        self.inline_caller?;
        crate::backend::translate::inline_body_of(self.asm, &self.types, callee, caller, newobj)
    }

    fn constrained_override(&mut self, method: Token, constraint: Token) -> Option<Token> {
        if self.shared.is_some() {
            // Found in the canonical context, it would be `object`'s: the constrained cell
            // resolves the exact argument's instead.
            return None;
        }
        let rid = self
            .types
            .constrained_override(self.asm, method, constraint)?;
        self.reachable_method(rid)
    }

    fn sealed_target(
        &mut self,
        method: Token,
        constraint: Token,
    ) -> Option<crate::type_context::SealedTarget> {
        use crate::type_context::SealedTarget;
        if self.shared.is_some() {
            // The canonical context's constraint is no sealed class; the exact instance's
            // implementation is the dictionary's to find.
            return None;
        }
        match self.types.sealed_target(self.asm, method, constraint)? {
            // Not reachable from here (a generic instance compiled into another image): the
            // call site's constrained-method cell, which the scan always lays out.
            SealedTarget::Direct(rid) if self.reachable_method(rid).is_none() => {
                Some(SealedTarget::ConstrainedCell)
            }
            target => Some(target),
        }
    }

    fn takes_dictionary(&self) -> bool {
        self.shared.is_some()
    }

    fn set_dictionary(&mut self, dictionary: Value) {
        self.dictionary = Some(dictionary);
    }

    fn cast_target(&mut self, token: Token) -> Result<crate::type_context::CastTarget, String> {
        if self.shared.is_some() {
            // The canonical `object` says nothing of the exact target (an interface, an
            // array): the helper decides against the dictionary's method table.
            return Ok(crate::type_context::CastTarget::Helper);
        }
        self.types.cast_target(self.asm, token)
    }

    fn static_field_cell(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<(Value, crate::types::IlType), String> {
        let kind = crate::method::static_field_kind(&self.types, self.asm, Token(key.token))?;
        let cell = self.cell_addr(key, b)?;
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
