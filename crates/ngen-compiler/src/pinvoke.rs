//! P/Invoke signatures: what a method with an ImplMap row (`pinvokeimpl`, `[DllImport]`)
//! imports, and how each of its parameters and its result is marshalled.
//!
//! ## Model
//! A P/Invoke has no body; the compiler gives it a marshalling stub
//! (`backend/pinvoke_stub.rs`), as mono's `mono_marshal_get_native_wrapper` (marshal.c,
//! marshal-ilgen.c) and crossgen2's `PInvokeILEmitter` do, the same for images and the JIT.
//! This module decides the stub's conversions from metadata alone, per mono's defaults on
//! Linux: blittable primitives, pointers, `IntPtr` and enums pass as they are; `bool` becomes
//! a 4-byte `BOOL` (or one byte, `[MarshalAs(U1)]`: both 0 or 1 in an `int` register), and a
//! returned one is read from the low byte, as mono's wrapper stores it; `string` is UTF-8
//! (`LPStr`, mono's Unix default; `LPWStr`/`CharSet.Unicode` give UTF-16) and a returned
//! one is copied and freed; `StringBuilder` is a native buffer of its capacity, copied back;
//! `ref`/`out` of a blittable value and blittable arrays pass an address (the collector
//! does not move objects); `SafeHandle` is add-ref'd around the call, and a returned or `out`
//! one is constructed from the native handle. Anything else is [`Unsupported`]: the stub
//! raises `MarshalDirectiveException` with the reason at the call, as mono does, never a
//! wrong call.
//!
//! Depends on: `ngen-metadata` (ImplMap, Param, FieldMarshal), [`crate::type_context`]
//! (`StringBuilder`, `SafeHandle`, enums, blittable structs). Citations: ECMA-335 II.15.5,
//! II.23.1.8 (PInvokeAttributes), II.23.4 (native types); mono 6.8
//! `mono/metadata/marshal-ilgen.c`.

use ngen_metadata::flags::method_attributes::PINVOKE_IMPL;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

use crate::type_context::{InteropClass, TypeContext};
use crate::types::{IlType, ValKind};

/// `MethodImplAttributes.PreserveSig` (II.23.1.11).
const PRESERVE_SIG: u16 = 0x0080;
/// `PInvokeAttributes` (II.23.1.8).
const NO_MANGLE: u16 = 0x0001;
const CHAR_SET_MASK: u16 = 0x0006;
const CHAR_SET_UNICODE: u16 = 0x0004;
const CHAR_SET_AUTO: u16 = 0x0006;
const SUPPORTS_LAST_ERROR: u16 = 0x0040;
/// `NATIVE_TYPE_*` (II.23.4) that change a parameter's marshalling.
const NATIVE_LPSTR: u8 = 0x14;
const NATIVE_LPWSTR: u8 = 0x15;
const NATIVE_LPTSTR: u8 = 0x16;
const NATIVE_LPUTF8STR: u8 = 0x30;
const NATIVE_BOOLEAN: u8 = 0x02;
const NATIVE_I1: u8 = 0x03;
const NATIVE_U1: u8 = 0x04;
const NATIVE_I4: u8 = 0x07;
const NATIVE_U4: u8 = 0x08;

/// How native text is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharEncoding {
    /// `LPStr`, `LPUTF8Str` (mono's default on Unix).
    Utf8,
    /// `LPWStr` (`CharSet.Unicode`).
    Utf16,
}

/// How one parameter crosses to native code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamMarshal {
    /// Passed as it is (a small integer widened as its kind says).
    Direct(ValKind),
    /// A managed `bool` as an `int` 0 or 1.
    Bool,
    /// A string copied to a native buffer, freed after the call.
    String(CharEncoding),
    /// A `StringBuilder`'s native buffer, copied back after the call.
    Builder(CharEncoding),
    /// A vector of blittable elements: the address of element 0, null for null.
    Array,
    /// A `SafeHandle`: its handle, with a reference added for the call.
    SafeHandle,
    /// `out`/`ref` of a `SafeHandle` class (the token): the native side writes a handle,
    /// which a new instance of the class wraps.
    SafeHandleOut(Token),
}

/// How the native result comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnMarshal {
    Void,
    /// As it is (a small integer read from its low bytes).
    Direct(ValKind),
    /// A `bool` read from the low byte of the native result.
    Bool,
    /// A native string copied into a new string and freed.
    String(CharEncoding),
    /// A handle wrapped in a new instance of the `SafeHandle` class (the token).
    SafeHandle(Token),
}

/// What a P/Invoke's stub does around the native call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PInvokeSignature {
    pub params: Vec<ParamMarshal>,
    pub ret: ReturnMarshal,
    /// `SetLastError = true`: `errno` saved after the call.
    pub set_last_error: bool,
}

/// Why a P/Invoke's signature cannot be marshalled (the `MarshalDirectiveException` text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// What a P/Invoke imports: the module as written, the entry point and how to look it up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PInvokeImport {
    /// The `[DllImport]` module name (ModuleRef), e.g. `libc` or `System.Native`.
    pub library: String,
    /// The entry point (`EntryPoint`, else the method's name).
    pub entry: String,
    /// `ExactSpelling`: no `A`/`W` suffix is tried.
    pub exact_spelling: bool,
    /// `CharSet.Unicode` (or `Auto`): mono tries the `W` suffix first on Windows only; on
    /// Unix neither `Ansi` nor `Unicode` adds one before the plain name, but a name not
    /// found is retried with the suffix.
    pub unicode: bool,
}

/// Whether MethodDef `rid` is a P/Invoke: `pinvokeimpl` with an ImplMap row.
pub fn is_pinvoke(asm: &Assembly, rid: u32) -> bool {
    asm.method_def(rid)
        .is_ok_and(|m| m.flags & PINVOKE_IMPL != 0)
        && matches!(asm.impl_map_of(rid), Ok(Some(_)))
}

/// The import of P/Invoke MethodDef `rid`.
pub fn import_of(asm: &Assembly, rid: u32) -> Result<PInvokeImport, String> {
    let map = asm
        .impl_map_of(rid)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "not a P/Invoke (no ImplMap row)".to_string())?;
    let library = asm
        .module_ref(map.import_scope)
        .map_err(|e| format!("bad ModuleRef of the ImplMap row: {e}"))?
        .name
        .to_string();
    let entry = if map.import_name.is_empty() {
        asm.method_def(rid)
            .map_err(|e| e.to_string())?
            .name
            .to_string()
    } else {
        map.import_name.to_string()
    };
    let char_set = map.mapping_flags & CHAR_SET_MASK;
    Ok(PInvokeImport {
        library,
        entry,
        exact_spelling: map.mapping_flags & NO_MANGLE != 0,
        unicode: char_set == CHAR_SET_UNICODE || char_set == CHAR_SET_AUTO,
    })
}

/// The class tokens whose method tables a P/Invoke's stub may need (a returned or `out`
/// `SafeHandle`): every class token in a by-reference parameter or the result, so the AOT
/// planner can lay out their cells from metadata alone.
pub(crate) fn class_tokens(asm: &Assembly, rid: u32) -> Vec<Token> {
    let Ok(row) = asm.method_def(rid) else {
        return Vec::new();
    };
    let Ok(sig) = asm.method_sig(row.signature) else {
        return Vec::new();
    };
    let ret = std::iter::once(sig.ret.unmodified());
    let byrefs = sig.params.iter().filter_map(|p| match p.unmodified() {
        TypeSig::ByRef(inner) => Some(inner.unmodified()),
        _ => None,
    });
    ret.chain(byrefs)
        .filter_map(|t| match t {
            TypeSig::Class(token) => Some(*token),
            _ => None,
        })
        .collect()
}

/// How P/Invoke MethodDef `rid` marshals its parameters and result, or why it cannot.
pub fn classify(
    asm: &Assembly,
    rid: u32,
    types: &TypeContext,
) -> Result<PInvokeSignature, Unsupported> {
    let row = asm
        .method_def(rid)
        .map_err(|e| Unsupported(e.to_string()))?;
    let map = asm
        .impl_map_of(rid)
        .map_err(|e| Unsupported(e.to_string()))?
        .ok_or_else(|| Unsupported("no ImplMap row".into()))?;
    if row.impl_flags & PRESERVE_SIG == 0 {
        return Err(Unsupported(
            "PreserveSig = false (an HRESULT turned into an exception) is not supported".into(),
        ));
    }
    let sig = asm
        .method_sig(row.signature)
        .map_err(|e| Unsupported(e.to_string()))?;
    if sig.has_this {
        return Err(Unsupported(
            "an instance method cannot be a P/Invoke".into(),
        ));
    }
    let default_encoding = match map.mapping_flags & CHAR_SET_MASK {
        CHAR_SET_UNICODE => CharEncoding::Utf16,
        _ => CharEncoding::Utf8,
    };
    // Param rows by sequence: 0 is the result, n the n-th parameter.
    let mut native_types: Vec<Option<Vec<u8>>> = vec![None; sig.params.len() + 1];
    for param in asm.params_of(rid).unwrap_or_default() {
        let Ok(p) = asm.param(param) else { continue };
        if let Some(slot) = native_types.get_mut(usize::from(p.sequence))
            && let Ok(Some(blob)) = asm.field_marshal_of(Token::new(TableId::Param, param))
        {
            *slot = Some(blob.to_vec());
        }
    }
    let ctx = Marshaller {
        asm,
        types,
        default_encoding,
    };
    let params = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            ctx.param(p.unmodified(), native_types[i + 1].as_deref())
                .map_err(|why| Unsupported(format!("parameter #{}: {why}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ret = ctx
        .ret(sig.ret.unmodified(), native_types[0].as_deref())
        .map_err(|why| Unsupported(format!("return value: {why}")))?;
    Ok(PInvokeSignature {
        params,
        ret,
        set_last_error: map.mapping_flags & SUPPORTS_LAST_ERROR != 0,
    })
}

struct Marshaller<'a> {
    asm: &'a Assembly,
    types: &'a TypeContext,
    default_encoding: CharEncoding,
}

impl Marshaller<'_> {
    fn encoding(&self, native: Option<&[u8]>) -> Result<CharEncoding, String> {
        match native.and_then(|n| n.first()) {
            None => Ok(self.default_encoding),
            Some(&(NATIVE_LPSTR | NATIVE_LPTSTR | NATIVE_LPUTF8STR)) => Ok(CharEncoding::Utf8),
            Some(&NATIVE_LPWSTR) => Ok(CharEncoding::Utf16),
            Some(other) => Err(format!("string marshalled as native type 0x{other:02x}")),
        }
    }

    fn check_bool(native: Option<&[u8]>) -> Result<(), String> {
        match native.and_then(|n| n.first()) {
            None | Some(&(NATIVE_BOOLEAN | NATIVE_I1 | NATIVE_U1 | NATIVE_I4 | NATIVE_U4)) => {
                Ok(())
            }
            Some(other) => Err(format!("bool marshalled as native type 0x{other:02x}")),
        }
    }

    /// The primitive kind a value type token stands for (an enum's underlying type), or the
    /// layout of a struct.
    fn value_type(&self, ty: &TypeSig) -> Result<IlType, String> {
        self.types.il_type_of_sig(self.asm, ty)
    }

    /// Whether `ty` can be pointed to as it is: a primitive but `bool`/`char`, a pointer, an
    /// enum, or a struct without references.
    fn is_blittable(&self, ty: &TypeSig) -> Result<bool, String> {
        Ok(match ty {
            TypeSig::I1
            | TypeSig::U1
            | TypeSig::I2
            | TypeSig::U2
            | TypeSig::I4
            | TypeSig::U4
            | TypeSig::I8
            | TypeSig::U8
            | TypeSig::R4
            | TypeSig::R8
            | TypeSig::I
            | TypeSig::U
            | TypeSig::Ptr(_)
            | TypeSig::FnPtr(_) => true,
            TypeSig::ValueType(token) => match self.value_type(ty)? {
                IlType::Val(kind) => !matches!(kind, ValKind::Bool | ValKind::Char),
                IlType::Struct(_) => !self.types.value_has_references(self.asm, *token)?,
            },
            _ => false,
        })
    }

    fn param(&self, ty: &TypeSig, native: Option<&[u8]>) -> Result<ParamMarshal, String> {
        Ok(match ty {
            TypeSig::Boolean => {
                Self::check_bool(native)?;
                ParamMarshal::Bool
            }
            TypeSig::String => ParamMarshal::String(self.encoding(native)?),
            TypeSig::Class(token) => match self.types.interop_class(self.asm, *token)? {
                InteropClass::StringBuilder => ParamMarshal::Builder(self.encoding(native)?),
                InteropClass::SafeHandle => ParamMarshal::SafeHandle,
                InteropClass::Other => {
                    return Err(
                        "a class (a delegate as a function pointer, a class with layout) is not marshalled"
                            .into(),
                    );
                }
            },
            TypeSig::SzArray(element) => {
                if !self.is_blittable(element.unmodified())? {
                    return Err("an array of non-blittable elements is not marshalled".into());
                }
                ParamMarshal::Array
            }
            TypeSig::ByRef(inner) => match inner.unmodified() {
                TypeSig::Class(token)
                    if self.types.interop_class(self.asm, *token)? == InteropClass::SafeHandle =>
                {
                    ParamMarshal::SafeHandleOut(*token)
                }
                inner if self.is_blittable(inner)? => ParamMarshal::Direct(ValKind::Ptr),
                _ => {
                    return Err(
                        "a by-reference parameter of a non-blittable type is not marshalled".into(),
                    );
                }
            },
            TypeSig::ValueType(_) => match self.value_type(ty)? {
                IlType::Val(kind) => ParamMarshal::Direct(kind),
                IlType::Struct(_) => {
                    return Err("a struct by value is not marshalled".into());
                }
            },
            other => {
                match crate::signature::il_type(other, &mut |_| Err("value type".to_string()))? {
                    IlType::Val(ValKind::Ref) => {
                        return Err(format!("{other:?} is not marshalled"));
                    }
                    IlType::Val(kind) => ParamMarshal::Direct(kind),
                    IlType::Struct(_) => return Err("a struct by value is not marshalled".into()),
                }
            }
        })
    }

    fn ret(&self, ty: &TypeSig, native: Option<&[u8]>) -> Result<ReturnMarshal, String> {
        if matches!(ty, TypeSig::Void) {
            return Ok(ReturnMarshal::Void);
        }
        if matches!(ty, TypeSig::ByRef(_)) {
            return Err("a by-reference result is not marshalled".into());
        }
        Ok(match self.param(ty, native)? {
            ParamMarshal::Direct(kind) => ReturnMarshal::Direct(kind),
            ParamMarshal::Bool => ReturnMarshal::Bool,
            ParamMarshal::String(encoding) => ReturnMarshal::String(encoding),
            ParamMarshal::SafeHandle => match ty {
                TypeSig::Class(token) => ReturnMarshal::SafeHandle(*token),
                _ => return Err("a SafeHandle of an unexpected shape".into()),
            },
            ParamMarshal::Builder(_) | ParamMarshal::Array | ParamMarshal::SafeHandleOut(_) => {
                return Err("a StringBuilder or an array is not returned".into());
            }
        })
    }
}
