//! Which core-library `System.Math` calls compile to instructions, as mono 6.8's JIT does on
//! x86-64 (`mono_arch_emit_inst_for_method`, mono/mini/mini-amd64.c), and which calls of a
//! literal it folds at compile time (`mini_emit_inst_for_method`, mono/mini/intrinsics.c).
//!
//! The instructions, each giving exactly the bits mono's does:
//! - `Sqrt(double)`: mono's x87 `fsqrt` runs with the precision control set to double
//!   (`mono_arch_cpu_init`), so it is correctly rounded, as `sqrtsd` is;
//! - `Abs(double)`: clearing the sign bit (`andpd`), NaN and negative zero included;
//! - `Min`/`Max` of `int`, `uint`, `long` and `ulong` (`MONO_OPT_CMOV`, on by default): a
//!   compare and a select;
//! - `Sin`/`Cos(double)`: x87 `fsin`/`fcos` (64-bit extended argument reduction, arguments
//!   beyond 2^63 returned unchanged), whose results differ from libm's: Cranelift has no x87,
//!   so these call the runtime's `SinX87`/`CosX87` helpers;
//! - `Round`/`Floor`/`Ceiling(double)`: SSE4.1 `roundsd` (round half to even, quiet NaNs),
//!   only where mono JIT-compiles (`!cfg->compile_aot`): not in mscorlib, which Debian's mono
//!   runs from its AOT image (`mono/aot-cache/amd64/mscorlib.dll.so`), where they stay
//!   internal calls (whose `Round` differs: `floor(x + 0.5)`, corrected on exact ties).
//!
//! Every other member (`Tan`, `Pow`, `Exp`, `Truncate`, the `double` `Min`/`Max`, ...) is
//! mscorlib's own IL or internal call, as under mono.
//!
//! Folding: mono evaluates `Math.<m>(c)` of an `ldc.r8` literal with the C library at compile
//! time. For most members that is what the run-time call computes too; three differ and are
//! folded here: `Round` (C `round`, half away from zero: `Math.Round(2.5)` is 3 while
//! `Math.Round(x)` with `x == 2.5` is 2) and `Sin`/`Cos` (libm, not x87; mono leaves infinite
//! arguments to run time).
//!
//! Depends on: `ngen_metadata` (the call's MemberRef, or MethodDef inside mscorlib), libm.

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
    /// `Math.Round`/`Floor`/`Ceiling(double)`: `roundsd` with this mode.
    RoundToIntegral(Rounding),
    /// `Math.Sin`/`Cos(double)`: the x87 instruction, through its runtime helper.
    X87(X87Function),
}

/// The rounding of a `roundsd` (its immediate: 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// To nearest, ties to even (`Math.Round`).
    NearestEven,
    /// Toward negative infinity (`Math.Floor`).
    Floor,
    /// Toward positive infinity (`Math.Ceiling`).
    Ceiling,
}

/// An x87 transcendental instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum X87Function {
    /// `fsin`.
    Sin,
    /// `fcos`.
    Cos,
}

/// The intrinsic `call token` of `asm` is, if it is one.
pub fn recognize(asm: &Assembly, token: Token) -> Option<MathIntrinsic> {
    let (name, params, ret) = math_method(asm, token)?;
    use TypeSig as T;
    match (name, params.as_slice(), &ret) {
        ("Sqrt", [T::R8], T::R8) => Some(MathIntrinsic::Sqrt),
        ("Abs", [T::R8], T::R8) => Some(MathIntrinsic::AbsR8),
        ("Sin", [T::R8], T::R8) => Some(MathIntrinsic::X87(X87Function::Sin)),
        ("Cos", [T::R8], T::R8) => Some(MathIntrinsic::X87(X87Function::Cos)),
        ("Round" | "Floor" | "Ceiling", [T::R8], T::R8) if !is_mscorlib(asm) => {
            Some(MathIntrinsic::RoundToIntegral(match name {
                "Round" => Rounding::NearestEven,
                "Floor" => Rounding::Floor,
                _ => Rounding::Ceiling,
            }))
        }
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

/// The value mono's JIT folds `call token` of the literal `argument` to, when it differs from
/// what the call computes at run time (see the module documentation); `None` otherwise.
pub fn fold_literal(asm: &Assembly, token: Token, argument: f64) -> Option<f64> {
    let (name, params, ret) = math_method(asm, token)?;
    if params != [TypeSig::R8] || ret != TypeSig::R8 {
        return None;
    }
    folded_value(name, argument)
}

/// Mono's compile-time value of `Math.<name>(argument)` for the members folded here.
fn folded_value(name: &str, argument: f64) -> Option<f64> {
    match name {
        "Round" => Some(argument.round()),
        "Sin" if !argument.is_infinite() => Some(libm::sin(argument)),
        "Cos" if !argument.is_infinite() => Some(libm::cos(argument)),
        _ => None,
    }
}

/// The C library's functions mono's JIT folds with.
mod libm {
    unsafe extern "C" {
        pub safe fn sin(x: f64) -> f64;
        pub safe fn cos(x: f64) -> f64;
    }
}

/// Whether `asm` is the core library.
fn is_mscorlib(asm: &Assembly) -> bool {
    asm.assembly_row()
        .is_ok_and(|row| row.name.eq_ignore_ascii_case("mscorlib"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_follows_mono() {
        assert_eq!(folded_value("Round", 2.5), Some(3.0));
        assert_eq!(folded_value("Round", -0.5), Some(-1.0));
        assert_eq!(folded_value("Sin", 0.0), Some(0.0));
        assert_eq!(folded_value("Sin", f64::INFINITY), None);
        assert_eq!(folded_value("Cos", f64::NEG_INFINITY), None);
        assert_eq!(folded_value("Sqrt", 2.0), None);
        assert_eq!(folded_value("Floor", 2.5), None);
    }
}
