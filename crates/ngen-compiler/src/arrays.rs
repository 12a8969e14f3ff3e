//! Arrays of any rank, as the type system sees them: the runtime-provided methods of
//! multi-dimensional array types (`T[,]::.ctor`, `Get`, `Set`, `Address`: ECMA-335 II.14.2,
//! which have no metadata of their own, only MemberRefs on a TypeSpec), and the facts the
//! runtime's array icalls need about an array type (rank, element size, what the elements
//! are).
//!
//! ## Model
//! A MemberRef whose parent is a TypeSpec of a general array (`TypeKind::Array`) names one of
//! the four methods by name; its signature gives the shape. The translator expands them inline
//! (`backend/translate/array_md.rs`); the array's method table comes from the same TypeSpec
//! ([`TypeContext::array_type_of_member`], used by `type_of_operand`).
//!
//! Depends on: [`crate::type_context`], [`crate::signature`]. Citations: ECMA-335 II.14.2,
//! II.23.2.13; Mono 6.8 `mono/metadata/object-internals.h` (`MonoArray`, `MonoArrayBounds`).

use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::{Assembly, TableId, Token};
use ngen_typesystem::{TypeHandle, TypeKind, WellKnownType};

use crate::type_context::{Inner, TypeContext};
use crate::types::{IlType, MethodShape, ValKind};

/// Which runtime-provided method of an array type a call names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayOp {
    /// `.ctor(len0, ..)` or, with lower bounds, `.ctor(lo0, len0, ..)`.
    Ctor {
        lower_bounds: bool,
    },
    Get,
    Set,
    Address,
}

/// A call of a runtime-provided method of a multi-dimensional array type.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayMethod {
    pub op: ArrayOp,
    pub rank: u32,
    /// What an element is (its size is the stride).
    pub element: IlType,
    /// Whether the collector must scan the elements (references, or structs holding some).
    pub scanned: bool,
    /// The call's shape, from the MemberRef's signature.
    pub shape: MethodShape,
}

/// What the runtime's array icalls need to know about an array type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayInfo {
    /// 1 for a vector.
    pub rank: u32,
    /// The element type.
    pub element: TypeHandle,
    /// Bytes per element.
    pub element_size: u32,
    /// Whether elements are object references.
    pub element_is_reference: bool,
    /// Whether the collector scans the elements.
    pub scanned: bool,
}

impl Inner {
    /// The general array type a MemberRef `token` of `asm` is a member of, if it is one.
    pub(crate) fn array_type_of_member(
        &mut self,
        asm: &Assembly,
        token: Token,
    ) -> Result<Option<TypeHandle>, String> {
        if token.table() != Some(TableId::MemberRef) {
            return Ok(None);
        }
        let parent = asm
            .member_ref_parts(token.rid())
            .map_err(|e| e.to_string())?
            .parent;
        if parent.table() != Some(TableId::TypeSpec) {
            return Ok(None);
        }
        let ty = self.type_of(asm, parent)?;
        Ok(matches!(self.ts.kind(ty), TypeKind::Array(..)).then_some(ty))
    }

    /// [`ArrayInfo`] of the array type `ty`.
    fn array_info(&mut self, ty: TypeHandle) -> Result<ArrayInfo, String> {
        let (element, rank) = match self.ts.kind(ty) {
            TypeKind::SzArray(e) => (*e, 1),
            TypeKind::Array(e, rank) => (*e, *rank),
            _ => return Err(format!("{} is not an array", self.ts.type_name(ty))),
        };
        let il = crate::type_context::il_type(&mut self.ts, element)?;
        let element_is_reference = il == IlType::Val(ValKind::Ref);
        let scanned = element_is_reference
            || (matches!(il, IlType::Struct(_))
                && self.ts.has_references(element).map_err(|e| e.to_string())?);
        Ok(ArrayInfo {
            rank,
            element,
            element_size: il.size(),
            element_is_reference,
            scanned,
        })
    }
}

impl TypeContext {
    /// The runtime-provided array method `token` (a MemberRef of `asm`) names, if it names one.
    pub fn array_method(
        &self,
        asm: &Assembly,
        token: Token,
    ) -> Result<Option<ArrayMethod>, String> {
        let (ty, info) = {
            let mut inner = self.lock()?;
            let Some(ty) = inner.array_type_of_member(asm, token)? else {
                return Ok(None);
            };
            let info = inner.array_info(ty)?;
            (ty, info)
        };
        let parts = asm
            .member_ref_parts(token.rid())
            .map_err(|e| e.to_string())?;
        let MemberRefSig::Method(sig) = parts.signature else {
            return Err("a field of an array type".into());
        };
        let shape = crate::signature::method_shape(&sig, &mut |t| self.il_type_of_sig(asm, t))?;
        let rank = info.rank as usize;
        let op = match parts.name {
            ".ctor" if shape.params.len() == rank => ArrayOp::Ctor {
                lower_bounds: false,
            },
            ".ctor" if shape.params.len() == 2 * rank => ArrayOp::Ctor { lower_bounds: true },
            "Get" if shape.params.len() == rank => ArrayOp::Get,
            "Set" if shape.params.len() == rank + 1 => ArrayOp::Set,
            "Address" if shape.params.len() == rank => ArrayOp::Address,
            name => {
                let inner = self.lock()?;
                return Err(format!(
                    "{}::{name} with {} parameters",
                    inner.ts.type_name(ty),
                    shape.params.len()
                ));
            }
        };
        let element = {
            let mut inner = self.lock()?;
            crate::type_context::il_type(&mut inner.ts, info.element)?
        };
        Ok(Some(ArrayMethod {
            op,
            rank: info.rank,
            element,
            scanned: info.scanned,
            shape,
        }))
    }

    /// The array type of `element` with `rank` dimensions: a vector (`T[]`) unless
    /// `general`, else `T[,..]` (`Array.CreateInstance`).
    pub fn array_type(
        &self,
        element: TypeHandle,
        rank: u32,
        general: bool,
    ) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        Ok(if general {
            inner.ts.array_of(element, rank)
        } else {
            inner.ts.sz_array_of(element)
        })
    }

    /// The element type of an array type (no layout asked: an open array's element may be a
    /// generic parameter, `TResult[]`), `None` for any other type.
    pub fn array_element(&self, ty: TypeHandle) -> Option<TypeHandle> {
        let inner = self.lock().ok()?;
        match inner.ts.kind(ty) {
            TypeKind::SzArray(e) | TypeKind::Array(e, _) => Some(*e),
            _ => None,
        }
    }

    /// Whether `ty` is an array type.
    pub fn is_array(&self, ty: TypeHandle) -> bool {
        self.lock().is_ok_and(|inner| {
            matches!(
                inner.ts.kind(ty),
                TypeKind::SzArray(_) | TypeKind::Array(..)
            )
        })
    }

    /// [`ArrayInfo`] of the array type `ty` (a vector or a multi-dimensional array).
    pub fn array_info(&self, ty: TypeHandle) -> Result<ArrayInfo, String> {
        self.lock()?.array_info(ty)
    }

    /// Where a pinned object's data starts (`GCHandle.AddrOfPinnedObject`): a string's
    /// characters, an array's elements, a boxed value's bytes, a class with sequential or
    /// explicit layout's fields; `None` for a class with automatic layout (Mono's -1).
    pub fn pinned_data_offset(&self, ty: TypeHandle) -> Result<Option<u64>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        if ts.well_known(WellKnownType::String).ok() == Some(ty) {
            return Ok(Some(ngen_abi::object::STRING_CHARS_OFFSET as u64));
        }
        match ts.kind(ty) {
            TypeKind::SzArray(_) | TypeKind::Array(..) => {
                Ok(Some(ngen_abi::object::ARRAY_DATA_OFFSET as u64))
            }
            _ => {
                let info = ts.class_info(ty).map_err(|e| e.to_string())?;
                let auto = info.layout_kind() == 0;
                Ok((info.is_value_type() || !auto).then_some(16))
            }
        }
    }
}

/// Mono's `MonoTypeEnum` (ECMA-335 II.23.1.16 `ELEMENT_TYPE_*`) of `ty`, as
/// `RuntimeTypeHandle.GetCorElementType` answers it: reflection asks it to tell arrays,
/// pointers, by-refs and value types apart (`Type.IsPointer`, `IsValueType`, ...), which
/// `Array`'s element-wise paths and enumerators do.
pub fn cor_element_type(context: &TypeContext, ty: TypeHandle) -> Result<u8, String> {
    use ngen_typesystem::Primitive as P;
    let mut inner = context.lock()?;
    let ts = &mut inner.ts;
    Ok(match ts.kind(ty) {
        TypeKind::SzArray(_) => 0x1d,
        TypeKind::Array(..) => 0x14,
        TypeKind::ByRef(_) => 0x10,
        TypeKind::Ptr(_) => 0x0f,
        TypeKind::FnPtr(_) => 0x1b,
        TypeKind::Var(_) => 0x13,
        TypeKind::MVar(_) | TypeKind::Param(ngen_typesystem::ParamOwner::Method(_), _) => 0x1e,
        TypeKind::Param(ngen_typesystem::ParamOwner::Type(_), _) => 0x13,
        TypeKind::Inst(..) => 0x15,
        TypeKind::Def(..) => {
            if ts.well_known(WellKnownType::Object).ok() == Some(ty) {
                0x1c
            } else if ts.well_known(WellKnownType::String).ok() == Some(ty) {
                0x0e
            } else {
                let info = ts.class_info(ty).map_err(|e| e.to_string())?;
                match info.primitive {
                    Some(P::Void) => 0x01,
                    Some(P::Boolean) => 0x02,
                    Some(P::Char) => 0x03,
                    Some(P::I1) => 0x04,
                    Some(P::U1) => 0x05,
                    Some(P::I2) => 0x06,
                    Some(P::U2) => 0x07,
                    Some(P::I4) => 0x08,
                    Some(P::U4) => 0x09,
                    Some(P::I8) => 0x0a,
                    Some(P::U8) => 0x0b,
                    Some(P::R4) => 0x0c,
                    Some(P::R8) => 0x0d,
                    Some(P::I) => 0x18,
                    Some(P::U) => 0x19,
                    None if info.is_value_type() => 0x11,
                    None => 0x12,
                }
            }
        }
    })
}

/// The `TypeAttributes` of `ty` (`RuntimeTypeHandle.GetAttributes`: `Type.IsInterface`,
/// `IsSealed`, ...): a definition's flags; an array type is public, sealed and serializable, as
/// Mono makes array classes; other constructed types have none.
pub fn type_attributes(context: &TypeContext, ty: TypeHandle) -> Result<u32, String> {
    const PUBLIC_SEALED_SERIALIZABLE: u32 = 0x0000_0001 | 0x0000_0100 | 0x0000_2000;
    let mut inner = context.lock()?;
    let ts = &mut inner.ts;
    match ts.kind(ty) {
        TypeKind::Def(..) | TypeKind::Inst(..) => {
            Ok(ts.class_info(ty).map_err(|e| e.to_string())?.flags)
        }
        TypeKind::SzArray(_) | TypeKind::Array(..) => Ok(PUBLIC_SEALED_SERIALIZABLE),
        _ => Ok(0),
    }
}
