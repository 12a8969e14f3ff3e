//! ILAsm-style names for any handle, for error messages and tests: `System.Int32`,
//! `Outer/Inner`, `` System.Collections.Generic.List`1<System.String> ``, `T[]`, `T[,]`, `T&`,
//! `T*`, `!0`, `!!0`. Reads metadata directly and never fails (a broken name prints as
//! `<bad type>`), so it is safe inside error paths. Depends on [`crate::desc`].

use ngen_metadata::TableId;

use crate::TypeSystem;
use crate::desc::TypeKind;
use crate::handle::{MethodHandle, TypeHandle};

impl TypeSystem {
    /// The ILAsm-style name of a type.
    pub fn type_name(&self, ty: TypeHandle) -> String {
        match self.kind(ty) {
            TypeKind::Def(m, rid) => self
                .assembly(*m)
                .type_def_full_name(*rid)
                .unwrap_or_else(|_| "<bad type>".to_string()),
            TypeKind::Inst(def, args) => {
                let args: Vec<String> = args.iter().map(|&a| self.type_name(a)).collect();
                format!("{}<{}>", self.type_name(*def), args.join(","))
            }
            TypeKind::SzArray(e) => format!("{}[]", self.type_name(*e)),
            TypeKind::Array(e, rank) => {
                format!(
                    "{}[{}]",
                    self.type_name(*e),
                    ",".repeat(rank.saturating_sub(1) as usize)
                )
            }
            TypeKind::ByRef(e) => format!("{}&", self.type_name(*e)),
            TypeKind::Ptr(e) => format!("{}*", self.type_name(*e)),
            TypeKind::FnPtr(sig) => {
                let params: Vec<String> = sig.params.iter().map(|&p| self.type_name(p)).collect();
                format!("method {} *({})", self.type_name(sig.ret), params.join(","))
            }
            TypeKind::Var(i) => format!("!{i}"),
            TypeKind::MVar(i) => format!("!!{i}"),
            TypeKind::Param(owner, i) => {
                self.param_name(*owner, *i).unwrap_or_else(|| match owner {
                    crate::desc::ParamOwner::Type(_) => format!("!{i}"),
                    crate::desc::ParamOwner::Method(_) => format!("!!{i}"),
                })
            }
        }
    }

    /// `Owner::Name` of a method, with its instantiation if it has one.
    pub fn method_name(&self, method: MethodHandle) -> String {
        let m = self.method(method);
        let mut s = format!("{}::{}", self.type_name(m.owner), m.name);
        if !m.method_args.is_empty() {
            let args: Vec<String> = m.method_args.iter().map(|&a| self.type_name(a)).collect();
            s.push_str(&format!("<{}>", args.join(",")));
        }
        s
    }

    /// The number of TypeDef rows of a module (to enumerate its types).
    pub fn type_def_count(&self, module: crate::ModuleId) -> u32 {
        self.assembly(module).row_count(TableId::TypeDef)
    }
}
