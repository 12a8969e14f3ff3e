//! Which classes a method initialises when it is first called: the class-init cells its
//! entry checks, in order.
//!
//! ## Why at entry
//! ECMA-335 II.10.5.3 lets a `beforefieldinit` class run its `.cctor` at any time before the
//! first access of one of its static fields, and a precise class exactly at the first access
//! of a static member or the first instance. Mono 6.8 (JIT and AOT alike) runs them when it
//! *prepares* a method, at its first call, before any of the method's code runs:
//!
//! 1. for every static field access in the method's own IL of a `beforefieldinit` class
//!    with a `.cctor`, that class, in IL order (`mini_field_access_needs_cctor_run` and
//!    `cfg->run_cctors` in `method-to-ir.c` when JIT-compiling; the `SFLDA` patches an AOT
//!    method's `init_method` resolves, `mono_resolve_patch_target`);
//! 2. then the method's own class, whatever its kind, when it has a `.cctor`
//!    (`mono_jit_compile_method_inner` and `mono_jit_compile_method_with_opt` end with
//!    `mono_runtime_class_init_full` of `method->klass`).
//!
//! A program sees the difference when an initialiser prints, or throws: mono raises the
//! `TypeInitializationException` at the call of the method, not inside it. Precise classes'
//! static field accesses keep their check at the access (mono's `emit_class_init` there),
//! which their cells already make.
//!
//! ## What is left out
//! A class whose `.cctor` cannot be observed, because it only computes its own statics from
//! constants, arrays and objects whose constructors have no effects ([`cctor_is_quiet`]),
//! gets no entry check for rules 1 and 2: running it at its first field access instead is
//! indistinguishable, and the checks would cost every call (most of mscorlib's classes with
//! a `.cctor` are of this kind). The static methods and constructors of a precise class keep
//! their check whatever the `.cctor` (ECMA-335's precise rule, as before). Rule 1 looks only
//! at fields of this assembly's classes (a `TypeRef`'s class would need the other
//! assembly); value types follow the same rules as mono.
//!
//! Depends on `ngen-metadata` (read-only) and `ngen-abi`'s cell keys.

use ngen_abi::image::{CellKey, CellKind};
use ngen_metadata::il::{Instruction, Opcode, Operand};
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

use ngen_metadata::flags::{method_attributes::STATIC, type_attributes::BEFORE_FIELD_INIT};

/// How deep [`cctor_is_quiet`] follows the constructors and same-class methods a `.cctor`
/// calls.
const QUIET_DEPTH: u32 = 2;

/// The class-init cells MethodDef `rid` checks on entry, in the order mono initialises the
/// classes (see the module doc): empty for a `.cctor` and for methods that initialise nothing
/// observable.
pub(crate) fn entry_class_inits(asm: &Assembly, rid: u32) -> Vec<CellKey> {
    let Ok(method) = asm.method_def(rid) else {
        return Vec::new();
    };
    if method.name == ".cctor" {
        return Vec::new();
    }
    let mut keys: Vec<CellKey> = Vec::new();
    let mut push = |key: CellKey| {
        if !keys.contains(&key) {
            keys.push(key);
        }
    };
    // Rule 1: static fields of loud beforefieldinit classes, in IL order.
    if let Ok(Some(body)) = asm.method_body(rid) {
        for ins in ngen_metadata::il::decode(body.code) {
            let Ok(ins) = ins else { break };
            if !matches!(
                ins.opcode,
                Opcode::Ldsfld | Opcode::Ldsflda | Opcode::Stsfld
            ) {
                continue;
            }
            let Operand::Token(field) = ins.operand else {
                continue;
            };
            if let Some((class_token, owner)) = field_class(asm, field)
                && is_before_field_init(asm, owner)
                && cctor_of(asm, owner).is_some_and(|cctor| !cctor_is_quiet(asm, owner, cctor))
            {
                push(CellKey::new(CellKind::ClassInit, class_token.0));
            }
        }
    }
    // Rule 2: the method's own class.
    if let Ok(owner) = asm.method_owner(rid)
        && let Some(cctor) = cctor_of(asm, owner)
    {
        let own = CellKey::new(CellKind::ClassInit, Token::new(TableId::TypeDef, owner).0);
        if precise_entry(asm, owner, method.flags & STATIC != 0, method.name)
            || !cctor_is_quiet(asm, owner, cctor)
        {
            push(own);
        }
    }
    keys
}

/// ECMA-335's precise rule: a static method or an instance constructor of a precise reference
/// class initialises it on entry (value types' triggers are left to mono's rule 2).
fn precise_entry(asm: &Assembly, owner: u32, is_static: bool, name: &str) -> bool {
    (is_static || name == ".ctor")
        && !is_before_field_init(asm, owner)
        && !is_value_type(asm, owner)
}

/// The class a static field token names, as a class-init cell token (the TypeDef, or the
/// TypeSpec of a generic instance, which resolves in the method's context), and its TypeDef
/// rid in this assembly; `None` for another assembly's class or a bad token.
fn field_class(asm: &Assembly, field: Token) -> Option<(Token, u32)> {
    match field.table()? {
        TableId::Field => {
            let owner = asm.field_owner(field.rid()).ok()?;
            Some((Token::new(TableId::TypeDef, owner), owner))
        }
        TableId::MemberRef => {
            let parent = asm.member_ref_parts(field.rid()).ok()?.parent;
            match parent.table()? {
                TableId::TypeDef => Some((parent, parent.rid())),
                TableId::TypeSpec => match asm.type_spec_sig(parent.rid()).ok()? {
                    TypeSig::GenericInst { generic, .. }
                        if generic.table() == Some(TableId::TypeDef) =>
                    {
                        Some((parent, generic.rid()))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_before_field_init(asm: &Assembly, owner: u32) -> bool {
    asm.type_def(owner)
        .is_ok_and(|td| td.flags & BEFORE_FIELD_INIT != 0)
}

/// A value type extends `System.ValueType` or `System.Enum`.
fn is_value_type(asm: &Assembly, owner: u32) -> bool {
    asm.type_def(owner).is_ok_and(|td| {
        asm.type_name(td.extends)
            .is_ok_and(|(ns, name)| ns == "System" && (name == "ValueType" || name == "Enum"))
    })
}

/// The static `.cctor` of TypeDef `owner`, if it has one.
fn cctor_of(asm: &Assembly, owner: u32) -> Option<u32> {
    asm.methods_of(owner).ok()?.into_iter().find(|&m| {
        asm.method_def(m)
            .is_ok_and(|row| row.name == ".cctor" && row.flags & STATIC != 0)
    })
}

/// Whether running class `owner`'s `.cctor` (MethodDef `cctor`) earlier or later cannot be
/// observed: its IL only computes values from constants, arguments and locals, fills arrays
/// (`RuntimeHelpers.InitializeArray` included), stores the class's own statics, and makes
/// objects whose constructors are `Object`'s, a core collection's, or this assembly's quiet
/// ones (followed [`QUIET_DEPTH`] deep). Anything else — a call elsewhere, a field of another
/// class, an instruction that can throw for a reason other than memory — makes it loud.
pub(crate) fn cctor_is_quiet(asm: &Assembly, owner: u32, cctor: u32) -> bool {
    body_is_quiet(asm, owner, cctor, QUIET_DEPTH)
}

fn body_is_quiet(asm: &Assembly, owner: u32, rid: u32, depth: u32) -> bool {
    let Ok(Some(body)) = asm.method_body(rid) else {
        return false;
    };
    ngen_metadata::il::decode(body.code)
        .all(|ins| ins.is_ok_and(|ins| instruction_is_quiet(asm, owner, &ins, depth)))
}

/// `owner` is the class being initialised, whose statics are the only ones a quiet body
/// touches (in the methods it calls too).
fn instruction_is_quiet(asm: &Assembly, owner: u32, ins: &Instruction<'_>, depth: u32) -> bool {
    use Opcode::*;
    match ins.opcode {
        Nop | Ret | Dup | Pop | Ldnull | Ldstr | LdcI4M1 | LdcI4_0 | LdcI4_1 | LdcI4_2
        | LdcI4_3 | LdcI4_4 | LdcI4_5 | LdcI4_6 | LdcI4_7 | LdcI4_8 | LdcI4S | LdcI4 | LdcI8
        | LdcR4 | LdcR8 | ConvI1 | ConvI2 | ConvI4 | ConvI8 | ConvR4 | ConvR8 | ConvU4 | ConvU8
        | ConvU2 | ConvU1 | ConvI | ConvU | Ldtoken | Newarr | Initobj | Box => true,
        Ldarg0 | Ldarg1 | Ldarg2 | Ldarg3 | LdargS | Ldarg | LdargaS | Ldarga => true,
        Ldloc0 | Ldloc1 | Ldloc2 | Ldloc3 | LdlocS | Ldloc | LdlocaS | Ldloca => true,
        Stloc0 | Stloc1 | Stloc2 | Stloc3 | StlocS | Stloc => true,
        StelemI | StelemI1 | StelemI2 | StelemI4 | StelemI8 | StelemR4 | StelemR8 | StelemRef
        | Stelem => true,
        // Instance fields of the objects it makes.
        Stfld | Ldfld => true,
        Ldsfld | Ldsflda | Stsfld => match ins.operand {
            Operand::Token(field) => field_class(asm, field).is_some_and(|(_, o)| o == owner),
            _ => false,
        },
        Call | Newobj => match ins.operand {
            Operand::Token(method) => call_is_quiet(asm, owner, method, depth),
            _ => false,
        },
        _ => false,
    }
}

/// Whether calling `method` from a quiet body keeps it quiet.
fn call_is_quiet(asm: &Assembly, owner: u32, method: Token, depth: u32) -> bool {
    match method.table() {
        Some(TableId::MethodDef) => {
            depth > 0
                && asm.method_owner(method.rid()).is_ok_and(|m_owner| {
                    let is_ctor = asm
                        .method_def(method.rid())
                        .is_ok_and(|m| m.name == ".ctor");
                    m_owner == owner || is_ctor
                })
                && body_is_quiet(asm, owner, method.rid(), depth - 1)
        }
        Some(TableId::MemberRef) => {
            let Ok(parts) = asm.member_ref_parts(method.rid()) else {
                return false;
            };
            let Ok((ns, name)) = parent_name(asm, parts.parent) else {
                return false;
            };
            match parts.name {
                "InitializeArray" => {
                    ns == "System.Runtime.CompilerServices" && name == "RuntimeHelpers"
                }
                ".ctor" => {
                    (ns == "System" && name == "Object")
                        || ns == "System.Collections.Generic"
                        || ns == "System.Collections"
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The namespace and name of a MemberRef's parent class (a generic instance's definition).
fn parent_name(asm: &Assembly, parent: Token) -> Result<(&str, &str), ()> {
    match parent.table() {
        Some(TableId::TypeSpec) => match asm.type_spec_sig(parent.rid()).map_err(drop)? {
            TypeSig::GenericInst { generic, .. } => asm.type_name(generic).map_err(drop),
            _ => Err(()),
        },
        _ => asm.type_name(parent).map_err(drop),
    }
}
