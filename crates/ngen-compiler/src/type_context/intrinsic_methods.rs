//! Which calls are JIT intrinsics, per instance: the core library's building blocks of
//! `Span<T>` that have no usable IL (`ByReference<T>`'s constructor and `Value` throw
//! `NotSupportedException`), the `Unsafe` class, `Array.UnsafeMov`, the raw-data accessors,
//! `IsReferenceOrContainsReferences<T>` and `String.get_Chars`; and `Buffer.Memmove` of
//! pointers, a call of libc's `memmove` (not a mono intrinsic: its managed byte loops cannot
//! throw, so no trace tells them apart). The translator expands each in place
//! (`backend/translate/span_intrinsics.rs`, `unsafe_intrinsics.rs`) in AOT and JIT code alike.
//!
//! ## Model
//! A call token is resolved in the caller's generic context to a method instance; the
//! answer depends on its defining type (namespace and name, in the core library; `Unsafe`
//! also in the `System.Runtime.CompilerServices.Unsafe` assembly, as mono accepts it), its
//! name and its instance's arguments, whose sizes and reference-ness come from the type
//! system (one source of truth: `Unsafe.SizeOf<T>` is `sizeof T` as `ldelem` sees it). An
//! instance whose arguments are not closed is not an intrinsic: the call stays a call.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`]. Citations: Mono 6.8
//! `mono/mini/intrinsics.c` (`mini_emit_inst_for_ctor`'s `ByReference` case,
//! `mini_emit_inst_for_method`, `emit_span_intrinsics`, `emit_unsafe_intrinsics`,
//! `emit_array_unsafe_mov`, the `IsReferenceOrContainsReferences` case).

use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{MethodDesc, MethodHandle, TypeHandle, TypeSystem};

use super::TypeContext;
use super::value_types::il_type;
use crate::types::IlType;

/// The assembly that ships `System.Runtime.CompilerServices.Unsafe` outside the core library.
const UNSAFE_ASSEMBLY: &str = "System.Runtime.CompilerServices.Unsafe";

/// A call the translator expands in place, with what it needs from the instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intrinsic {
    /// `ByReference<T>::.ctor(ref T)`: the reference is stored in the value's only word.
    ByReferenceCtor,
    /// `ByReference<T>::get_Value`: the value's only word, as a `ref T`.
    ByReferenceValue,
    /// `Span<T>::get_Item`, `ReadOnlySpan<T>::get_Item`: an unsigned bounds check against
    /// `_length` (IndexOutOfRangeException raised in the caller's frame, as mono's
    /// expansion does), then `_pointer + index * element_size`.
    SpanItem {
        /// Offset of `_pointer` (a `ByReference<T>`: its word) in the span.
        pointer_offset: u32,
        /// Offset of the `int _length` field in the span.
        length_offset: u32,
        /// `T`'s size as an array element.
        element_size: u32,
    },
    /// `Span<T>::get_Length`, `ReadOnlySpan<T>::get_Length`: the `_length` field.
    SpanLength {
        /// Offset of the `int _length` field in the span.
        length_offset: u32,
    },
    /// The argument itself, reinterpreted: `Unsafe.As<T>(object)`, `As<TFrom,TTo>(ref)`,
    /// `AsRef<T>(void*)`, `AsPointer<T>(ref)`, `Array.UnsafeMov<S,R>` of compatible types.
    Reinterpret {
        /// The stack type of the result (an object, a managed or an unmanaged pointer, or a
        /// value of `UnsafeMov`'s result type).
        result: IlType,
    },
    /// `Unsafe.Add<T>(ref T, int|nint)` and `Add<T>(void*, int)`: address plus `offset *
    /// element_size` (an `int` offset sign-extended).
    AddElements {
        /// `T`'s size as an array element.
        element_size: u32,
    },
    /// `Unsafe.Subtract<T>(ref T, int|nint)`: address minus `offset * element_size`.
    SubtractElements {
        /// `T`'s size as an array element.
        element_size: u32,
    },
    /// `Unsafe.AddByteOffset<T>(ref T, nint|ulong)`: address plus bytes.
    AddByteOffset,
    /// `Unsafe.ByteOffset<T>(ref T origin, ref T target)`: `target - origin`.
    ByteOffset,
    /// `Unsafe.AreSame<T>`: address equality.
    AreSame,
    /// `Unsafe.IsAddressLessThan<T>`: unsigned `<` of addresses.
    IsAddressLessThan,
    /// `Unsafe.IsAddressGreaterThan<T>`: unsigned `>` of addresses.
    IsAddressGreaterThan,
    /// A constant per instance: `Unsafe.SizeOf<T>`, `IsReferenceOrContainsReferences<T>`
    /// (`RuntimeHelpers`' and `SpanHelpers`').
    Constant(i32),
    /// `Unsafe.Read<T>`, `ReadUnaligned<T>` (`void*` or `ref byte`): a `T` loaded from the
    /// address.
    Read {
        /// The value's type.
        value: IlType,
    },
    /// `Unsafe.WriteUnaligned<T>` (`void*` or `ref byte`): a `T` stored at the address.
    Write {
        /// The value's type.
        value: IlType,
    },
    /// `Array::GetGenericValueImpl<T>(int pos, out T)` and `SetGenericValueImpl<T>(int pos,
    /// ref T)`: a `T` copied from or to element `pos` of the array's data, unchecked (the
    /// callers check bounds), as mono's `emit_array_generic_access`.
    ArrayGenericValue {
        /// Whether the element is written (`Set…`) rather than read.
        set: bool,
        /// The element's type.
        value: IlType,
        /// Its size as an array element.
        element_size: u32,
    },
    /// `Object::GetRawData`, `Array::GetRawSzArrayData`/`GetRawArrayData`: the object's
    /// address plus a fixed offset (its fields, its vector's elements).
    RawData {
        /// Bytes from the start of the object.
        offset: u32,
    },
    /// `String::get_Chars(int)`, mono's `mini_emit_inst_for_method` expansion: the string's
    /// null check, an unsigned bounds check against its length (IndexOutOfRangeException in
    /// the caller's frame), then the UTF-16 unit.
    StringChar,
    /// `Buffer.Memmove(byte* dest, byte* src, uint len)`: the `Memmove` helper (libc's
    /// `memmove`) instead of its IL, which sends overlapping ranges to `memmove` and others
    /// to `Buffer.Memcpy`'s loops of 1-, 2- and 4-byte moves: the same bytes, and nothing
    /// in it can throw, so no trace can tell.
    Memmove,
}

impl TypeContext {
    /// The intrinsic `call`/`newobj token` of `asm` is, resolved in this handle's generic
    /// context, if it is one (see the module documentation).
    pub fn intrinsic(&self, asm: &Assembly, token: Token) -> Option<Intrinsic> {
        let mut inner = self.lock().ok()?;
        let (handle, desc) = inner.method(asm, token).ok()?;
        recognise(&mut inner.ts, handle, &desc)
    }
}

/// The intrinsic method `desc` is, if any.
fn recognise(ts: &mut TypeSystem, handle: MethodHandle, desc: &MethodDesc) -> Option<Intrinsic> {
    let info = ts.class_info(desc.owner).ok()?;
    let in_corlib = desc.module == ts.corlib();
    let in_unsafe_assembly = ts.module_name(desc.module) == UNSAFE_ASSEMBLY;
    if !in_corlib && !in_unsafe_assembly {
        return None;
    }
    let args: Vec<TypeHandle> = info
        .type_args
        .iter()
        .chain(desc.method_args.iter())
        .copied()
        .collect();
    if !args.iter().all(|&a| ts.is_closed(a)) {
        return None;
    }
    let method = desc.name.as_str();
    match (info.namespace.as_str(), info.name.as_str()) {
        ("System.Runtime.CompilerServices" | "Internal.Runtime.CompilerServices", "Unsafe") => {
            unsafe_method(ts, method, &desc.method_args)
        }
        _ if !in_corlib => None,
        ("System", "ByReference`1") => match (method, desc.is_static()) {
            (".ctor", false) => Some(Intrinsic::ByReferenceCtor),
            ("get_Value", false) => Some(Intrinsic::ByReferenceValue),
            _ => None,
        },
        ("System", "Span`1" | "ReadOnlySpan`1") if !desc.is_static() => {
            span_method(ts, desc.owner, method, &info.type_args)
        }
        ("System", "Buffer") if method == "Memmove" => {
            // The pointer overload only, not `Memmove<T>(ref T, ref T, nuint)`.
            let signature = ts.method_signature(handle).ok()?;
            let pointers = desc.is_static()
                && desc.method_args.is_empty()
                && signature.generic_param_count == 0
                && signature.params.len() == 3;
            pointers.then_some(Intrinsic::Memmove)
        }
        ("System", "String") if method == "get_Chars" && !desc.is_static() => {
            Some(Intrinsic::StringChar)
        }
        ("System", "Object") if method == "GetRawData" => Some(Intrinsic::RawData {
            offset: ngen_abi::object::OBJECT_HEADER_SIZE as u32,
        }),
        ("System", "Array") => match method {
            "GetRawSzArrayData" | "GetRawArrayData" => Some(Intrinsic::RawData {
                offset: ngen_abi::object::ARRAY_DATA_OFFSET as u32,
            }),
            "UnsafeMov" => unsafe_mov(ts, &desc.method_args),
            "GetGenericValueImpl" | "SetGenericValueImpl" => {
                let [t] = desc.method_args[..] else {
                    return None;
                };
                Some(Intrinsic::ArrayGenericValue {
                    set: method.starts_with('S'),
                    value: il_type(ts, t).ok()?,
                    element_size: ts.size_and_align(t).ok()?.0,
                })
            }
            _ => None,
        },
        ("System.Runtime.CompilerServices", "RuntimeHelpers") | ("System", "SpanHelpers")
            if method == "IsReferenceOrContainsReferences" =>
        {
            let [t] = desc.method_args[..] else {
                return None;
            };
            let references = ts.has_references(t).ok()?;
            Some(Intrinsic::Constant(i32::from(references)))
        }
        _ => None,
    }
}

/// `Span<T>`/`ReadOnlySpan<T>` members mono expands (`emit_span_intrinsics`); others run
/// their IL.
fn span_method(
    ts: &mut TypeSystem,
    span: TypeHandle,
    method: &str,
    type_args: &[TypeHandle],
) -> Option<Intrinsic> {
    let field_offset = |ts: &mut TypeSystem, name: &str| -> Option<u32> {
        let fields = ts.fields(span).ok()?;
        let field = fields
            .iter()
            .copied()
            .find(|&f| ts.field(f).name == name && !ts.field(f).is_static())?;
        ts.field_offset(field).ok()
    };
    match method {
        "get_Item" => {
            let [t] = type_args[..] else {
                return None;
            };
            Some(Intrinsic::SpanItem {
                pointer_offset: field_offset(ts, "_pointer")?,
                length_offset: field_offset(ts, "_length")?,
                element_size: ts.size_and_align(t).ok()?.0,
            })
        }
        "get_Length" => Some(Intrinsic::SpanLength {
            length_offset: field_offset(ts, "_length")?,
        }),
        _ => None,
    }
}

/// `Unsafe`'s methods as mono's `emit_unsafe_intrinsics` expands them, plus `Subtract`,
/// `Read` and `WriteUnaligned` of any `T` (their IL is a plain `ldobj`/`stobj`).
fn unsafe_method(ts: &mut TypeSystem, method: &str, args: &[TypeHandle]) -> Option<Intrinsic> {
    use crate::types::ValKind;
    let element_size = |ts: &mut TypeSystem| -> Option<u32> {
        let [t] = args[..] else {
            return None;
        };
        Some(ts.size_and_align(t).ok()?.0)
    };
    let value_type = |ts: &mut TypeSystem| -> Option<IlType> {
        let [t] = args[..] else {
            return None;
        };
        il_type(ts, t).ok()
    };
    Some(match method {
        "As" if args.len() == 1 => Intrinsic::Reinterpret {
            result: IlType::Val(ValKind::Ref),
        },
        "As" | "AsRef" => Intrinsic::Reinterpret {
            result: IlType::Val(ValKind::Ptr),
        },
        "AsPointer" => Intrinsic::Reinterpret {
            result: IlType::Val(ValKind::I),
        },
        "Add" => Intrinsic::AddElements {
            element_size: element_size(ts)?,
        },
        "Subtract" => Intrinsic::SubtractElements {
            element_size: element_size(ts)?,
        },
        "AddByteOffset" => Intrinsic::AddByteOffset,
        "ByteOffset" => Intrinsic::ByteOffset,
        "AreSame" => Intrinsic::AreSame,
        "IsAddressLessThan" => Intrinsic::IsAddressLessThan,
        "IsAddressGreaterThan" => Intrinsic::IsAddressGreaterThan,
        "SizeOf" => Intrinsic::Constant(i32::try_from(element_size(ts)?).ok()?),
        "Read" | "ReadUnaligned" => Intrinsic::Read {
            value: value_type(ts)?,
        },
        "Write" | "WriteUnaligned" => Intrinsic::Write {
            value: value_type(ts)?,
        },
        _ => return None,
    })
}

/// `Array.UnsafeMov<S,R>(S)` when mono's `is_unsafe_mov_compatible` lets the value pass
/// unchanged: two reference types, or two reference-free value types of one size (or both
/// at most 4 bytes), neither floating point, not a struct with a scalar; else its IL (a
/// `box` and an `unbox.any`) runs.
fn unsafe_mov(ts: &mut TypeSystem, args: &[TypeHandle]) -> Option<Intrinsic> {
    use crate::types::ValKind;
    let [from, to] = args[..] else {
        return None;
    };
    let (from_ty, to_ty) = (il_type(ts, from).ok()?, il_type(ts, to).ok()?);
    let reference = IlType::Val(ValKind::Ref);
    if from_ty == reference || to_ty == reference {
        return (from_ty == to_ty).then_some(Intrinsic::Reinterpret { result: to_ty });
    }
    if ts.has_references(from).ok()? || ts.has_references(to).ok()? {
        return None;
    }
    match (from_ty, to_ty) {
        (IlType::Struct(a), IlType::Struct(b)) if a.size == b.size => {
            Some(Intrinsic::Reinterpret { result: to_ty })
        }
        (IlType::Val(a), IlType::Val(b)) => {
            let float = |k: ValKind| matches!(k, ValKind::R4 | ValKind::R8);
            let fits = a.size() == b.size() || (a.size() <= 4 && b.size() <= 4);
            (!float(a) && !float(b) && fits).then_some(Intrinsic::Reinterpret { result: to_ty })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;

    use ngen_metadata::{Assembly, TableId, Token};
    use ngen_typesystem::{GenericContext, Primitive, TypeHandle};

    use super::Intrinsic;
    use crate::type_context::{PathResolver, TypeContext};
    use crate::types::{IlType, ValKind};

    const CORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

    /// Every call token of mscorlib (MemberRefs and MethodSpecs) that is an intrinsic when
    /// `!0` and `!!0` stand for `arg`, by the instance's display name.
    fn intrinsics_of_corlib(
        arg: impl Fn(&TypeContext) -> TypeHandle,
    ) -> Option<BTreeMap<String, Intrinsic>> {
        let corlib = Path::new(CORLIB);
        if !corlib.is_file() {
            eprintln!("SKIPPED: needs mono's mscorlib (tests/setup.sh installs it)");
            return None;
        }
        let base = TypeContext::new(Some(corlib), Box::new(PathResolver::new([corlib])));
        let t = arg(&base);
        let args: Arc<[TypeHandle]> = Arc::from(vec![t; 2]);
        let cx = base.in_context(GenericContext {
            type_args: Some(args.clone()),
            method_args: Some(args),
        });
        let asm = Assembly::open(corlib).unwrap();
        let mut found = BTreeMap::new();
        for table in [TableId::MemberRef, TableId::MethodSpec] {
            for rid in 1..=asm.row_count(table) {
                let token = Token::new(table, rid);
                if let Some(intrinsic) = cx.intrinsic(&asm, token) {
                    let mut inner = cx.lock().unwrap();
                    let (handle, _) = inner.method(&asm, token).unwrap();
                    found.insert(inner.ts.method_name(handle), intrinsic);
                }
            }
        }
        Some(found)
    }

    fn primitive(cx: &TypeContext, p: Primitive) -> TypeHandle {
        cx.lock().unwrap().ts.primitive_type(p).unwrap()
    }

    #[test]
    fn span_and_unsafe_calls_are_recognised_per_instance_with_the_type_systems_numbers() {
        let Some(ints) = intrinsics_of_corlib(|cx| primitive(cx, Primitive::I4)) else {
            return;
        };
        let Some(strings) = intrinsics_of_corlib(|cx| {
            let mut inner = cx.lock().unwrap();
            inner
                .ts
                .well_known(ngen_typesystem::WellKnownType::String)
                .unwrap()
        }) else {
            return;
        };
        let get = |map: &BTreeMap<String, Intrinsic>, name: &str| {
            *map.get(name)
                .unwrap_or_else(|| panic!("{name} is not recognised"))
        };
        // A span is `{ ByReference<T> _pointer; int _length; }`: offsets 0 and 8.
        assert_eq!(
            get(&ints, "System.Span`1<System.Int32>::get_Item"),
            Intrinsic::SpanItem {
                pointer_offset: 0,
                length_offset: 8,
                element_size: 4
            }
        );
        assert_eq!(
            get(&strings, "System.ReadOnlySpan`1<System.String>::get_Item"),
            Intrinsic::SpanItem {
                pointer_offset: 0,
                length_offset: 8,
                element_size: 8
            }
        );
        assert_eq!(
            get(&ints, "System.Span`1<System.Int32>::get_Length"),
            Intrinsic::SpanLength { length_offset: 8 }
        );
        assert_eq!(
            get(&ints, "System.ByReference`1<System.Int32>::.ctor"),
            Intrinsic::ByReferenceCtor
        );
        assert_eq!(
            get(&strings, "System.ByReference`1<System.String>::get_Value"),
            Intrinsic::ByReferenceValue
        );
        let references = "System.Runtime.CompilerServices.RuntimeHelpers::\
                          IsReferenceOrContainsReferences";
        assert_eq!(
            get(&ints, &format!("{references}<System.Int32>")),
            Intrinsic::Constant(0)
        );
        assert_eq!(
            get(&strings, &format!("{references}<System.String>")),
            Intrinsic::Constant(1)
        );
        let unsafe_class = "System.Runtime.CompilerServices.Unsafe";
        assert_eq!(
            get(&ints, &format!("{unsafe_class}::SizeOf<System.Int32>")),
            Intrinsic::Constant(4)
        );
        assert_eq!(
            get(&strings, &format!("{unsafe_class}::Add<System.String>")),
            Intrinsic::AddElements { element_size: 8 }
        );
        assert_eq!(
            get(
                &ints,
                &format!("{unsafe_class}::ReadUnaligned<System.UInt16>")
            ),
            Intrinsic::Read {
                value: IlType::Val(ValKind::U2)
            }
        );
        assert_eq!(
            get(
                &ints,
                &format!("{unsafe_class}::As<System.Byte,System.Char>")
            ),
            Intrinsic::Reinterpret {
                result: IlType::Val(ValKind::Ptr)
            }
        );
        // Ordinary members of the same types run their IL.
        assert!(
            !ints
                .keys()
                .any(|k| k.ends_with("::Slice") || k.ends_with("::ToArray"))
        );
    }

    /// mscorlib's type context (no generic context) and metadata, or `None` (the test is
    /// skipped) without mono's mscorlib.
    fn corlib_context() -> Option<(TypeContext, Assembly)> {
        let corlib = Path::new(CORLIB);
        if !corlib.is_file() {
            eprintln!("SKIPPED: needs mono's mscorlib (tests/setup.sh installs it)");
            return None;
        }
        let cx = TypeContext::new(Some(corlib), Box::new(PathResolver::new([corlib])));
        Some((cx, Assembly::open(corlib).unwrap()))
    }

    #[test]
    fn open_instances_are_not_intrinsics_the_call_stays_a_call() {
        let Some((cx, asm)) = corlib_context() else {
            return;
        };
        let mut open = 0;
        for rid in 1..=asm.row_count(TableId::MemberRef) {
            let token = Token::new(TableId::MemberRef, rid);
            let Ok(name) = cx.lock().and_then(|mut inner| {
                let (handle, _) = inner.method(&asm, token)?;
                Ok(inner.ts.method_name(handle))
            }) else {
                continue;
            };
            if name.starts_with("System.Span`1<!0>::get_Item") {
                open += 1;
                assert_eq!(cx.intrinsic(&asm, token), None, "{name}");
            }
        }
        assert!(open > 0, "mscorlib calls Span<!0>::get_Item");
    }

    /// `Buffer.Memmove(byte*, byte*, uint)` is the memmove helper; `Buffer.Memcpy`'s overloads
    /// (whose forward loops `Buffer.MemoryCopy` relies on for overlapping ranges) stay calls.
    #[test]
    fn only_buffer_memmove_of_pointers_is_the_memmove_helper() {
        let Some((cx, asm)) = corlib_context() else {
            return;
        };
        let buffer = asm.find_type_def("System", "Buffer").unwrap().unwrap();
        let mut seen = BTreeMap::new();
        for rid in asm.methods_of(buffer).unwrap() {
            let name = asm.method_def(rid).unwrap().name;
            if name == "Memmove" || name == "Memcpy" {
                let intrinsic = cx.intrinsic(&asm, Token::new(TableId::MethodDef, rid));
                seen.entry(name.to_string())
                    .or_insert_with(Vec::new)
                    .push(intrinsic);
            }
        }
        // `Memmove(byte*, byte*, uint)` and the open `Memmove<T>`; three `Memcpy` overloads.
        assert_eq!(seen["Memmove"], [Some(Intrinsic::Memmove), None]);
        assert_eq!(seen["Memcpy"], [None, None, None]);
    }
}
