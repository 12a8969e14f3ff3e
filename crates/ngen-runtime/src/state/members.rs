//! Reflection over methods and constructors: the handles Mono's managed reflection passes
//! around (`RuntimeMethodHandle.Value`, the `GPtrArray` of `GetConstructors_native`), the
//! `RuntimeMethodInfo`/`RuntimeConstructorInfo` object of each (method, reflected type),
//! parameters, `MakeGenericType`, and invoking a method from an `object[]`.
//!
//! ## Model
//! A method handle is the address of a leaked word holding the type system's
//! [`MethodHandle`] (Mono hands out `MonoMethod*`), registered so that
//! `GetMethodFromHandleInternalType_native` tells it from a delegate's code address. A
//! handle array is a leaked `{data, len}` pair laid out as Mono's `GPtrArray`, which the
//! managed `RuntimeGPtrArrayHandle` reads and `GPtrArrayFree` frees. Member objects are made
//! once per (method, reflected type) and rooted forever, so reference equality holds.
//! Invoking unboxes each argument into the method's native parameter classes and calls it
//! through [`crate::dynamic_call`] (a value type's `this` is the box's value); an exception
//! from the target stays pending, which the managed caller wraps in
//! `TargetInvocationException` as Mono's does.
//!
//! Depends on: [`super::reflection`], [`super::attributes`] (kept arguments),
//! [`crate::dynamic_call`]. Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_RuntimeType_GetConstructors_native`, `ves_icall_InternalInvoke`),
//! `reflection.c` (`mono_method_get_object_handle`), `object.c`
//! (`mono_runtime_invoke_array`).

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, OBJECT_HEADER_SIZE};
use ngen_compiler::runtime_types::{AbiClass, AttributeTarget, MethodHandle, TypeHandle};

use super::attributes::{Kept, arg_of, exception_pending};
use super::handles::HandleTable;
use super::reflection::{load, store, with_runtime};
use super::{Runtime, lock};
use crate::dynamic_call::{self, Arg};

/// Method handles and method objects.
static METHODS: HandleTable<MethodHandle> = HandleTable::new();

/// The handle value of `method` (stable for the process).
pub(crate) fn handle_value(method: MethodHandle) -> u64 {
    METHODS.value(method)
}

/// The method a handle value names, if it is one this runtime handed out.
pub(crate) fn method_of_handle(value: u64) -> Option<MethodHandle> {
    METHODS.key(value)
}

/// A leaked `GPtrArray` of `values` (Mono's layout: `data` pointer, `len` int).
pub(super) fn new_gptr_array(values: Vec<u64>) -> u64 {
    let len = values.len() as u64;
    let data = Box::into_raw(values.into_boxed_slice()) as *mut u64 as u64;
    Box::into_raw(Box::new([data, len])) as u64
}

/// `GPtrArrayFree`: frees an array [`new_gptr_array`] made.
pub(crate) fn free_gptr_array(array: u64) {
    if array == 0 {
        return;
    }
    // SAFETY: `array` came from `new_gptr_array` (the managed handle frees it once).
    unsafe {
        let pair = Box::from_raw(array as *mut [u64; 2]);
        let slice = std::ptr::slice_from_raw_parts_mut(pair[0] as *mut u64, pair[1] as usize);
        drop(Box::from_raw(slice));
    }
}

/// Binding flags Mono's member listings understand.
const BF_INSTANCE: u32 = 4;
const BF_STATIC: u32 = 8;
const BF_PUBLIC: u32 = 0x10;
const BF_NON_PUBLIC: u32 = 0x20;

/// Whether a member with method attributes `flags` passes binding flags `bf`.
fn binding_matches(flags: u16, bf: u32) -> bool {
    let public = flags & 7 == 6;
    let is_static = flags & 0x10 != 0;
    let access = if public {
        bf & BF_PUBLIC
    } else {
        bf & BF_NON_PUBLIC
    };
    let kind = if is_static {
        bf & BF_STATIC
    } else {
        bf & BF_INSTANCE
    };
    access != 0 && kind != 0
}

/// `RuntimeType.GetConstructors_native(bindingAttr)`: the type's constructors (declared
/// ones only, as Mono lists them) that pass the flags, as a handle array.
pub(crate) fn constructors(type_object: u64, binding_flags: u32) -> u64 {
    let methods = with_runtime("Type.GetConstructors", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.types.declared_methods(ty)
    });
    let values = methods
        .into_iter()
        .filter(|(_, name, flags)| {
            (name == ".ctor" || name == ".cctor") && binding_matches(*flags, binding_flags)
        })
        .map(|(m, _, _)| handle_value(m))
        .collect();
    new_gptr_array(values)
}

impl Runtime {
    /// The `RuntimeMethodInfo` or `RuntimeConstructorInfo` of `method` reflected from the
    /// type whose method table is `reflected` (0: its declaring type).
    pub(super) fn member_object(
        &mut self,
        method: MethodHandle,
        reflected: u64,
    ) -> Result<u64, String> {
        let (name, owner) = self.types.method_name_and_owner(method)?;
        let reflected = match reflected {
            0 => self.method_table_of(owner)?,
            t => t,
        };
        if let Some(obj) = METHODS.object(method, reflected) {
            return Ok(obj);
        }
        let class = if name == ".ctor" || name == ".cctor" {
            "RuntimeConstructorInfo"
        } else {
            "RuntimeMethodInfo"
        };
        let ty = self
            .types
            .type_named("mscorlib", "System.Reflection", class)?;
        let obj = self.new_instance(ty)?;
        let reflected_type = self
            .type_of_table(reflected)
            .ok_or_else(|| format!("an unknown type handle 0x{reflected:x}"))?;
        let type_object = self.type_object(reflected_type)?;
        let name_string = crate::alloc::string_from_str(&name) as u64;
        for (field, value) in [
            ("mhandle", handle_value(method)),
            ("name", name_string),
            ("reftype", type_object),
        ] {
            let offset = self.types.field_offset_named(ty, field)?;
            store(obj + u64::from(offset), AbiClass::Reference, value);
        }
        crate::gc_roots::root_forever(obj);
        METHODS.set_object(method, reflected, obj);
        Ok(obj)
    }

    /// The `ParameterInfo[]` of `method`, each a `RuntimeParameterInfo` of `member`.
    pub(super) fn parameter_infos(
        &mut self,
        method: MethodHandle,
        member: u64,
    ) -> Result<u64, String> {
        let params = self.types.method_parameters(method)?;
        let info_class = self
            .types
            .type_named("mscorlib", "System.Reflection", "ParameterInfo")?;
        let runtime_class =
            self.types
                .type_named("mscorlib", "System.Reflection", "RuntimeParameterInfo")?;
        let array = self.new_vector(info_class, params.len())?;
        let kept = Kept::new(1);
        kept.set(0, array);
        for (i, (ty, name, attrs)) in params.iter().enumerate() {
            let info = self.new_instance(runtime_class)?;
            let at = array + ARRAY_DATA_OFFSET as u64 + 8 * i as u64;
            store(at, AbiClass::Reference, info);
            let type_object = self.type_object(*ty)?;
            let name = crate::alloc::string_from_str(name) as u64;
            let int = AbiClass::Int {
                size: 4,
                signed: true,
            };
            for (field, class, value) in [
                ("ClassImpl", AbiClass::Reference, type_object),
                ("NameImpl", AbiClass::Reference, name),
                ("MemberImpl", AbiClass::Reference, member),
                ("PositionImpl", int, i as u64),
                ("AttrsImpl", int, u64::from(*attrs)),
            ] {
                let offset = self.types.field_offset_named(runtime_class, field)?;
                store(info + u64::from(offset), class, value);
            }
        }
        Ok(array)
    }
}

/// The `MethodBase` of a method handle value, reflected from `type_handle` (a method table,
/// 0 for the declaring type); `None` when the value is no handle of this runtime.
pub(crate) fn member_of_handle(value: u64, type_handle: u64) -> Option<u64> {
    let method = method_of_handle(value)?;
    Some(with_runtime(
        "RuntimeMethodInfo.GetMethodFromHandle",
        |rt| rt.member_object(method, type_handle),
    ))
}

/// The `MethodBase` of MethodDef `rid` of assembly `asm` as the instance generic context
/// `context` makes it (0: the method over its own parameters): a delegate's method or a
/// frame's, found from a code address through the code map; `None` when the type system
/// cannot name it.
pub(crate) fn member_of_method_def(asm: usize, rid: u32, context: u32) -> Option<u64> {
    let member = with_runtime("Delegate.Method", |rt| {
        let assembly = rt.assemblies[asm].name.clone();
        let generics = rt.generic_context_of(context);
        let named = rt.types.method_instance_in(&assembly, rid, &generics);
        match named {
            Ok(instance) => rt.member_object(instance.handle, 0),
            Err(_) => Ok(0),
        }
    });
    (member != 0).then_some(member)
}

/// The method a `RuntimeMethodInfo`/`RuntimeConstructorInfo` (its `mhandle` at 16) names.
pub(super) fn method_of_member(member: u64) -> MethodHandle {
    // SAFETY: `member` is a live method or constructor object, `mhandle` its first field.
    let value = unsafe { ((member + OBJECT_HEADER_SIZE as u64) as *const u64).read() };
    method_of_handle(value)
        .unwrap_or_else(|| super::fatal("reflection: a method object without a handle"))
}

/// `MonoMethodInfo.get_parameter_info(handle, member)`.
pub(crate) fn parameter_info(handle: u64, member: u64) -> u64 {
    let Some(method) = method_of_handle(handle) else {
        super::fatal("MonoMethodInfo.get_parameter_info: not a method handle")
    };
    with_runtime("MethodBase.GetParameters", |rt| {
        rt.parameter_infos(method, member)
    })
}

/// `RuntimeType.MakeGenericType(Type gt, Type[] types)`.
pub(crate) fn make_generic_type(definition: u64, arguments: u64) -> u64 {
    with_runtime("Type.MakeGenericType", |rt| {
        let def = rt.type_of_type_object(definition)?;
        // SAFETY: `arguments` is a live `Type[]`.
        let count = unsafe { ((arguments + ARRAY_LENGTH_OFFSET as u64) as *const u64).read() };
        let mut args = Vec::new();
        for i in 0..count {
            let at = arguments + ARRAY_DATA_OFFSET as u64 + 8 * i;
            args.push(rt.type_of_type_object(load(at, AbiClass::Reference))?);
        }
        let ty = rt.types.instantiate_type(def, &args)?;
        rt.type_object(ty)
    })
}

/// `InternalInvoke(this member, object obj, object[] parameters, out Exception exc)`: runs
/// the method (a constructor with a null `obj` makes a new object and returns it), the
/// result boxed when it is a value; null with the exception pending when the target throws.
/// `resume` tells stack walks from the target where the invoking managed frame is.
pub(crate) fn invoke(member: u64, obj: u64, parameters: u64, resume: dynamic_call::Resume) -> u64 {
    invoke_method(method_of_member(member), obj, parameters, resume)
}

/// Runs `declared` (virtually on a non-null `obj`) with the arguments of the `object[]`
/// `parameters` (0: none), as [`invoke`] does.
pub(super) fn invoke_method(
    declared: MethodHandle,
    obj: u64,
    parameters: u64,
    resume: dynamic_call::Resume,
) -> u64 {
    let what = "MethodBase.Invoke";
    let (abi, code, owner, is_ctor) = with_runtime(what, |rt| {
        // Invoking is a virtual call, as in Mono: the override the object's type runs.
        let method = match obj {
            0 => declared,
            obj => {
                let ty = rt.type_of_object(obj);
                rt.types.virtual_target(ty, declared)?
            }
        };
        let abi = rt.types.method_abi(method)?;
        let code = rt.instance_code_of(method)?;
        let (name, owner) = rt.types.method_name_and_owner(method)?;
        Ok((abi, code, owner, name == ".ctor"))
    });
    let count = if parameters == 0 {
        0
    } else {
        // SAFETY: `parameters` is a live `object[]`.
        unsafe { ((parameters + ARRAY_LENGTH_OFFSET as u64) as *const u64).read() as usize }
    };
    if count != abi.params.len() {
        crate::eh::raise::raise(
            "Reflection.TargetParameterCountException",
            "Number of parameters specified does not match the expected number.",
        );
        return 0;
    }
    let kept = Kept::new(3 + count);
    let mut this = obj;
    let created = is_ctor && obj == 0;
    if created {
        this = with_runtime(what, |rt| rt.new_instance(owner));
    }
    kept.set(0, this);
    let mut args = Vec::new();
    let mut ret_buffer = 0;
    if abi.has_this {
        // A value type's own method takes the address of the value, inside its box.
        let value_this = abi.value_this && this != 0;
        args.push(Arg::Int(if value_this {
            this + OBJECT_HEADER_SIZE as u64
        } else {
            this
        }));
    }
    if let AbiClass::Struct { .. } = abi.ret.1 {
        ret_buffer = with_runtime(what, |rt| rt.new_instance(abi.ret.0));
        kept.set(1, ret_buffer);
        args.push(Arg::Int(ret_buffer + OBJECT_HEADER_SIZE as u64));
    }
    for (i, &(_, class)) in abi.params.iter().enumerate() {
        let boxed = load(
            parameters + ARRAY_DATA_OFFSET as u64 + 8 * i as u64,
            AbiClass::Reference,
        );
        let arg = match class {
            AbiClass::Reference => Arg::Int(boxed),
            // The callee may write to its struct copy: give it a fresh one.
            AbiClass::Struct { size } => {
                let copy = ngen_gc::alloc(size.max(1) as usize)
                    .unwrap_or_else(|| super::fatal("out of memory invoking a method"))
                    .as_ptr() as u64;
                kept.set(2 + i, copy);
                if boxed != 0 {
                    // SAFETY: the box holds `size` value bytes after its header.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            (boxed + OBJECT_HEADER_SIZE as u64) as *const u8,
                            copy as *mut u8,
                            size as usize,
                        )
                    };
                }
                Arg::Int(copy)
            }
            class if boxed == 0 => arg_of(class, 0),
            class => arg_of(class, load(boxed + OBJECT_HEADER_SIZE as u64, class)),
        };
        args.push(arg);
    }
    // SAFETY: `code` is the method's; `args` follow its native signature (`method_abi`).
    let returned = unsafe { dynamic_call::call_resuming(code, &args, resume) };
    if exception_pending() {
        return 0;
    }
    drop(kept);
    if created {
        return this;
    }
    let (ret_ty, ret_class) = abi.ret;
    match ret_class {
        AbiClass::Void => 0,
        AbiClass::Reference if !is_value(ret_ty) => returned.int,
        AbiClass::Struct { .. } => ret_buffer,
        class => {
            let bits = match class {
                AbiClass::F32 | AbiClass::F64 => returned.float,
                _ => returned.int,
            };
            let boxed = with_runtime(what, |rt| rt.new_instance(ret_ty));
            store(boxed + OBJECT_HEADER_SIZE as u64, class, bits);
            boxed
        }
    }
}

/// Whether `ty` is a value type (a native integer result is boxed, a reference is not).
fn is_value(ty: TypeHandle) -> bool {
    let rt = lock();
    rt.types.is_value_type(ty).unwrap_or(false)
}

/// The custom-attribute target of a member object of class `ty`: a method, constructor,
/// field, property, assembly or parameter object.
pub(super) fn attribute_target_of_member(
    rt: &mut Runtime,
    obj: u64,
    ty: TypeHandle,
) -> Result<Option<AttributeTarget>, String> {
    let class =
        |rt: &mut Runtime, name: &str| rt.types.type_named("mscorlib", "System.Reflection", name);
    if ty == class(rt, "RuntimeMethodInfo")? || ty == class(rt, "RuntimeConstructorInfo")? {
        return Ok(Some(AttributeTarget::Method(method_of_member(obj))));
    }
    if ty == class(rt, "RuntimeFieldInfo")? {
        return Ok(Some(AttributeTarget::Field(
            super::field_queries::field_of_object(obj),
        )));
    }
    if ty == class(rt, "RuntimePropertyInfo")? {
        let ((owner, rid), _) = super::property_queries::property_of_object(obj);
        return Ok(Some(AttributeTarget::Property(owner, rid)));
    }
    if ty == class(rt, "RuntimeAssembly")? {
        let id = rt.assembly_of_object(obj)?;
        return Ok(Some(AttributeTarget::Assembly(
            rt.assemblies[id].name.clone(),
        )));
    }
    if ty == class(rt, "RuntimeParameterInfo")? {
        return parameter_target(rt, obj, ty);
    }
    Ok(None)
}

/// The custom-attribute target of a `RuntimeParameterInfo` (one [`Runtime::parameter_infos`]
/// made): its method's Param row at `PositionImpl + 1` (-1, the return value, is row 0), as
/// Mono's `mono_custom_attrs_from_param`. A parameter of anything but a method or
/// constructor (a property's index parameters) has none here.
fn parameter_target(
    rt: &mut Runtime,
    obj: u64,
    ty: TypeHandle,
) -> Result<Option<AttributeTarget>, String> {
    let member_at = rt.types.field_offset_named(ty, "MemberImpl")?;
    let position_at = rt.types.field_offset_named(ty, "PositionImpl")?;
    let member = load(obj + u64::from(member_at), AbiClass::Reference);
    let int = AbiClass::Int {
        size: 4,
        signed: true,
    };
    let position = load(obj + u64::from(position_at), int) as i64;
    if member == 0 {
        return Ok(None);
    }
    let member_class = rt.type_of_object(member);
    let method_class =
        |rt: &mut Runtime, name: &str| rt.types.type_named("mscorlib", "System.Reflection", name);
    let is_method = member_class == method_class(rt, "RuntimeMethodInfo")?
        || member_class == method_class(rt, "RuntimeConstructorInfo")?;
    let Ok(sequence) = u16::try_from(position + 1) else {
        return Ok(None);
    };
    Ok(is_method.then(|| AttributeTarget::Parameter(method_of_member(member), sequence)))
}
