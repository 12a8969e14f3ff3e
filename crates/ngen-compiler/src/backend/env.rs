//! What the translator asks of its surroundings: callee shapes, how to reach a callee or a
//! string literal (direct call, image cell, JIT cell) and where the helper table is.
//! Implemented by the AOT image builder and by the JIT.
//!
//! Most answers are questions to the type system about a token of the body's assembly; they
//! are the same for images and the JIT, so they are default methods over [`TranslateEnv::
//! metadata`] (the type system in the body's generic context, and that assembly). The two
//! back ends implement only what differs: how a callee, a cell or the helper table is
//! reached, which constrained overrides an image can reach, and inlining. With no metadata
//! (the translator's unit tests), every such answer is "no such member".

use cranelift_codegen::ir::{FuncRef, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;
use ngen_abi::image::CellKey;
use ngen_metadata::{Assembly, TableId, Token};

use crate::type_context::{
    BoxedValue, CastTarget, FieldAccess, NewObject, SealedTarget, TypeContext,
};
use crate::types::{IlType, MethodShape, ValKind};

/// How a call reaches its callee.
pub(crate) enum CallTarget {
    /// A direct call to a function of the same module.
    Direct(FuncRef),
    /// An indirect call through the import cell at this address.
    Cell(Value),
}

/// Why an answer needing metadata failed in an environment without any.
const NO_METADATA: &str = "no metadata in this environment";

pub(crate) trait TranslateEnv {
    /// The type system in the generic context of the body being compiled, and the assembly
    /// whose tokens the body uses; `None` in the translator's unit tests.
    fn metadata(&self) -> Option<(&TypeContext, &Assembly)>;
    /// Calling convention of managed code.
    fn call_conv(&self) -> CallConv;
    /// Pointer width and the like, for the function builder.
    fn frontend_config(&self) -> TargetFrontendConfig;
    /// Shape of the method named by a `call` operand, or why it cannot be called.
    fn callee_shape(&mut self, token: Token) -> Result<MethodShape, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        crate::method::call_shape(types, asm, token)
    }
    /// How to call the method of the method cell `key` from the function being built: a
    /// direct call when the environment can, else through the cell.
    fn call_target(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<CallTarget, String>;
    /// Address of the import cell `key` (a string literal, a constrained call).
    fn cell(&mut self, key: CellKey, b: &mut FunctionBuilder<'_>) -> Result<Value, String>;
    /// Whether the function takes a generic dictionary as its hidden last parameter:
    /// canonical shared code, whose cells are the dictionary's slots.
    fn takes_dictionary(&self) -> bool {
        false
    }
    /// The dictionary parameter of the entry block (only when [`Self::takes_dictionary`]).
    fn set_dictionary(&mut self, _dictionary: Value) {}
    /// Whether `callvirt token` can be compiled as a null-checked direct call.
    fn check_callvirt(&mut self, token: Token) -> Result<(), String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        crate::method::check_exact_callvirt(types, asm, token)
    }
    /// The constant mono's JIT folds `call token` with a literal `argument` to, if it folds.
    fn fold_literal_call(&mut self, token: Token, argument: f64) -> Option<f64> {
        let (_, asm) = self.metadata()?;
        crate::corlib_refs::fold_literal_call(asm, token, argument)
    }
    /// Address of the import cell of `ldsfld token` (resolving to the field's storage) and
    /// the field's kind, or why the load cannot be compiled.
    fn static_field_cell(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<(Value, IlType), String>;
    /// Whether the static field `token` is `[ThreadStatic]`: its cell then resolves to a
    /// descriptor the `ThreadStaticAddress` helper turns into this thread's address.
    fn is_thread_static_field(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(types, asm)| crate::method::is_thread_static_field(types, asm, token))
    }
    /// The element kind of an array instruction's type token (primitives only), or why not.
    fn array_element(&mut self, token: Token) -> Result<ValKind, String> {
        let (_, asm) = self.metadata().ok_or(NO_METADATA)?;
        crate::corlib_refs::primitive_element(asm, token)
    }
    /// Whether `token` is the BCL's `Type.GetTypeFromHandle` (`typeof`).
    fn is_get_type_from_handle(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(_, asm)| crate::corlib_refs::is_get_type_from_handle(asm, token))
    }
    /// Whether `token` is the BCL's `RuntimeHelpers.InitializeArray`.
    fn is_initialize_array(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(_, asm)| crate::corlib_refs::is_initialize_array(asm, token))
    }
    /// Whether `token` is `Interlocked::CompareExchange<T>` (references; expanded inline).
    fn is_reference_compare_exchange(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(_, asm)| crate::corlib_refs::is_reference_compare_exchange(asm, token))
    }
    /// The initial data of an array-initialiser field (`ldtoken` operand), or why not.
    fn field_init_data(&mut self, token: Token) -> Result<Vec<u8>, String> {
        let (_, asm) = self.metadata().ok_or(NO_METADATA)?;
        crate::corlib_refs::field_init_data(asm, token).map(<[u8]>::to_vec)
    }
    /// The instance field a `ldfld`/`stfld`/`ldflda` operand names (type system), or why not.
    fn field_access(&mut self, token: Token) -> Result<FieldAccess, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.field_access(asm, token)
    }
    /// What the type a type token names is to the translator (type system), or why not.
    fn il_type(&mut self, token: Token) -> Result<IlType, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.il_type_of(asm, token)
    }
    /// What `box`/`unbox`/`unbox.any token` handle (type system), or why not.
    fn boxed_value(&mut self, token: Token) -> Result<BoxedValue, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.boxed_value(asm, token)
    }
    /// The value type whose constructor `token` names (`newobj` of a struct), if it is one.
    fn value_type_ctor(&mut self, token: Token) -> Result<Option<IlType>, String> {
        Ok(self
            .metadata()
            .and_then(|(types, asm)| types.value_type_ctor(asm, token)))
    }
    /// The MethodDef of this assembly `constrained. constraint callvirt method` calls
    /// directly (a value type's own implementation), if there is one (type system).
    fn constrained_override(&mut self, method: Token, constraint: Token) -> Option<Token> {
        let (types, asm) = self.metadata()?;
        let rid = types.constrained_override(asm, method, constraint)?;
        Some(Token::new(TableId::MethodDef, rid))
    }
    /// What `constrained. constraint callvirt method` runs when `constraint` is a sealed
    /// class (type system, `type_context/devirtualize.rs`); a `Direct` target only when the
    /// environment can call that MethodDef from this body.
    fn sealed_target(&mut self, method: Token, constraint: Token) -> Option<SealedTarget> {
        let (types, asm) = self.metadata()?;
        types.sealed_target(asm, method, constraint)
    }
    /// The vtable slot `constrained. constraint callvirt method` may dispatch through, when
    /// `method` is an interface method and `constraint` a sealed class (type system).
    fn sealed_interface_slot(&mut self, method: Token, constraint: Token) -> Option<u32> {
        let (types, asm) = self.metadata()?;
        types.sealed_interface_slot(asm, method, constraint)
    }
    /// Whether `constrained. constraint callvirt method` boxes the value (type system).
    fn constrained_needs_box(&mut self, method: Token, constraint: Token) -> bool {
        self.metadata()
            .is_some_and(|(types, asm)| types.constrained_needs_box(asm, method, constraint))
    }
    /// Whether a value of the value type `token` names holds references (type system).
    fn value_has_references(&mut self, token: Token) -> Result<bool, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.value_has_references(asm, token)
    }
    /// What `newobj token` allocates (type system), or why it cannot be compiled.
    fn new_object(&mut self, token: Token) -> Result<NewObject, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.new_object(asm, token)
    }
    /// The vtable slot `callvirt token` dispatches through (type system), or why not.
    fn virtual_slot(&mut self, token: Token) -> Result<u32, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.virtual_slot(asm, token)
    }
    /// How `castclass`/`isinst token` decides (type system), or why it cannot be compiled.
    fn cast_target(&mut self, token: Token) -> Result<CastTarget, String> {
        let (types, asm) = self.metadata().ok_or(NO_METADATA)?;
        types.cast_target(asm, token)
    }
    /// Whether `callvirt token` is an interface call (dispatched by the `InterfaceTarget`
    /// helper), by the type system.
    fn is_interface_method(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(types, asm)| types.is_interface_method(asm, token).unwrap_or(false))
    }
    /// Whether `token` names `System.Object::.ctor` (expanded to nothing).
    fn is_object_ctor(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(types, asm)| types.is_object_ctor(asm, token))
    }
    /// The delegate fields when `token` is a delegate type's `Invoke` (runtime-implemented).
    fn delegate_invoke(&mut self, token: Token) -> Option<crate::type_context::DelegateFields> {
        let (types, asm) = self.metadata()?;
        types.delegate_invoke(asm, token)
    }
    /// Whether `token` is an instance method of a value type (`ldftn` refuses it).
    fn is_value_type_instance_method(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(types, asm)| types.is_value_type_instance_method(asm, token))
    }
    /// Whether type token `token` names `System.Object` (a `catch` that takes everything).
    fn is_object_type(&mut self, token: Token) -> bool {
        self.metadata()
            .is_some_and(|(_, asm)| crate::corlib_refs::is_object_type(asm, token))
    }
    /// The runtime-provided method of a multi-dimensional array type `token` names
    /// (`T[,]::Get`, ...), if it names one (`crate::arrays`).
    fn array_method(&mut self, token: Token) -> Result<Option<crate::arrays::ArrayMethod>, String> {
        match self.metadata() {
            Some((types, asm)) => types.array_method(asm, token),
            None => Ok(None),
        }
    }
    /// The JIT intrinsic `call`/`newobj token` is, per instance (type system), if it is one
    /// (`translate/span_intrinsics.rs`, `unsafe_intrinsics.rs`).
    fn intrinsic(&mut self, token: Token) -> Option<crate::type_context::Intrinsic> {
        let (types, asm) = self.metadata()?;
        types.intrinsic(asm, token)
    }
    /// The body to expand in place of `call callee` (`newobj`: of constructor `callee`) in
    /// `caller` (a MethodDef inlined already, or `None`: the method being compiled), if the
    /// inliner may (`translate/inline_select.rs`).
    fn inline_body(
        &mut self,
        _callee: Token,
        _caller: Option<Token>,
        _newobj: bool,
    ) -> Option<super::translate::InlineBody> {
        None
    }
    /// The `System.Math` intrinsic `call token` is, if it is one ([`crate::math_intrinsics`]).
    fn math_intrinsic(&mut self, token: Token) -> Option<crate::math_intrinsics::MathIntrinsic> {
        let (_, asm) = self.metadata()?;
        crate::math_intrinsics::recognize(asm, token)
    }
    /// Address of the helper table.
    fn helper_table(&mut self, b: &mut FunctionBuilder<'_>) -> Value;
    /// Address of this thread's pending-exception word: found from the stack pointer and the
    /// mask in the helper table (`cells::pending_word_address`), since every managed thread
    /// runs on an aligned stack whose top block holds it. The translator's unit tests run
    /// code on an ordinary test thread's stack and answer a fixed zero word instead.
    fn pending_word(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        let table = self.helper_table(b);
        crate::backend::cells::pending_word_address(b, table)
    }
    /// Whether `newobj` pops small instances inline from the thread block's free lists
    /// (`translate/alloc.rs`); the translator's unit tests, whose threads have no block, say no.
    fn thread_block_allocation(&self) -> bool {
        true
    }
    /// Whether methods with filter clauses (and shared code with `catch`) keep a frame record
    /// on the thread block's chain for the runtime's first pass (`translate/eh_frames.rs`);
    /// not where threads have no block (the translator's unit tests).
    fn frame_records(&self) -> bool {
        self.thread_block_allocation()
    }
    /// Whether methods call the profile scenario's enter and leave hooks
    /// (`translate/profile.rs`).
    fn profile_hooks(&self) -> bool {
        false
    }
    /// Whether this is debug-scenario code: every argument and local lives in a stack slot
    /// (a debugger reads it there), never only in a register.
    fn debug_code(&self) -> bool {
        false
    }
    /// Whether each instruction's code shows its own IL offset in stack traces (debug code of
    /// an assembly with symbols, as `mono --debug` shows it) rather than mono's last sequence
    /// point (`translate/seq_points.rs`).
    fn exact_il_offsets(&self) -> bool {
        false
    }
}
