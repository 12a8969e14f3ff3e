//! What the translator asks of its surroundings: callee shapes, how to reach a callee or a
//! string literal (direct call, image cell, JIT cell) and where the helper table is.
//! Implemented by the AOT image builder and by the JIT.

use cranelift_codegen::ir::{FuncRef, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;
use ngen_abi::image::CellKey;
use ngen_metadata::Token;

use crate::type_context::{BoxedValue, CastTarget, FieldAccess, NewObject};
use crate::types::{IlType, MethodShape, ValKind};

/// How a call reaches its callee.
pub(crate) enum CallTarget {
    /// A direct call to a function of the same module.
    Direct(FuncRef),
    /// An indirect call through the import cell at this address.
    Cell(Value),
}

pub(crate) trait TranslateEnv {
    /// Calling convention of managed code.
    fn call_conv(&self) -> CallConv;
    /// Pointer width and the like, for the function builder.
    fn frontend_config(&self) -> TargetFrontendConfig;
    /// Shape of the method named by a `call` operand, or why it cannot be called.
    fn callee_shape(&mut self, token: Token) -> Result<MethodShape, String>;
    /// How to call the method of the method cell `key` from the function being built: a
    /// direct call when the environment can, else through the cell.
    fn call_target(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<CallTarget, String>;
    /// Address of the import cell `key` (a string literal, a constrained call).
    fn cell(&mut self, key: CellKey, b: &mut FunctionBuilder<'_>) -> Result<Value, String>;
    /// Whether `callvirt token` can be compiled as a null-checked direct call.
    fn check_callvirt(&mut self, token: Token) -> Result<(), String>;
    /// The constant mono's JIT folds `call token` with a literal `argument` to, if it folds.
    fn fold_literal_call(&mut self, token: Token, argument: f64) -> Option<f64>;
    /// Address of the import cell of `ldsfld token` (resolving to the field's storage) and
    /// the field's kind, or why the load cannot be compiled.
    fn static_field_cell(
        &mut self,
        key: CellKey,
        b: &mut FunctionBuilder<'_>,
    ) -> Result<(Value, IlType), String>;
    /// Whether the static field `token` is `[ThreadStatic]`: its cell then resolves to a
    /// descriptor the `ThreadStaticAddress` helper turns into this thread's address.
    fn is_thread_static_field(&mut self, _token: Token) -> bool {
        false
    }
    /// The element kind of an array instruction's type token (primitives only), or why not.
    fn array_element(&mut self, token: Token) -> Result<ValKind, String>;
    /// Whether `token` is the BCL's `Type.GetTypeFromHandle` (`typeof`).
    fn is_get_type_from_handle(&mut self, token: Token) -> bool;
    /// Whether `token` is the BCL's `RuntimeHelpers.InitializeArray`.
    fn is_initialize_array(&mut self, token: Token) -> bool;
    /// Whether `token` is `Interlocked::CompareExchange<T>` (references; expanded inline).
    fn is_reference_compare_exchange(&mut self, token: Token) -> bool;
    /// The initial data of an array-initialiser field (`ldtoken` operand), or why not.
    fn field_init_data(&mut self, token: Token) -> Result<Vec<u8>, String>;
    /// The instance field a `ldfld`/`stfld`/`ldflda` operand names (type system), or why not.
    fn field_access(&mut self, token: Token) -> Result<FieldAccess, String>;
    /// What the type a type token names is to the translator (type system), or why not.
    fn il_type(&mut self, token: Token) -> Result<IlType, String>;
    /// What `box`/`unbox`/`unbox.any token` handle (type system), or why not.
    fn boxed_value(&mut self, token: Token) -> Result<BoxedValue, String>;
    /// The value type whose constructor `token` names (`newobj` of a struct), if it is one.
    fn value_type_ctor(&mut self, token: Token) -> Result<Option<IlType>, String>;
    /// The MethodDef of this assembly `constrained. constraint callvirt method` calls
    /// directly (a value type's own implementation), if there is one (type system).
    fn constrained_override(&mut self, method: Token, constraint: Token) -> Option<Token>;
    /// Whether `constrained. constraint callvirt method` boxes the value (type system).
    fn constrained_needs_box(&mut self, method: Token, constraint: Token) -> bool;
    /// Whether a value of the value type `token` names holds references (type system).
    fn value_has_references(&mut self, token: Token) -> Result<bool, String>;
    /// What `newobj token` allocates (type system), or why it cannot be compiled.
    fn new_object(&mut self, token: Token) -> Result<NewObject, String>;
    /// The vtable slot `callvirt token` dispatches through (type system), or why not.
    fn virtual_slot(&mut self, token: Token) -> Result<u32, String>;
    /// How `castclass`/`isinst token` decides (type system), or why it cannot be compiled.
    fn cast_target(&mut self, token: Token) -> Result<CastTarget, String>;
    /// Whether `callvirt token` is an interface call (dispatched by the `InterfaceTarget`
    /// helper), by the type system.
    fn is_interface_method(&mut self, token: Token) -> bool;
    /// Whether `token` names `System.Object::.ctor` (expanded to nothing).
    fn is_object_ctor(&mut self, token: Token) -> bool;
    /// The delegate fields when `token` is a delegate type's `Invoke` (runtime-implemented).
    fn delegate_invoke(&mut self, token: Token) -> Option<crate::type_context::DelegateFields>;
    /// Whether `token` is an instance method of a value type (`ldftn` refuses it).
    fn is_value_type_instance_method(&mut self, token: Token) -> bool;
    /// Whether type token `token` names `System.Object` (a `catch` that takes everything).
    fn is_object_type(&mut self, token: Token) -> bool;
    /// The runtime-provided method of a multi-dimensional array type `token` names
    /// (`T[,]::Get`, ...), if it names one (`crate::arrays`).
    fn array_method(
        &mut self,
        _token: Token,
    ) -> Result<Option<crate::arrays::ArrayMethod>, String> {
        Ok(None)
    }
    /// The JIT intrinsic `call`/`newobj token` is, per instance (type system), if it is one
    /// (`translate/span_intrinsics.rs`, `unsafe_intrinsics.rs`).
    fn intrinsic(&mut self, _token: Token) -> Option<crate::type_context::Intrinsic> {
        None
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
    fn math_intrinsic(&mut self, _token: Token) -> Option<crate::math_intrinsics::MathIntrinsic> {
        None
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
