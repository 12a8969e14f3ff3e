//! The runtime half of reflection, under the runtime lock: what reflection objects
//! describe (a `System.RuntimeType`'s type), enums' constants and boxes
//! (`Enum.GetEnumValuesAndNames`, `InternalBoxEnum`), vectors, boxes and strings made for
//! reflection's answers, and the values custom-attribute arguments become.
//!
//! ## Model
//! A reflection answer is built from the type system's plain data ([`ngen_compiler::
//! runtime_types`]): a vector is allocated with its method table and length as `newarr`
//! makes one, a box as `box` makes one. Objects made here are referenced from the managed
//! thread's stack or from scanned blocks while more are allocated (the Rust heap is not
//! scanned: see `ngen-gc`).
//!
//! Depends on: the parent module's state (method tables, type objects),
//! [`crate::helpers::alloc_instance`]. Citations: Mono 6.8 `mono/metadata/icall.c`.

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, OBJECT_HEADER_SIZE};
use ngen_compiler::runtime_types::{
    AbiClass, AttributeTarget, NameFormat, Primitive, TypeHandle, WellKnownType,
};
use ngen_metadata::CaValue;

use super::{Runtime, lock};

impl Runtime {
    /// A zeroed vector `element[]` of `length` elements, its method table set.
    pub(super) fn new_vector(&mut self, element: TypeHandle, length: usize) -> Result<u64, String> {
        let array = self.types.sz_array_of(element)?;
        let info = self.types.array_info(array)?;
        let mt = self.method_table_of(array)?;
        let size =
            ARRAY_DATA_OFFSET as usize + (length * info.element_size as usize).next_multiple_of(8);
        let obj = crate::helpers::alloc_instance(size, info.scanned) as u64;
        // SAFETY: a fresh zeroed block of `size` bytes: header, length word, elements.
        unsafe {
            (obj as *mut u64).write(mt);
            ((obj + ARRAY_LENGTH_OFFSET as u64) as *mut u64).write(length as u64);
        }
        Ok(obj)
    }

    /// A `System.<element>[]` (`Type` or `RuntimeType`) of the type objects of `types`.
    pub(super) fn type_array(
        &mut self,
        element: &str,
        types: Vec<TypeHandle>,
    ) -> Result<u64, String> {
        let class = self.types.type_named("mscorlib", "System", element)?;
        let array = self.new_vector(class, types.len())?;
        for (i, t) in types.into_iter().enumerate() {
            let obj = self.type_object(t)?;
            store(
                array + ARRAY_DATA_OFFSET as u64 + 8 * i as u64,
                AbiClass::Reference,
                obj,
            );
        }
        Ok(array)
    }

    /// A zeroed box (or instance) of `ty` with its method table set.
    pub(super) fn new_instance(&mut self, ty: TypeHandle) -> Result<u64, String> {
        let mt = self.method_table_of(ty)?;
        let (size, has_references) = self.types.instance_shape(ty)?;
        let obj = crate::helpers::alloc_instance(size as usize, has_references);
        // SAFETY: a fresh zeroed instance of `size` bytes, header included.
        unsafe { obj.cast::<u64>().write(mt) };
        Ok(obj as u64)
    }

    /// What the reflection object `obj` describes, for custom attributes: a type object's
    /// type. `None` for providers that carry none here.
    pub(super) fn attribute_target(&mut self, obj: u64) -> Result<Option<AttributeTarget>, String> {
        let runtime_type = self.types.type_named("mscorlib", "System", "RuntimeType")?;
        let ty = self.type_of_object(obj);
        if ty == runtime_type {
            return Ok(Some(AttributeTarget::Type(self.type_of_type_object(obj)?)));
        }
        super::members::attribute_target_of_member(self, obj, ty)
    }

    /// The bits a custom-attribute argument `value` of declared type `ty` travels as: the
    /// integer or float bits, or the object it becomes (a string, a type object, a vector,
    /// a box); 0 for null. Type names without an assembly are looked up in `scope` (the
    /// assembly holding the attribute), then mscorlib.
    pub(super) fn attribute_value(
        &mut self,
        value: &CaValue,
        ty: TypeHandle,
        scope: &str,
    ) -> Result<u64, String> {
        Ok(match value {
            CaValue::Bool(b) => u64::from(*b),
            CaValue::R4(f) => u64::from(f.to_bits()),
            CaValue::R8(f) => f.to_bits(),
            CaValue::String(None) | CaValue::Type(None) | CaValue::Array(None) => 0,
            CaValue::String(Some(s)) => crate::alloc::string_from_str(s) as u64,
            CaValue::Type(Some(name)) => match self.attribute_type_by_name(name, scope)? {
                Some(t) => self.type_object(t)?,
                None => return Err(format!("custom attribute argument: no type {name}")),
            },
            CaValue::Array(Some(items)) => {
                let element = self.types.array_element_type(ty)?;
                let class = self.types.abi_class_of(element)?;
                let vector = self.new_vector(element, items.len())?;
                let (size, _) = self.element_size(element)?;
                for (i, item) in items.iter().enumerate() {
                    let bits = self.attribute_value(item, element, scope)?;
                    let at = vector + ARRAY_DATA_OFFSET as u64 + i as u64 * u64::from(size);
                    store(at, class, bits);
                }
                vector
            }
            CaValue::Boxed(inner) => {
                let inner_ty = self.ca_value_type(inner, scope)?;
                if self.types.primitive_of(inner_ty)?.is_none() {
                    // A string, type or array in an `object` slot is itself.
                    return self.attribute_value(inner, inner_ty, scope);
                }
                let bits = self.attribute_value(inner, inner_ty, scope)?;
                let class = self.types.abi_class_of(inner_ty)?;
                let boxed = self.new_instance(inner_ty)?;
                store(boxed + OBJECT_HEADER_SIZE as u64, class, bits);
                boxed
            }
            other => other.as_i64().unwrap_or(0) as u64,
        })
    }

    /// The size and class of an element of type `element` inside an array.
    fn element_size(&mut self, element: TypeHandle) -> Result<(u32, AbiClass), String> {
        let array = self.types.sz_array_of(element)?;
        let info = self.types.array_info(array)?;
        Ok((info.element_size, self.types.abi_class_of(element)?))
    }

    /// The type a custom-attribute blob names `name` (a reflection name, assembly-qualified or
    /// looked up in `scope`, then mscorlib), or `None`.
    fn attribute_type_by_name(
        &mut self,
        name: &str,
        scope: &str,
    ) -> Result<Option<TypeHandle>, String> {
        let defaults = vec![scope.to_string(), "mscorlib".to_string()];
        self.types.resolve_type_name(name, &defaults, false)
    }

    /// The type a boxed custom-attribute value has (its blob names it).
    fn ca_value_type(&mut self, value: &CaValue, scope: &str) -> Result<TypeHandle, String> {
        let primitive = |p| WellKnownType::Primitive(p);
        let which = match value {
            CaValue::Bool(_) => primitive(Primitive::Boolean),
            CaValue::Char(_) => primitive(Primitive::Char),
            CaValue::I1(_) => primitive(Primitive::I1),
            CaValue::U1(_) => primitive(Primitive::U1),
            CaValue::I2(_) => primitive(Primitive::I2),
            CaValue::U2(_) => primitive(Primitive::U2),
            CaValue::I4(_) => primitive(Primitive::I4),
            CaValue::U4(_) => primitive(Primitive::U4),
            CaValue::I8(_) => primitive(Primitive::I8),
            CaValue::U8(_) => primitive(Primitive::U8),
            CaValue::R4(_) => primitive(Primitive::R4),
            CaValue::R8(_) => primitive(Primitive::R8),
            CaValue::String(_) => WellKnownType::String,
            CaValue::Type(_) => {
                return self.types.type_named("mscorlib", "System", "Type");
            }
            CaValue::Enum { type_name, .. } => {
                return self
                    .attribute_type_by_name(type_name, scope)?
                    .ok_or_else(|| format!("custom attribute argument: no enum {type_name}"));
            }
            CaValue::Array(items) => {
                let element = match items.as_ref().and_then(|v| v.first()) {
                    Some(first) => self.ca_value_type(first, scope)?,
                    None => self.types.well_known_type(WellKnownType::Object)?,
                };
                return self.types.sz_array_of(element);
            }
            CaValue::Boxed(inner) => return self.ca_value_type(inner, scope),
        };
        self.types.well_known_type(which)
    }
}

/// Writes `bits` at `at` as a value of `class` occupies memory (a field, an element, a box).
pub(crate) fn store(at: u64, class: AbiClass, bits: u64) {
    // SAFETY: callers pass the address of a field, element or box value of that class.
    unsafe {
        match class {
            AbiClass::Int { size: 1, .. } => (at as *mut u8).write(bits as u8),
            AbiClass::Int { size: 2, .. } => (at as *mut u16).write_unaligned(bits as u16),
            AbiClass::Int { size: 4, .. } | AbiClass::F32 => {
                (at as *mut u32).write_unaligned(bits as u32)
            }
            AbiClass::Void | AbiClass::Struct { .. } => {}
            _ => (at as *mut u64).write_unaligned(bits),
        }
    }
}

/// Reads a value of `class` at `at` as bits (integers extended as their signedness says).
pub(crate) fn load(at: u64, class: AbiClass) -> u64 {
    // SAFETY: callers pass the address of a field, element or box value of that class.
    unsafe {
        match class {
            AbiClass::Int { size, signed } if size < 8 => {
                let mut bytes = [0u8; 8];
                std::ptr::copy_nonoverlapping(at as *const u8, bytes.as_mut_ptr(), size as usize);
                let v = u64::from_le_bytes(bytes);
                let shift = 64 - 8 * u32::from(size);
                if signed {
                    ((v << shift) as i64 >> shift) as u64
                } else {
                    v
                }
            }
            AbiClass::F32 => u64::from((at as *const u32).read_unaligned()),
            AbiClass::Void | AbiClass::Struct { .. } => 0,
            _ => (at as *const u64).read_unaligned(),
        }
    }
}

/// Runs `f` on the runtime under its lock, turning an error into a fatal one naming `what`.
pub(super) fn with_runtime<R>(what: &str, f: impl FnOnce(&mut Runtime) -> Result<R, String>) -> R {
    let mut rt = lock();
    match f(&mut rt) {
        Ok(r) => r,
        Err(e) => {
            drop(rt);
            super::fatal(&format!("{what}: {e}"))
        }
    }
}

/// `Enum.GetEnumValuesAndNames(enumType, out values, out names)`: the enum's constants in
/// declaration order as a `ulong[]` and a `string[]`, and whether the values are sorted (Mono
/// sorts them in managed code otherwise). `Err` with `ArgumentException`'s message when the
/// type is not an enum.
pub(crate) fn enum_values_and_names(type_object: u64) -> Result<(u64, u64, bool), String> {
    with_runtime("Enum.GetEnumValuesAndNames", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let constants = match rt.types.enum_constants(ty) {
            Ok(c) => c,
            Err(_) => return Ok(Err("Type provided must be an Enum.".to_string())),
        };
        let primitive = rt.types.primitive_of(ty)?;
        let ulong = rt
            .types
            .well_known_type(WellKnownType::Primitive(Primitive::U8))?;
        let string = rt.types.well_known_type(WellKnownType::String)?;
        let values = rt.new_vector(ulong, constants.len())?;
        let names = rt.new_vector(string, constants.len())?;
        let mut sorted = true;
        let mut previous = 0u64;
        for (i, (name, value)) in constants.iter().enumerate() {
            let at = ARRAY_DATA_OFFSET as u64 + 8 * i as u64;
            let text = crate::alloc::string_from_str(name) as u64;
            // SAFETY: both vectors have `constants.len()` 8-byte elements.
            unsafe {
                ((values + at) as *mut u64).write(*value);
                ((names + at) as *mut u64).write(text);
            }
            sorted &= previous <= *value;
            previous = *value;
        }
        let floating = matches!(primitive, Some(Primitive::R4 | Primitive::R8));
        Ok(Ok((values, names, sorted || floating)))
    })
}

/// `Enum.InternalBoxEnum(enumType, value)`: a box of the enum holding `value` truncated to
/// its underlying size (Mono's `write_enum_value`).
pub(crate) fn box_enum(type_object: u64, value: u64) -> u64 {
    with_runtime("Enum.ToObject", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let class = rt.types.abi_class_of(ty)?;
        let boxed = rt.new_instance(ty)?;
        store(boxed + OBJECT_HEADER_SIZE as u64, class, value);
        Ok(boxed)
    })
}

/// `Enum.InternalGetUnderlyingType(enumType)`: the type object of its underlying primitive,
/// or `None` when it is not an enum.
pub(crate) fn enum_underlying_type_object(type_object: u64) -> Option<u64> {
    with_runtime("Enum.GetUnderlyingType", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        if rt.types.enum_constants(ty).is_err() {
            return Ok(None);
        }
        let Some(p) = rt.types.primitive_of(ty)? else {
            return Ok(None);
        };
        let primitive = rt.types.well_known_type(WellKnownType::Primitive(p))?;
        rt.type_object(primitive).map(Some)
    })
}

/// The name of the type `type_object` describes, in `format` (`Type.FullName`, ...).
/// `None` for the full-name formats of a generic parameter, which has none (mono's
/// `getFullName` returns null for `MONO_TYPE_VAR` and `MONO_TYPE_MVAR`).
pub(crate) fn type_object_formatted_name(type_object: u64, format: NameFormat) -> Option<String> {
    with_runtime("Type.FullName", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        if format != NameFormat::Reflection && rt.types.generic_param_info(ty)?.is_some() {
            return Ok(None);
        }
        rt.types.formatted_name(ty, format).map(Some)
    })
}

/// `RuntimeType.GetGenericArgumentsInternal`: a `Type[]` of the type arguments of the type
/// `type_object` describes (its parameters for a definition).
pub(crate) fn generic_arguments(type_object: u64, runtime_array: bool) -> u64 {
    with_runtime("Type.GetGenericArguments", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        let args = rt.types.generic_arguments(ty)?;
        let element = if runtime_array { "RuntimeType" } else { "Type" };
        rt.type_array(element, args)
    })
}
