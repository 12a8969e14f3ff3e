//! Object model instructions (ECMA-335 III.4): `ldstr` (III.4.16), through a string cell the
//! runtime resolves to the interned literal; `ldsfld`, `stsfld`, `ldsflda` (III.4.14-4.15,
//! III.4.29) through a static-field cell the runtime resolves to the field's storage (per-type
//! areas it allocates, after starting the type's `.cctor`);
//! a `[ThreadStatic]` field's cell resolves to a descriptor of its per-thread place, which the
//! `ThreadStaticAddress` helper turns into the calling thread's address;
//! `ldfld`/`stfld`/`ldflda` (III.4.10, III.4.28, III.4.11), routed to [`super::fields`]
//! (classes and value types); and `castclass`/`isinst` (III.4.3,
//! III.4.6): to a class or value type by walking the receiver's method-table parents inline,
//! to an interface, array or generic instance through the `IsInstance` helper. `newobj` is in
//! [`super::call`], `box`/`unbox` in [`super::value_types`]. Later: precise type
//! initialisation triggers, `ldtoken`.
//!
//! Depends on: [`super::env`] for the cells, [`super::memory`] for the load.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CellKey, CellKind};
use ngen_metadata::Token;
use ngen_metadata::il::{Instruction, Opcode, Operand};

use super::stack::Stack;
use super::{Reject, Res, Translator, cells, flags};
use crate::type_context::CastTarget;
use crate::types::StackType;

impl<'a, 'f> Translator<'a, 'f> {
    /// `ldstr`, `ldsfld`, `stsfld`, `ldsflda`, `ldfld`, `stfld`, `ldflda`.
    pub(super) fn translate_object_model(
        &mut self,
        ins: &Instruction<'_>,
        stack: &mut Stack,
    ) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Ldstr => {
                let token = Self::token(ins)?;
                if !token.is_user_string() {
                    return Err(Reject::new(format!(
                        "bad token 0x{:08x} for ldstr",
                        token.0
                    )));
                }
                let key = Self::cell_key(ins, None)?;
                let cell = self.env.cell(key, &mut self.b)?;
                let s = self.cell_target(cell);
                stack.push((s, StackType::O));
            }
            O::Ldsfld => {
                let (addr, ty) = self.static_field_address(ins)?;
                let entry = self.load_value(ty, addr);
                stack.push(entry);
            }
            O::Stsfld => {
                let value = stack.pop1()?;
                let (addr, ty) = self.static_field_address(ins)?;
                self.store_value(ty, value, addr)?;
            }
            O::Ldsflda => {
                let (addr, _) = self.static_field_address(ins)?;
                stack.push((addr, StackType::Ptr));
            }
            O::Castclass | O::Isinst => {
                let token = Self::token(ins)?;
                let (obj, t) = stack.pop1()?;
                if t != StackType::O {
                    return Err(Reject::new(format!("cast of {}", t.name())));
                }
                let result = self.cast_to(token, obj, ins.opcode == O::Castclass)?;
                stack.push((result, StackType::O));
            }
            O::Ldfld | O::Stfld | O::Ldflda => self.translate_field(ins, stack)?,
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// The address of the static field a `ldsfld`/`stsfld`/`ldsflda` names, and its type: its
    /// cell's target, or for a `[ThreadStatic]` field the `ThreadStaticAddress` helper's
    /// answer for that target (the calling thread's copy, as IL2CPP's
    /// `il2cpp_codegen_get_thread_static_data` and Mono's `mono_get_thread_static_data`).
    fn static_field_address(
        &mut self,
        ins: &Instruction<'_>,
    ) -> Res<(Value, crate::types::IlType)> {
        let key = Self::cell_key(ins, None)?;
        let (cell, ty) = self.env.static_field_cell(key, &mut self.b)?;
        let target = self.cell_target(cell);
        if !self.env.is_thread_static_field(Token(key.token)) {
            return Ok((target, ty));
        }
        let helper = self.helper(HelperId::ThreadStaticAddress);
        let sig = self.helper_sig(HelperId::ThreadStaticAddress);
        let call = self.b.ins().call_indirect(sig, helper, &[target]);
        Ok((self.b.inst_results(call)[0], ty))
    }

    /// `castclass`/`isinst` of `obj` to the type `token` names (through its method-table
    /// cell); also `unbox.any` of a reference type, which is `castclass` (III.4.33).
    pub(super) fn cast_to(&mut self, token: Token, obj: Value, throws: bool) -> Res<Value> {
        let how = self.env.cast_target(token).map_err(Reject::new)?;
        let key = CellKey::new(CellKind::MethodTable, token.0);
        let cell = self.env.cell(key, &mut self.b)?;
        let target = self.cell_target(cell);
        Ok(match how {
            CastTarget::ParentChain => self.cast(obj, target, throws),
            CastTarget::Helper => self.cast_by_helper(obj, target, throws),
        })
    }

    /// The entry checks of the classes a method's first call initialises, in order (see
    /// `crate::class_init`): each class-init cell's target is 0 until the runtime has started
    /// the `.cctor`, so the first call goes through `ResolveCell`, later ones only load and
    /// test.
    pub(super) fn class_init(&mut self) -> Res<()> {
        for &key in self.input.class_inits {
            let cell = self.env.cell(key, &mut self.b)?;
            self.cell_target(cell);
        }
        Ok(())
    }

    /// `typeof(T)`: when `instrs[index]` is `ldtoken T` of a type and the next instruction, in
    /// the same block, calls `Type::GetTypeFromHandle`, pushes `T`'s `System.RuntimeType` from
    /// a type-object cell (as Mono's JIT folds the pair) and says so; `false` leaves both
    /// instructions alone (a lone `ldtoken` needs value types).
    pub(super) fn type_of(&mut self, index: usize, stack: &mut Stack) -> Res<bool> {
        let instrs = self.input.instrs;
        let (Some(ldtoken), Some(next)) = (instrs.get(index), instrs.get(index + 1)) else {
            return Ok(false);
        };
        let (Operand::Token(_), Operand::Token(callee)) = (ldtoken.operand, next.operand) else {
            return Ok(false);
        };
        if next.opcode != Opcode::Call
            || self.prepass.block_starts.contains(&next.offset)
            || !self.env.is_get_type_from_handle(callee)
        {
            return Ok(false);
        }
        let Some(key) = cells::key_of(ldtoken, None) else {
            return Ok(false);
        };
        let cell = self.env.cell(key, &mut self.b)?;
        let type_object = self.cell_target(cell);
        stack.push((type_object, StackType::O));
        Ok(true)
    }

    /// `obj` when it is null or an instance of the class whose method table is `target` (a walk
    /// up the parent chain of method tables), else null (`isinst`) or InvalidCastException
    /// (`castclass`).
    pub(super) fn cast(&mut self, obj: Value, target: Value, throws: bool) -> Value {
        let walk = self.b.create_block();
        let mt = self.b.append_block_param(walk, I64);
        let step = self.b.create_block();
        let failed = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let not_null = self.b.create_block();
        self.b
            .ins()
            .brif(obj, not_null, &[], done, &[BlockArg::Value(obj)]);
        self.b.switch_to_block(not_null);
        let first = self.b.ins().load(I64, flags(), obj, 0);
        self.b.ins().jump(walk, &[BlockArg::Value(first)]);
        self.b.switch_to_block(walk);
        let hit = self.b.ins().icmp(IntCC::Equal, mt, target);
        self.b
            .ins()
            .brif(hit, done, &[BlockArg::Value(obj)], step, &[]);
        self.b.switch_to_block(step);
        // A null parent ends the chain without a hit.
        let up = self.b.create_block();
        self.b.ins().brif(mt, up, &[], failed, &[]);
        self.b.switch_to_block(up);
        let parent = self.b.ins().load(I64, flags(), mt, 0);
        self.b.ins().jump(walk, &[BlockArg::Value(parent)]);
        self.b.switch_to_block(failed);
        if throws {
            let throw = self.throw_block(ExceptionKind::InvalidCast);
            self.b.ins().jump(throw, &[]);
        } else {
            let null = self.b.ins().iconst(I64, 0);
            self.b.ins().jump(done, &[BlockArg::Value(null)]);
        }
        self.b.switch_to_block(done);
        result
    }

    /// `obj` when the `IsInstance` helper says it is null or an instance of the type whose
    /// method table is `target` (interfaces, arrays, generic instances), else null (`isinst`)
    /// or InvalidCastException (`castclass`, for a non-null `obj` only).
    pub(super) fn cast_by_helper(&mut self, obj: Value, target: Value, throws: bool) -> Value {
        let helper = self.helper(HelperId::IsInstance);
        let sig = self.helper_sig(HelperId::IsInstance);
        let call = self.b.ins().call_indirect(sig, helper, &[obj, target]);
        let result = self.b.inst_results(call)[0];
        if throws {
            let missed = self.b.ins().icmp_imm_s(IntCC::Equal, result, 0);
            let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, obj, 0);
            let failed = self.b.ins().band(missed, present);
            self.throw_if(failed, ExceptionKind::InvalidCast);
        }
        result
    }
}
