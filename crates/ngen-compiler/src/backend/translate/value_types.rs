//! Value types: how a struct lives in the translator, and the instructions that exist for
//! them: `initobj` (III.4.5), `ldobj` (III.4.13), `stobj` (III.4.29), `cpobj` (III.4.4),
//! `sizeof` (III.4.25), `box` (III.4.1), `unbox` (III.4.32), `unbox.any` (III.4.33).
//!
//! ## Model
//! A struct value on the evaluation stack is the address of a stack slot the translator
//! allocated for it ([`StackType::Struct`]), as rustc_codegen_cranelift keeps non-scalar
//! values in memory. Every load of a struct (`ldloc`, `ldarg`, `ldfld`, `ldobj`, `ldelem`, a
//! call's result) makes a fresh slot, and every store copies out of it, so a slot is never
//! written after it is pushed: `dup` may share it. A struct local has a slot of its own;
//! a struct argument is the caller-owned copy the calling convention passes by reference
//! ([`crate::types::MethodShape`]). Copies and zeroing are unrolled loads and stores (a
//! loop beyond [`UNROLLED_BYTES`]): images must not call `memcpy` (they have no undefined
//! symbols). The collector scans stacks conservatively, so references held in slots need no
//! maps.
//!
//! `box` allocates with `NewObject` against the value type's method table (cell kind 4) and
//! copies the value after the header; `unbox` compares the object's method table with the
//! type's and raises InvalidCastException on a mismatch (NullReferenceException on null).
//! Enums are their underlying primitive except in `box`/`unbox`, where they are their own
//! type.
//!
//! Not yet: value types of the core library in `box`/`unbox` (they have no method tables
//! before the compiled mscorlib), `Nullable<T>` (generic instances are not compiled).
//!
//! Depends on: [`super::place`] (homes), [`super::memory`] (typed loads and stores),
//! [`super::eh`] (checks), `ngen_abi::object` (the header size).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{BlockArg, Inst, InstBuilder, StackSlotData, StackSlotKind, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::image::{CellKey, CellKind};
use ngen_abi::object::OBJECT_HEADER_SIZE;
use ngen_metadata::Token;
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::{Entry, Stack};
use super::{Reject, Res, Translator, flags};
use crate::type_context::NullableLayout;
use crate::types::{IlType, MethodShape, StackType, StructLayout, ValKind};

/// Copies and zeroing up to this many bytes are straight-line code; larger ones loop.
const UNROLLED_BYTES: u32 = 128;

impl<'a, 'f> Translator<'a, 'f> {
    /// `initobj`, `ldobj`, `stobj`, `cpobj`, `sizeof`, `box`, `unbox`, `unbox.any`.
    pub(super) fn translate_value_type(
        &mut self,
        ins: &Instruction<'_>,
        stack: &mut Stack,
    ) -> Res<()> {
        use Opcode as O;
        let token = Self::token(ins)?;
        let ty = self.env.il_type(token).map_err(Reject::new)?;
        match ins.opcode {
            O::Initobj => {
                let addr = self.pop_address(stack, "initobj of")?;
                match ty {
                    IlType::Struct(layout) => self.zero_struct(addr, layout),
                    IlType::Val(kind) => {
                        let zero = self.zero(kind.machine());
                        self.store_kind(kind, zero, addr, flags());
                    }
                }
            }
            O::Ldobj => {
                let addr = self.pop_address(stack, "ldobj from")?;
                let entry = self.load_value(ty, addr);
                stack.push(entry);
            }
            O::Stobj => {
                let entry = stack.pop1()?;
                let addr = self.pop_address(stack, "stobj to")?;
                self.store_value(ty, entry, addr)?;
            }
            O::Cpobj => {
                let src = self.pop_address(stack, "cpobj from")?;
                let dst = self.pop_address(stack, "cpobj to")?;
                let entry = self.load_value(ty, src);
                self.store_value(ty, entry, dst)?;
            }
            O::Sizeof => {
                let size = self.b.ins().iconst(I32, i64::from(ty.size()));
                stack.push((size, StackType::I4));
            }
            O::Box => {
                if ty == IlType::Val(ValKind::Ref) {
                    // Boxing a reference type leaves the reference (III.4.1).
                    return Ok(());
                }
                let entry = stack.pop1()?;
                let boxed = self.env.boxed_value(token).map_err(Reject::new)?;
                let object = match boxed.nullable {
                    Some(nullable) => self.box_nullable(token, nullable, entry)?,
                    None => self.box_entry(token, entry)?,
                };
                stack.push((object, StackType::O));
            }
            O::Unbox | O::UnboxAny => {
                if ty == IlType::Val(ValKind::Ref) {
                    if ins.opcode == O::Unbox {
                        return Err(Reject::new("unbox of a reference type"));
                    }
                    // `unbox.any` of a reference type (a generic parameter instantiated over
                    // a class) is `castclass` (III.4.33).
                    let (obj, t) = stack.pop1()?;
                    if t != StackType::O {
                        return Err(Reject::new(format!("unbox.any of {}", t.name())));
                    }
                    let result = self.cast_to(token, obj, true)?;
                    stack.push((result, StackType::O));
                    return Ok(());
                }
                let boxed = self.env.boxed_value(token).map_err(Reject::new)?;
                let (object, t) = stack.pop1()?;
                if t != StackType::O {
                    return Err(Reject::new(format!("unbox of {}", t.name())));
                }
                if let Some(nullable) = boxed.nullable {
                    if ins.opcode == O::Unbox {
                        return Err(Reject::new("unbox (by address) of a nullable"));
                    }
                    let entry = self.unbox_nullable(token, nullable, boxed.value, object)?;
                    stack.push(entry);
                    return Ok(());
                }
                let method_table = self.method_table_of(ins)?;
                self.null_check(object);
                let actual = self.b.ins().load(I64, flags(), object, 0);
                let wrong = self.b.ins().icmp(IntCC::NotEqual, actual, method_table);
                match boxed.value {
                    IlType::Struct(_) => self.throw_if(wrong, ExceptionKind::InvalidCast),
                    // An enum and its underlying primitive unbox as each other (Mono
                    // compares element classes): a mismatch asks `UnboxCheck`.
                    IlType::Val(_) => self.unbox_slow_path(wrong, object, method_table),
                }
                let data = self
                    .b
                    .ins()
                    .iadd_imm_s(object, i64::from(OBJECT_HEADER_SIZE));
                if ins.opcode == O::Unbox {
                    stack.push((data, StackType::Ptr));
                } else {
                    let entry = self.load_value(boxed.value, data);
                    stack.push(entry);
                }
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// `box Nullable<T>` (III.4.1): null when the nullable has no value, else a boxed `T`
    /// of its value (the nullable's method-table cell is `T`'s, see `NullableLayout`).
    fn box_nullable(&mut self, token: Token, nullable: NullableLayout, entry: Entry) -> Res<Value> {
        let (addr, t) = entry;
        self.check_struct(t, nullable.layout)?;
        let has_value = self
            .b
            .ins()
            .uload8(I32, flags(), addr, nullable.has_value_offset as i32);
        let some = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let null = self.b.ins().iconst(I64, 0);
        self.b
            .ins()
            .brif(has_value, some, &[], done, &[BlockArg::Value(null)]);
        self.b.switch_to_block(some);
        let boxed = self.env.boxed_value(token).map_err(Reject::new)?;
        let value_addr = self
            .b
            .ins()
            .iadd_imm_s(addr, i64::from(nullable.value_offset));
        let value = self.load_value(boxed.value, value_addr);
        let object = self.box_entry(token, value)?;
        self.b.ins().jump(done, &[BlockArg::Value(object)]);
        self.b.switch_to_block(done);
        Ok(result)
    }

    /// `unbox.any Nullable<T>` (III.4.33): an empty nullable from null, else one holding the
    /// boxed `T` (InvalidCastException when the object is not a `T`).
    fn unbox_nullable(
        &mut self,
        token: Token,
        nullable: NullableLayout,
        value: IlType,
        object: Value,
    ) -> Res<Entry> {
        let result = self.struct_temp(nullable.layout);
        self.zero_struct(result, nullable.layout);
        let some = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(object, some, &[], done, &[]);
        self.b.switch_to_block(some);
        let method_table = self.method_table_of_type(token)?;
        let actual = self.b.ins().load(I64, flags(), object, 0);
        let wrong = self.b.ins().icmp(IntCC::NotEqual, actual, method_table);
        match value {
            // A nullable enum takes only a boxed enum of its type (Mono's `UnboxExact`).
            IlType::Val(_) if !nullable.exact_value => {
                self.unbox_slow_path(wrong, object, method_table)
            }
            _ => self.throw_if(wrong, ExceptionKind::InvalidCast),
        }
        let data = self
            .b
            .ins()
            .iadd_imm_s(object, i64::from(OBJECT_HEADER_SIZE));
        let entry = self.load_value(value, data);
        let value_addr = self
            .b
            .ins()
            .iadd_imm_s(result, i64::from(nullable.value_offset));
        self.store_value(value, entry, value_addr)?;
        let one = self.b.ins().iconst(I8, 1);
        self.b
            .ins()
            .store(flags(), one, result, nullable.has_value_offset as i32);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok((result, StackType::Struct(nullable.layout)))
    }

    /// When `wrong` (the method tables differ), asks the `UnboxCheck` helper whether `object`
    /// unboxes as the type of `method_table` anyway, and raises InvalidCastException if not.
    fn unbox_slow_path(&mut self, wrong: Value, object: Value, method_table: Value) {
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let done = self.b.create_block();
        self.b.ins().brif(wrong, slow, &[], done, &[]);
        self.b.switch_to_block(slow);
        let helper = self.helper(HelperId::UnboxCheck);
        let sig = self.helper_sig(HelperId::UnboxCheck);
        let call = self
            .b
            .ins()
            .call_indirect(sig, helper, &[object, method_table]);
        let allowed = self.b.inst_results(call)[0];
        let refused = self.b.ins().icmp_imm_s(IntCC::Equal, allowed, 0);
        self.throw_if(refused, ExceptionKind::InvalidCast);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// The method table of the type `ins` names, through its cell (kind 4).
    fn method_table_of(&mut self, ins: &Instruction<'_>) -> Res<Value> {
        Self::token(ins).and_then(|token| self.method_table_of_type(token))
    }

    /// The method table of the type `token` names, through its cell (kind 4).
    fn method_table_of_type(&mut self, token: Token) -> Res<Value> {
        let key = CellKey::new(CellKind::MethodTable, token.0);
        let cell = self.env.cell(key, &mut self.b)?;
        Ok(self.cell_target(cell))
    }

    /// A new box of the value type `token` names holding the stack entry `entry` (III.4.1).
    fn box_entry(&mut self, token: Token, entry: Entry) -> Res<Value> {
        let boxed = self.env.boxed_value(token).map_err(Reject::new)?;
        let method_table = self.method_table_of_type(token)?;
        let helper = self.helper(HelperId::NewObject);
        let sig = self.helper_sig(HelperId::NewObject);
        let size = self.b.ins().iconst(I64, i64::from(boxed.size));
        let refs = self.b.ins().iconst(I32, i64::from(boxed.has_references));
        let call = self
            .b
            .ins()
            .call_indirect(sig, helper, &[method_table, size, refs]);
        let object = self.b.inst_results(call)[0];
        // Out of memory left OutOfMemoryException pending and no object.
        self.check_pending();
        let data = self
            .b
            .ins()
            .iadd_imm_s(object, i64::from(OBJECT_HEADER_SIZE));
        self.store_value(boxed.value, entry, data)?;
        Ok(object)
    }

    /// A new box of the value of the value type `token` names at `addr` (the receiver of a
    /// constrained call that boxes, III.2.1).
    pub(super) fn box_at(&mut self, addr: Value, token: Token) -> Res<Value> {
        let boxed = self.env.boxed_value(token).map_err(Reject::new)?;
        let entry = self.load_value(boxed.value, addr);
        self.box_entry(token, entry)
    }

    /// A fresh stack slot for a struct of `layout` (8-byte aligned, whole words), by address.
    pub(super) fn struct_temp(&mut self, layout: StructLayout) -> Value {
        let size = layout.size.max(1).next_multiple_of(8);
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// Loads a value of type `ty` from `addr` onto the stack: a primitive is extended to its
    /// stack type, a struct copied into a fresh slot.
    pub(super) fn load_value(&mut self, ty: IlType, addr: Value) -> Entry {
        match ty {
            IlType::Val(kind) => (self.load_kind(kind, addr, flags()), StackType::of(kind)),
            IlType::Struct(layout) => {
                let temp = self.struct_temp(layout);
                self.copy_bytes(temp, addr, layout.size);
                (temp, StackType::Struct(layout))
            }
        }
    }

    /// Stores the stack entry `(value, t)` as a value of type `ty` at `addr`: a primitive
    /// coerced (III.1.6), a struct copied (it must be a struct of the same size).
    pub(super) fn store_value(&mut self, ty: IlType, (v, t): Entry, addr: Value) -> Res<()> {
        match ty {
            IlType::Val(kind) => {
                let v = self.coerce(v, t, kind)?;
                self.store_kind(kind, v, addr, flags());
            }
            IlType::Struct(layout) => {
                self.check_struct(t, layout)?;
                self.copy_bytes(addr, v, layout.size);
            }
        }
        Ok(())
    }

    /// Refuses a stack entry of type `t` where a struct of `layout` is expected.
    fn check_struct(&self, t: StackType, layout: StructLayout) -> Res<()> {
        match t {
            StackType::Struct(have) if have.size == layout.size => Ok(()),
            _ => Err(Reject::new(format!(
                "cannot store {} as a value type of {} bytes",
                t.name(),
                layout.size
            ))),
        }
    }

    /// Zeroes the struct of `layout` at `addr`.
    pub(super) fn zero_struct(&mut self, addr: Value, layout: StructLayout) {
        self.for_each_chunk(addr, None, layout.size);
    }

    /// Copies `size` bytes from `src` to `dst` (which do not partly overlap).
    pub(super) fn copy_bytes(&mut self, dst: Value, src: Value, size: u32) {
        self.for_each_chunk(dst, Some(src), size);
    }

    /// Writes `size` bytes at `dst`: copied from `src`, or zeros. Whole words first (in a
    /// loop beyond [`UNROLLED_BYTES`]), then a 4-, 2- and 1-byte tail.
    fn for_each_chunk(&mut self, dst: Value, src: Option<Value>, size: u32) {
        let words = size / 8;
        let mut offset = 0u32;
        if size > UNROLLED_BYTES {
            let limit = self.b.ins().iconst(I64, i64::from(words) * 8);
            let unit = match src {
                Some(src) => Ok(src),
                None => Err(self.b.ins().iconst(I64, 0)),
            };
            self.block_loop(dst, unit, limit, I64);
            offset = words * 8;
        }
        for (width, ty) in [(8u32, I64), (4, I32), (2, I16), (1, I8)] {
            while size - offset >= width {
                let at = i32::try_from(offset).unwrap_or(i32::MAX);
                let v = match src {
                    Some(src) => self.b.ins().load(ty, flags(), src, at),
                    None => self.b.ins().iconst(ty, 0),
                };
                self.b.ins().store(flags(), v, dst, at);
                offset += width;
            }
        }
    }

    /// `newobj` of a value type's constructor (III.4.21): the constructor runs on a zeroed
    /// slot, whose value is pushed (a struct as that slot, a primitive such as `IntPtr`
    /// loaded from it).
    pub(super) fn new_value(
        &mut self,
        ins: &Instruction<'_>,
        ty: IlType,
        stack: &mut Stack,
    ) -> Res<()> {
        let layout = match ty {
            IlType::Struct(layout) => layout,
            IlType::Val(kind) => StructLayout {
                size: kind.size(),
                align: kind.size(),
            },
        };
        let token = Self::token(ins)?;
        let shape = self.env.callee_shape(token)?;
        if !shape.has_this || shape.ret.is_some() {
            return Err(Reject::new("newobj of a method that is not a constructor"));
        }
        let params = stack.popn(shape.params.len())?;
        let value = self.struct_temp(layout);
        self.zero_struct(value, layout);
        stack.push((value, StackType::Ptr));
        for param in params {
            stack.push(param);
        }
        // A constructor the inliner chose (`IntPtr(void*)`, mono inlines it) is expanded on
        // the new value's address; any other is called.
        if !self.try_inline(token, super::inline::Site::Newobj, stack)? {
            let raw = stack.popn(shape.params.len() + 1)?;
            let (args, _) = self.lower_call_args(raw, &shape)?;
            let key = Self::cell_key(ins, None)?;
            let target = self.env.call_target(key, &mut self.b)?;
            self.emit_call(target, &shape, &args);
        }
        let entry = match ty {
            IlType::Struct(_) => (value, StackType::Struct(layout)),
            IlType::Val(_) => self.load_value(ty, value),
        };
        stack.push(entry);
        Ok(())
    }

    // ---- the struct calling convention --------------------------------------------------

    /// The machine arguments of a call with `shape` from the IL arguments `raw` (`this`
    /// first): primitives coerced, each struct copied into a fresh slot the callee may
    /// write (passed by address), and the hidden return buffer (after `this`) when the
    /// callee returns a struct. Returns the arguments and that buffer.
    pub(super) fn lower_call_args(
        &mut self,
        raw: Vec<Entry>,
        shape: &MethodShape,
    ) -> Res<(Vec<Value>, Option<Value>)> {
        let types = shape.arg_types();
        if raw.len() != types.len() {
            return Err(Reject::new("internal: argument count mismatch"));
        }
        let mut args = Vec::with_capacity(raw.len() + 1);
        for ((v, t), ty) in raw.into_iter().zip(types) {
            args.push(match ty {
                IlType::Val(kind) => self.coerce(v, t, kind)?,
                IlType::Struct(layout) => {
                    self.check_struct(t, layout)?;
                    let copy = self.struct_temp(layout);
                    self.copy_bytes(copy, v, layout.size);
                    copy
                }
            });
        }
        let buffer = shape.struct_return().map(|layout| self.struct_temp(layout));
        if let Some(buffer) = buffer {
            args.insert(usize::from(shape.has_this), buffer);
        }
        Ok((args, buffer))
    }

    /// Pushes the result of the call `inst` with `shape`: the returned primitive
    /// (re-normalised), or the struct in the return `buffer`.
    pub(super) fn push_call_result(
        &mut self,
        inst: Inst,
        shape: &MethodShape,
        buffer: Option<Value>,
        stack: &mut Stack,
    ) {
        match (shape.ret, buffer) {
            (Some(IlType::Val(kind)), _) => {
                let v = self.b.inst_results(inst)[0];
                let v = self.normalize(v, kind);
                stack.push((v, StackType::of(kind)));
            }
            (Some(IlType::Struct(layout)), Some(buffer)) => {
                stack.push((buffer, StackType::Struct(layout)));
            }
            _ => {}
        }
    }
}
