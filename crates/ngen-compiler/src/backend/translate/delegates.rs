//! Delegates, synthesised inline as IL2CPP and crossgen2 do rather than through runtime
//! stubs: `ldftn` (ECMA-335 III.3.41) and `ldvirtftn` (III.4.18) push a callable code address;
//! `newobj D::.ctor(object, native int)` of a delegate type (its constructor is
//! `runtime managed`, II.14.6) allocates the instance and stores the target and the code
//! pointer into `System.Delegate`'s `m_target` and `method_ptr` (Mono's `MonoDelegate`
//! offsets, from the type system); `call`/`callvirt D::Invoke(args)` calls `method_ptr` with
//! the delegate's signature, passing `m_target` as `this` when it is set (a closed delegate)
//! and nothing in its place when it is null (a static method).
//!
//! ## Model
//! A code address is a method cell's target (`ldftn`), a method-table slot's target
//! (`ldvirtftn` of a virtual method of a class) or what `InterfaceTarget` finds for the
//! receiver (`ldvirtftn` of an interface method) — the same addresses calls use, so a delegate
//! calls image code, JIT code and icall stubs alike.
//!
//! The constructor also stores the code address in `Delegate.method` (Mono's `MonoMethod*`),
//! which `Delegate.Method` turns into one `MethodInfo` per method (the runtime's
//! `RuntimeMethodInfo` icall), so `Delegate.Equals` and `GetHashCode` run from mscorlib's IL.
//! An open-instance delegate (a null target over an instance method) needs nothing more: its
//! `Invoke` arguments, passed without a target, are the method's `this` and parameters.
//!
//! A closed delegate over a value type's own method (`box S; ldftn S::M`) calls the method's
//! unboxing stub (cell kind 5), which moves `this` past the box's header, as Mono's unbox
//! trampoline does.
//!
//! ## Not done
//! Open delegates over virtual methods (Mono dispatches on the first argument) and over a
//! value type's methods (made only by reflection). `BeginInvoke`/`EndInvoke` are ordinary
//! calls of their method cells, which the runtime resolves to its own entries
//! (`ngen-runtime`'s `async_delegates`).
//!
//! Depends on: [`super::call`] (argument lowering, signatures), [`super::env`]
//! (`delegate_invoke`, `new_object`). Citations: ECMA-335 II.14.6, III.3.41, III.4.18;
//! Mono 6.8 `mono/metadata/object-internals.h` (`_MonoDelegate`), `mono/mini/method-to-ir.c`
//! (`handle_delegate_ctor`).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, SigRef, Value};
use ngen_abi::helpers::HelperId;
use ngen_abi::image::CELL_SIZE;
use ngen_abi::object::{
    ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, METHOD_TABLE_SLOTS_OFFSET, POINTER_SIZE,
};
use ngen_metadata::Token;
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator, cells, flags};
use crate::type_context::{DelegateFields, NewObject};
use crate::types::{IlType, MethodShape, StackType};

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldftn M` and `ldvirtftn M`: the code address of `M`, or of the receiver's override.
    pub(super) fn translate_ldftn(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        let token = Self::token(ins)?;
        // Checks the operand names a method the translator can describe.
        self.env.callee_shape(token)?;
        let key = Self::cell_key(ins, None)?;
        let code = match ins.opcode {
            Opcode::Ldftn if self.env.is_value_type_instance_method(token) => {
                // The delegate's target is a box, the method expects the value's address:
                // the method's unboxing stub (cell kind 5, `add rdi, 16`), as Mono's unbox
                // trampoline.
                let key =
                    cells::extra_key_of(ins).ok_or_else(|| Reject::new("missing token operand"))?;
                let cell = self.env.cell(key, &mut self.b)?;
                self.cell_target(cell)
            }
            Opcode::Ldftn => {
                let cell = self.env.cell(key, &mut self.b)?;
                self.cell_target(cell)
            }
            Opcode::Ldvirtftn => {
                let (obj, t) = stack.pop1()?;
                if !matches!(t, StackType::O | StackType::Ptr) {
                    return Err(Reject::new(format!("ldvirtftn on {}", t.name())));
                }
                self.null_check(obj);
                self.virtual_code(token, obj, key)?
            }
            _ => return Err(Self::misrouted(ins)),
        };
        stack.push((code, StackType::I));
        Ok(())
    }

    /// The code `callvirt token` would reach on `obj`: the method itself when the call is
    /// exact, the receiver's method-table slot for a virtual method of a class, the
    /// `InterfaceTarget` helper's answer for an interface method.
    fn virtual_code(
        &mut self,
        token: Token,
        obj: Value,
        key: ngen_abi::image::CellKey,
    ) -> Res<Value> {
        let Err(exact) = self.env.check_callvirt(token) else {
            let cell = self.env.cell(key, &mut self.b)?;
            return Ok(self.cell_target(cell));
        };
        if self.env.is_interface_method(token) {
            let cell = self.env.cell(key, &mut self.b)?;
            let helper = self.helper(HelperId::InterfaceTarget);
            let sig = self.helper_sig(HelperId::InterfaceTarget);
            let found = self.b.ins().call_indirect(sig, helper, &[obj, cell]);
            return Ok(self.b.inst_results(found)[0]);
        }
        let slot = self
            .env
            .virtual_slot(token)
            .map_err(|_| Reject::new(exact))?;
        let method_table = self.b.ins().load(I64, flags(), obj, 0);
        let offset = METHOD_TABLE_SLOTS_OFFSET as i64 + i64::from(slot) * CELL_SIZE as i64;
        let slot_cell = self.b.ins().iadd_imm_s(method_table, offset);
        Ok(self.cell_target(slot_cell))
    }

    /// `newobj D::.ctor(object target, native int code)` of a delegate type: allocates the
    /// instance and stores the target and the code pointer (what Mono's
    /// `mono_delegate_ctor` does, without the runtime call).
    pub(super) fn new_delegate(
        &mut self,
        ins: &Instruction<'_>,
        new: &NewObject,
        fields: DelegateFields,
        stack: &mut Stack,
    ) -> Res<()> {
        let (code, code_type) = stack.pop1()?;
        let (target, target_type) = stack.pop1()?;
        if !matches!(code_type, StackType::I | StackType::I8)
            || !matches!(target_type, StackType::O | StackType::I | StackType::Ptr)
        {
            return Err(Reject::new(format!(
                "delegate constructor on ({}, {})",
                target_type.name(),
                code_type.name()
            )));
        }
        let object = self.allocate_object(ins, new)?;
        self.b
            .ins()
            .store(flags(), target, object, fields.target as i32);
        self.b
            .ins()
            .store(flags(), code, object, fields.method_ptr as i32);
        // What `Delegate.Method` (and through it `Equals` and `Remove`) identifies the
        // method by (Mono stores its `MonoMethod*` there).
        self.b
            .ins()
            .store(flags(), code, object, fields.method as i32);
        stack.push((object, StackType::O));
        Ok(())
    }

    /// `callvirt D::Invoke(args)` (`shape` is `Invoke`'s): a null check, then a call of
    /// `method_ptr` with `m_target` as `this` when it is set, without it when it is null.
    pub(super) fn invoke_delegate(
        &mut self,
        shape: &MethodShape,
        fields: DelegateFields,
        stack: &mut Stack,
    ) -> Res<()> {
        if !shape.has_this {
            return Err(Reject::new("static Invoke of a delegate"));
        }
        let raw = stack.popn(shape.arg_types().len())?;
        self.null_check(raw[0].0);
        let (args, ret_buffer) = self.lower_call_args(raw, shape)?;
        let closed_sig = self.signature_ref(shape);
        let returns: Vec<_> = self.b.func.dfg.signatures[closed_sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let done = self.b.create_block();
        let results: Vec<Value> = returns
            .iter()
            .map(|t| self.b.append_block_param(done, *t))
            .collect();
        // A combined delegate holds its parts in `MulticastDelegate.delegates` (each a
        // single delegate): every part is called in order, and the last one's result is
        // `Invoke`'s (mscorlib's `CombineImpl`, Mono's `mono_delegate_begin_invoke` peers).
        let list = self
            .b
            .ins()
            .load(I64, flags(), args[0], fields.delegates as i32);
        let single = self.b.create_block();
        let multi = self.b.create_block();
        self.b.ins().brif(list, multi, &[], single, &[]);

        self.b.switch_to_block(single);
        self.b.seal_block(single);
        let out = self.invoke_single(shape, fields, args[0], &args);
        self.jump_with(done, &out);

        self.b.switch_to_block(multi);
        self.b.seal_block(multi);
        let length = self.b.ins().load(I64, flags(), list, ARRAY_LENGTH_OFFSET);
        let last_index = self.b.ins().iadd_imm_s(length, -1);
        let head = self.b.create_block();
        let index = self.b.append_block_param(head, I64);
        let zero = self.b.ins().iconst(I64, 0);
        self.jump_with(head, &[zero]);

        self.b.switch_to_block(head);
        let body = self.b.create_block();
        let last = self.b.create_block();
        let more = self.b.ins().icmp(IntCC::SignedLessThan, index, last_index);
        self.b.ins().brif(more, body, &[], last, &[]);

        self.b.switch_to_block(body);
        self.b.seal_block(body);
        let part = self.part(list, index);
        self.invoke_single(shape, fields, part, &args);
        // A part that throws ends the walk (EH v1: the pending-exception word).
        self.check_pending();
        let next = self.b.ins().iadd_imm_s(index, 1);
        self.jump_with(head, &[next]);
        self.b.seal_block(head);

        self.b.switch_to_block(last);
        self.b.seal_block(last);
        let part = self.part(list, last_index);
        let out = self.invoke_single(shape, fields, part, &args);
        self.jump_with(done, &out);

        self.b.switch_to_block(done);
        self.b.seal_block(done);
        match (shape.ret, ret_buffer) {
            (Some(IlType::Val(kind)), _) => {
                let v = results
                    .first()
                    .copied()
                    .ok_or_else(|| Reject::new("internal: Invoke returns nothing"))?;
                let v = self.normalize(v, kind);
                stack.push((v, StackType::of(kind)));
            }
            (Some(IlType::Struct(layout)), Some(buffer)) => {
                stack.push((buffer, StackType::Struct(layout)));
            }
            _ => {}
        }
        Ok(())
    }

    /// The element `index` of the `Delegate[]` at `list`.
    fn part(&mut self, list: Value, index: Value) -> Value {
        let offset = self.b.ins().imul_imm_s(index, i64::from(POINTER_SIZE));
        let addr = self.b.ins().iadd(list, offset);
        self.b.ins().load(I64, flags(), addr, ARRAY_DATA_OFFSET)
    }

    /// Jumps to `to` passing `values`.
    fn jump_with(&mut self, to: Block, values: &[Value]) {
        let values: Vec<BlockArg> = values.iter().map(|v| BlockArg::Value(*v)).collect();
        self.b.ins().jump(to, &values);
    }

    /// Calls the single (not combined) `delegate`'s code with `args` (`args[0]`, the
    /// delegate, is replaced): with `m_target` as `this` when it is set, without it when it
    /// is null. Returns the call's results, in a fresh block.
    fn invoke_single(
        &mut self,
        shape: &MethodShape,
        fields: DelegateFields,
        delegate: Value,
        args: &[Value],
    ) -> Vec<Value> {
        let target = self
            .b
            .ins()
            .load(I64, flags(), delegate, fields.target as i32);
        let code = self
            .b
            .ins()
            .load(I64, flags(), delegate, fields.method_ptr as i32);
        let static_shape = MethodShape {
            has_this: false,
            ..shape.clone()
        };
        let closed_sig = self.signature_ref(shape);
        let static_sig = self.signature_ref(&static_shape);
        let closed = self.b.create_block();
        let open = self.b.create_block();
        let join = self.b.create_block();
        let returns: Vec<_> = self.b.func.dfg.signatures[closed_sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let results: Vec<Value> = returns
            .iter()
            .map(|t| self.b.append_block_param(join, *t))
            .collect();
        let is_static = self.b.ins().icmp_imm_s(IntCC::Equal, target, 0);
        self.b.ins().brif(is_static, open, &[], closed, &[]);

        let mut closed_args = args.to_vec();
        closed_args[0] = target;
        self.call_then_jump(closed, closed_sig, code, &closed_args, join);
        self.call_then_jump(open, static_sig, code, &args[1..], join);

        self.b.switch_to_block(join);
        self.b.seal_block(join);
        results
    }

    /// In the new block `from`: calls `code` with `sig` and `args`, then jumps to `join` with
    /// the call's results.
    fn call_then_jump(
        &mut self,
        from: Block,
        sig: SigRef,
        code: Value,
        args: &[Value],
        join: Block,
    ) {
        self.b.switch_to_block(from);
        self.b.seal_block(from);
        let call = self.b.ins().call_indirect(sig, code, args);
        let results: Vec<BlockArg> = self
            .b
            .inst_results(call)
            .iter()
            .map(|v| BlockArg::Value(*v))
            .collect();
        self.b.ins().jump(join, &results);
    }
}
