//! Human-readable names for tokens and signatures, in ilasm/monodis style
//! (`class [mscorlib]System.Collections.Generic.List`1<int32>`, `!!0`, `int32&`), for
//! diagnostics, reports and `inspect`. Never fails: unreadable parts print as raw tokens.

use std::fmt::Write as _;

use crate::Assembly;
use crate::signature::{CallConv, MethodSig, TypeSig};
use crate::tables::TableId;
use crate::token::Token;

/// How deep names may nest (TypeSpecs inside TypeSpecs) before printing `...`.
const MAX_DEPTH: u32 = 32;

/// How many type nodes one name may visit: TypeSpecs can fan out exponentially.
const NODE_BUDGET: u32 = 10_000;

impl Assembly {
    /// A type token's name: `Ns.Name` for TypeDefs, `[Assembly]Ns.Name` for TypeRefs to other
    /// assemblies, the formatted signature for TypeSpecs; nested types as `Outer/Inner`.
    pub fn token_type_name(&self, token: Token) -> String {
        let mut budget = NODE_BUDGET;
        self.type_name_at(token, 0, &mut budget)
    }

    /// `depth` bounds the recursion through TypeSpecs: a hostile TypeSpec can name itself.
    fn type_name_at(&self, token: Token, depth: u32, budget: &mut u32) -> String {
        *budget = budget.saturating_sub(1);
        if depth > MAX_DEPTH || *budget == 0 {
            return "...".to_string();
        }
        let name = match token.table() {
            Some(TableId::TypeDef) => self.type_def_full_name(token.rid()).ok(),
            Some(TableId::TypeRef) => self.type_ref_full_name(token.rid()).ok().map(|n| match self
                .type_ref_assembly(token.rid())
            {
                Some(asm) => format!("[{asm}]{n}"),
                None => n,
            }),
            Some(TableId::TypeSpec) => self.type_spec_sig(token.rid()).ok().map(|t| {
                let mut out = String::new();
                self.write_type(&mut out, &t, depth + 1, budget);
                out
            }),
            _ => None,
        };
        name.unwrap_or_else(|| format!("{token:?}"))
    }

    /// The AssemblyRef name a TypeRef (or its outermost enclosing TypeRef) resolves through.
    fn type_ref_assembly(&self, rid: u32) -> Option<String> {
        let mut rid = rid;
        for _ in 0..64 {
            let scope = self.type_ref(rid).ok()?.resolution_scope;
            match scope.table()? {
                TableId::TypeRef => rid = scope.rid(),
                TableId::AssemblyRef => {
                    return Some(self.assembly_ref(scope.rid()).ok()?.name.to_string());
                }
                TableId::ModuleRef => {
                    return Some(format!(
                        ".module {}",
                        self.module_ref(scope.rid()).ok()?.name
                    ));
                }
                _ => return None,
            }
        }
        None
    }

    /// A type signature in ilasm syntax.
    pub fn format_type(&self, t: &TypeSig) -> String {
        let mut out = String::new();
        let mut budget = NODE_BUDGET;
        self.write_type(&mut out, t, 0, &mut budget);
        out
    }

    fn write_type(&self, out: &mut String, t: &TypeSig, depth: u32, budget: &mut u32) {
        *budget = budget.saturating_sub(1);
        if depth > MAX_DEPTH || *budget == 0 {
            out.push_str("...");
            return;
        }
        let d = depth + 1;
        let simple = match t {
            TypeSig::Void => "void",
            TypeSig::Boolean => "bool",
            TypeSig::Char => "char",
            TypeSig::I1 => "int8",
            TypeSig::U1 => "unsigned int8",
            TypeSig::I2 => "int16",
            TypeSig::U2 => "unsigned int16",
            TypeSig::I4 => "int32",
            TypeSig::U4 => "unsigned int32",
            TypeSig::I8 => "int64",
            TypeSig::U8 => "unsigned int64",
            TypeSig::R4 => "float32",
            TypeSig::R8 => "float64",
            TypeSig::I => "native int",
            TypeSig::U => "native unsigned int",
            TypeSig::String => "string",
            TypeSig::Object => "object",
            TypeSig::TypedByRef => "typedref",
            TypeSig::Internal => "internal",
            TypeSig::Sentinel => "...",
            _ => "",
        };
        if !simple.is_empty() {
            out.push_str(simple);
            return;
        }
        match t {
            TypeSig::Class(tok) => {
                let _ = write!(out, "class {}", self.type_name_at(*tok, d, budget));
            }
            TypeSig::ValueType(tok) => {
                let _ = write!(out, "valuetype {}", self.type_name_at(*tok, d, budget));
            }
            TypeSig::SzArray(e) => {
                self.write_type(out, e, d, budget);
                out.push_str("[]");
            }
            TypeSig::Array {
                element,
                rank,
                sizes,
                lower_bounds,
            } => {
                self.write_type(out, element, d, budget);
                out.push('[');
                for d in 0..*rank as usize {
                    if d > 0 {
                        out.push(',');
                    }
                    match (lower_bounds.get(d), sizes.get(d)) {
                        (Some(lo), Some(n)) => {
                            let _ = write!(out, "{lo}...{}", i64::from(*lo) + i64::from(*n) - 1);
                        }
                        (Some(lo), None) => {
                            let _ = write!(out, "{lo}...");
                        }
                        (None, Some(n)) => {
                            let _ = write!(out, "{n}");
                        }
                        (None, None) => {}
                    }
                }
                out.push(']');
            }
            TypeSig::Ptr(e) => {
                self.write_type(out, e, d, budget);
                out.push('*');
            }
            TypeSig::ByRef(e) => {
                self.write_type(out, e, d, budget);
                out.push('&');
            }
            TypeSig::Pinned(e) => {
                self.write_type(out, e, d, budget);
                out.push_str(" pinned");
            }
            TypeSig::GenericInst {
                is_value_type,
                generic,
                args,
            } => {
                out.push_str(if *is_value_type {
                    "valuetype "
                } else {
                    "class "
                });
                out.push_str(&self.type_name_at(*generic, d, budget));
                out.push('<');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_type(out, a, d, budget);
                }
                out.push('>');
            }
            TypeSig::Var(n) => {
                let _ = write!(out, "!{n}");
            }
            TypeSig::MVar(n) => {
                let _ = write!(out, "!!{n}");
            }
            TypeSig::FnPtr(sig) => {
                out.push_str("method ");
                self.write_method_sig(out, sig, "*", d, budget);
            }
            TypeSig::Modified {
                required,
                modifier,
                inner,
            } => {
                self.write_type(out, inner, d, budget);
                let _ = write!(
                    out,
                    " {}({})",
                    if *required { "modreq" } else { "modopt" },
                    self.type_name_at(*modifier, d, budget)
                );
            }
            _ => {}
        }
    }

    /// A method signature as `[instance] ret name(params)`.
    pub fn format_method_sig(&self, sig: &MethodSig, name: &str) -> String {
        let mut out = String::new();
        let mut budget = NODE_BUDGET;
        self.write_method_sig(&mut out, sig, name, 0, &mut budget);
        out
    }

    fn write_method_sig(
        &self,
        out: &mut String,
        sig: &MethodSig,
        name: &str,
        depth: u32,
        budget: &mut u32,
    ) {
        if sig.has_this {
            out.push_str("instance ");
        }
        match sig.call_conv {
            CallConv::VarArg => out.push_str("vararg "),
            CallConv::C => out.push_str("unmanaged cdecl "),
            CallConv::StdCall => out.push_str("unmanaged stdcall "),
            CallConv::ThisCall => out.push_str("unmanaged thiscall "),
            CallConv::FastCall => out.push_str("unmanaged fastcall "),
            CallConv::Default | CallConv::Generic(_) | CallConv::Unmanaged => {}
        }
        self.write_type(out, &sig.ret, depth + 1, budget);
        out.push(' ');
        out.push_str(name);
        if let CallConv::Generic(n) = sig.call_conv {
            let _ = write!(out, "<{n}>");
        }
        out.push('(');
        for (i, p) in sig.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if sig.sentinel == Some(i) {
                out.push_str("..., ");
            }
            self.write_type(out, p, depth + 1, budget);
        }
        out.push(')');
    }

    /// `Ns.Type::Method` for a MethodDef.
    pub fn method_full_name(&self, rid: u32) -> String {
        let name = self.method_def(rid).map(|m| m.name).unwrap_or("?");
        match self.method_owner(rid) {
            Ok(t) => format!(
                "{}::{name}",
                self.token_type_name(Token::new(TableId::TypeDef, t))
            ),
            Err(_) => format!("MethodDef({rid})::{name}"),
        }
    }

    /// A readable name for any member or type token (methods with their signatures).
    pub fn token_name(&self, token: Token) -> String {
        let rid = token.rid();
        let named = match token.table() {
            Some(TableId::TypeDef | TableId::TypeRef | TableId::TypeSpec) => {
                return self.token_type_name(token);
            }
            Some(TableId::MethodDef) => self.method_def(rid).ok().and_then(|m| {
                let sig = self.method_sig(m.signature).ok()?;
                let owner = self.method_owner(rid).ok()?;
                let owner = self.token_type_name(Token::new(TableId::TypeDef, owner));
                Some(self.format_method_sig(&sig, &format!("{owner}::{}", m.name)))
            }),
            Some(TableId::Field) => self.field(rid).ok().and_then(|f| {
                let ty = self.field_sig(f.signature).ok()?.ty;
                let owner = self.field_owner(rid).ok()?;
                let owner = self.token_type_name(Token::new(TableId::TypeDef, owner));
                Some(format!("{} {owner}::{}", self.format_type(&ty), f.name))
            }),
            Some(TableId::MemberRef) => self.member_ref_parts(rid).ok().map(|p| {
                let owner = match p.parent.table() {
                    Some(TableId::MethodDef) => self.method_full_name(p.parent.rid()),
                    _ => self.token_type_name(p.parent),
                };
                match p.signature {
                    crate::resolve::MemberRefSig::Method(sig) => {
                        self.format_method_sig(&sig, &format!("{owner}::{}", p.name))
                    }
                    crate::resolve::MemberRefSig::Field(f) => {
                        format!("{} {owner}::{}", self.format_type(&f.ty), p.name)
                    }
                }
            }),
            Some(TableId::MethodSpec) => self.method_spec(rid).ok().and_then(|s| {
                let args = self.method_spec_sig(rid).ok()?;
                let args: Vec<String> = args.0.iter().map(|a| self.format_type(a)).collect();
                Some(format!(
                    "{}<{}>",
                    self.token_name(s.method),
                    args.join(", ")
                ))
            }),
            _ => None,
        };
        named.unwrap_or_else(|| format!("{token:?}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::signature::TypeSig;
    use crate::tables::TableId;
    use crate::token::Token;

    /// A TypeSpec whose blob names itself must print, not recurse forever.
    #[test]
    fn self_referencing_type_spec_terminates() {
        let Ok(mut bytes) = std::fs::read("/usr/lib/mono/4.5/System.Core.dll") else {
            return;
        };
        let asm = crate::Assembly::from_bytes(bytes.clone()).unwrap();
        // Rewrite TypeSpec 1's blob in place as `class <TypeSpec 1>` padded with its old bytes.
        let blob_index = asm.type_spec(1).unwrap().signature;
        let blob = asm.blob(blob_index).unwrap();
        assert!(blob.len() >= 2);
        let offset = blob.as_ptr() as usize - asm.bytes().as_ptr() as usize;
        bytes[offset] = 0x12; // CLASS
        bytes[offset + 1] = (1 << 2) | 2; // TypeDefOrRefOrSpecEncoded: TypeSpec 1
        let hostile = crate::Assembly::from_bytes(bytes).unwrap();
        let name = hostile.token_type_name(Token::new(TableId::TypeSpec, 1));
        assert!(name.contains("..."), "{name}");
        let t = hostile.format_type(&TypeSig::Class(Token::new(TableId::TypeSpec, 1)));
        assert!(t.len() < 1_000_000);
    }
}
