//! Signature blobs (II.23.2): method (default, vararg, generic, unmanaged), field, property,
//! local variables, TypeSpec, MethodSpec, with custom modifiers, pinned and sentinel markers.
//! Pure decoding over a byte slice; recursion is depth-limited so hostile blobs cannot
//! overflow the stack. Depends on [`crate::reader`] and [`crate::token`].

use crate::error::{MetadataError, Result};
use crate::reader::Cursor;
use crate::tables::TableId;
use crate::token::Token;

/// Element type bytes (II.23.1.16).
pub mod element_type {
    pub const END: u8 = 0x00;
    pub const VOID: u8 = 0x01;
    pub const BOOLEAN: u8 = 0x02;
    pub const CHAR: u8 = 0x03;
    pub const I1: u8 = 0x04;
    pub const U1: u8 = 0x05;
    pub const I2: u8 = 0x06;
    pub const U2: u8 = 0x07;
    pub const I4: u8 = 0x08;
    pub const U4: u8 = 0x09;
    pub const I8: u8 = 0x0a;
    pub const U8: u8 = 0x0b;
    pub const R4: u8 = 0x0c;
    pub const R8: u8 = 0x0d;
    pub const STRING: u8 = 0x0e;
    pub const PTR: u8 = 0x0f;
    pub const BYREF: u8 = 0x10;
    pub const VALUETYPE: u8 = 0x11;
    pub const CLASS: u8 = 0x12;
    pub const VAR: u8 = 0x13;
    pub const ARRAY: u8 = 0x14;
    pub const GENERICINST: u8 = 0x15;
    pub const TYPEDBYREF: u8 = 0x16;
    pub const I: u8 = 0x18;
    pub const U: u8 = 0x19;
    pub const FNPTR: u8 = 0x1b;
    pub const OBJECT: u8 = 0x1c;
    pub const SZARRAY: u8 = 0x1d;
    pub const MVAR: u8 = 0x1e;
    pub const CMOD_REQD: u8 = 0x1f;
    pub const CMOD_OPT: u8 = 0x20;
    pub const INTERNAL: u8 = 0x21;
    pub const SENTINEL: u8 = 0x41;
    pub const PINNED: u8 = 0x45;
    /// Custom attribute blobs only: `System.Type`.
    pub const CA_TYPE: u8 = 0x50;
    /// Custom attribute blobs only: a boxed value (`object` parameter).
    pub const CA_BOXED: u8 = 0x51;
    pub const CA_FIELD: u8 = 0x53;
    pub const CA_PROPERTY: u8 = 0x54;
    pub const CA_ENUM: u8 = 0x55;
}

use element_type as et;

/// How deep types may nest before we call the blob hostile.
const MAX_DEPTH: u32 = 64;

/// A type in a signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeSig {
    Void,
    Boolean,
    Char,
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    R4,
    R8,
    I,
    U,
    String,
    Object,
    TypedByRef,
    /// A reference type (TypeDef, TypeRef or TypeSpec token).
    Class(Token),
    /// A value type (TypeDef, TypeRef or TypeSpec token).
    ValueType(Token),
    SzArray(Box<TypeSig>),
    Array {
        element: Box<TypeSig>,
        rank: u32,
        sizes: Vec<u32>,
        lower_bounds: Vec<i32>,
    },
    Ptr(Box<TypeSig>),
    ByRef(Box<TypeSig>),
    GenericInst {
        is_value_type: bool,
        generic: Token,
        args: Vec<TypeSig>,
    },
    /// A generic parameter of the enclosing type.
    Var(u32),
    /// A generic parameter of the enclosing method.
    MVar(u32),
    FnPtr(Box<MethodSig>),
    /// `modreq` (required) or `modopt` applied to `inner`.
    Modified {
        required: bool,
        modifier: Token,
        inner: Box<TypeSig>,
    },
    Pinned(Box<TypeSig>),
    /// Mono's `ELEMENT_TYPE_INTERNAL` (a raw runtime type pointer); never in files from compilers.
    Internal,
    /// Marks the start of the variable part of a vararg call site (only appears via `MethodSig::sentinel`).
    Sentinel,
}

impl TypeSig {
    /// The type with custom modifiers and `pinned` stripped.
    pub fn unmodified(&self) -> &TypeSig {
        match self {
            TypeSig::Modified { inner, .. } | TypeSig::Pinned(inner) => inner.unmodified(),
            t => t,
        }
    }
}

/// A method's calling convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallConv {
    Default,
    /// Generic method with this many type parameters.
    Generic(u32),
    VarArg,
    C,
    StdCall,
    ThisCall,
    FastCall,
    Unmanaged,
}

/// A method signature (MethodDefSig, MethodRefSig, StandAloneMethodSig, FnPtr).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodSig {
    pub has_this: bool,
    pub explicit_this: bool,
    pub call_conv: CallConv,
    pub ret: TypeSig,
    pub params: Vec<TypeSig>,
    /// For vararg call sites: index in `params` where the variable arguments start.
    pub sentinel: Option<usize>,
}

/// A field signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldSig {
    pub ty: TypeSig,
}

/// A property signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PropertySig {
    pub has_this: bool,
    pub ty: TypeSig,
    pub params: Vec<TypeSig>,
}

/// A local variable signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalVarSig(pub Vec<TypeSig>);

/// A MethodSpec instantiation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodSpecSig(pub Vec<TypeSig>);

fn bad(c: &Cursor<'_>, reason: &'static str) -> MetadataError {
    MetadataError::BadSignature {
        reason,
        offset: c.position(),
    }
}

/// Counts from a blob cannot exceed the bytes left; checking stops absurd preallocations.
fn count(c: &mut Cursor<'_>) -> Result<usize> {
    let n = c.compressed_u32()? as usize;
    if n > c.remaining() {
        return Err(bad(c, "element count exceeds the blob length"));
    }
    Ok(n)
}

/// Decodes a TypeDefOrRefOrSpecEncoded (II.23.2.8).
pub(crate) fn type_def_or_ref(c: &mut Cursor<'_>) -> Result<Token> {
    let raw = c.compressed_u32()?;
    let table = match raw & 3 {
        0 => TableId::TypeDef,
        1 => TableId::TypeRef,
        2 => TableId::TypeSpec,
        _ => return Err(bad(c, "TypeDefOrRefOrSpecEncoded with tag 3")),
    };
    Ok(Token::new(table, raw >> 2))
}

/// Decodes one type (including custom modifiers, byref, pinned) at the cursor.
pub fn read_type(c: &mut Cursor<'_>) -> Result<TypeSig> {
    read_type_depth(c, 0)
}

fn read_type_depth(c: &mut Cursor<'_>, depth: u32) -> Result<TypeSig> {
    if depth > MAX_DEPTH {
        return Err(bad(c, "types nest too deeply"));
    }
    let d = depth + 1;
    let b = c.u8()?;
    Ok(match b {
        et::VOID => TypeSig::Void,
        et::BOOLEAN => TypeSig::Boolean,
        et::CHAR => TypeSig::Char,
        et::I1 => TypeSig::I1,
        et::U1 => TypeSig::U1,
        et::I2 => TypeSig::I2,
        et::U2 => TypeSig::U2,
        et::I4 => TypeSig::I4,
        et::U4 => TypeSig::U4,
        et::I8 => TypeSig::I8,
        et::U8 => TypeSig::U8,
        et::R4 => TypeSig::R4,
        et::R8 => TypeSig::R8,
        et::I => TypeSig::I,
        et::U => TypeSig::U,
        et::STRING => TypeSig::String,
        et::OBJECT => TypeSig::Object,
        et::TYPEDBYREF => TypeSig::TypedByRef,
        et::PTR => TypeSig::Ptr(Box::new(read_type_depth(c, d)?)),
        et::BYREF => TypeSig::ByRef(Box::new(read_type_depth(c, d)?)),
        et::PINNED => TypeSig::Pinned(Box::new(read_type_depth(c, d)?)),
        et::SZARRAY => TypeSig::SzArray(Box::new(read_type_depth(c, d)?)),
        et::VALUETYPE => TypeSig::ValueType(type_def_or_ref(c)?),
        et::CLASS => TypeSig::Class(type_def_or_ref(c)?),
        et::VAR => TypeSig::Var(c.compressed_u32()?),
        et::MVAR => TypeSig::MVar(c.compressed_u32()?),
        et::CMOD_REQD | et::CMOD_OPT => {
            let modifier = type_def_or_ref(c)?;
            TypeSig::Modified {
                required: b == et::CMOD_REQD,
                modifier,
                inner: Box::new(read_type_depth(c, d)?),
            }
        }
        et::ARRAY => {
            let element = Box::new(read_type_depth(c, d)?);
            let rank = c.compressed_u32()?;
            let n = count(c)?;
            let sizes = (0..n).map(|_| c.compressed_u32()).collect::<Result<_>>()?;
            let n = count(c)?;
            let lower_bounds = (0..n).map(|_| c.compressed_i32()).collect::<Result<_>>()?;
            TypeSig::Array {
                element,
                rank,
                sizes,
                lower_bounds,
            }
        }
        et::GENERICINST => {
            let kind = c.u8()?;
            let is_value_type = match kind {
                et::CLASS => false,
                et::VALUETYPE => true,
                _ => return Err(bad(c, "GENERICINST not followed by CLASS or VALUETYPE")),
            };
            let generic = type_def_or_ref(c)?;
            let n = count(c)?;
            let args = (0..n)
                .map(|_| read_type_depth(c, d))
                .collect::<Result<_>>()?;
            TypeSig::GenericInst {
                is_value_type,
                generic,
                args,
            }
        }
        et::FNPTR => TypeSig::FnPtr(Box::new(read_method_sig_depth(c, d)?)),
        et::INTERNAL => {
            // A pointer-sized runtime handle follows; its size is not recorded, so we can only
            // accept the form Mono writes (8 bytes on 64-bit) and let a mismatch error later.
            c.skip(std::mem::size_of::<usize>())?;
            TypeSig::Internal
        }
        et::SENTINEL => TypeSig::Sentinel,
        _ => return Err(bad(c, "unknown element type")),
    })
}

/// Decodes a method signature (II.23.2.1-3) from a whole blob.
pub fn method_sig(blob: &[u8]) -> Result<MethodSig> {
    let mut c = Cursor::new(blob, "method signature");
    read_method_sig_depth(&mut c, 0)
}

fn read_method_sig_depth(c: &mut Cursor<'_>, depth: u32) -> Result<MethodSig> {
    let b = c.u8()?;
    let has_this = b & 0x20 != 0;
    let explicit_this = b & 0x40 != 0;
    let call_conv = if b & 0x10 != 0 {
        CallConv::Generic(c.compressed_u32()?)
    } else {
        match b & 0x0f {
            0x0 => CallConv::Default,
            0x1 => CallConv::C,
            0x2 => CallConv::StdCall,
            0x3 => CallConv::ThisCall,
            0x4 => CallConv::FastCall,
            0x5 => CallConv::VarArg,
            0x9 => CallConv::Unmanaged,
            _ => return Err(bad(c, "not a method signature calling convention")),
        }
    };
    let n = count(c)?;
    let ret = read_type_depth(c, depth + 1)?;
    let mut params = Vec::with_capacity(n);
    let mut sentinel = None;
    while params.len() < n {
        if c.peek_u8() == Some(et::SENTINEL) {
            if sentinel.is_some() {
                return Err(bad(c, "two sentinels in one signature"));
            }
            c.skip(1)?;
            sentinel = Some(params.len());
            continue;
        }
        params.push(read_type_depth(c, depth + 1)?);
    }
    Ok(MethodSig {
        has_this,
        explicit_this,
        call_conv,
        ret,
        params,
        sentinel,
    })
}

/// Decodes a field signature (II.23.2.4).
pub fn field_sig(blob: &[u8]) -> Result<FieldSig> {
    let mut c = Cursor::new(blob, "field signature");
    if c.u8()? & 0x0f != 0x06 {
        return Err(bad(&c, "field signature does not start with FIELD (0x06)"));
    }
    Ok(FieldSig {
        ty: read_type(&mut c)?,
    })
}

/// Decodes a property signature (II.23.2.5).
pub fn property_sig(blob: &[u8]) -> Result<PropertySig> {
    let mut c = Cursor::new(blob, "property signature");
    let b = c.u8()?;
    if b & 0x0f != 0x08 {
        return Err(bad(
            &c,
            "property signature does not start with PROPERTY (0x08)",
        ));
    }
    let n = count(&mut c)?;
    let ty = read_type(&mut c)?;
    let params = (0..n).map(|_| read_type(&mut c)).collect::<Result<_>>()?;
    Ok(PropertySig {
        has_this: b & 0x20 != 0,
        ty,
        params,
    })
}

/// Decodes a local variable signature (II.23.2.6).
pub fn local_var_sig(blob: &[u8]) -> Result<LocalVarSig> {
    let mut c = Cursor::new(blob, "local variable signature");
    if c.u8()? != 0x07 {
        return Err(bad(
            &c,
            "local signature does not start with LOCAL_SIG (0x07)",
        ));
    }
    let n = count(&mut c)?;
    let locals = (0..n).map(|_| read_type(&mut c)).collect::<Result<_>>()?;
    Ok(LocalVarSig(locals))
}

/// Decodes a TypeSpec blob (II.23.2.14): a single type.
pub fn type_spec_sig(blob: &[u8]) -> Result<TypeSig> {
    let mut c = Cursor::new(blob, "TypeSpec signature");
    read_type(&mut c)
}

/// Decodes a MethodSpec instantiation blob (II.23.2.15).
pub fn method_spec_sig(blob: &[u8]) -> Result<MethodSpecSig> {
    let mut c = Cursor::new(blob, "MethodSpec signature");
    if c.u8()? != 0x0a {
        return Err(bad(
            &c,
            "MethodSpec blob does not start with GENRICINST (0x0a)",
        ));
    }
    let n = count(&mut c)?;
    let args = (0..n).map(|_| read_type(&mut c)).collect::<Result<_>>()?;
    Ok(MethodSpecSig(args))
}

/// What a StandAloneSig blob holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StandAloneSig {
    Locals(LocalVarSig),
    Method(MethodSig),
    Field(FieldSig),
}

/// Decodes a StandAloneSig blob (locals for method bodies, call-site sigs for `calli`).
pub fn stand_alone_sig(blob: &[u8]) -> Result<StandAloneSig> {
    match blob.first() {
        Some(0x07) => Ok(StandAloneSig::Locals(local_var_sig(blob)?)),
        Some(b) if b & 0x0f == 0x06 => Ok(StandAloneSig::Field(field_sig(blob)?)),
        _ => Ok(StandAloneSig::Method(method_sig(blob)?)),
    }
}

impl crate::Assembly {
    /// The method signature stored at `#Blob` index `blob_index`.
    pub fn method_sig(&self, blob_index: u32) -> Result<MethodSig> {
        method_sig(self.blob(blob_index)?)
    }

    pub fn field_sig(&self, blob_index: u32) -> Result<FieldSig> {
        field_sig(self.blob(blob_index)?)
    }

    pub fn property_sig(&self, blob_index: u32) -> Result<PropertySig> {
        property_sig(self.blob(blob_index)?)
    }

    /// The local variables named by a StandAloneSig token (a method body's `LocalVarSigTok`).
    pub fn local_var_sig(&self, token: Token) -> Result<LocalVarSig> {
        if token.table() != Some(TableId::StandAloneSig) {
            return Err(MetadataError::BadToken(token.0));
        }
        let row = self.stand_alone_sig(token.rid())?;
        local_var_sig(self.blob(row.signature)?)
    }

    /// The type a TypeSpec row describes.
    pub fn type_spec_sig(&self, rid: u32) -> Result<TypeSig> {
        type_spec_sig(self.blob(self.type_spec(rid)?.signature)?)
    }

    /// The instantiation of a MethodSpec row.
    pub fn method_spec_sig(&self, rid: u32) -> Result<MethodSpecSig> {
        method_spec_sig(self.blob(self.method_spec(rid)?.instantiation)?)
    }

    /// The signature of a StandAloneSig row.
    pub fn stand_alone_sig_decoded(&self, rid: u32) -> Result<StandAloneSig> {
        stand_alone_sig(self.blob(self.stand_alone_sig(rid)?.signature)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_void_main_string_array() {
        let sig = method_sig(&[0x00, 0x01, 0x01, 0x1d, 0x0e]).unwrap();
        assert!(!sig.has_this);
        assert_eq!(sig.call_conv, CallConv::Default);
        assert_eq!(sig.ret, TypeSig::Void);
        assert_eq!(
            sig.params,
            vec![TypeSig::SzArray(Box::new(TypeSig::String))]
        );
    }

    #[test]
    fn generic_instance_method_with_modreq() {
        // instance !!0 M<T>(int32 modreq([TypeRef 1]) ) generic arity 1
        let sig = method_sig(&[0x30, 0x01, 0x01, 0x1e, 0x00, 0x1f, 0x05, 0x08]).unwrap();
        assert!(sig.has_this);
        assert_eq!(sig.call_conv, CallConv::Generic(1));
        assert_eq!(sig.ret, TypeSig::MVar(0));
        assert_eq!(
            sig.params[0],
            TypeSig::Modified {
                required: true,
                modifier: Token::new(TableId::TypeRef, 1),
                inner: Box::new(TypeSig::I4)
            }
        );
    }

    #[test]
    fn vararg_call_site_records_sentinel() {
        // vararg void (int32, ..., float64)
        let sig = method_sig(&[0x05, 0x02, 0x01, 0x08, 0x41, 0x0d]).unwrap();
        assert_eq!(sig.call_conv, CallConv::VarArg);
        assert_eq!(sig.params, vec![TypeSig::I4, TypeSig::R8]);
        assert_eq!(sig.sentinel, Some(1));
    }

    #[test]
    fn array_and_generic_inst() {
        // class List`1<int32>[0...,0...]
        let t = type_spec_sig(&[
            0x14, 0x15, 0x12, 0x05, 0x01, 0x08, 0x02, 0x00, 0x02, 0x00, 0x00,
        ])
        .unwrap();
        match t {
            TypeSig::Array { rank, element, .. } => {
                assert_eq!(rank, 2);
                assert!(matches!(
                    *element,
                    TypeSig::GenericInst {
                        is_value_type: false,
                        ..
                    }
                ));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn locals_with_pinned_byref() {
        let l = local_var_sig(&[0x07, 0x02, 0x45, 0x10, 0x08, 0x0e]).unwrap();
        assert_eq!(
            l.0,
            vec![
                TypeSig::Pinned(Box::new(TypeSig::ByRef(Box::new(TypeSig::I4)))),
                TypeSig::String
            ]
        );
    }

    #[test]
    fn hostile_blobs_are_errors() {
        assert!(method_sig(&[]).is_err());
        assert!(method_sig(&[0x00, 0x7f, 0x01]).is_err());
        assert!(type_spec_sig(&[0x0f; 1000]).is_err());
        assert!(type_spec_sig(&[0x12, 0x03]).is_err());
        assert!(local_var_sig(&[0x07, 0x01, 0xff]).is_err());
    }
}
