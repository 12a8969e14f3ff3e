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

/// A delegate type extends `System.MulticastDelegate`.
fn is_delegate(asm: &Assembly, owner: u32) -> bool {
    asm.type_def(owner).is_ok_and(|td| {
        asm.type_name(td.extends)
            .is_ok_and(|(ns, name)| ns == "System" && name == "MulticastDelegate")
    })
}

/// The static `.cctor` of TypeDef `owner`, if it has one.
pub(crate) fn cctor_of(asm: &Assembly, owner: u32) -> Option<u32> {
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
        Stloc0 | Stloc1 | Stloc2 | Stloc3 | StlocS | Stloc | StargS | Starg => true,
        StelemI | StelemI1 | StelemI2 | StelemI4 | StelemI8 | StelemR4 | StelemR8 | StelemRef
        | Stelem => true,
        // Control flow and arithmetic that cannot throw.
        Br | BrS | Brfalse | BrfalseS | Brtrue | BrtrueS | Beq | BeqS | Bge | BgeS | Bgt | BgtS
        | Ble | BleS | Blt | BltS | BneUn | BneUnS | BgeUn | BgeUnS | BgtUn | BgtUnS | BleUn
        | BleUnS | BltUn | BltUnS | Switch => true,
        Add | Sub | Mul | And | Or | Xor | Shl | Shr | ShrUn | Neg | Not | Ceq | Cgt | CgtUn
        | Clt | CltUn => true,
        // A delegate of a method (its constructor is the runtime's); `typeof`'s cast.
        Ldftn | Castclass => true,
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
    let (class, name, definitions) = match method.table() {
        Some(TableId::MethodDef) => {
            let Ok(callee_owner) = asm.method_owner(method.rid()) else {
                return false;
            };
            let Ok(row) = asm.method_def(method.rid()) else {
                return false;
            };
            (
                Token::new(TableId::TypeDef, callee_owner),
                row.name,
                vec![method.rid()],
            )
        }
        Some(TableId::MemberRef) => {
            let Ok(parts) = asm.member_ref_parts(method.rid()) else {
                return false;
            };
            let Some(class) = definition_of(asm, parts.parent) else {
                return false;
            };
            // A member of this assembly's generic class: every method of that name.
            let definitions = match class.table() {
                Some(TableId::TypeDef) => asm
                    .methods_of(class.rid())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|&m| asm.method_def(m).is_ok_and(|d| d.name == parts.name))
                    .collect(),
                _ => Vec::new(),
            };
            (class, parts.name, definitions)
        }
        Some(TableId::MethodSpec) => {
            return asm
                .method_spec(method.rid())
                .is_ok_and(|spec| call_is_quiet(asm, owner, spec.method, depth));
        }
        _ => return false,
    };
    let Ok((ns, class_name)) = asm.type_name(class) else {
        return false;
    };
    if well_known_quiet(ns, class_name, name) {
        return true;
    }
    let Some(callee_owner) = (class.table() == Some(TableId::TypeDef)).then_some(class.rid())
    else {
        return false;
    };
    // A delegate's constructor: runtime code that only stores its arguments.
    if is_delegate(asm, callee_owner) && name == ".ctor" {
        return true;
    }
    // The initialised class's own methods, or a class without an initialiser of its own to
    // run, whose bodies are quiet.
    depth > 0
        && !definitions.is_empty()
        && (callee_owner == owner || cctor_of(asm, callee_owner).is_none())
        && definitions
            .iter()
            .all(|&m| body_is_quiet(asm, owner, m, depth - 1))
}

/// Core-library methods a quiet initialiser may call: filling an array from its data,
/// `typeof`, an empty array, and the constructors of `Object` and the core collections.
fn well_known_quiet(ns: &str, class: &str, method: &str) -> bool {
    matches!(
        (ns, class, method),
        (
            "System.Runtime.CompilerServices",
            "RuntimeHelpers",
            "InitializeArray"
        ) | ("System", "Type", "GetTypeFromHandle")
            | ("System", "Array", "Empty")
            | ("System", "Object", ".ctor")
            | (
                "System.Collections.Generic" | "System.Collections",
                _,
                ".ctor"
            )
    )
}

/// The class a MemberRef's parent names: a TypeDef or TypeRef, or a generic instance's
/// definition.
fn definition_of(asm: &Assembly, parent: Token) -> Option<Token> {
    match parent.table()? {
        TableId::TypeSpec => match asm.type_spec_sig(parent.rid()).ok()? {
            TypeSig::GenericInst { generic, .. } => Some(generic),
            _ => None,
        },
        TableId::TypeDef | TableId::TypeRef => Some(parent),
        _ => None,
    }
}
