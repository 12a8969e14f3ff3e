//! The JIT: the same translator into a cranelift-jit module (absolute addressing).
//!
//! Calls and string literals go through import cells the host (the runtime) allocates, and
//! helpers through the host's helper table, whose addresses are baked into the code as
//! constants; so JIT code and image code reach each other only through cells, in both
//! directions.

use cranelift_codegen::Context;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{FuncRef, Function, InstBuilder, UserFuncName, Value};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use ngen_abi::image::{CellKey, CellKind, ImportCell};
use ngen_metadata::{Assembly, TableId, Token};

use super::abi::clif_signature;
use super::debuginfo::{MethodDebug, code_ranges, frame_variables, jit_debug_object};
use super::env::{CallTarget, TranslateEnv};
use super::isa::{IsaKind, make_isa};
use super::translate::{MethodInput, translate};
use crate::method::prepare;
use crate::type_context::TypeContext;
use ngen_typesystem::GenericContext;

/// What the JIT needs from the runtime.
pub trait JitHost {
    /// The import cell `key` of the assembly being compiled; it must stay valid (and at the
    /// same address) for the life of the process.
    fn cell(&mut self, key: CellKey) -> *mut ImportCell;
    /// The runtime's helper table (`ngen_abi::helpers` layout).
    fn helper_table(&self) -> *const u64;
    /// Whether compiled methods call the profile scenario's enter and leave hooks.
    fn profile_hooks(&self) -> bool {
        false
    }
    /// Whether compiled methods are debug-scenario code (unoptimised, every variable in a
    /// stack slot). Asked once, at the first compilation: it is the run's scenario.
    fn debug_code(&self) -> bool {
        false
    }
}

/// A JIT compiler. Not thread-safe by itself: the runtime keeps it behind a lock.
pub struct Jit {
    /// Made at the first compilation, when the host says which scenario the code is for.
    module: Option<JITModule>,
    /// Whether `module` compiles debug-scenario code.
    debug: bool,
    /// Whether the next methods' traces show exact IL offsets ([`Jit::set_exact_il_offsets`]).
    exact_il_offsets: bool,
    ctx: Context,
    fctx: FunctionBuilderContext,
    call_conv: CallConv,
    next_id: u32,
    /// The type system of every assembly this JIT compiles.
    types: TypeContext,
    /// Size in bytes of the machine code of the last method compiled.
    last_code_size: u64,
    /// Debug scenario: the last method compiled, its address and its code's IL offsets.
    last_debug: Option<(MethodDebug, u64)>,
    /// Native → IL offsets of the last method compiled.
    last_il_offsets: crate::il_offsets::MethodIlOffsets,
}

// SAFETY: JITModule holds raw pointers to memory it owns exclusively; the runtime only
// touches a Jit from one thread at a time (behind a Mutex).
unsafe impl Send for Jit {}

impl Jit {
    /// A JIT for the host CPU, answering type questions from `types`.
    /// Give it the runtime's own context (a clone shares it), so the handles of method
    /// instances agree between the two.
    pub fn new(types: TypeContext) -> Result<Jit, String> {
        // Built now so that a host without a usable ISA learns it at start-up.
        let isa = make_isa(IsaKind::Jit, false)?;
        let call_conv = isa.default_call_conv();
        Ok(Jit {
            module: None,
            debug: false,
            exact_il_offsets: false,
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
            call_conv,
            next_id: 0,
            types,
            last_code_size: 0,
            last_debug: None,
            last_il_offsets: Default::default(),
        })
    }

    /// Whether the methods compiled next show each instruction's own IL offset in stack
    /// traces, as `mono --debug` does in methods with symbols (the host says so per assembly;
    /// only debug code honours it).
    pub fn set_exact_il_offsets(&mut self, exact: bool) {
        self.exact_il_offsets = exact;
    }

    /// Size in bytes of the code [`Jit::compile`] returned last (for perf maps and the
    /// runtime's code map).
    pub fn last_code_size(&self) -> u64 {
        self.last_code_size
    }

    /// Debug scenario: the in-memory ELF that describes the method [`Jit::compile`] returned
    /// last to gdb's JIT interface (its name, code range and, from `symbols`, its lines);
    /// `None` outside the debug scenario.
    pub fn last_debug_object(
        &self,
        symbols: Option<&ngen_symbols::SymbolFile>,
    ) -> Option<Result<Vec<u8>, String>> {
        let (method, address) = self.last_debug.as_ref()?;
        Some(jit_debug_object(symbols, method, *address))
    }

    /// Native → IL offsets of the code [`Jit::compile`] returned last (for stack traces).
    pub fn last_il_offsets(&self) -> &crate::il_offsets::MethodIlOffsets {
        &self.last_il_offsets
    }

    /// Compiles MethodDef `rid` of `asm`; returns its entry point or why it cannot be compiled.
    /// A panic inside Cranelift becomes an error, never a crash of the host.
    pub fn compile(
        &mut self,
        asm: &Assembly,
        rid: u32,
        host: &mut dyn JitHost,
    ) -> Result<*const u8, String> {
        self.compile_instance(asm, rid, &GenericContext::none(), host)
    }

    /// Compiles the instance of MethodDef `rid` of `asm` that `generics` names (the owner's
    /// type arguments and the method's own: full specialisation, every `!n`/`!!n` of the body
    /// substituted); `host` must give cells that resolve in the same context.
    pub fn compile_instance(
        &mut self,
        asm: &Assembly,
        rid: u32,
        generics: &GenericContext,
        host: &mut dyn JitHost,
    ) -> Result<*const u8, String> {
        let types = self.types.in_context(generics.clone());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.compile_unguarded(asm, rid, &types, host)
        }));
        result.unwrap_or_else(|panic| {
            Err(super::internal_error(
                &mut self.ctx,
                &mut self.fctx,
                panic.as_ref(),
            ))
        })
    }

    /// The module, made on first use for the host's scenario.
    fn module(&mut self, host: &dyn JitHost) -> Result<&mut JITModule, String> {
        if self.module.is_none() {
            self.debug = host.debug_code();
            let isa = make_isa(IsaKind::Jit, self.debug)?;
            let builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
            self.module = Some(JITModule::new(builder));
        }
        self.module
            .as_mut()
            .ok_or_else(|| "internal: no JIT module".to_string())
    }

    fn compile_unguarded(
        &mut self,
        asm: &Assembly,
        rid: u32,
        types: &TypeContext,
        host: &mut dyn JitHost,
    ) -> Result<*const u8, String> {
        self.module(host)?;
        let Some(module) = self.module.as_mut() else {
            return Err("internal: no JIT module".into());
        };
        if crate::pinvoke::is_pinvoke(asm, rid) {
            return self.compile_pinvoke_stub(asm, rid, types, host);
        }
        let prepared = prepare(asm, rid, types)?;
        let sig = clif_signature(&prepared.shape, self.call_conv);
        self.next_id += 1;
        let id = module
            .declare_function(&format!("j{}", self.next_id), Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        self.ctx.clear();
        self.ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
        let mut input = MethodInput::of(&prepared);
        let profile = host.profile_hooks();
        // A method calling itself calls its own code directly, as within an image: through
        // its cell, the resolve path would keep arguments in callee-saved registers and double
        // the frame of a simple recursive method (mono's frames, and so its recursion limit,
        // are an image's).
        let own = (
            Token::new(TableId::MethodDef, rid),
            module.declare_func_in_func(id, &mut self.ctx.func),
        );
        let mut env = JitEnv {
            own,
            asm,
            types,
            host,
            call_conv: self.call_conv,
            frontend: module.isa().frontend_config(),
            profile,
            debug: self.debug,
            exact_il_offsets: self.debug && self.exact_il_offsets,
        };
        let mut result = translate(&mut self.ctx.func, &mut self.fctx, &input, &mut env);
        if result.as_ref().is_err_and(|e| e.after_inlining()) {
            // Inlined code the translator could not take: the method alone, without inlining.
            self.ctx.clear();
            let sig = clif_signature(&prepared.shape, self.call_conv);
            self.ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
            env.own.1 = module.declare_func_in_func(id, &mut self.ctx.func);
            input.inlining = false;
            result = translate(&mut self.ctx.func, &mut self.fctx, &input, &mut env);
        }
        let reported = match result {
            Ok(reported) => reported,
            Err(e) => {
                self.ctx.clear();
                return Err(e.to_string());
            }
        };
        let defined = module.define_function(id, &mut self.ctx);
        self.last_code_size = self
            .ctx
            .compiled_code()
            .map_or(0, |code| u64::from(code.code_info().total_size));
        let (ranges, variables) = match (self.debug, self.ctx.compiled_code()) {
            (true, Some(code)) => (
                code_ranges(code),
                frame_variables(asm, rid, &prepared, code),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        self.last_il_offsets = self
            .ctx
            .compiled_code()
            .map_or_else(Default::default, |code| {
                crate::il_offsets::MethodIlOffsets::from_srclocs(
                    code.buffer.get_srclocs_sorted(),
                    reported,
                )
            });
        module.clear_context(&mut self.ctx);
        defined.map_err(|e| format!("code generation failed: {e:?}"))?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        let code = module.get_finalized_function(id);
        self.last_debug = self.debug.then(|| {
            let method = MethodDebug {
                func: id,
                rid,
                name: crate::method_display_name(asm, rid),
                code_size: self.last_code_size as u32,
                ranges,
                variables,
            };
            (method, code as u64)
        });
        Ok(code)
    }
}

impl Jit {
    /// Compiles the marshalling stub of P/Invoke MethodDef `rid` (`backend/pinvoke_stub.rs`).
    fn compile_pinvoke_stub(
        &mut self,
        asm: &Assembly,
        rid: u32,
        types: &TypeContext,
        host: &mut dyn JitHost,
    ) -> Result<*const u8, String> {
        let Some(module) = self.module.as_mut() else {
            return Err("internal: no JIT module".into());
        };
        let shape = crate::method::method_def_shape_in(types, asm, rid)?;
        let marshal = crate::pinvoke::classify(asm, rid, types).ok();
        let sig = clif_signature(&shape, self.call_conv);
        self.next_id += 1;
        let id = module
            .declare_function(&format!("j{}", self.next_id), Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        self.ctx.clear();
        self.ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
        let own = (
            Token::new(TableId::MethodDef, rid),
            module.declare_func_in_func(id, &mut self.ctx.func),
        );
        let mut env = JitEnv {
            own,
            asm,
            types,
            host,
            call_conv: self.call_conv,
            frontend: module.isa().frontend_config(),
            profile: false,
            debug: self.debug,
            exact_il_offsets: false,
        };
        super::pinvoke_stub::build_pinvoke_stub(
            &mut self.ctx.func,
            &mut self.fctx,
            Token::new(TableId::MethodDef, rid),
            marshal.as_ref(),
            &mut env,
        )?;
        let defined = module.define_function(id, &mut self.ctx);
        self.last_code_size = self
            .ctx
            .compiled_code()
            .map_or(0, |code| u64::from(code.code_info().total_size));
        self.last_il_offsets = Default::default();
        self.last_debug = None;
        module.clear_context(&mut self.ctx);
        defined.map_err(|e| format!("code generation failed: {e:?}"))?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        Ok(module.get_finalized_function(id))
    }
}

struct JitEnv<'a> {
    /// The method being compiled, and a reference to its own code.
    own: (Token, FuncRef),
    asm: &'a Assembly,
    types: &'a TypeContext,
    host: &'a mut dyn JitHost,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    profile: bool,
    debug: bool,
    exact_il_offsets: bool,
}

impl TranslateEnv for JitEnv<'_> {
    fn metadata(&self) -> Option<(&TypeContext, &Assembly)> {
        Some((self.types, self.asm))
    }

    fn profile_hooks(&self) -> bool {
        self.profile
    }

    fn debug_code(&self) -> bool {
        self.debug
    }

    fn exact_il_offsets(&self) -> bool {
        self.exact_il_offsets
    }

    fn frontend_config(&self) -> cranelift_codegen::isa::TargetFrontendConfig {
        self.frontend
    }

    fn call_conv(&self) -> CallConv {
        self.call_conv
    }

    fn inline_body(
        &mut self,
        callee: Token,
        caller: Option<Token>,
        newobj: bool,
    ) -> Option<super::translate::InlineBody> {
        if self.debug || self.profile {
            return None;
        }
        let caller = caller.unwrap_or(self.own.0).rid();
        super::translate::inline_body_of(self.asm, self.types, callee, caller, newobj)
    }

    fn call_target(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<CallTarget, String> {
        if key.kind == CellKind::Method && Token(key.token) == self.own.0 {
            return Ok(CallTarget::Direct(self.own.1));
        }
        Ok(CallTarget::Cell(self.cell(key, b)?))
    }

    fn cell(&mut self, key: CellKey, b: &mut FunctionBuilder<'_>) -> Result<Value, String> {
        let cell = self.host.cell(key) as i64;
        Ok(b.ins().iconst(I64, cell))
    }

    fn static_field_cell(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<(Value, crate::types::IlType), String> {
        let kind = crate::method::static_field_kind(self.types, self.asm, Token(key.token))?;
        let cell = self.host.cell(key) as i64;
        Ok((b.ins().iconst(I64, cell), kind))
    }

    fn helper_table(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        b.ins().iconst(I64, self.host.helper_table() as i64)
    }
}
