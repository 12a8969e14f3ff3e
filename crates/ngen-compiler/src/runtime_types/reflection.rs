//! Reflection questions the runtime asks of its [`TypeContext`]: an enum's named constants
//! (`Enum.GetEnumValuesAndNames`), the custom attributes of a type, method, field, property,
//! assembly or parameter with their decoded blobs (`MonoCustomAttrs`), how a method's
//! parameters travel in the native calling convention (to call it from a boxed-argument
//! array), and the members an attribute's named arguments set.
//!
//! ## Model
//! Answers are plain data computed under the type system's lock: handles, names, decoded
//! custom-attribute values ([`CaValue`], ECMA-335 II.23.3) and ABI classes. Building
//! objects from them (strings, arrays, the attribute instance) and running constructors is
//! the runtime's job, outside the lock.
//!
//! Depends on: [`crate::type_context`], ngen-typesystem, ngen-metadata's custom-attribute
//! decoder. Citations: Mono 6.8 `mono/metadata/icall.c` (`get_enum_field`,
//! `read_enum_value`), `custom-attrs.c` (`mono_custom_attrs_from_class`,
//! `mono_custom_attrs_construct_by_type`).

use ngen_metadata::{Assembly, CaValue, NamedArg, TableId, Token};
use ngen_typesystem::{Category, FieldHandle, MethodHandle, Primitive, TypeHandle, TypeKind};

use crate::type_context::TypeContext;

/// What carries custom attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeTarget {
    /// A type (a generic instance's attributes are its definition's).
    Type(TypeHandle),
    /// A method or constructor.
    Method(MethodHandle),
    /// A field.
    Field(FieldHandle),
    /// A property: its declaring type and its Property row.
    Property(TypeHandle, u32),
    /// The assembly named so.
    Assembly(String),
    /// A parameter of a method or constructor, by its Param row's sequence number: 0 for
    /// the return value, `i + 1` for parameter `i` (Mono's `mono_custom_attrs_from_param`).
    Parameter(MethodHandle, u16),
}

/// One custom attribute of a target, decoded.
#[derive(Clone, Debug)]
pub struct AttributeData {
    /// The attribute's class.
    pub attribute_type: TypeHandle,
    /// Its constructor.
    pub ctor: MethodHandle,
    /// The constructor's parameter types.
    pub params: Vec<TypeHandle>,
    /// The positional arguments, one per parameter.
    pub fixed: Vec<CaValue>,
    /// The named arguments (fields and properties set after construction).
    pub named: Vec<NamedArg>,
    /// The simple name of the assembly holding the attribute: a type named in its blob
    /// without an assembly is looked up there, then in mscorlib (ECMA-335 II.23.3).
    pub scope: String,
}

/// How a value travels in the managed calling convention
/// (`ngen_abi::calling_convention`): in an integer register as 32 or 64 bits, in a vector
/// register, or (a struct) as the address of a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiClass {
    /// No value (`void`).
    Void,
    /// An integer of this many bytes (1, 2, 4 or 8) and signedness, in an integer register.
    Int { size: u8, signed: bool },
    /// A reference, pointer or native integer (8 bytes).
    Reference,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
    /// A struct of this size, passed as the address of a caller-owned copy.
    Struct { size: u32 },
}

/// A method's parameters and result as the native calling convention sees them.
#[derive(Clone, Debug)]
pub struct MethodAbi {
    /// Whether `this` comes first.
    pub has_this: bool,
    /// Whether `this` is the address of a value (a value type's own instance method).
    pub value_this: bool,
    /// Each declared parameter, with its type.
    pub params: Vec<(TypeHandle, AbiClass)>,
    /// The result type and its class.
    pub ret: (TypeHandle, AbiClass),
}

/// A type made from another: `MakeArrayType`, `MakeByRefType`, `MakePointerType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeShape {
    /// `T[]`.
    Vector,
    /// `T[,]` and so on (the rank).
    Array(u32),
    /// `T&`.
    ByRef,
    /// `T*`.
    Pointer,
}

/// The member a named custom-attribute argument sets.
#[derive(Clone, Copy, Debug)]
pub enum NamedMember {
    /// An instance field: its offset in the object and its type.
    Field { offset: u32, ty: TypeHandle },
    /// A property: its setter, and the setter's parameter type.
    Setter {
        method: MethodHandle,
        ty: TypeHandle,
    },
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl TypeContext {
    /// The named constants of the enum `ty` in declaration order with their values as Mono's
    /// `read_enum_value` widens them (signed underlying types sign-extend), or why `ty` is
    /// not an enum.
    pub fn enum_constants(&self, ty: TypeHandle) -> Result<Vec<(String, u64)>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let info = ts.class_info(ty).map_err(err)?;
        if info.category != Category::Enum {
            return Err(format!("{} is not an enum", ts.type_name(ty)));
        }
        let underlying = ts.enum_underlying(ty).map_err(err)?;
        let asm = ts.assembly_shared(info.module);
        let mut out = Vec::new();
        for field in asm.fields_of(info.rid).map_err(err)? {
            let row = asm.field(field).map_err(err)?;
            let is_static = row.flags & ngen_metadata::flags::field_attributes::STATIC != 0;
            if !is_static || row.name == "value__" {
                continue;
            }
            let token = Token::new(TableId::Field, field);
            let value = match asm.constant_of(token).map_err(err)? {
                Some(constant) => {
                    read_enum_value(asm.blob(constant.value).map_err(err)?, underlying)
                }
                None => 0,
            };
            out.push((row.name.to_string(), value));
        }
        Ok(out)
    }

    /// The classes of the custom attributes of `target`, in metadata order (no blob is
    /// decoded: `IsDefined` asks only this).
    pub fn attribute_types(&self, target: &AttributeTarget) -> Result<Vec<TypeHandle>, String> {
        let mut inner = self.lock()?;
        let Some((module, parent)) = attribute_parent(&mut inner.ts, target)? else {
            return Ok(Vec::new());
        };
        let asm = inner.ts.assembly_shared(module);
        let mut types = Vec::new();
        for row in asm.custom_attributes(parent).map_err(err)? {
            let (method, _) = inner.method(&asm, row.ctor)?;
            types.push(inner.ts.method(method).owner);
        }
        Ok(types)
    }

    /// The custom attributes of `target`, decoded, in metadata order.
    pub fn custom_attributes(
        &self,
        target: &AttributeTarget,
    ) -> Result<Vec<AttributeData>, String> {
        let mut inner = self.lock()?;
        let Some((module, parent)) = attribute_parent(&mut inner.ts, target)? else {
            return Ok(Vec::new());
        };
        let asm = inner.ts.assembly_shared(module);
        let scope = inner.ts.module_name(module).to_string();
        // Enums of other assemblies: their underlying types come from the referenced files.
        let mut referenced = Vec::new();
        for rid in 1..=asm.row_count(TableId::AssemblyRef) {
            let name = asm.assembly_ref(rid).map_err(err)?.name.to_string();
            if let Ok(m) = inner.ts.load_module(&name) {
                referenced.push(inner.ts.assembly_shared(m));
            }
        }
        let resolver = |name: &str| {
            referenced
                .iter()
                .find_map(|a: &std::sync::Arc<Assembly>| a.enum_underlying_local(name))
        };
        let mut out = Vec::new();
        for row in asm.custom_attributes(parent).map_err(err)? {
            let decoded = asm
                .decode_custom_attribute_with(&row, &resolver)
                .map_err(err)?;
            let (ctor, desc) = inner.method(&asm, row.ctor)?;
            let params = inner
                .ts
                .method_signature(ctor)
                .map_err(err)?
                .params
                .to_vec();
            out.push(AttributeData {
                attribute_type: desc.owner,
                ctor,
                params,
                fixed: decoded.fixed,
                named: decoded.named,
                scope: scope.clone(),
            });
        }
        Ok(out)
    }

    /// The member named `name` of `ty` (or an ancestor) that a named argument sets.
    pub fn named_member(
        &self,
        ty: TypeHandle,
        name: &str,
        is_field: bool,
    ) -> Result<NamedMember, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let setter = format!("set_{name}");
        for owner in ts.ancestors(ty).map_err(err)? {
            if is_field {
                for &f in ts.fields(owner).map_err(err)?.iter() {
                    if ts.field(f).name == name && !ts.field(f).is_static() {
                        let offset = ts.field_offset(f).map_err(err)?;
                        let ty = ts.field_type(f).map_err(err)?;
                        return Ok(NamedMember::Field { offset, ty });
                    }
                }
            } else {
                for &m in ts.methods(owner).map_err(err)?.iter() {
                    if ts.method(m).name == setter && !ts.method(m).is_static() {
                        let sig = ts.method_signature(m).map_err(err)?;
                        if let [ty] = *sig.params {
                            return Ok(NamedMember::Setter { method: m, ty });
                        }
                    }
                }
            }
        }
        Err(format!(
            "{} has no {} {name}",
            ts.type_name(ty),
            if is_field { "field" } else { "property" }
        ))
    }

    /// How `method`'s `this`, parameters and result travel in the native calling convention.
    pub fn method_abi(&self, method: MethodHandle) -> Result<MethodAbi, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let desc = ts.method(method).clone();
        let sig = ts.method_signature(method).map_err(err)?;
        let value_this = !desc.is_static()
            && matches!(ts.kind(desc.owner), TypeKind::Def(..) | TypeKind::Inst(..))
            && ts.class_info(desc.owner).map_err(err)?.is_value_type();
        let mut params = Vec::with_capacity(sig.params.len());
        for &p in sig.params.iter() {
            params.push((p, abi_class(ts, p)?));
        }
        let ret = (sig.ret, abi_class(ts, sig.ret)?);
        Ok(MethodAbi {
            has_this: !desc.is_static(),
            value_this,
            params,
            ret,
        })
    }

    /// How a value of `ty` travels in the native calling convention.
    pub fn abi_class_of(&self, ty: TypeHandle) -> Result<AbiClass, String> {
        let mut inner = self.lock()?;
        abi_class(&mut inner.ts, ty)
    }

    /// The underlying primitive of `ty` when it is a primitive or an enum (a box of it holds
    /// that primitive), else `None`.
    pub fn primitive_of(&self, ty: TypeHandle) -> Result<Option<Primitive>, String> {
        let mut inner = self.lock()?;
        primitive_of(&mut inner.ts, ty)
    }

    /// The methods `ty` declares (not inherited ones): handle, name and method attributes.
    pub fn declared_methods(
        &self,
        ty: TypeHandle,
    ) -> Result<Vec<(MethodHandle, String, u16)>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let methods = ts.methods(ty).map_err(err)?;
        Ok(methods
            .iter()
            .map(|&m| {
                let d = ts.method(m);
                (m, d.name.clone(), d.flags)
            })
            .collect())
    }

    /// The name and declaring type of `method`.
    pub fn method_name_and_owner(
        &self,
        method: MethodHandle,
    ) -> Result<(String, TypeHandle), String> {
        let inner = self.lock()?;
        let d = inner.ts.method(method);
        Ok((d.name.clone(), d.owner))
    }

    /// Each parameter of `method`: its type (an open method's generic parameters named as
    /// reflection names them, `T`), its name (empty when the Param table has none) and its
    /// `ParameterAttributes`.
    pub fn method_parameters(
        &self,
        method: MethodHandle,
    ) -> Result<Vec<(TypeHandle, String, u16)>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let sig = ts.method_signature(method).map_err(err)?;
        let desc = ts.method(method).clone();
        let asm = ts.assembly_shared(desc.module);
        let ctx = ts.reflection_context(method).map_err(err)?;
        let mut out: Vec<(TypeHandle, String, u16)> = Vec::with_capacity(sig.params.len());
        for &t in sig.params.iter() {
            out.push((ts.substitute(t, &ctx).map_err(err)?, String::new(), 0));
        }
        for rid in asm.params_of(desc.rid).map_err(err)? {
            let row = asm.param(rid).map_err(err)?;
            if let Some(slot) = (row.sequence as usize)
                .checked_sub(1)
                .and_then(|i| out.get_mut(i))
            {
                slot.1 = row.name.to_string();
                slot.2 = row.flags;
            }
        }
        Ok(out)
    }

    /// The type arguments of a generic instance, the parameters (`T`, ...) of a generic
    /// definition, none for other types.
    pub fn generic_arguments(&self, ty: TypeHandle) -> Result<Vec<TypeHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        match ts.kind(ty).clone() {
            TypeKind::Inst(_, args) => Ok(args.to_vec()),
            TypeKind::Def(..) => ts.type_params(ty).map_err(err),
            _ => Ok(Vec::new()),
        }
    }

    /// What reflection asks of a generic parameter (position, attributes, constraints,
    /// owner); `None` for any other type.
    pub fn generic_param_info(
        &self,
        ty: TypeHandle,
    ) -> Result<Option<ngen_typesystem::GenericParamInfo>, String> {
        let mut inner = self.lock()?;
        inner.ts.generic_param_info(ty).map_err(err)
    }

    /// The enclosing type of a nested type (an instance's definition's), the owner of a
    /// generic parameter (a method's parameter: the method's declaring type), else `None`.
    pub fn declaring_type(&self, ty: TypeHandle) -> Result<Option<TypeHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let def = match ts.kind(ty) {
            TypeKind::Param(ngen_typesystem::ParamOwner::Type(def), _) => return Ok(Some(*def)),
            TypeKind::Param(ngen_typesystem::ParamOwner::Method(m), _) => {
                return Ok(Some(ts.method(*m).owner));
            }
            TypeKind::Inst(def, _) => *def,
            _ => ty,
        };
        let TypeKind::Def(module, rid) = *ts.kind(def) else {
            return Ok(None);
        };
        let enclosing = ts.assembly(module).enclosing_type(rid).map_err(err)?;
        enclosing
            .map(|r| ts.type_def(module, r).map_err(err))
            .transpose()
    }

    /// The generic definition of an instance, a definition itself, else `None`.
    pub fn generic_definition(&self, ty: TypeHandle) -> Result<Option<TypeHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        match ts.kind(ty).clone() {
            TypeKind::Inst(def, _) => Ok(Some(def)),
            TypeKind::Def(..) if ts.class_info(ty).map_err(err)?.generic_param_count > 0 => {
                Ok(Some(ty))
            }
            _ => Ok(None),
        }
    }

    /// The array, by-ref or pointer type made from `ty`.
    pub fn derived_type(&self, ty: TypeHandle, shape: TypeShape) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        Ok(match shape {
            TypeShape::Vector => ts.sz_array_of(ty),
            TypeShape::Array(rank) => ts.array_of(ty, rank),
            TypeShape::ByRef => ts.byref_of(ty),
            TypeShape::Pointer => ts.pointer_of(ty),
        })
    }

    /// Mono's `TypeCode` of `ty` (`ves_icall_type_GetTypeCodeInternal`).
    pub fn type_code(&self, ty: TypeHandle) -> Result<i32, String> {
        const OBJECT: i32 = 1;
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        if !matches!(ts.kind(ty), TypeKind::Def(..)) {
            return Ok(OBJECT);
        }
        let info = ts.class_info(ty).map_err(err)?;
        let primitive = match info.category {
            Category::Enum => Some(ts.enum_underlying(ty).map_err(err)?),
            _ => info.primitive,
        };
        let corlib_system = info.module == ts.corlib() && info.namespace == "System";
        Ok(match primitive {
            Some(Primitive::Boolean) => 3,
            Some(Primitive::Char) => 4,
            Some(Primitive::I1) => 5,
            Some(Primitive::U1) => 6,
            Some(Primitive::I2) => 7,
            Some(Primitive::U2) => 8,
            Some(Primitive::I4) => 9,
            Some(Primitive::U4) => 10,
            Some(Primitive::I8) => 11,
            Some(Primitive::U8) => 12,
            Some(Primitive::R4) => 13,
            Some(Primitive::R8) => 14,
            Some(_) => OBJECT,
            None if corlib_system => match info.name.as_str() {
                "Decimal" => 15,
                "DateTime" => 16,
                "String" => 18,
                "DBNull" => 2,
                _ => OBJECT,
            },
            None => OBJECT,
        })
    }

    /// Every interface `ty` implements (its own and inherited, flattened).
    pub fn implemented_interfaces(&self, ty: TypeHandle) -> Result<Vec<TypeHandle>, String> {
        let mut inner = self.lock()?;
        Ok(inner.ts.interfaces(ty).map_err(err)?.to_vec())
    }

    /// Whether values of `ty` exist as objects (classes, value types, arrays), unlike
    /// generic parameters, by-refs, pointers and function pointers.
    pub fn has_instances(&self, ty: TypeHandle) -> bool {
        self.lock().is_ok_and(|inner| {
            matches!(
                inner.ts.kind(ty),
                TypeKind::Def(..) | TypeKind::Inst(..) | TypeKind::SzArray(_) | TypeKind::Array(..)
            )
        })
    }

    /// TypeDef `rid` of the assembly named `assembly`.
    pub fn type_def_in(&self, assembly: &str, rid: u32) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        let module = inner.ts.load_module(assembly).map_err(err)?;
        inner.ts.type_def(module, rid).map_err(err)
    }

    /// The simple name of the assembly defining `ty` (an array's element's, an instance's
    /// definition's; mscorlib for generic parameters).
    pub fn defining_assembly(&self, ty: TypeHandle) -> Result<String, String> {
        let inner = self.lock()?;
        let ts = &inner.ts;
        let mut t = ty;
        loop {
            match ts.kind(t) {
                TypeKind::Def(module, _) => return Ok(ts.module_name(*module).to_string()),
                TypeKind::Inst(e, _)
                | TypeKind::SzArray(e)
                | TypeKind::Array(e, _)
                | TypeKind::ByRef(e)
                | TypeKind::Ptr(e) => t = *e,
                _ => return Ok(ts.module_name(ts.corlib()).to_string()),
            }
        }
    }

    /// The type a managed pointer `ty` (`T&`) points to; `None` for any other type.
    pub fn byref_element(&self, ty: TypeHandle) -> Result<Option<TypeHandle>, String> {
        let inner = self.lock()?;
        Ok(match inner.ts.kind(ty) {
            TypeKind::ByRef(element) => Some(*element),
            _ => None,
        })
    }

    /// Whether `ty` is a value type (primitives, enums and structs).
    pub fn is_value_type(&self, ty: TypeHandle) -> Result<bool, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        Ok(
            matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..))
                && ts.class_info(ty).map_err(err)?.is_value_type(),
        )
    }

    /// The TypeDef of `ty` (a generic instance's definition's): its assembly's name and rid.
    pub fn type_def_of(&self, ty: TypeHandle) -> Result<Option<(String, u32)>, String> {
        let inner = self.lock()?;
        let def = match inner.ts.kind(ty) {
            TypeKind::Inst(def, _) => *def,
            _ => ty,
        };
        Ok(match inner.ts.kind(def) {
            TypeKind::Def(module, rid) => Some((inner.ts.module_name(*module).to_string(), *rid)),
            _ => None,
        })
    }
}

/// The assembly and metadata parent token whose CustomAttribute rows `target` has, `None`
/// when it has none (arrays, pointers, generic parameters).
fn attribute_parent(
    ts: &mut ngen_typesystem::TypeSystem,
    target: &AttributeTarget,
) -> Result<Option<(ngen_typesystem::ModuleId, Token)>, String> {
    Ok(match target {
        AttributeTarget::Type(ty) => {
            let def = match ts.kind(*ty) {
                TypeKind::Inst(def, _) => *def,
                _ => *ty,
            };
            match ts.kind(def) {
                TypeKind::Def(module, rid) => Some((*module, Token::new(TableId::TypeDef, *rid))),
                _ => None,
            }
        }
        AttributeTarget::Method(m) => {
            let desc = ts.method(*m);
            Some((desc.module, Token::new(TableId::MethodDef, desc.rid)))
        }
        AttributeTarget::Field(f) => {
            let desc = ts.field(*f);
            Some((desc.module, Token::new(TableId::Field, desc.rid)))
        }
        AttributeTarget::Property(ty, rid) => {
            let info = ts.class_info(*ty).map_err(err)?;
            Some((info.module, Token::new(TableId::Property, *rid)))
        }
        AttributeTarget::Assembly(name) => {
            let module = ts.load_module(name).map_err(err)?;
            Some((module, Token::new(TableId::Assembly, 1)))
        }
        AttributeTarget::Parameter(m, sequence) => {
            let desc = ts.method(*m).clone();
            let asm = ts.assembly_shared(desc.module);
            let mut found = None;
            for rid in asm.params_of(desc.rid).map_err(err)? {
                if asm.param(rid).map_err(err)?.sequence == *sequence {
                    found = Some((desc.module, Token::new(TableId::Param, rid)));
                    break;
                }
            }
            found
        }
    })
}

fn primitive_of(
    ts: &mut ngen_typesystem::TypeSystem,
    ty: TypeHandle,
) -> Result<Option<Primitive>, String> {
    if !matches!(ts.kind(ty), TypeKind::Def(..)) {
        return Ok(None);
    }
    let info = ts.class_info(ty).map_err(err)?;
    Ok(match info.category {
        Category::Enum => Some(ts.enum_underlying(ty).map_err(err)?),
        _ => info.primitive,
    })
}

fn abi_class(ts: &mut ngen_typesystem::TypeSystem, ty: TypeHandle) -> Result<AbiClass, String> {
    if let Some(p) = primitive_of(ts, ty)? {
        return Ok(match p {
            Primitive::Void => AbiClass::Void,
            Primitive::R4 => AbiClass::F32,
            Primitive::R8 => AbiClass::F64,
            Primitive::I | Primitive::U => AbiClass::Reference,
            p => {
                let (size, _) = p.size_align();
                let signed = matches!(
                    p,
                    Primitive::I1 | Primitive::I2 | Primitive::I4 | Primitive::I8
                );
                AbiClass::Int {
                    size: size as u8,
                    signed,
                }
            }
        });
    }
    let named = matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..));
    match named {
        true if ts.class_info(ty).map_err(err)?.is_value_type() => {
            let (size, _) = ts.size_and_align(ty).map_err(err)?;
            Ok(AbiClass::Struct { size })
        }
        _ => Ok(AbiClass::Reference),
    }
}

/// A constant's blob as Mono's `read_enum_value` reads it for an enum of `underlying`.
fn read_enum_value(blob: &[u8], underlying: Primitive) -> u64 {
    let mut bytes = [0u8; 8];
    let n = blob.len().min(8);
    bytes[..n].copy_from_slice(&blob[..n]);
    let raw = u64::from_le_bytes(bytes);
    match underlying {
        Primitive::Boolean | Primitive::U1 => raw & 0xff,
        Primitive::I1 => raw as u8 as i8 as i64 as u64,
        Primitive::Char | Primitive::U2 => raw & 0xffff,
        Primitive::I2 => raw as u16 as i16 as i64 as u64,
        Primitive::U4 | Primitive::R4 => raw & 0xffff_ffff,
        Primitive::I4 => raw as u32 as i32 as i64 as u64,
        _ => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_widen_as_mono_reads_them() {
        assert_eq!(read_enum_value(&[0xff], Primitive::I1), u64::MAX);
        assert_eq!(read_enum_value(&[0xff], Primitive::U1), 0xff);
        assert_eq!(
            read_enum_value(&[0xfe, 0xff, 0xff, 0xff], Primitive::I4),
            u64::MAX - 1
        );
        assert_eq!(
            read_enum_value(&[0xfe, 0xff, 0xff, 0xff], Primitive::U4),
            0xffff_fffe
        );
        assert_eq!(read_enum_value(&[1, 0], Primitive::I2), 1);
        // A truncated blob reads as zeros past its end rather than failing.
        assert_eq!(read_enum_value(&[], Primitive::I8), 0);
    }
}
