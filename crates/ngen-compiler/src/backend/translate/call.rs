//! Calls: `call` (ECMA-335 III.3.19); `callvirt` (III.4.2) of methods the type system says
//! are exact (a null check, then a direct call), of virtual methods of classes (the program's
//! or the core library's: through the receiver's method table, at the method's slot) and of
//! interface methods (the `InterfaceTarget` helper finds the code from the call site's method
//! cell and the receiver, see the runtime's `state::objects`); `constrained. T callvirt M`
//! (III.2.1) on a value-type address, and on a class's (through the vtable slot of `T`'s
//! implementation when `T` is sealed and `M` an interface method, unless the implementation
//! can be called without dispatch: directly, or through the site's constrained-method cell);
//! and `newobj` (III.4.21) of a class: allocation
//! ([`super::alloc`]), then the constructor (`System.Object::.ctor`, empty, is expanded to
//! nothing; one the inliner chose is expanded in place). A callee in the same image is a direct call; any other goes through an
//! import cell ([`super::super::env::CallTarget`]). A delegate's `Invoke` and constructor
//! are expanded by [`super::delegates`]. Later: `calli`, generic virtual methods.
//!
//! Depends on: [`super::env`] (callee shapes and targets), [`crate::backend::abi`].

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Inst, InstBuilder, SigRef, Value};
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CELL_SIZE, CellKey, CellKind};
use ngen_abi::object::METHOD_TABLE_SLOTS_OFFSET;
use ngen_metadata::il::{Instruction, Opcode};
use ngen_metadata::{TableId, Token};

use super::inline::Site;
use super::stack::Stack;
use super::{Reject, Res, Translator, flags};
use crate::backend::abi::clif_signature;
use crate::backend::env::CallTarget;
use crate::type_context::SealedTarget;
use crate::types::{IlType, MethodShape, StackType, ValKind};

/// How a call instruction dispatches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Call,
    /// `callvirt` to a non-virtual method: a null check, then a direct call.
    Callvirt,
    /// `constrained. T callvirt M` on a value-type address.
    Constrained(Token),
    /// `callvirt` through the receiver's method table, at this vtable slot.
    Virtual(u32),
    /// `callvirt` of an interface method, through the `InterfaceTarget` helper.
    Interface,
}

/// A `constrained. T callvirt M` over a sealed class `T`, called without dispatch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sealed {
    /// `T`'s implementation, a MethodDef of the body's assembly.
    Direct(Token),
    /// Through the call site's constrained-method cell (whose constraint is this token),
    /// which the runtime resolves to `T`'s implementation.
    ConstrainedCell(Token),
}

impl<'a, 'f> Translator<'a, 'f> {
    /// `call`, `callvirt` (taking a pending `constrained.` prefix).
    pub(super) fn translate_call(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        let kind = match ins.opcode {
            Opcode::Call => CallKind::Call,
            Opcode::Callvirt => match self.constraint.take() {
                Some(t) => CallKind::Constrained(t),
                None => CallKind::Callvirt,
            },
            _ => return Err(Self::misrouted(ins)),
        };
        self.call(ins, stack, kind)
    }

    fn call(&mut self, ins: &Instruction<'_>, stack: &mut Stack, kind: CallKind) -> Res<()> {
        let token = Self::token(ins)?;
        if let Some(method) = self.env.array_method(token).map_err(Reject::new)? {
            // `T[,]::Get`/`Set`/`Address`: runtime-provided, expanded inline.
            return self.translate_array_method(ins, method, stack);
        }
        if !matches!(kind, CallKind::Constrained(_))
            && let Some(intrinsic) = self.env.intrinsic(token)
        {
            // `Span<T>`'s building blocks, `Unsafe`: expanded inline (span_intrinsics.rs), no
            // call, so no pending-exception check after it (a failed bounds check raises in
            // place, as array accesses do).
            self.call_intrinsic(intrinsic, stack)?;
            self.inline.expanded_call = true;
            return Ok(());
        }
        if kind == CallKind::Call && self.env.is_reference_compare_exchange(token) {
            return self.compare_exchange_reference(stack);
        }
        let shape = self.env.callee_shape(token)?;
        if let Some(fields) = self.env.delegate_invoke(token) {
            // A delegate's `Invoke` is runtime-implemented: expanded inline.
            return self.invoke_delegate(&shape, fields, stack);
        }
        if kind != CallKind::Call && !shape.has_this {
            return Err(Reject::new("callvirt to a static method"));
        }
        let mut kind = kind;
        let mut boxed_receiver = None;
        let mut deref_receiver = false;
        let mut sealed_slot = None;
        // A sealed class's implementation, called without dispatch.
        let mut sealed = None;
        if let CallKind::Constrained(constraint) = kind
            && self.env.il_type(constraint) == Ok(IlType::Val(ValKind::Ref))
        {
            // III.2.1: on a reference type (a generic parameter instantiated over a class),
            // the address is dereferenced and the call proceeds as a `callvirt`; on a sealed
            // class the implementation is known: called directly, or through the site's
            // constrained-method cell, else (an interface method) found in the receiver's
            // vtable without the dispatch helper (`type_context/devirtualize.rs`).
            kind = CallKind::Callvirt;
            sealed = self.sealed_target(token, constraint, &shape);
            match sealed {
                Some(_) => self.deref_receiver(stack, shape.arg_types().len())?,
                None => {
                    deref_receiver = true;
                    sealed_slot = self.env.sealed_interface_slot(token, constraint);
                }
            }
        } else if let CallKind::Constrained(constraint) = kind
            && self.env.constrained_needs_box(token, constraint)
        {
            // III.2.1: a value type that does not implement the method itself is boxed,
            // and the call proceeds as a `callvirt` on the box.
            boxed_receiver = Some(constraint);
            kind = CallKind::Callvirt;
        }
        if kind == CallKind::Callvirt
            && sealed.is_none()
            && let Err(exact) = self.env.check_callvirt(token)
        {
            // Not provably exact: dispatch through the receiver's method table, or find the
            // interface method's implementation for the receiver's type.
            kind = if let Some(slot) = sealed_slot {
                CallKind::Virtual(slot)
            } else if self.env.is_interface_method(token) {
                CallKind::Interface
            } else {
                let slot = self
                    .env
                    .virtual_slot(token)
                    .map_err(|_| Reject::new(exact))?;
                CallKind::Virtual(slot)
            };
        }
        // The method the call names: the instruction's, or a sealed class's implementation
        // (the token the inliner may expand is that one's, when it has one).
        let callee = match sealed {
            Some(Sealed::Direct(direct)) => direct,
            _ => token,
        };
        let direct = kind == CallKind::Call || kind == CallKind::Callvirt;
        let plain_receiver = !deref_receiver && boxed_receiver.is_none();
        let site = Site::Call {
            direct: direct && plain_receiver && !matches!(sealed, Some(Sealed::ConstrainedCell(_))),
            null_check: kind == CallKind::Callvirt,
        };
        if self.try_inline(callee, site, stack)? {
            return Ok(());
        }
        if kind == CallKind::Call && self.expand_literal_call(token, &shape, stack)? {
            return Ok(());
        }
        if kind == CallKind::Call && self.expand_math_call(token, stack)? {
            return Ok(());
        }
        if kind == CallKind::Call && self.env.is_object_ctor(token) {
            // `System.Object::.ctor` is empty: a base constructor call costs nothing.
            stack.pop1()?;
            self.inline.expanded_call = true;
            return Ok(());
        }
        if deref_receiver {
            self.deref_receiver(stack, shape.arg_types().len())?;
        }
        let mut raw = stack.popn(shape.arg_types().len())?;
        if let Some(constraint) = boxed_receiver {
            let (addr, t) = raw[0];
            if t != StackType::Ptr {
                return Err(Reject::new("constrained call on a non-address"));
            }
            raw[0] = (self.box_at(addr, constraint)?, StackType::O);
        }
        match kind {
            CallKind::Callvirt | CallKind::Virtual(_) | CallKind::Interface => {
                self.null_check(raw[0].0)
            }
            CallKind::Constrained(_) if raw[0].1 != StackType::Ptr => {
                return Err(Reject::new("constrained call on a non-address"));
            }
            _ => {}
        }
        let (args, ret_buffer) = self.lower_call_args(raw, &shape)?;
        let target = match kind {
            CallKind::Interface => {
                let key = Self::cell_key(ins, None)?;
                let cell = self.env.cell(key, &mut self.b)?;
                let helper = self.helper(HelperId::InterfaceTarget);
                let sig = self.helper_sig(HelperId::InterfaceTarget);
                let found = self.b.ins().call_indirect(sig, helper, &[args[0], cell]);
                let code = self.b.inst_results(found)[0];
                let sig = self.signature_ref(&shape);
                let inst = self.b.ins().call_indirect(sig, code, &args);
                self.push_call_result(inst, &shape, ret_buffer, stack);
                return Ok(());
            }
            CallKind::Virtual(slot) => {
                let method_table = self.b.ins().load(I64, flags(), args[0], 0);
                let offset = METHOD_TABLE_SLOTS_OFFSET as i64 + i64::from(slot) * CELL_SIZE as i64;
                CallTarget::Cell(self.b.ins().iadd_imm_s(method_table, offset))
            }
            CallKind::Constrained(constraint) => {
                match self.env.constrained_override(token, constraint) {
                    // The value type's own implementation: a direct call (III.2.1).
                    Some(direct) => {
                        let key = CellKey::new(CellKind::Method, direct.0);
                        self.env.call_target(key, &mut self.b)?
                    }
                    None => {
                        let key = Self::cell_key(ins, Some(constraint))?;
                        CallTarget::Cell(self.env.cell(key, &mut self.b)?)
                    }
                }
            }
            _ => match sealed {
                Some(Sealed::ConstrainedCell(constraint)) => {
                    let key = Self::cell_key(ins, Some(constraint))?;
                    CallTarget::Cell(self.env.cell(key, &mut self.b)?)
                }
                Some(Sealed::Direct(direct)) => {
                    let key = CellKey::new(CellKind::Method, direct.0);
                    self.env.call_target(key, &mut self.b)?
                }
                None => {
                    let key = Self::cell_key(ins, None)?;
                    self.env.call_target(key, &mut self.b)?
                }
            },
        };
        let inst = self.emit_call(target, &shape, &args);
        self.push_call_result(inst, &shape, ret_buffer, stack);
        Ok(())
    }

    /// What `constrained. constraint callvirt method` runs when `constraint` is a sealed
    /// class, if it can be called without dispatch: a direct target only when it takes and
    /// returns what the call passes (`shape`).
    fn sealed_target(
        &mut self,
        method: Token,
        constraint: Token,
        shape: &MethodShape,
    ) -> Option<Sealed> {
        match self.env.sealed_target(method, constraint)? {
            SealedTarget::Direct(rid) => {
                let direct = Token::new(TableId::MethodDef, rid);
                let same_shape = self.env.callee_shape(direct).is_ok_and(|s| s == *shape);
                Some(if same_shape {
                    Sealed::Direct(direct)
                } else {
                    Sealed::ConstrainedCell(constraint)
                })
            }
            SealedTarget::ConstrainedCell => Some(Sealed::ConstrainedCell(constraint)),
        }
    }

    /// Replaces the receiver of a call with `args` arguments (`this` the deepest), an address
    /// as a constrained call over a class passes it, by the object reference stored there.
    fn deref_receiver(&mut self, stack: &mut Stack, args: usize) -> Res<()> {
        let mut raw = stack.popn(args)?;
        let (addr, t) = raw[0];
        if t != StackType::Ptr {
            return Err(Reject::new("constrained call on a non-address"));
        }
        raw[0] = (self.b.ins().load(I64, flags(), addr, 0), StackType::O);
        for entry in raw {
            stack.push(entry);
        }
        Ok(())
    }

    /// `newobj ctor` of a class (ECMA-335 III.4.21): the `NewObject` helper allocates a zeroed
    /// instance of the type system's size, then the constructor runs on it (not at all for
    /// `System.Object`'s empty one); the new reference is pushed.
    pub(super) fn translate_newobj(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        let token = Self::token(ins)?;
        if let Some(method) = self.env.array_method(token).map_err(Reject::new)? {
            // `newobj T[,]::.ctor(..)`: expanded inline.
            return self.translate_array_method(ins, method, stack);
        }
        if let Some(intrinsic) = self.env.intrinsic(token)
            && self.newobj_intrinsic(intrinsic, stack)?
        {
            return Ok(());
        }
        if let Some(ty) = self.env.value_type_ctor(token).map_err(Reject::new)? {
            return self.new_value(ins, ty, stack);
        }
        let new = self.env.new_object(token).map_err(Reject::new)?;
        let shape = self.env.callee_shape(token)?;
        if !shape.has_this || shape.ret.is_some() {
            return Err(Reject::new("newobj of a method that is not a constructor"));
        }
        if new.string_ctor {
            return self.new_string(ins, shape, stack);
        }
        if let Some(fields) = new.delegate {
            return self.new_delegate(ins, &new, fields, stack);
        }
        let params = stack.popn(shape.params.len())?;
        // The allocation checks its own pending exception (`alloc.rs`): without a call of
        // the constructor after it, nothing is left to check.
        let object = self.allocate_object(ins, &new)?;
        if self.env.is_object_ctor(token) {
            self.inline.expanded_call = true;
            stack.push((object, StackType::O));
            return Ok(());
        }
        stack.push((object, StackType::O));
        for param in &params {
            stack.push(*param);
        }
        if self.try_inline(token, Site::Newobj, stack)? {
            stack.push((object, StackType::O));
            return Ok(());
        }
        let raw = stack.popn(params.len() + 1)?;
        let (args, _) = self.lower_call_args(raw, &shape)?;
        let key = Self::cell_key(ins, None)?;
        let target = self.env.call_target(key, &mut self.b)?;
        self.emit_call(target, &shape, &args);
        stack.push((object, StackType::O));
        Ok(())
    }

    /// `newobj String::.ctor(args)`: a call of the constructor's cell as the static
    /// `string (args)` the runtime resolves it to (`String::Ctor`); the result is pushed. Always
    /// through the cell, even within mscorlib's image, where a direct call would reach the
    /// constructor's own (icall) stub with the constructor's signature.
    fn new_string(
        &mut self,
        ins: &Instruction<'_>,
        ctor: MethodShape,
        stack: &mut Stack,
    ) -> Res<()> {
        let shape = MethodShape {
            has_this: false,
            params: ctor.params,
            ret: Some(crate::types::IlType::Val(crate::types::ValKind::Ref)),
        };
        let raw = stack.popn(shape.params.len())?;
        let (args, ret_buffer) = self.lower_call_args(raw, &shape)?;
        let key = Self::cell_key(ins, None)?;
        let cell = self.env.cell(key, &mut self.b)?;
        let inst = self.emit_call(CallTarget::Cell(cell), &shape, &args);
        self.push_call_result(inst, &shape, ret_buffer, stack);
        Ok(())
    }

    /// A call to `target` with `args` already in their machine representation.
    pub(super) fn emit_call(
        &mut self,
        target: CallTarget,
        shape: &MethodShape,
        args: &[Value],
    ) -> Inst {
        match target {
            CallTarget::Direct(fref) => self.b.ins().call(fref, args),
            CallTarget::Cell(cell) => {
                let code = self.cell_target(cell);
                let sig = self.signature_ref(shape);
                self.b.ins().call_indirect(sig, code, args)
            }
        }
    }

    pub(super) fn signature_ref(&mut self, shape: &MethodShape) -> SigRef {
        if let Some(s) = self.sigs.get(shape) {
            return *s;
        }
        let sig = clif_signature(shape, self.env.call_conv());
        let s = self.b.import_signature(sig);
        self.sigs.insert(shape.clone(), s);
        s
    }
}
