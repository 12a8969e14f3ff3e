//! Custom attributes (II.21, II.23.3): finding a parent's attributes, naming an attribute's
//! type, decoding the blob's fixed and named arguments (primitives, string, enum, System.Type,
//! boxed object, single-dimensional arrays), and the three attributes ngen cares about:
//! `DependencyAttribute`, `DefaultDependencyAttribute` and `BypassNGenAttribute`.
//!
//! Enum arguments are stored as their underlying integer, whose width the blob does not record.
//! We find it from the enum's own TypeDef when it lives in this assembly; otherwise the caller's
//! [`EnumResolver`] is asked (pass the referenced assemblies themselves: `[Assembly]` implements
//! it); then the built-in [`WellKnownEnums`] table (every public mscorlib enum whose underlying
//! type is not int32, e.g. `SecurityRuleSet : byte`, `EventKeywords : long`); failing all, the
//! documented fallback is **int32** (the underlying type of almost every enum, incl. `LoadHint`).

use crate::Assembly;
use crate::error::{MetadataError, Result};
use crate::reader::Cursor;
use crate::rows::CustomAttributeRow;
use crate::signature::{TypeSig, element_type as et};
use crate::tables::{CodedKind, TableId};
use crate::token::Token;

/// `System.Runtime.CompilerServices.LoadHint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadHint {
    Default,
    Always,
    Sometimes,
}

impl LoadHint {
    pub fn from_value(v: i64) -> Option<LoadHint> {
        match v {
            0 => Some(LoadHint::Default),
            1 => Some(LoadHint::Always),
            2 => Some(LoadHint::Sometimes),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LoadHint::Default => "Default",
            LoadHint::Always => "Always",
            LoadHint::Sometimes => "Sometimes",
        }
    }
}

impl std::fmt::Display for LoadHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[assembly: Dependency("Name", LoadHint.X)]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DependencyHint {
    pub assembly: String,
    pub load_hint: LoadHint,
}

/// A decoded custom attribute argument.
#[derive(Clone, Debug, PartialEq)]
pub enum CaValue {
    Bool(bool),
    Char(u16),
    I1(i8),
    U1(u8),
    I2(i16),
    U2(u16),
    I4(i32),
    U4(u32),
    I8(i64),
    U8(u64),
    R4(f32),
    R8(f64),
    /// `None` is a null string.
    String(Option<String>),
    /// A `System.Type` argument, as its serialized (assembly-qualified) name; `None` is null.
    Type(Option<String>),
    /// An enum value with its type's name and the value widened to i64.
    Enum {
        type_name: String,
        value: i64,
    },
    /// `None` is a null array.
    Array(Option<Vec<CaValue>>),
    /// An `object` argument holding this value.
    Boxed(Box<CaValue>),
}

impl CaValue {
    /// The value as an integer, for integral and enum values.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match self {
            CaValue::Bool(b) => i64::from(*b),
            CaValue::Char(v) => i64::from(*v),
            CaValue::I1(v) => i64::from(*v),
            CaValue::U1(v) => i64::from(*v),
            CaValue::I2(v) => i64::from(*v),
            CaValue::U2(v) => i64::from(*v),
            CaValue::I4(v) => i64::from(*v),
            CaValue::U4(v) => i64::from(*v),
            CaValue::I8(v) => *v,
            CaValue::U8(v) => *v as i64,
            CaValue::Enum { value, .. } => *value,
            CaValue::Boxed(b) => return b.as_i64(),
            _ => return None,
        })
    }

    /// The value as a string, for non-null string and type values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CaValue::String(Some(s)) | CaValue::Type(Some(s)) => Some(s),
            CaValue::Boxed(b) => b.as_str(),
            _ => None,
        }
    }
}

/// A named argument (field or property setter).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArg {
    pub is_field: bool,
    pub name: String,
    pub value: CaValue,
}

/// A decoded custom attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomAttribute {
    pub ctor: Token,
    pub fixed: Vec<CaValue>,
    pub named: Vec<NamedArg>,
}

/// Supplies the underlying type of enums defined in other assemblies. `full_name` is
/// `Namespace.Name` (nested types `Outer/Inner`); return an element type byte
/// (`signature::element_type::I1..=U8`, `BOOLEAN` or `CHAR`), or `None` to fall back to int32.
pub trait EnumResolver {
    fn underlying_type(&self, full_name: &str) -> Option<u8>;
}

impl<F: Fn(&str) -> Option<u8>> EnumResolver for F {
    fn underlying_type(&self, full_name: &str) -> Option<u8> {
        self(full_name)
    }
}

/// The resolver that knows nothing: every foreign enum is int32 (after [`WellKnownEnums`]).
pub struct Int32Fallback;

impl EnumResolver for Int32Fallback {
    fn underlying_type(&self, _full_name: &str) -> Option<u8> {
        None
    }
}

/// Looks the enum up by name in each of these assemblies (typically the referenced ones).
impl EnumResolver for [Assembly] {
    fn underlying_type(&self, full_name: &str) -> Option<u8> {
        self.iter().find_map(|a| a.enum_underlying_local(full_name))
    }
}

impl EnumResolver for [&Assembly] {
    fn underlying_type(&self, full_name: &str) -> Option<u8> {
        self.iter().find_map(|a| a.enum_underlying_local(full_name))
    }
}

/// Every public enum of Mono 4.5's mscorlib whose underlying type is not int32 (checked against
/// the real mscorlib by a test). Consulted after the caller's resolver, before the int32 fallback.
pub struct WellKnownEnums;

const WELL_KNOWN_ENUMS: &[(&str, u8)] = &[
    ("System.Diagnostics.Tracing.EventChannel", et::U1),
    ("System.Diagnostics.Tracing.EventKeywords", et::I8),
    ("System.Runtime.InteropServices.ComTypes.FUNCFLAGS", et::I2),
    ("System.Runtime.InteropServices.ComTypes.IDLFLAG", et::I2),
    ("System.Runtime.InteropServices.ComTypes.LIBFLAGS", et::I2),
    ("System.Runtime.InteropServices.ComTypes.PARAMFLAG", et::I2),
    ("System.Runtime.InteropServices.ComTypes.TYPEFLAGS", et::I2),
    ("System.Runtime.InteropServices.ComTypes.VARFLAGS", et::I2),
    ("System.Runtime.InteropServices.FUNCFLAGS", et::I2),
    ("System.Runtime.InteropServices.IDLFLAG", et::I2),
    ("System.Runtime.InteropServices.LIBFLAGS", et::I2),
    ("System.Runtime.InteropServices.PARAMFLAG", et::I2),
    ("System.Runtime.InteropServices.TYPEFLAGS", et::I2),
    ("System.Runtime.InteropServices.VARFLAGS", et::I2),
    ("System.Security.AccessControl.AceFlags", et::U1),
    ("System.Security.AccessControl.AceType", et::U1),
    ("System.Security.SecurityRuleSet", et::U1),
];

impl EnumResolver for WellKnownEnums {
    fn underlying_type(&self, full_name: &str) -> Option<u8> {
        WELL_KNOWN_ENUMS
            .iter()
            .find(|(n, _)| *n == full_name)
            .map(|(_, t)| *t)
    }
}

/// What the blob holds for one argument.
#[derive(Clone, Debug)]
enum CaType {
    Prim(u8),
    String,
    Type,
    Boxed,
    Enum { name: String, underlying: u8 },
    SzArray(Box<CaType>),
}

fn is_enum_underlying(b: u8) -> bool {
    matches!(b, et::BOOLEAN | et::CHAR | et::I1..=et::U8 | et::I | et::U)
}

fn ca_error(msg: impl Into<String>) -> MetadataError {
    MetadataError::BadCustomAttribute(msg.into())
}

impl Assembly {
    /// The CustomAttribute rows attached to `parent`.
    pub fn custom_attributes(&self, parent: Token) -> Result<Vec<CustomAttributeRow>> {
        let Some(key) = CodedKind::HasCustomAttribute.encode(parent) else {
            return Err(MetadataError::BadToken(parent.0));
        };
        self.equal_range(TableId::CustomAttribute, 0, key)?
            .map(|rid| self.custom_attribute(rid))
            .collect()
    }

    /// The (namespace, name) of the attribute type whose constructor is `ctor`.
    pub fn attribute_type_name(&self, ctor: Token) -> Result<(&str, &str)> {
        let owner = match ctor.table() {
            Some(TableId::MethodDef) => {
                Token::new(TableId::TypeDef, self.method_owner(ctor.rid())?)
            }
            Some(TableId::MemberRef) => self.member_ref(ctor.rid())?.class,
            _ => return Err(MetadataError::BadToken(ctor.0)),
        };
        match owner.table() {
            Some(TableId::TypeSpec) => match self.type_spec_sig(owner.rid())? {
                TypeSig::GenericInst { generic, .. } => self.type_name(generic),
                _ => Err(MetadataError::BadToken(owner.0)),
            },
            _ => self.type_name(owner),
        }
    }

    /// Decodes a custom attribute's blob; foreign enums fall back to int32.
    pub fn decode_custom_attribute(&self, row: &CustomAttributeRow) -> Result<CustomAttribute> {
        self.decode_custom_attribute_with(row, &Int32Fallback)
    }

    /// Decodes a custom attribute's blob, asking `resolver` for foreign enums' underlying types.
    pub fn decode_custom_attribute_with(
        &self,
        row: &CustomAttributeRow,
        resolver: &dyn EnumResolver,
    ) -> Result<CustomAttribute> {
        let sig_blob = match row.ctor.table() {
            Some(TableId::MethodDef) => self.method_def(row.ctor.rid())?.signature,
            Some(TableId::MemberRef) => self.member_ref(row.ctor.rid())?.signature,
            _ => return Err(MetadataError::BadToken(row.ctor.0)),
        };
        let sig = self.method_sig(sig_blob)?;
        let blob = self.blob(row.value)?;
        let mut c = Cursor::new(blob, "custom attribute blob");
        if blob.is_empty() {
            if sig.params.is_empty() {
                return Ok(CustomAttribute {
                    ctor: row.ctor,
                    fixed: Vec::new(),
                    named: Vec::new(),
                });
            }
            return Err(ca_error("empty blob for a constructor with parameters"));
        }
        if c.u16()? != 0x0001 {
            return Err(ca_error("blob does not start with the 0x0001 prolog"));
        }
        let mut fixed = Vec::with_capacity(sig.params.len());
        for p in &sig.params {
            let ty = self.ca_type_of_sig(p, resolver)?;
            fixed.push(self.read_ca_value(&mut c, &ty, resolver, 0)?);
        }
        let mut named = Vec::new();
        if !c.is_empty() {
            let n = c.u16()?;
            for _ in 0..n {
                let kind = c.u8()?;
                let is_field = match kind {
                    et::CA_FIELD => true,
                    et::CA_PROPERTY => false,
                    _ => return Err(ca_error("named argument is neither FIELD nor PROPERTY")),
                };
                let ty = self.read_field_or_prop_type(&mut c, resolver, 0)?;
                let name = read_ser_string(&mut c)?.unwrap_or_default();
                let value = self.read_ca_value(&mut c, &ty, resolver, 0)?;
                named.push(NamedArg {
                    is_field,
                    name,
                    value,
                });
            }
        }
        Ok(CustomAttribute {
            ctor: row.ctor,
            fixed,
            named,
        })
    }

    fn ca_type_of_sig(&self, sig: &TypeSig, resolver: &dyn EnumResolver) -> Result<CaType> {
        Ok(match sig.unmodified() {
            TypeSig::Boolean => CaType::Prim(et::BOOLEAN),
            TypeSig::Char => CaType::Prim(et::CHAR),
            TypeSig::I1 => CaType::Prim(et::I1),
            TypeSig::U1 => CaType::Prim(et::U1),
            TypeSig::I2 => CaType::Prim(et::I2),
            TypeSig::U2 => CaType::Prim(et::U2),
            TypeSig::I4 => CaType::Prim(et::I4),
            TypeSig::U4 => CaType::Prim(et::U4),
            TypeSig::I8 => CaType::Prim(et::I8),
            TypeSig::U8 => CaType::Prim(et::U8),
            TypeSig::R4 => CaType::Prim(et::R4),
            TypeSig::R8 => CaType::Prim(et::R8),
            TypeSig::String => CaType::String,
            TypeSig::Object => CaType::Boxed,
            TypeSig::SzArray(inner) => {
                CaType::SzArray(Box::new(self.ca_type_of_sig(inner, resolver)?))
            }
            TypeSig::Class(tok) => match self.type_name(*tok)? {
                ("System", "Type") => CaType::Type,
                _ => return Err(ca_error("class-typed parameter other than System.Type")),
            },
            TypeSig::ValueType(tok) => {
                let name = match tok.table() {
                    Some(TableId::TypeDef) => self.type_def_full_name(tok.rid())?,
                    Some(TableId::TypeRef) => self.type_ref_full_name(tok.rid())?,
                    _ => return Err(ca_error("enum parameter is not a TypeDef or TypeRef")),
                };
                let local = match tok.table() {
                    Some(TableId::TypeDef) => Some(tok.rid()),
                    _ => self.find_type_def_by_full_name(&name)?,
                };
                let underlying = self.enum_underlying(local, &name, resolver)?;
                CaType::Enum { name, underlying }
            }
            _ => return Err(ca_error("parameter type not allowed in a custom attribute")),
        })
    }

    /// The underlying element type of an enum: from its local TypeDef's instance field, else
    /// the resolver, else int32.
    fn enum_underlying(
        &self,
        local: Option<u32>,
        name: &str,
        resolver: &dyn EnumResolver,
    ) -> Result<u8> {
        if let Some(rid) = local {
            for f in self.fields_of(rid)? {
                let field = self.field(f)?;
                if field.flags & 0x0010 == 0 {
                    let sig = self.field_sig(field.signature)?;
                    return prim_of(sig.ty.unmodified())
                        .filter(|b| is_enum_underlying(*b))
                        .ok_or_else(|| {
                            ca_error(format!("enum {name} has a non-integral value field"))
                        });
                }
            }
        }
        Ok(resolver
            .underlying_type(name)
            .or_else(|| WellKnownEnums.underlying_type(name))
            .filter(|b| is_enum_underlying(*b))
            .unwrap_or(et::I4))
    }

    /// The underlying element type of the enum `full_name` if this assembly defines it.
    pub fn enum_underlying_local(&self, full_name: &str) -> Option<u8> {
        let rid = self.find_type_def_by_full_name(full_name).ok()??;
        for f in self.fields_of(rid).ok()? {
            let field = self.field(f).ok()?;
            if field.flags & 0x0010 == 0 {
                let sig = self.field_sig(field.signature).ok()?;
                return prim_of(sig.ty.unmodified()).filter(|b| is_enum_underlying(*b));
            }
        }
        None
    }

    fn read_field_or_prop_type(
        &self,
        c: &mut Cursor<'_>,
        resolver: &dyn EnumResolver,
        depth: u32,
    ) -> Result<CaType> {
        if depth > 16 {
            return Err(ca_error("array types nest too deeply"));
        }
        let b = c.u8()?;
        Ok(match b {
            et::BOOLEAN..=et::R8 => CaType::Prim(b),
            et::STRING => CaType::String,
            et::CA_TYPE => CaType::Type,
            et::CA_BOXED | et::OBJECT => CaType::Boxed,
            et::SZARRAY => CaType::SzArray(Box::new(self.read_field_or_prop_type(
                c,
                resolver,
                depth + 1,
            )?)),
            et::CA_ENUM => {
                let qualified =
                    read_ser_string(c)?.ok_or_else(|| ca_error("enum type name is null"))?;
                let name = qualified
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .replace('+', "/");
                let local = self.find_type_def_by_full_name(&name)?;
                let underlying = self.enum_underlying(local, &name, resolver)?;
                CaType::Enum { name, underlying }
            }
            _ => return Err(ca_error(format!("unknown FieldOrPropType {b:#04x}"))),
        })
    }

    fn read_ca_value(
        &self,
        c: &mut Cursor<'_>,
        ty: &CaType,
        resolver: &dyn EnumResolver,
        depth: u32,
    ) -> Result<CaValue> {
        if depth > 16 {
            return Err(ca_error("values nest too deeply"));
        }
        Ok(match ty {
            CaType::Prim(b) => read_prim(c, *b)?,
            CaType::String => CaValue::String(read_ser_string(c)?),
            CaType::Type => CaValue::Type(read_ser_string(c)?),
            CaType::Boxed => {
                let inner = self.read_field_or_prop_type(c, resolver, depth + 1)?;
                CaValue::Boxed(Box::new(self.read_ca_value(
                    c,
                    &inner,
                    resolver,
                    depth + 1,
                )?))
            }
            CaType::Enum { name, underlying } => {
                let v = read_prim(c, *underlying)?;
                CaValue::Enum {
                    type_name: name.clone(),
                    value: v.as_i64().unwrap_or(0),
                }
            }
            CaType::SzArray(elem) => {
                let n = c.u32()?;
                if n == u32::MAX {
                    CaValue::Array(None)
                } else {
                    if n as usize > c.remaining() {
                        return Err(ca_error("array length exceeds the blob"));
                    }
                    let mut items = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        items.push(self.read_ca_value(c, elem, resolver, depth + 1)?);
                    }
                    CaValue::Array(Some(items))
                }
            }
        })
    }

    /// `[assembly: DependencyAttribute(name, hint)]` hints, in table order.
    pub fn dependency_hints(&self) -> Result<Vec<DependencyHint>> {
        let mut hints = Vec::new();
        for row in self.custom_attributes(Token::new(TableId::Assembly, 1))? {
            if self.attribute_type_name(row.ctor)?
                != ("System.Runtime.CompilerServices", "DependencyAttribute")
            {
                continue;
            }
            let ca = self.decode_custom_attribute(&row)?;
            let (Some(name), Some(hint)) = (
                ca.fixed.first().and_then(CaValue::as_str),
                ca.fixed.get(1).and_then(CaValue::as_i64),
            ) else {
                return Err(ca_error(
                    "DependencyAttribute without (string, LoadHint) arguments",
                ));
            };
            let load_hint = LoadHint::from_value(hint).ok_or_else(|| {
                ca_error(format!(
                    "DependencyAttribute LoadHint value {hint} is invalid"
                ))
            })?;
            hints.push(DependencyHint {
                assembly: name.to_string(),
                load_hint,
            });
        }
        Ok(hints)
    }

    /// `[assembly: DefaultDependencyAttribute(hint)]`, if present.
    pub fn default_dependency(&self) -> Result<Option<LoadHint>> {
        for row in self.custom_attributes(Token::new(TableId::Assembly, 1))? {
            if self.attribute_type_name(row.ctor)?
                != (
                    "System.Runtime.CompilerServices",
                    "DefaultDependencyAttribute",
                )
            {
                continue;
            }
            let ca = self.decode_custom_attribute(&row)?;
            let hint = ca.fixed.first().and_then(CaValue::as_i64).ok_or_else(|| {
                ca_error("DefaultDependencyAttribute without a LoadHint argument")
            })?;
            return LoadHint::from_value(hint).map(Some).ok_or_else(|| {
                ca_error(format!(
                    "DefaultDependencyAttribute LoadHint value {hint} is invalid"
                ))
            });
        }
        Ok(None)
    }

    /// True if MethodDef `method_rid` carries `System.Runtime.BypassNGenAttribute`, matched by
    /// name (the type is not in the class library, so every app defines its own copy).
    pub fn is_bypass_ngen(&self, method_rid: u32) -> Result<bool> {
        for row in self.custom_attributes(Token::new(TableId::MethodDef, method_rid))? {
            if self.attribute_type_name(row.ctor)? == ("System.Runtime", "BypassNGenAttribute") {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn prim_of(t: &TypeSig) -> Option<u8> {
    Some(match t {
        TypeSig::Boolean => et::BOOLEAN,
        TypeSig::Char => et::CHAR,
        TypeSig::I1 => et::I1,
        TypeSig::U1 => et::U1,
        TypeSig::I2 => et::I2,
        TypeSig::U2 => et::U2,
        TypeSig::I4 => et::I4,
        TypeSig::U4 => et::U4,
        TypeSig::I8 => et::I8,
        TypeSig::U8 => et::U8,
        TypeSig::R4 => et::R4,
        TypeSig::R8 => et::R8,
        TypeSig::I => et::I,
        TypeSig::U => et::U,
        _ => return None,
    })
}

fn read_prim(c: &mut Cursor<'_>, b: u8) -> Result<CaValue> {
    Ok(match b {
        et::BOOLEAN => CaValue::Bool(c.u8()? != 0),
        et::CHAR => CaValue::Char(c.u16()?),
        et::I1 => CaValue::I1(c.i8()?),
        et::U1 => CaValue::U1(c.u8()?),
        et::I2 => CaValue::I2(c.i16()?),
        et::U2 => CaValue::U2(c.u16()?),
        et::I4 => CaValue::I4(c.i32()?),
        et::U4 => CaValue::U4(c.u32()?),
        et::I8 | et::I => CaValue::I8(c.i64()?),
        et::U8 | et::U => CaValue::U8(c.u64()?),
        et::R4 => CaValue::R4(c.f32()?),
        et::R8 => CaValue::R8(c.f64()?),
        _ => {
            return Err(ca_error(format!(
                "element type {b:#04x} is not a primitive"
            )));
        }
    })
}

/// A SerString (II.23.3): 0xFF = null, else compressed length + UTF-8.
fn read_ser_string(c: &mut Cursor<'_>) -> Result<Option<String>> {
    if c.peek_u8() == Some(0xFF) {
        c.skip(1)?;
        return Ok(None);
    }
    let len = c.compressed_u32()? as usize;
    let bytes = c.bytes(len)?;
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in table must be exactly mscorlib's public non-int32 enums.
    #[test]
    fn well_known_enums_match_mscorlib() {
        let Ok(asm) = Assembly::open("/usr/lib/mono/4.5/mscorlib.dll") else {
            return; // no Mono installed: nothing to compare with
        };
        let mut found = Vec::new();
        for rid in 1..=asm.row_count(TableId::TypeDef) {
            let t = asm.type_def(rid).unwrap();
            let public = matches!(t.flags & 7, 1 | 2);
            if !public
                || t.extends.is_null()
                || asm.type_name(t.extends).ok() != Some(("System", "Enum"))
            {
                continue;
            }
            // Only enums reachable by a plain `Namespace.Name` (nested ones are private helpers).
            if t.flags & 7 != 1 {
                continue;
            }
            let name = asm.type_def_full_name(rid).unwrap();
            match asm.enum_underlying_local(&name) {
                Some(et::I4) | None => {}
                Some(b) => found.push((name, b)),
            }
        }
        found.sort();
        let mut table: Vec<(String, u8)> = WELL_KNOWN_ENUMS
            .iter()
            .map(|(n, b)| (n.to_string(), *b))
            .collect();
        table.sort();
        assert_eq!(found, table);
    }

    #[test]
    fn load_hint_values() {
        assert_eq!(LoadHint::from_value(1), Some(LoadHint::Always));
        assert_eq!(LoadHint::from_value(2), Some(LoadHint::Sometimes));
        assert_eq!(LoadHint::from_value(0), Some(LoadHint::Default));
        assert_eq!(LoadHint::from_value(3), None);
    }
}
