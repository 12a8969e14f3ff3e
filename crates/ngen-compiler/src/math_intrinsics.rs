//! Which core-library `System.Math` calls compile to one machine instruction, as mono's JIT
//! does on x86-64 (`mono_arch_emit_inst_for_method`, mono/mini/mini-amd64.c): `Sqrt(double)`
//! (`sqrtsd`), `Abs(double)` (clearing the sign bit), and with `MONO_OPT_CMOV` (on by
//! default) `Min`/`Max` of `int`, `uint`, `long` and `ulong` (a compare and a select). Each
//! gives exactly the bits of the managed or C implementation it replaces (IEEE square root
//! is correctly rounded; `fabs` only clears the sign, NaN and negative zero included), so
//! only the call's cost changes. `Sin`/`Cos` (x87 on mono, whose results differ from libm's)
//! and the `double` `Min`/`Max` (mono calls them) stay calls.
//!
//! Depends on: `ngen_metadata` (the call's MemberRef, or MethodDef inside mscorlib).

use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

/// The instruction a `System.Math` call becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathIntrinsic {
    /// `Math.Sqrt(double)`.
    Sqrt,
    /// `Math.Abs(double)`.
    AbsR8,
    /// `Math.Min`/`Max` of two integers: `max`, `unsigned`, `wide` (64-bit).
    MinMax {
        max: bool,
        unsigned: bool,
        wide: bool,
    },
}

/// The intrinsic `call token` is, if it is one.
pub fn recognize(asm: &Assembly, token: Token) -> Option<MathIntrinsic> {
    let (name, params, ret) = math_method(asm, token)?;
    use TypeSig as T;
    match (name, params.as_slice(), &ret) {
        ("Sqrt", [T::R8], T::R8) => Some(MathIntrinsic::Sqrt),
        ("Abs", [T::R8], T::R8) => Some(MathIntrinsic::AbsR8),
        ("Min" | "Max", [a, b], r) if a == b && b == r => {
            let (unsigned, wide) = match a {
                T::I4 => (false, false),
                T::U4 => (true, false),
                T::I8 => (false, true),
                T::U8 => (true, true),
                _ => return None,
            };
            Some(MathIntrinsic::MinMax {
                max: name == "Max",
                unsigned,
                wide,
            })
        }
        _ => None,
    }
}

/// The name, parameter types and return type of the static `System.Math` method of the core
/// library that `token` names (a MemberRef into mscorlib, or a MethodDef of mscorlib itself).
fn math_method(asm: &Assembly, token: Token) -> Option<(&str, Vec<TypeSig>, TypeSig)> {
    match token.table()? {
        TableId::MemberRef => {
            let parts = asm.member_ref_parts(token.rid()).ok()?;
            if parts.parent.table() != Some(TableId::TypeRef) {
                return None;
            }
            let type_ref = asm.type_ref(parts.parent.rid()).ok()?;
            let scope = type_ref.resolution_scope;
            let corlib = scope.table() == Some(TableId::AssemblyRef)
                && asm
                    .assembly_ref(scope.rid())
                    .is_ok_and(|r| r.name.eq_ignore_ascii_case("mscorlib"));
            if !corlib || (type_ref.namespace, type_ref.name) != ("System", "Math") {
                return None;
            }
            let MemberRefSig::Method(sig) = parts.signature else {
                return None;
            };
            (!sig.has_this).then_some((parts.name, sig.params, sig.ret))
        }
        TableId::MethodDef => {
            let own = asm.assembly_row().ok()?.name;
            let owner = asm.type_def(asm.method_owner(token.rid()).ok()?).ok()?;
            if !own.eq_ignore_ascii_case("mscorlib")
                || (owner.namespace, owner.name) != ("System", "Math")
            {
                return None;
            }
            let row = asm.method_def(token.rid()).ok()?;
            let sig = asm.method_sig(row.signature).ok()?;
            (!sig.has_this).then_some((row.name, sig.params, sig.ret))
        }
        _ => None,
    }
}
