//! Vectors (single-dimensional, zero-based arrays of primitives, enums and structs): `newarr`
//! (ECMA-335 III.4.20, through the `NewArray` helper, or `NewScannedArray` for structs
//! holding references, so the collector sees them), `ldlen` (III.4.12), `ldelem` and
//! `ldelem.<type>` (III.4.7-4.8), `ldelema` (III.4.9), `stelem` and `stelem.<type>`
//! (III.4.26-4.27), with the null and bounds checks they imply. Struct elements are copied
//! in and out ([`super::value_types`]). `newarr` stores the array type's method table
//! (cell kind 6) in the new array's header; `stelem.ref` (and `stelem` of a reference type)
//! checks covariance through the `ArrayStoreCheck` helper (ArrayTypeMismatchException), and
//! `ldelema` of a reference type that the array is exactly `T[]` (the same cell kind).
//!
//! Depends on: cranelift-frontend, `ngen_abi::object` (array layout), [`super::memory`],
//! [`super::eh`].

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::helpers::HelperId;
use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};
use ngen_metadata::il::{Instruction, Opcode};

use super::stack::Stack;
use super::{Reject, Res, Translator, cells, flags, trusted};
use crate::types::{IlType, StackType, ValKind};

impl<'a, 'f> Translator<'a, 'f> {
    /// `newarr`, `ldlen`, `ldelem*`, `stelem*` (not `.ref`), `ldelema`.
    /// Whether `ins` follows a `readonly.` prefix (III.2.3): its address is only read, so
    /// `ldelema` skips the exact-type check (`Array.IndexOf<object>` over a `string[]`).
    fn has_readonly_prefix(&self, ins: &Instruction<'_>) -> bool {
        let instrs = self.input.instrs;
        let at = instrs.partition_point(|i| i.offset < ins.offset);
        at > 0 && instrs[at - 1].opcode == Opcode::Readonly
    }

    pub(super) fn translate_array(&mut self, ins: &Instruction<'_>, stack: &mut Stack) -> Res<()> {
        use Opcode as O;
        match ins.opcode {
            O::Ldlen => {
                let (arr, t) = stack.pop1()?;
                if t != StackType::O {
                    return Err(Reject::new(format!("ldlen of {}", t.name())));
                }
                self.null_check(arr);
                let len = self.b.ins().load(I64, flags(), arr, ARRAY_LENGTH_OFFSET);
                stack.push((len, StackType::I));
            }
            O::LdelemI1
            | O::LdelemU1
            | O::LdelemI2
            | O::LdelemU2
            | O::LdelemI4
            | O::LdelemU4
            | O::LdelemI8
            | O::LdelemI
            | O::LdelemR4
            | O::LdelemR8
            | O::LdelemRef
            | O::Ldelem => {
                let ty = self.element_type(ins)?;
                let (arr, index, it) = self.pop_array_index(stack, "ldelem")?;
                let addr = self.element_addr(ins.offset, (arr, index, it), ty.size());
                let entry = self.load_value(ty, addr);
                stack.push(entry);
            }
            O::StelemI1
            | O::StelemI2
            | O::StelemI4
            | O::StelemI8
            | O::StelemI
            | O::StelemR4
            | O::StelemR8
            | O::StelemRef
            | O::Stelem => {
                let ty = self.element_type(ins)?;
                let entry = stack.pop1()?;
                let (arr, index, it) = self.pop_array_index(stack, "stelem")?;
                let addr = self.element_addr(ins.offset, (arr, index, it), ty.size());
                if ty == IlType::Val(ValKind::Ref) {
                    self.array_store_check(arr, entry)?;
                }
                self.store_value(ty, entry, addr)?;
            }
            O::Ldelema => {
                let ty = self.element_type(ins)?;
                let (arr, index, it) = self.pop_array_index(stack, "ldelema")?;
                let addr = self.element_addr(ins.offset, (arr, index, it), ty.size());
                if ty == IlType::Val(ValKind::Ref) && !self.has_readonly_prefix(ins) {
                    // The address of a reference element must not let a store bypass the
                    // covariance check: the array must be exactly `T[]` (III.4.9, without
                    // `readonly.`), else ArrayTypeMismatchException, as Mono checks it.
                    let mt_key = cells::extra_key_of(ins)
                        .ok_or_else(|| Reject::new("missing token operand"))?;
                    let mt_cell = self.env.cell(mt_key, &mut self.b)?;
                    let expected = self.cell_target(mt_cell);
                    let actual = self.b.ins().load(I64, flags(), arr, 0);
                    let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
                    self.throw_if(mismatch, ExceptionKind::ArrayTypeMismatch);
                }
                stack.push((addr, StackType::Ptr));
            }
            O::Newarr => {
                let ty = self.element_type(ins)?;
                let (n, t) = stack.pop1()?;
                let length = match t {
                    StackType::I4 => self.b.ins().sextend(I64, n),
                    StackType::I => n,
                    _ => {
                        return Err(Reject::new(format!("newarr with a {} length", t.name())));
                    }
                };
                let scanned = match ty {
                    IlType::Struct(_) => self
                        .env
                        .value_has_references(Self::token(ins)?)
                        .map_err(Reject::new)?,
                    IlType::Val(kind) => kind == ValKind::Ref,
                };
                let array = self.allocate_array(ins, scanned, length, i64::from(ty.size()))?;
                stack.push((array, StackType::O));
            }
            _ => return Err(Self::misrouted(ins)),
        }
        Ok(())
    }

    /// A zeroed array of `length` elements of `element_size` bytes from the `NewArray` helper
    /// (`NewScannedArray` when the collector must scan it), with the method table of the
    /// instruction's array cell in its header (for casts, virtual calls and the covariance
    /// check of `stelem.ref`). A length the helper refuses leaves an exception pending.
    pub(super) fn allocate_array(
        &mut self,
        ins: &Instruction<'_>,
        scanned: bool,
        length: Value,
        element_size: i64,
    ) -> Res<Value> {
        let id = if scanned {
            HelperId::NewScannedArray
        } else {
            HelperId::NewArray
        };
        let helper = self.helper(id);
        let sig = self.helper_sig(id);
        let size = self.b.ins().iconst(I64, element_size);
        let call = self.b.ins().call_indirect(sig, helper, &[length, size]);
        let array = self.b.inst_results(call)[0];
        self.check_pending();
        let mt_key =
            cells::extra_key_of(ins).ok_or_else(|| Reject::new("missing token operand"))?;
        let mt_cell = self.env.cell(mt_key, &mut self.b)?;
        let method_table = self.cell_target(mt_cell);
        self.b.ins().store(trusted(), method_table, array, 0);
        Ok(array)
    }

    /// The primitive element kind named by an array instruction's type token.
    pub(super) fn array_kind(&mut self, ins: &Instruction<'_>) -> Res<ValKind> {
        let token = Self::token(ins)?;
        self.env.array_element(token).map_err(Reject::new)
    }

    /// The element type an array instruction reads or writes: fixed by the typed opcodes, or
    /// named by the token (a primitive, an enum, a struct or a reference type).
    pub(super) fn element_type(&mut self, ins: &Instruction<'_>) -> Res<IlType> {
        let primitive = match self.accessed_kind(ins) {
            Ok(kind) => return Ok(IlType::Val(kind)),
            Err(reason) => reason,
        };
        self.env.il_type(Self::token(ins)?).map_err(|_| primitive)
    }

    /// `stelem.ref`'s covariance check (III.4.27): a non-null reference must be assignable
    /// to the array's element type (the `ArrayStoreCheck` helper asks the type system, once
    /// per pair of method tables), else ArrayTypeMismatchException. The array is not null
    /// (its bounds were checked).
    pub(super) fn array_store_check(
        &mut self,
        arr: Value,
        (value, t): (Value, StackType),
    ) -> Res<()> {
        // A class method's `this` travels as `&` (`MethodShape::arg_types`): storing it (as
        // `MulticastDelegate.CombineImpl` does) stores the object.
        if !matches!(t, StackType::O | StackType::Ptr) {
            return Err(Reject::new(format!("stelem.ref of {}", t.name())));
        }
        let check = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(value, check, &[], done, &[]);
        self.b.switch_to_block(check);
        let helper = self.helper(HelperId::ArrayStoreCheck);
        let sig = self.helper_sig(HelperId::ArrayStoreCheck);
        let call = self.b.ins().call_indirect(sig, helper, &[arr, value]);
        let ok = self.b.inst_results(call)[0];
        let mismatch = self.b.ins().icmp_imm_s(IntCC::Equal, ok, 0);
        self.throw_if(mismatch, ExceptionKind::ArrayTypeMismatch);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// Pops the index and then the array of an element instruction (`ldelem`, `stelem`,
    /// `ldelema`, named by `what` in the exclusion reason): an object reference and an
    /// `int32` or `native int` index. Returns (array, index, index type).
    fn pop_array_index(&self, stack: &mut Stack, what: &str) -> Res<(Value, Value, StackType)> {
        let (index, it) = stack.pop1()?;
        let (arr, t) = stack.pop1()?;
        if t != StackType::O || !matches!(it, StackType::I4 | StackType::I) {
            return Err(Reject::new(format!(
                "{what} on {} with {} index",
                t.name(),
                it.name()
            )));
        }
        Ok((arr, index, it))
    }

    /// The address of element `index` (of stack type `it`) of `arr`, for the instruction at
    /// IL offset `offset`: after the null and bounds checks, unless a counted loop proves
    /// them ([`super::bounds`]) or the same access was checked earlier in the block
    /// ([`super::check_facts`]).
    fn element_addr(
        &mut self,
        offset: u32,
        (arr, index, it): (Value, Value, StackType),
        size: u32,
    ) -> Value {
        let proven = (it == StackType::I4 && self.proven_in_bounds(offset, arr, index))
            || self.facts.known_in_bounds(arr, index);
        let named = index;
        let index = if it == StackType::I4 {
            self.b.ins().sextend(I64, index)
        } else {
            index
        };
        if !proven {
            if !self.facts.known_non_null(arr) {
                self.null_check(arr);
            }
            let len = self.b.ins().load(I64, flags(), arr, ARRAY_LENGTH_OFFSET);
            let out = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
            self.throw_if(out, ExceptionKind::IndexOutOfRange);
            self.facts.record(arr, named);
        }
        let scaled = self.b.ins().imul_imm_s(index, size as i64);
        let base = self.b.ins().iadd(arr, scaled);
        self.b.ins().iadd_imm_s(base, ARRAY_DATA_OFFSET as i64)
    }
}
