//! Serialized type names: a closed type as a deterministic string (no handles, no pointers)
//! that another process's type system parses back to the same type, for native images that
//! hold generic instances (their instantiation contexts are written this way).
//!
//! ## Grammar
//! ```text
//! type   := def args? suffix*
//! def    := assembly '#' rid          (the TypeDef row of the assembly with that simple name)
//! args   := '<' type (',' type)* '>'
//! suffix := '[]' | '[' rank ']' | '&' | '*'
//! ```
//! A definition is named by its TypeDef rid rather than by name: compiler-generated names
//! (`<>c__DisplayClass1`) would need escaping, and an image is valid only against the exact
//! assemblies (MVIDs) it was compiled with, whose rids it may therefore name. Generic
//! parameters and function pointers have no serialized form (an image holds closed
//! instances only).
//!
//! Depends on: [`crate::TypeSystem`] (interning, module loading).

use crate::TypeSystem;
use crate::desc::TypeKind;
use crate::error::{Result, TypeSystemError};
use crate::handle::TypeHandle;

impl TypeSystem {
    /// The serialized name of the closed type `ty` (see the module documentation).
    pub fn serialize_type(&self, ty: TypeHandle) -> Result<String> {
        let mut out = String::new();
        self.write_type(ty, &mut out)?;
        Ok(out)
    }

    fn write_type(&self, ty: TypeHandle, out: &mut String) -> Result<()> {
        match self.kind(ty) {
            TypeKind::Def(module, rid) => {
                out.push_str(self.module_name(*module));
                out.push('#');
                out.push_str(&rid.to_string());
            }
            TypeKind::Inst(def, args) => {
                self.write_type(*def, out)?;
                out.push('<');
                for (i, &a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_type(a, out)?;
                }
                out.push('>');
            }
            TypeKind::SzArray(e) => {
                self.write_type(*e, out)?;
                out.push_str("[]");
            }
            TypeKind::Array(e, rank) => {
                self.write_type(*e, out)?;
                out.push_str(&format!("[{rank}]"));
            }
            TypeKind::ByRef(e) => {
                self.write_type(*e, out)?;
                out.push('&');
            }
            TypeKind::Ptr(e) => {
                self.write_type(*e, out)?;
                out.push('*');
            }
            TypeKind::FnPtr(_) | TypeKind::Var(_) | TypeKind::MVar(_) | TypeKind::Param(..) => {
                return Err(unnameable(format!(
                    "{} has no serialized name",
                    self.type_name(ty)
                )));
            }
        }
        Ok(())
    }

    /// The type a serialized name names, loading its assemblies through the resolver.
    pub fn parse_type(&mut self, name: &str) -> Result<TypeHandle> {
        let mut parser = Parser {
            text: name.as_bytes(),
            at: 0,
        };
        let ty = parser.parse(self)?;
        if parser.at != parser.text.len() {
            return Err(unnameable(format!("trailing text in type name {name:?}")));
        }
        Ok(ty)
    }

    /// How deeply `ty` nests instantiations and element types (`int` 0, `List<int>` 1,
    /// `List<List<int>[]>` 3): the AOT scan stops following instances past a depth, so
    /// recursion such as `G<T>` calling `G<List<T>>` ends (the JIT takes the rest).
    pub fn nesting_depth(&self, ty: TypeHandle) -> u32 {
        match self.kind(ty) {
            TypeKind::Inst(_, args) => {
                1 + args
                    .iter()
                    .map(|&a| self.nesting_depth(a))
                    .max()
                    .unwrap_or(0)
            }
            TypeKind::SzArray(e)
            | TypeKind::Array(e, _)
            | TypeKind::ByRef(e)
            | TypeKind::Ptr(e) => 1 + self.nesting_depth(*e),
            _ => 0,
        }
    }
}

fn unnameable(reason: String) -> TypeSystemError {
    TypeSystemError::InvalidReference {
        assembly: String::new(),
        reason,
    }
}

struct Parser<'t> {
    text: &'t [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", byte as char)))
        }
    }

    fn error(&self, what: &str) -> TypeSystemError {
        unnameable(format!(
            "bad serialized type name {:?} at {}: {what}",
            String::from_utf8_lossy(self.text),
            self.at
        ))
    }

    fn take_while(&mut self, ok: impl Fn(u8) -> bool) -> &str {
        let start = self.at;
        while self.peek().is_some_and(&ok) {
            self.at += 1;
        }
        std::str::from_utf8(&self.text[start..self.at]).unwrap_or("")
    }

    fn number(&mut self) -> Result<u32> {
        let digits = self.take_while(|b| b.is_ascii_digit()).to_string();
        digits.parse().map_err(|_| self.error("expected a number"))
    }

    fn parse(&mut self, ts: &mut TypeSystem) -> Result<TypeHandle> {
        let assembly = self.take_while(|b| b != b'#').to_string();
        if assembly.is_empty() {
            return Err(self.error("expected an assembly name"));
        }
        self.expect(b'#')?;
        let rid = self.number()?;
        let module = ts.load_module(&assembly)?;
        let mut ty = ts.type_def(module, rid)?;
        if self.peek() == Some(b'<') {
            self.at += 1;
            let mut args = vec![self.parse(ts)?];
            while self.peek() == Some(b',') {
                self.at += 1;
                args.push(self.parse(ts)?);
            }
            self.expect(b'>')?;
            ty = ts.instantiate(ty, &args)?;
        }
        loop {
            match self.peek() {
                Some(b'&') => {
                    self.at += 1;
                    ty = ts.byref_of(ty);
                }
                Some(b'*') => {
                    self.at += 1;
                    ty = ts.pointer_of(ty);
                }
                Some(b'[') => {
                    self.at += 1;
                    if self.peek() == Some(b']') {
                        self.at += 1;
                        ty = ts.sz_array_of(ty);
                    } else {
                        let rank = self.number()?;
                        self.expect(b']')?;
                        ty = ts.array_of(ty, rank);
                    }
                }
                _ => return Ok(ty),
            }
        }
    }
}
