//! The call profile's text (`NGEN_PROFILE=calls:FILE`): one line per method,
//! `COUNT<TAB>INCLUSIVE_MS<TAB>EXCLUSIVE_MS<TAB>Namespace.Type::Method(sig)`, sorted by count
//! (most called first), then by name. Times are milliseconds with three decimals.
//!
//! Method names are mono's trace names (`mono --trace` prints `Demo.Fib:F (int)`; we print
//! `Demo.Fib::F(int)`): parameter types as `mono_type_get_desc` writes them (`int`, `string`,
//! `long`, `single`, `uint16`, `System.Text.StringBuilder`, `int[]`, `int&`, nested types as
//! `Outer/Inner`), separated by `,` without spaces, so a profile compares with mono's trace
//! line for line.
//!
//! Depends on: ngen-metadata (signatures, type names), [`crate::state`] (the loaded metadata),
//! [`crate::type_desc`].

use std::fmt::Write;

use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

use crate::profile::MethodStats;

/// The profile's text.
pub(crate) fn render(methods: &[MethodStats]) -> String {
    let mut lines: Vec<(u64, String, u64, u64)> = methods
        .iter()
        .filter(|m| m.calls > 0)
        .map(|m| {
            let name = (m.rid != 0)
                .then(|| crate::state::try_with_metadata(m.asm, |asm| trace_name(asm, m.rid)))
                .flatten()
                .unwrap_or_else(|| m.fallback_name.clone());
            (m.calls, name, m.inclusive_ns, m.exclusive_ns)
        })
        .collect();
    lines.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = String::new();
    for (calls, name, inclusive, exclusive) in lines {
        let _ = writeln!(
            out,
            "{calls}\t{}\t{}\t{name}",
            milliseconds(inclusive),
            milliseconds(exclusive)
        );
    }
    out
}

fn milliseconds(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000_000, (ns / 1_000) % 1_000)
}

/// `Namespace.Type::Method(params)` of MethodDef `rid`, types named as mono's trace names them.
pub(crate) fn trace_name(asm: &Assembly, rid: u32) -> String {
    let mut out = ngen_compiler::method_display_name(asm, rid);
    out.push('(');
    let sig = asm
        .method_def(rid)
        .ok()
        .and_then(|m| asm.method_sig(m.signature).ok());
    if let Some(sig) = sig {
        for (i, param) in sig.params.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_type(asm, &mut out, param, 0);
        }
    }
    out.push(')');
    out
}

/// `mono_type_get_desc` (mono/metadata/debug-helpers.c) with namespaces.
fn write_type(asm: &Assembly, out: &mut String, t: &TypeSig, depth: u32) {
    if depth > 32 {
        out.push_str("...");
        return;
    }
    if let Some(simple) = crate::type_desc::element_type_desc(t) {
        out.push_str(simple);
        return;
    }
    match t {
        TypeSig::Class(token) | TypeSig::ValueType(token) => out.push_str(&class_name(asm, *token)),
        TypeSig::SzArray(element) => {
            write_type(asm, out, element, depth + 1);
            out.push_str("[]");
        }
        TypeSig::Array { element, rank, .. } => {
            write_type(asm, out, element, depth + 1);
            out.push('[');
            for _ in 1..*rank {
                out.push(',');
            }
            out.push(']');
        }
        TypeSig::Ptr(inner) => {
            write_type(asm, out, inner, depth + 1);
            out.push('*');
        }
        TypeSig::ByRef(inner) => {
            write_type(asm, out, inner, depth + 1);
            out.push('&');
        }
        TypeSig::GenericInst { generic, args, .. } => {
            out.push_str(&class_name(asm, *generic));
            out.push('<');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_type(asm, out, arg, depth + 1);
            }
            out.push('>');
        }
        TypeSig::Var(n) => {
            let _ = write!(out, "!{n}");
        }
        TypeSig::MVar(n) => {
            let _ = write!(out, "!!{n}");
        }
        TypeSig::Modified { inner, .. } | TypeSig::Pinned(inner) => {
            write_type(asm, out, inner, depth + 1)
        }
        _ => out.push_str("<unknown>"),
    }
}

/// A TypeDef's or TypeRef's `Namespace.Name` (nested: `Outer/Inner`), without an assembly.
fn class_name(asm: &Assembly, token: Token) -> String {
    let name = match token.table() {
        Some(TableId::TypeDef) => asm.type_def_full_name(token.rid()).ok(),
        Some(TableId::TypeRef) => asm.type_ref_full_name(token.rid()).ok(),
        _ => None,
    };
    name.unwrap_or_else(|| asm.token_type_name(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_have_three_decimals() {
        assert_eq!(milliseconds(0), "0.000");
        assert_eq!(milliseconds(1_234_567), "1.234");
        assert_eq!(milliseconds(12_000_999_999), "12000.999");
    }

    #[test]
    fn lines_are_sorted_by_count_then_name() {
        let stats = |calls, name: &str| MethodStats {
            calls,
            fallback_name: name.into(),
            inclusive_ns: 2_000_000,
            exclusive_ns: 1_000,
            ..MethodStats::default()
        };
        let text = render(&[
            stats(1, "P::Main()"),
            stats(5, "P::B()"),
            stats(5, "P::A()"),
        ]);
        assert_eq!(
            text,
            "5\t2.000\t0.001\tP::A()\n5\t2.000\t0.001\tP::B()\n1\t2.000\t0.001\tP::Main()\n"
        );
    }
}
