//! The type system's answers about value types, as the translator and the calling
//! convention need them: what a `valuetype` token is (an enum's primitive, a struct's size
//! and alignment), where an instance field lives and what it holds (fields of value types
//! and struct-typed fields included), and what `box` allocates; generic value-type instances
//! (`KeyValuePair<int,string>`) included, each laid out for its arguments.
//!
//! ## Model
//! Numbers come from `ngen-typesystem` only (Mono 6.8's `mono_type_size` and field layout),
//! so images, the JIT and the runtime agree by construction. Enums are their underlying
//! primitive everywhere (ECMA-335 II.14.3).
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`]. Citations: ECMA-335 I.8.2.2,
//! II.14.3, III.4.1 (`box`); Mono 6.8 `mono/metadata/class.c` (`mono_class_value_size`).

use ngen_metadata::{Assembly, TableId, Token};
use ngen_typesystem::{Category, GenericContext, Primitive, TypeHandle, TypeKind, TypeSystem};

use super::TypeContext;
use crate::types::{IlType, StructLayout, ValKind};

/// Where an instance field lives and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldAccess {
    /// The type of the value stored.
    pub ty: IlType,
    /// Byte offset from the start of the object (header included) for a field of a class,
    /// from the start of the unboxed value for a field of a value type.
    pub offset: u32,
}

/// What `box`/`unbox` of a value type of the program handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoxedValue {
    /// The unboxed value's type (an enum's primitive, or a struct); for `Nullable<T>`, `T`'s.
    pub value: IlType,
    /// Bytes of the boxed instance, header included (Mono's `instance_size`).
    pub size: u32,
    /// Whether the boxed instance holds references (else it is allocated atomic).
    pub has_references: bool,
    /// For `Nullable<T>` (ECMA-335 III.4.1, III.4.33): boxing gives null or a boxed `T`,
    /// unboxing null gives an empty nullable; the type's method-table cell is `T`'s.
    pub nullable: Option<NullableLayout>,
}

/// Where a `Nullable<T>` keeps its parts (mscorlib's `hasValue` and `value` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NullableLayout {
    /// The nullable struct itself.
    pub layout: StructLayout,
    /// Offset of the `bool hasValue` field in the value.
    pub has_value_offset: u32,
    /// Offset of the `T value` field in the value.
    pub value_offset: u32,
    /// `T` is an enum: unboxing needs a boxed `T` exactly, not its underlying primitive
    /// (Mono calls `Nullable<T>.UnboxExact` then, `method-to-ir.c` `handle_unbox_nullable`).
    pub exact_value: bool,
}

impl TypeContext {
    /// What the type a TypeDef, TypeRef or TypeSpec token of `asm` names is to the
    /// translator.
    pub fn il_type_of(&self, asm: &Assembly, token: Token) -> Result<IlType, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        il_type(&mut inner.ts, ty)
    }

    /// The instance field a `ldfld`/`stfld`/`ldflda` operand of `asm` names: of a class or
    /// of a value type, holding a primitive, a reference or a struct.
    pub fn field_access(&self, asm: &Assembly, token: Token) -> Result<FieldAccess, String> {
        let mut inner = self.lock()?;
        let (field, desc) = inner.field(asm, token)?;
        let ts = &mut inner.ts;
        if desc.is_static() {
            return Err(format!("field {} is static", desc.name));
        }
        if !ts.is_closed(desc.owner) {
            return Err(format!("field {} of an open generic type", desc.name));
        }
        let ty = ts.field_type(field).map_err(|e| e.to_string())?;
        let ty = il_type(ts, ty).map_err(|e| format!("field {}: {e}", desc.name))?;
        let offset = ts.field_offset(field).map_err(|e| e.to_string())?;
        Ok(FieldAccess { ty, offset })
    }

    /// What `box`/`unbox`/`unbox.any token` of `asm` handle: a value type or enum, the
    /// program's or the core library's (the runtime builds a method table for each), not a
    /// generic instance.
    pub fn boxed_value(&self, asm: &Assembly, token: Token) -> Result<BoxedValue, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let ts = &mut inner.ts;
        let name = ts.type_name(ty);
        if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) || !ts.is_closed(ty) {
            return Err(format!("box of {name}"));
        }
        if !ts
            .class_info(ty)
            .map_err(|e| e.to_string())?
            .is_value_type()
        {
            return Err(format!("box of {name} (not a value type)"));
        }
        if let Some(underlying) = nullable_underlying(ts, ty) {
            let IlType::Struct(layout) = il_type(ts, ty)? else {
                return Err(format!("box of {name}: not a struct"));
            };
            let mut offsets = (None, None);
            for &f in ts.fields(ty).map_err(|e| e.to_string())?.iter() {
                let desc = ts.field(f).clone();
                if desc.is_static() {
                    continue;
                }
                let offset = ts.field_offset(f).map_err(|e| e.to_string())?;
                match desc.name.as_str() {
                    "hasValue" | "has_value" => offsets.0 = Some(offset),
                    "value" => offsets.1 = Some(offset),
                    _ => {}
                }
            }
            let (Some(has_value_offset), Some(value_offset)) = offsets else {
                return Err(format!("box of {name}: no hasValue and value fields"));
            };
            let value = il_type(ts, underlying)?;
            let exact_value = matches!(ts.kind(underlying), TypeKind::Def(..))
                && ts
                    .class_info(underlying)
                    .map_err(|e| e.to_string())?
                    .category
                    == Category::Enum;
            let boxed = ts.instance_layout(underlying).map_err(|e| e.to_string())?;
            return Ok(BoxedValue {
                value,
                size: boxed.instance_size,
                has_references: boxed.has_references,
                nullable: Some(NullableLayout {
                    layout,
                    has_value_offset,
                    value_offset,
                    exact_value,
                }),
            });
        }
        let value = il_type(ts, ty)?;
        let layout = ts.instance_layout(ty).map_err(|e| e.to_string())?;
        Ok(BoxedValue {
            value,
            size: layout.instance_size,
            has_references: layout.has_references,
            nullable: None,
        })
    }

    /// The value type whose constructor `ctor` of `asm` names, when it is one (`newobj` of
    /// a value type builds it in place: a struct, or a primitive such as `IntPtr`); `None`
    /// for anything else, whose `newobj` is decided by [`TypeContext::new_object`].
    pub fn value_type_ctor(&self, asm: &Assembly, ctor: Token) -> Option<IlType> {
        let mut inner = self.lock().ok()?;
        let (_, desc) = inner.method(asm, ctor).ok()?;
        if desc.name != ".ctor" || desc.is_static() {
            return None;
        }
        let ts = &mut inner.ts;
        if !ts.class_info(desc.owner).ok()?.is_value_type() {
            return None;
        }
        il_type(ts, desc.owner).ok()
    }

    /// The MethodDef rid (in `asm`) that `constrained. T callvirt method` runs when `T` is a
    /// value type of `asm` that implements `method` itself (an override of `ToString`, an
    /// interface method): ECMA-335 III.2.1 makes that a direct call with the value's address
    /// as `this`. `None` otherwise (a method the value type inherits needs boxing).
    pub fn constrained_override(
        &self,
        asm: &Assembly,
        method: Token,
        constraint: Token,
    ) -> Option<u32> {
        let mut inner = self.lock().ok()?;
        let module = inner.module_of(asm).ok()?;
        let ty = inner.type_of(asm, constraint).ok()?;
        let (method, _) = inner.method(asm, method).ok()?;
        let ts = &mut inner.ts;
        if !matches!(ts.kind(ty), TypeKind::Def(m, _) if *m == module)
            || !ts.class_info(ty).ok()?.is_value_type()
        {
            return None;
        }
        let implementation = ts.resolve_virtual(ty, method).ok()??;
        let desc = ts.method(implementation);
        (desc.owner == ty && desc.module == module).then_some(desc.rid)
    }

    /// Whether `constrained. constraint callvirt method` must box the value (ECMA-335 III.2.1):
    /// `constraint` is an enum or struct (not a primitive, whose own methods take its
    /// address) that does not implement `method` itself, or any value type when
    /// `method` is a non-virtual method of a base class (`Object.GetType`).
    pub fn constrained_needs_box(&self, asm: &Assembly, method: Token, constraint: Token) -> bool {
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        let Ok(ty) = inner.type_of(asm, constraint) else {
            return false;
        };
        let Ok((method, _)) = inner.method(asm, method) else {
            return false;
        };
        let ts = &mut inner.ts;
        let Ok(info) = ts.class_info(ty) else {
            return false;
        };
        if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) || !info.is_value_type() {
            return false;
        }
        // A non-virtual method of a base class (`Object.GetType`) takes an object: box, even
        // a primitive (whose own methods take its address).
        let desc = ts.method(method).clone();
        if !desc.is_virtual() && desc.owner != ty {
            return true;
        }
        if info.primitive.is_some() {
            return false;
        }
        match ts.resolve_virtual(ty, method) {
            Ok(Some(implementation)) => ts.method(implementation).owner != ty,
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Per vtable slot of `ty`: whether the implementation is an instance method of a value
    /// type (it takes the value's address as `this`, so a boxed `ty`'s method table reaches
    /// it through an unboxing stub). All false for reference types.
    pub fn unboxing_slots(&self, ty: TypeHandle) -> Result<Vec<bool>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let is_value = matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..))
            && ts
                .class_info(ty)
                .map_err(|e| e.to_string())?
                .is_value_type();
        if !is_value {
            return Ok(Vec::new());
        }
        let vtable = ts.vtable(ty).map_err(|e| e.to_string())?;
        vtable
            .slots
            .iter()
            .map(|slot| {
                let owner = ts.method(slot.implementation).owner;
                Ok(ts
                    .class_info(owner)
                    .map_err(|e| e.to_string())?
                    .is_value_type())
            })
            .collect()
    }

    /// Whether MethodDef `rid` of the assembly named `assembly` is an instance method of a
    /// value type (interface calls on a box enter it through an unboxing stub).
    pub fn is_value_type_method(&self, assembly: &str, rid: u32) -> Result<bool, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let module = ts.load_module(assembly).map_err(|e| e.to_string())?;
        let method = ts
            .resolve_method(
                module,
                Token::new(TableId::MethodDef, rid),
                &GenericContext::none(),
            )
            .map_err(|e| e.to_string())?;
        let desc = ts.method(method).clone();
        if desc.is_static() {
            return Ok(false);
        }
        Ok(ts
            .class_info(desc.owner)
            .map_err(|e| e.to_string())?
            .is_value_type())
    }

    /// The primitive a box of `ty` holds for `unbox`'s purposes (Mono's element class): an
    /// enum's underlying primitive, a primitive itself; `None` for anything else.
    pub fn unboxed_primitive(&self, ty: TypeHandle) -> Result<Option<Primitive>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        if !matches!(ts.kind(ty), TypeKind::Def(..)) {
            return Ok(None);
        }
        let info = ts.class_info(ty).map_err(|e| e.to_string())?;
        Ok(match info.category {
            Category::Enum => Some(ts.enum_underlying(ty).map_err(|e| e.to_string())?),
            _ => info.primitive,
        })
    }

    /// The element type of the vector type `ty`, or why it is not one.
    pub fn array_element_type(&self, ty: TypeHandle) -> Result<TypeHandle, String> {
        let inner = self.lock()?;
        match inner.ts.kind(ty) {
            TypeKind::SzArray(element) => Ok(*element),
            _ => Err(format!("{} is not a vector", inner.ts.type_name(ty))),
        }
    }

    /// `T` when `ty` is `Nullable<T>`: the runtime gives a `Nullable<T>` method-table cell
    /// `T`'s table, since a boxed nullable is a boxed `T` (casts and `unbox.any` test it).
    pub fn nullable_underlying(&self, ty: TypeHandle) -> Option<TypeHandle> {
        let mut inner = self.lock().ok()?;
        nullable_underlying(&mut inner.ts, ty)
    }

    /// Whether the value type a type token of `asm` names holds references (a struct array
    /// of it must be scanned by the collector).
    pub fn value_has_references(&self, asm: &Assembly, token: Token) -> Result<bool, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        inner.ts.has_references(ty).map_err(|e| e.to_string())
    }
}

/// `T` when `ty` is `System.Nullable<T>`.
pub(crate) fn nullable_underlying(ts: &mut TypeSystem, ty: TypeHandle) -> Option<TypeHandle> {
    let TypeKind::Inst(def, args) = ts.kind(ty).clone() else {
        return None;
    };
    (ts.well_known(ngen_typesystem::WellKnownType::Nullable).ok() == Some(def))
        .then(|| args.first().copied())
        .flatten()
}

/// What `ty` is to the translator: a primitive kind (enums: their underlying primitive;
/// reference types: [`ValKind::Ref`]), a struct's layout, or why it has none yet.
pub(crate) fn il_type(ts: &mut TypeSystem, ty: TypeHandle) -> Result<IlType, String> {
    let kind = match ts.kind(ty) {
        TypeKind::SzArray(_) | TypeKind::Array(..) => ValKind::Ref,
        TypeKind::ByRef(_) | TypeKind::Ptr(_) => ValKind::Ptr,
        TypeKind::FnPtr(_) => ValKind::I,
        TypeKind::Var(_) | TypeKind::MVar(_) | TypeKind::Param(..) => {
            return Err("generic parameter type".into());
        }
        TypeKind::Def(..) | TypeKind::Inst(..) => {
            let info = ts.class_info(ty).map_err(|e| e.to_string())?;
            match (info.category, info.primitive) {
                (Category::Class | Category::Interface, _) => ValKind::Ref,
                (Category::Enum, _) => {
                    primitive_kind(ts.enum_underlying(ty).map_err(|e| e.to_string())?)?
                }
                (Category::ValueType, Some(p)) => primitive_kind(p)?,
                (Category::ValueType, None) => {
                    let (size, align) = ts.size_and_align(ty).map_err(|e| e.to_string())?;
                    return Ok(IlType::Struct(StructLayout { size, align }));
                }
            }
        }
    };
    Ok(IlType::Val(kind))
}

/// The kind of a primitive value.
fn primitive_kind(p: Primitive) -> Result<ValKind, String> {
    Ok(match p {
        Primitive::Void => return Err("void".into()),
        Primitive::Boolean => ValKind::Bool,
        Primitive::Char => ValKind::Char,
        Primitive::I1 => ValKind::I1,
        Primitive::U1 => ValKind::U1,
        Primitive::I2 => ValKind::I2,
        Primitive::U2 => ValKind::U2,
        Primitive::I4 => ValKind::I4,
        Primitive::U4 => ValKind::U4,
        Primitive::I8 => ValKind::I8,
        Primitive::U8 => ValKind::U8,
        Primitive::R4 => ValKind::R4,
        Primitive::R8 => ValKind::R8,
        Primitive::I => ValKind::I,
        Primitive::U => ValKind::U,
    })
}
