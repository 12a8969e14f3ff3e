//! Generic instantiation and substitution: `G<args>` interned as [`TypeKind::Inst`], and
//! `!n`/`!!n` replaced throughout a type by a [`GenericContext`] (ECMA-335 II.9.4; ILCompiler's
//! `InstantiatedType` and `TypeDesc.InstantiateSignature`). Depends on [`crate::desc`].

use std::sync::Arc;

use crate::TypeSystem;
use crate::desc::{GenericContext, MethodSignature, TypeKind};
use crate::error::{Result, TypeSystemError};
use crate::handle::TypeHandle;

impl TypeSystem {
    /// The generic definition `def` instantiated over `args` (`def` itself when `args` is
    /// empty). Argument counts are checked when the instantiation's [`crate::ClassInfo`] is
    /// first asked for.
    pub fn instantiate(&mut self, def: TypeHandle, args: &[TypeHandle]) -> Result<TypeHandle> {
        if !matches!(self.kind(def), TypeKind::Def(..)) {
            return Err(TypeSystemError::InvalidReference {
                assembly: String::new(),
                reason: format!("{} is not a generic type definition", self.type_name(def)),
            });
        }
        if args.is_empty() {
            return Ok(def);
        }
        Ok(self.intern(TypeKind::Inst(def, Box::from(args))))
    }

    /// `ty` with every `!n` and `!!n` replaced from `ctx` (parameters `ctx` does not cover stay).
    pub fn substitute(&mut self, ty: TypeHandle, ctx: &GenericContext) -> Result<TypeHandle> {
        Ok(match self.kind(ty).clone() {
            // A reflection-only parameter names its owner's parameter: nothing replaces it.
            TypeKind::Def(..) | TypeKind::Param(..) => ty,
            TypeKind::Var(i) => match &ctx.type_args {
                Some(args) => *args.get(i as usize).ok_or_else(|| out_of_range("!", i))?,
                None => ty,
            },
            TypeKind::MVar(i) => match &ctx.method_args {
                Some(args) => *args.get(i as usize).ok_or_else(|| out_of_range("!!", i))?,
                None => ty,
            },
            TypeKind::Inst(def, args) => {
                let args = args
                    .iter()
                    .map(|&a| self.substitute(a, ctx))
                    .collect::<Result<Vec<_>>>()?;
                self.intern(TypeKind::Inst(def, args.into()))
            }
            TypeKind::SzArray(e) => {
                let e = self.substitute(e, ctx)?;
                self.sz_array_of(e)
            }
            TypeKind::Array(e, rank) => {
                let e = self.substitute(e, ctx)?;
                self.array_of(e, rank)
            }
            TypeKind::ByRef(e) => {
                let e = self.substitute(e, ctx)?;
                self.byref_of(e)
            }
            TypeKind::Ptr(e) => {
                let e = self.substitute(e, ctx)?;
                self.pointer_of(e)
            }
            TypeKind::FnPtr(sig) => {
                let sig = self.substitute_signature(&sig, ctx)?;
                self.intern(TypeKind::FnPtr(Arc::new(sig)))
            }
        })
    }

    /// A signature with [`TypeSystem::substitute`] applied to its return and parameter types.
    pub fn substitute_signature(
        &mut self,
        sig: &MethodSignature,
        ctx: &GenericContext,
    ) -> Result<MethodSignature> {
        let ret = self.substitute(sig.ret, ctx)?;
        let params = sig
            .params
            .iter()
            .map(|&p| self.substitute(p, ctx))
            .collect::<Result<Vec<_>>>()?;
        Ok(MethodSignature {
            ret,
            params: params.into(),
            ..sig.clone()
        })
    }
}

impl TypeSystem {
    /// The generic context a method instance's body runs in: its owner's type arguments
    /// (`!n`) and its own method arguments (`!!n`); empty parts are `None`.
    pub fn method_context(&self, method: crate::MethodHandle) -> GenericContext {
        let m = self.method(method);
        let mut ctx = self.context_of(m.owner);
        if !m.method_args.is_empty() {
            ctx.method_args = Some(Arc::from(&m.method_args[..]));
        }
        ctx
    }

    /// Whether `ty` mentions no generic parameter (`!n`, `!!n`) anywhere: a type code can be
    /// compiled for.
    pub fn is_closed(&self, ty: TypeHandle) -> bool {
        match self.kind(ty) {
            TypeKind::Var(_) | TypeKind::MVar(_) | TypeKind::Param(..) => false,
            TypeKind::Def(..) => true,
            TypeKind::Inst(_, args) => args.iter().all(|&a| self.is_closed(a)),
            TypeKind::SzArray(e)
            | TypeKind::Array(e, _)
            | TypeKind::ByRef(e)
            | TypeKind::Ptr(e) => self.is_closed(*e),
            TypeKind::FnPtr(sig) => {
                self.is_closed(sig.ret) && sig.params.iter().all(|&p| self.is_closed(p))
            }
        }
    }

    /// The instance of MethodDef `rid` (of the definition module of `def`, a type definition)
    /// in `ctx`: the owner instantiated over `ctx`'s type arguments, the method over its
    /// method arguments.
    pub fn method_instance_in(
        &mut self,
        def: TypeHandle,
        rid: u32,
        ctx: &GenericContext,
    ) -> Result<crate::MethodHandle> {
        let owner = match &ctx.type_args {
            Some(args) => self.instantiate(def, args)?,
            None => def,
        };
        let method = self.method_on(owner, rid)?;
        match &ctx.method_args {
            Some(args) => self.instantiate_method(method, args),
            None => Ok(method),
        }
    }
}

fn out_of_range(prefix: &str, i: u32) -> TypeSystemError {
    TypeSystemError::InvalidReference {
        assembly: String::new(),
        reason: format!("{prefix}{i} is out of range of the generic context"),
    }
}
