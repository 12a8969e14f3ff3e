//! Reflection type names as `Type.GetType` and custom-attribute `Type` arguments spell
//! them (ECMA-335 II.23.3, the CLR's type-name grammar): `Ns.Outer+Inner`,
//! ``Ns.G`2[[System.Int32, mscorlib],[Ns.T]]``, suffixes `[]`, `[,]`, `*`, `&`, and an optional
//! `, Assembly, Version=...` qualification; parsed and resolved through the type system.
//!
//! Depends on: [`crate::type_context`], ngen-typesystem. Citations: Mono 6.8
//! `mono/metadata/reflection.c` (`_mono_reflection_parse_type`, `mono_reflection_get_type`).

use ngen_typesystem::{TypeHandle, TypeSystem};

use crate::type_context::TypeContext;

/// A parsed type name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedTypeName {
    /// The top-level type's full name, then each nested type's name.
    pub names: Vec<String>,
    /// Generic arguments.
    pub args: Vec<ParsedTypeName>,
    /// Array ranks (0 for a vector), pointers and by-refs, in order.
    pub suffixes: Vec<Suffix>,
    /// The assembly's simple name, when qualified.
    pub assembly: Option<String>,
}

/// A type constructor after the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suffix {
    /// `[]`.
    Vector,
    /// `[,]` and so on (the rank).
    Array(u32),
    /// `*`.
    Pointer,
    /// `&`.
    ByRef,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    _text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn identifier(&mut self) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' => {
                    self.pos += 1;
                    out.extend(self.peek());
                    self.pos += 1;
                }
                '[' | ']' | ',' | '+' | '&' | '*' => break,
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        let trimmed = out.trim().to_string();
        if trimmed.is_empty() {
            return Err("a type name is empty".into());
        }
        Ok(trimmed)
    }

    /// A name with its arguments and suffixes, then its assembly part when `qualified`: the
    /// whole name, or a generic argument in its own brackets (`[[T, Asm]]`); the assembly
    /// part of a bracketed argument ends at its closing bracket.
    fn type_name(&mut self, qualified: bool, in_brackets: bool) -> Result<ParsedTypeName, String> {
        let mut names = vec![self.identifier()?];
        while self.peek() == Some('+') {
            self.pos += 1;
            names.push(self.identifier()?);
        }
        let mut args = Vec::new();
        let mut suffixes = Vec::new();
        loop {
            match self.peek() {
                Some('[') => {
                    let next = self.chars.get(self.pos + 1).copied();
                    match next {
                        Some(']') => {
                            self.pos += 2;
                            suffixes.push(Suffix::Vector);
                        }
                        Some(',') | Some('*') => {
                            self.pos += 1;
                            let mut rank = 1;
                            while let Some(c) = self.peek() {
                                self.pos += 1;
                                match c {
                                    ',' => rank += 1,
                                    ']' => break,
                                    '*' => {}
                                    _ => return Err("a malformed array rank".into()),
                                }
                            }
                            suffixes.push(Suffix::Array(rank));
                        }
                        _ if args.is_empty() && suffixes.is_empty() => {
                            self.pos += 1;
                            loop {
                                let bracketed = self.peek() == Some('[');
                                if bracketed {
                                    self.pos += 1;
                                }
                                args.push(self.type_name(bracketed, bracketed)?);
                                if bracketed {
                                    self.expect(']')?;
                                }
                                match self.peek() {
                                    Some(',') => self.pos += 1,
                                    Some(']') => {
                                        self.pos += 1;
                                        break;
                                    }
                                    _ => return Err("unterminated generic arguments".into()),
                                }
                            }
                        }
                        _ => return Err("unexpected '['".into()),
                    }
                }
                Some('*') => {
                    self.pos += 1;
                    suffixes.push(Suffix::Pointer);
                }
                Some('&') => {
                    self.pos += 1;
                    suffixes.push(Suffix::ByRef);
                }
                _ => break,
            }
        }
        let mut assembly = None;
        if qualified && self.peek() == Some(',') {
            // `, Assembly, Version=...`: up to the closing bracket of an argument, or the end.
            self.pos += 1;
            let start = self.pos;
            while let Some(c) = self.peek() {
                if in_brackets && c == ']' {
                    break;
                }
                self.pos += 1;
            }
            let part: String = self.chars[start..self.pos].iter().collect();
            let simple = part.split(',').next().unwrap_or("").trim().to_string();
            if simple.is_empty() {
                return Err("an empty assembly name".into());
            }
            assembly = Some(simple);
        }
        Ok(ParsedTypeName {
            names,
            args,
            suffixes,
            assembly,
        })
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected '{c}'"))
        }
    }
}

/// Parses `text` as a reflection type name, or says why it is malformed.
pub fn parse_type_name(text: &str) -> Result<ParsedTypeName, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        _text: text,
    };
    let name = p.type_name(true, false)?;
    if p.pos != p.chars.len() {
        return Err(format!("unexpected text after the type name in {text:?}"));
    }
    Ok(name)
}

impl TypeContext {
    /// The type `name` names, looked up in its assembly when qualified, else in each of
    /// `default_assemblies` in order (Mono: the calling assembly, then mscorlib); `None`
    /// when no such type exists, an error when the name is malformed.
    pub fn resolve_type_name(
        &self,
        name: &str,
        default_assemblies: &[String],
        ignore_case: bool,
    ) -> Result<Option<TypeHandle>, String> {
        let parsed = parse_type_name(name)?;
        let mut inner = self.lock()?;
        resolve(&mut inner.ts, &parsed, default_assemblies, ignore_case)
    }
}

fn resolve(
    ts: &mut TypeSystem,
    parsed: &ParsedTypeName,
    defaults: &[String],
    ignore_case: bool,
) -> Result<Option<TypeHandle>, String> {
    let candidates: Vec<String> = match &parsed.assembly {
        Some(a) => vec![a.clone()],
        None => defaults.to_vec(),
    };
    let mut found = None;
    for assembly in &candidates {
        let Ok(module) = ts.load_module(assembly) else {
            continue;
        };
        let asm = ts.assembly_shared(module);
        let full = &parsed.names[0];
        let (namespace, simple) = full.rsplit_once('.').unwrap_or(("", full));
        let mut rid = find_top(&asm, namespace, simple, ignore_case)?;
        for nested in &parsed.names[1..] {
            rid = match rid {
                Some(r) => asm
                    .nested_types_of(r)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .find(|&n| {
                        asm.type_def(n)
                            .is_ok_and(|row| names_equal(row.name, nested, ignore_case))
                    }),
                None => None,
            };
        }
        if let Some(rid) = rid {
            found = Some(ts.type_def(module, rid).map_err(|e| e.to_string())?);
            break;
        }
    }
    let Some(mut ty) = found else {
        return Ok(None);
    };
    if !parsed.args.is_empty() {
        let mut args = Vec::new();
        for a in &parsed.args {
            match resolve(ts, a, defaults, ignore_case)? {
                Some(t) => args.push(t),
                None => return Ok(None),
            }
        }
        ty = ts.instantiate(ty, &args).map_err(|e| e.to_string())?;
    }
    for suffix in &parsed.suffixes {
        ty = match suffix {
            Suffix::Vector => ts.sz_array_of(ty),
            Suffix::Array(rank) => ts.array_of(ty, *rank),
            Suffix::Pointer => ts.pointer_of(ty),
            Suffix::ByRef => ts.byref_of(ty),
        };
    }
    Ok(Some(ty))
}

fn names_equal(a: &str, b: &str, ignore_case: bool) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// The top-level TypeDef `namespace.name` of `asm` (nested types are not top-level).
fn find_top(
    asm: &ngen_metadata::Assembly,
    namespace: &str,
    name: &str,
    ignore_case: bool,
) -> Result<Option<u32>, String> {
    if !ignore_case {
        return asm
            .find_type_def(namespace, name)
            .map_err(|e| e.to_string());
    }
    for rid in 1..=asm.row_count(ngen_metadata::TableId::TypeDef) {
        let row = asm.type_def(rid).map_err(|e| e.to_string())?;
        if names_equal(row.namespace, namespace, true)
            && names_equal(row.name, name, true)
            && !asm.is_nested(rid).map_err(|e| e.to_string())?
        {
            return Ok(Some(rid));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_nesting_arguments_suffixes_and_assemblies_parse() {
        let p = parse_type_name("Ns.Outer+Inner[], App, Version=1.0.0.0").unwrap();
        assert_eq!(p.names, ["Ns.Outer", "Inner"]);
        assert_eq!(p.suffixes, [Suffix::Vector]);
        assert_eq!(p.assembly.as_deref(), Some("App"));
        let g = parse_type_name(
            "System.Collections.Generic.Dictionary`2[[System.String, mscorlib],[Ns.T, App]][,]",
        )
        .unwrap();
        assert_eq!(g.args.len(), 2);
        assert_eq!(g.args[0].assembly.as_deref(), Some("mscorlib"));
        assert_eq!(g.args[1].names, ["Ns.T"]);
        assert_eq!(g.suffixes, [Suffix::Array(2)]);
        let plain = parse_type_name("System.Collections.Generic.List`1[System.Int32]").unwrap();
        assert_eq!(plain.args[0].names, ["System.Int32"]);
        assert_eq!(plain.args[0].assembly, None);
        let two = parse_type_name("Ns.Box`2[System.Int32,Ns.Point], App").unwrap();
        assert_eq!(two.args.len(), 2);
        assert_eq!(two.args[1].names, ["Ns.Point"]);
        assert_eq!(two.assembly.as_deref(), Some("App"));
    }

    #[test]
    fn malformed_names_are_errors_not_panics() {
        for bad in ["", "A[", "A[[B", "A,", "A+", "A[x", "A]"] {
            assert!(parse_type_name(bad).is_err(), "{bad:?}");
        }
    }
}
