//! Generic parameters as reflection sees them ([`TypeKind::Param`]): named after their
//! GenericParam row (`T`), with a position, attributes and constraints, and an owner (a
//! generic type definition or a generic method), as mono's `MonoGenericParam`. Compiled code
//! never meets them: the reflection layer makes them where it shows an open definition's
//! types ([`TypeSystem::reflection_context`]), and `Var`/`MVar` stay what signatures load as.
//!
//! Depends on [`crate::desc`], ngen-metadata (the GenericParam and GenericParamConstraint
//! tables, ECMA-335 II.22.20-21).

use ngen_metadata::{TableId, Token};

use crate::TypeSystem;
use crate::desc::{GenericContext, ParamOwner, TypeKind};
use crate::error::{Result, TypeSystemError};
use crate::handle::{MethodHandle, ModuleId, TypeHandle};

/// What reflection asks of a generic parameter (`Type.GenericParameterPosition`,
/// `GenericParameterAttributes`, `GetGenericParameterConstraints`, `DeclaringMethod`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericParamInfo {
    /// Whose parameter it is.
    pub owner: ParamOwner,
    /// Its position in the owner's list.
    pub position: u32,
    /// Its name (`T`).
    pub name: String,
    /// GenericParamAttributes (II.23.1.7).
    pub flags: u16,
    /// Its GenericParam token (`0x2a......`).
    pub token: u32,
    /// Its constraints, in metadata order, as reflection shows them (the owner's parameters
    /// as [`TypeKind::Param`]s).
    pub constraints: Vec<TypeHandle>,
}

impl TypeSystem {
    /// Generic parameter `index` of `owner`, as reflection shows it.
    pub fn owned_param(&mut self, owner: ParamOwner, index: u32) -> TypeHandle {
        self.intern(TypeKind::Param(owner, index))
    }

    /// The parameters of generic type definition `def` as reflection shows them; none for a
    /// type that is not a generic definition.
    pub fn type_params(&mut self, def: TypeHandle) -> Result<Vec<TypeHandle>> {
        if !matches!(self.kind(def), TypeKind::Def(..)) {
            return Ok(Vec::new());
        }
        let count = self.class_info(def)?.generic_param_count;
        Ok((0..count)
            .map(|i| self.owned_param(ParamOwner::Type(def), i))
            .collect())
    }

    /// The generic context in which `method`'s signature shows what reflection shows: the
    /// `!n` of a generic definition owner as its parameters, and the method's own `!!n` as
    /// its own parameters when it is not instantiated (`Void G[T](T)`; an instance's
    /// arguments are already in its signature).
    pub fn reflection_context(&mut self, method: MethodHandle) -> Result<GenericContext> {
        let owner = self.method(method).owner;
        let instantiated = !self.method(method).method_args.is_empty();
        let type_params = self.type_params(owner)?;
        let count = self.open_signature(method)?.generic_param_count;
        let method_params: Vec<TypeHandle> = if instantiated {
            Vec::new()
        } else {
            (0..count)
                .map(|i| self.owned_param(ParamOwner::Method(method), i))
                .collect()
        };
        let part = |params: Vec<TypeHandle>| (!params.is_empty()).then(|| params.into());
        Ok(GenericContext {
            type_args: part(type_params),
            method_args: part(method_params),
        })
    }

    /// The GenericParam row of parameter `index` of `owner`: its module and rid.
    fn param_row(&self, owner: ParamOwner, index: u32) -> Result<(ModuleId, u32)> {
        let (module, token) = match owner {
            ParamOwner::Type(def) => match self.kind(def) {
                TypeKind::Def(module, rid) => (*module, Token::new(TableId::TypeDef, *rid)),
                _ => return Err(self.not_a_parameter(def)),
            },
            ParamOwner::Method(method) => {
                let m = self.method(method);
                (m.module, Token::new(TableId::MethodDef, m.rid))
            }
        };
        let rows = self.md(module, |a| a.generic_params_of(token))?;
        for rid in rows {
            let number = self.md(module, |a| a.generic_param(rid).map(|r| r.number))?;
            if u32::from(number) == index {
                return Ok((module, rid));
            }
        }
        Err(self.invalid(module, format!("{token} has no generic parameter {index}")))
    }

    fn not_a_parameter(&self, ty: TypeHandle) -> TypeSystemError {
        TypeSystemError::InvalidReference {
            assembly: String::new(),
            reason: format!("{} owns no generic parameters", self.type_name(ty)),
        }
    }

    /// The name of a [`TypeKind::Param`] (`T`); `None` when its row cannot be read.
    pub(crate) fn param_name(&self, owner: ParamOwner, index: u32) -> Option<String> {
        let (module, rid) = self.param_row(owner, index).ok()?;
        self.assembly(module)
            .generic_param(rid)
            .ok()
            .map(|r| r.name.to_string())
    }

    /// What reflection asks of `ty` when it is a [`TypeKind::Param`]; `None` for any other
    /// type.
    pub fn generic_param_info(&mut self, ty: TypeHandle) -> Result<Option<GenericParamInfo>> {
        let TypeKind::Param(owner, position) = *self.kind(ty) else {
            return Ok(None);
        };
        let (module, rid) = self.param_row(owner, position)?;
        let (name, flags) = self.md(module, |a| {
            a.generic_param(rid).map(|r| (r.name.to_string(), r.flags))
        })?;
        let ctx = match owner {
            ParamOwner::Type(def) => GenericContext {
                type_args: Some(self.type_params(def)?.into()),
                method_args: None,
            },
            ParamOwner::Method(method) => self.reflection_context(method)?,
        };
        let tokens = self.md(module, |a| a.generic_param_constraints_of(rid))?;
        let constraints = tokens
            .into_iter()
            .map(|token| self.resolve_type(module, token, &ctx))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(GenericParamInfo {
            owner,
            position,
            name,
            flags,
            token: Token::new(TableId::GenericParam, rid).0,
            constraints,
        }))
    }
}
