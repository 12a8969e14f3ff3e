//! Assignability: may an object (or boxed value) of exact type `from` be used where `to` is
//! expected? The relation behind `castclass`, `isinst`, `stelem.ref` covariance checks and
//! `unbox`. Model: ECMA-335 I.8.7 (assignment compatibility), II.9.11 (variance) and
//! ILCompiler's `CastingHelper.cs`:
//! - identity; everything boxed is an `object`;
//! - classes by their parent chain; interfaces by the flattened interface list, with
//!   `in`/`out` variance on generic interfaces and delegates (reference type arguments only);
//! - `T[]` to the array's generic interfaces over any `U` with `T[]` assignable to `U[]`;
//! - arrays of the same rank whose element types are compatible: reference elements by
//!   assignability (covariance), value elements only when identical up to enum / sign
//!   (`int[]` to `uint[]`, `E[]` to `int[]`, I.8.7.1);
//! - `Nullable<T>`: a boxed `T` can be cast to `T?`. `T?` itself is only what its class
//!   chain says (no `T?` object ever exists: boxing one yields a `T`), as Mono's
//!   `IsAssignableFrom` answers.
//!
//! Depends on [`crate::interfaces`] and `crate::members`.

use ngen_metadata::flags::generic_param_attributes;
use ngen_metadata::{TableId, Token};

use crate::desc::{Category, Primitive, TypeKind};
use crate::error::Result;
use crate::handle::TypeHandle;
use crate::{TypeSystem, WellKnownType};

/// How deep compatibility checks may recurse through element and type arguments.
const MAX_DEPTH: u32 = 64;

impl TypeSystem {
    /// Whether an object (or boxed value) of exact type `from` is an instance of `to`.
    pub fn is_assignable_to(&mut self, from: TypeHandle, to: TypeHandle) -> Result<bool> {
        self.assignable(from, to, 0)
    }

    fn assignable(&mut self, from: TypeHandle, to: TypeHandle, depth: u32) -> Result<bool> {
        if from == to {
            return Ok(true);
        }
        if depth > MAX_DEPTH {
            return Ok(false);
        }
        if let Some(inner) = self.nullable_argument(to) {
            return Ok(from == inner);
        }
        match self.kind(to).clone() {
            TypeKind::Def(..) | TypeKind::Inst(..) => {}
            TypeKind::SzArray(te) => {
                return Ok(match *self.kind(from) {
                    TypeKind::SzArray(fe) => self.element_compatible(fe, te, depth)?,
                    _ => false,
                });
            }
            TypeKind::Array(te, rank) => {
                return Ok(match *self.kind(from) {
                    TypeKind::Array(fe, r) if r == rank => {
                        self.element_compatible(fe, te, depth)?
                    }
                    _ => false,
                });
            }
            _ => return Ok(false),
        }
        if !self.can_be_boxed(from) {
            return Ok(false);
        }
        if Some(to) == self.well_known_opt(WellKnownType::Object) {
            return Ok(true);
        }
        let to_info = self.class_info(to)?;
        if let TypeKind::SzArray(fe) = *self.kind(from)
            && self.array_covariant_interface(fe, to, depth)?
        {
            return Ok(true);
        }
        if to_info.is_interface() {
            if self.variant_compatible(from, to, depth)? {
                return Ok(true);
            }
            for i in self.interfaces(from)?.iter().copied() {
                if i == to || self.variant_compatible(i, to, depth)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        for cur in self.ancestors(from)? {
            if cur == to || self.variant_compatible(cur, to, depth)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `T[]` is an `IList<U>` (and `ICollection<U>`, `IEnumerable<U>`, `IReadOnlyList<U>`,
    /// `IReadOnlyCollection<U>`) whenever `T[]` is a `U[]` (array covariance carried over to
    /// the array's generic interfaces, as the CLR and Mono's `mono_class_is_assignable_from` do).
    fn array_covariant_interface(
        &mut self,
        element: TypeHandle,
        to: TypeHandle,
        depth: u32,
    ) -> Result<bool> {
        let TypeKind::Inst(def, args) = self.kind(to).clone() else {
            return Ok(false);
        };
        if args.len() != 1 {
            return Ok(false);
        }
        for which in crate::well_known::ARRAY_GENERIC_INTERFACES {
            if self.well_known_opt(which) == Some(def) {
                return self.element_compatible(element, args[0], depth);
            }
        }
        Ok(false)
    }

    /// Types that can be on the managed heap (objects, arrays, boxed values).
    fn can_be_boxed(&self, ty: TypeHandle) -> bool {
        matches!(
            self.kind(ty),
            TypeKind::Def(..) | TypeKind::Inst(..) | TypeKind::SzArray(_) | TypeKind::Array(..)
        )
    }

    /// `T` when `ty` is `System.Nullable<T>`.
    fn nullable_argument(&mut self, ty: TypeHandle) -> Option<TypeHandle> {
        let TypeKind::Inst(def, args) = self.kind(ty).clone() else {
            return None;
        };
        (Some(def) == self.well_known_opt(WellKnownType::Nullable) && args.len() == 1)
            .then(|| args[0])
    }

    /// True for classes, interfaces and arrays (not value types or generic parameters).
    fn is_reference_type(&mut self, ty: TypeHandle) -> Result<bool> {
        Ok(match self.kind(ty) {
            TypeKind::SzArray(_) | TypeKind::Array(..) => true,
            TypeKind::Def(..) | TypeKind::Inst(..) => {
                matches!(
                    self.class_info(ty)?.category,
                    Category::Class | Category::Interface
                )
            }
            _ => false,
        })
    }

    fn element_compatible(&mut self, from: TypeHandle, to: TypeHandle, depth: u32) -> Result<bool> {
        if from == to {
            return Ok(true);
        }
        if self.is_reference_type(from)? {
            return Ok(self.is_reference_type(to)? && self.assignable(from, to, depth + 1)?);
        }
        Ok(
            match (self.reduced_primitive(from)?, self.reduced_primitive(to)?) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        )
    }

    /// The primitive a value type stands for (enums by their underlying type), reduced so that
    /// same-size integers compare equal.
    fn reduced_primitive(&mut self, ty: TypeHandle) -> Result<Option<Primitive>> {
        if !matches!(self.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) {
            return Ok(None);
        }
        let info = self.class_info(ty)?;
        Ok(match info.category {
            Category::Enum => Some(self.enum_underlying(ty)?.reduced()),
            Category::ValueType => info.primitive.map(Primitive::reduced),
            _ => None,
        })
    }

    /// Whether `from` converts to `to` by the variance of their shared generic definition
    /// (interfaces and delegates only, II.9.11).
    fn variant_compatible(&mut self, from: TypeHandle, to: TypeHandle, depth: u32) -> Result<bool> {
        let (TypeKind::Inst(fd, fargs), TypeKind::Inst(td, targs)) =
            (self.kind(from).clone(), self.kind(to).clone())
        else {
            return Ok(false);
        };
        if fd != td || fargs.len() != targs.len() {
            return Ok(false);
        }
        let info = self.class_info(to)?;
        let is_delegate = info.parent.is_some()
            && info.parent == self.well_known_opt(WellKnownType::MulticastDelegate);
        if !info.is_interface() && !is_delegate {
            return Ok(false);
        }
        let params = self.md(info.module, |a| {
            a.generic_params_of(Token::new(TableId::TypeDef, info.rid))
        })?;
        for (i, (&a, &b)) in fargs.iter().zip(targs.iter()).enumerate() {
            if a == b {
                continue;
            }
            let Some(&gp) = params.get(i) else {
                return Ok(false);
            };
            let flags = self.md(info.module, |m| m.generic_param(gp).map(|g| g.flags))?;
            let ok = match flags & generic_param_attributes::VARIANCE_MASK {
                generic_param_attributes::COVARIANT => {
                    self.is_reference_type(a)? && self.assignable(a, b, depth + 1)?
                }
                generic_param_attributes::CONTRAVARIANT => {
                    self.is_reference_type(b)? && self.assignable(b, a, depth + 1)?
                }
                _ => false,
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
