//! Delegates made by reflection: `Delegate.CreateDelegate_internal` (`Delegate.CreateDelegate`,
//! and `PropertyInfo.GetValue`'s cached getters), laid out as the translator's `newobj` of a
//! delegate lays them out (`method_ptr`, `m_target`, `method`).
//!
//! ## Model
//! The code is the method's entry (a virtual method's override on the target's type; the
//! unboxing stub for a value type's own method closed over a box; the open-instance stub for
//! an instance method returning a struct with no target, whose return buffer `Invoke` passes
//! first). One exception:
//! `RuntimePropertyInfo.GetterAdapterFrame<T,R>`/`StaticGetterAdapterFrame<R>`, the generic
//! adapters mono's JIT instantiates per property type (no image can hold them), are served
//! by [`getter_adapter`] and [`static_getter_adapter`]: they call the getter delegate's
//! method through the reflection invoke path and box the result, as the adapter's IL does,
//! so `GetValue` works under `--jit never` too. The invoke records `GetValue`'s frame, so a
//! getter's exception traces on through the adapter's frame (mono's) to `GetValue` and its
//! callers ([`crate::eh::trace::Wrapper::GetterAdapter`]).
//!
//! A delegate type's own `Invoke` (runtime-implemented, expanded inline by compiled code) is
//! a code address too when reflection asks for one (`CreateDelegate` over `Func<string>.Invoke`):
//! `Runtime::delegate_invoke_code` gives the type's invoke stub (`crate::stubs`).
//! `BeginInvoke` and `EndInvoke` are [`crate::async_delegates`]'.
//!
//! Depends on: [`super::members`] (method objects, invoke), [`super::reflection`].
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_System_Delegate_CreateDelegate_internal`),
//! `mcs/class/corlib/System.Reflection/RuntimePropertyInfo.cs` (`CreateGetterDelegate`).

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_compiler::runtime_types::{AbiClass, MethodHandle};

use super::Runtime;
use super::members::{invoke_method, method_of_member};
use super::reflection::{load, store, with_runtime};
use crate::eh::trace::Wrapper;

/// The method behind each code address a reflected delegate was given.
static CODE_METHODS: Mutex<Option<HashMap<u64, MethodHandle>>> = Mutex::new(None);

fn record(code: u64, method: MethodHandle) {
    let mut guard = CODE_METHODS.lock().unwrap_or_else(|p| p.into_inner());
    guard.get_or_insert_with(HashMap::new).insert(code, method);
}

fn method_at(code: u64) -> Option<MethodHandle> {
    let guard = CODE_METHODS.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_ref()?.get(&code).copied()
}

/// `CreateDelegate_internal(Type type, object target, MethodInfo info, bool
/// throwOnBindFailure)`: a delegate of `type` over `info`, closed over `target` when it is
/// not null (the managed caller checked the signatures).
pub(crate) fn create_delegate(type_object: u64, target: u64, info: u64) -> u64 {
    let declared = method_of_member(info);
    with_runtime("Delegate.CreateDelegate", |rt| {
        let delegate_type = rt.type_of_type_object(type_object)?;
        let (name, owner) = rt.types.method_name_and_owner(declared)?;
        let adapter = match name.as_str() {
            "GetterAdapterFrame" => {
                Some((getter_adapter as *const () as u64, Wrapper::GetterAdapter))
            }
            "StaticGetterAdapterFrame" => Some((
                static_getter_adapter as *const () as u64,
                Wrapper::StaticGetterAdapter,
            )),
            _ => None,
        }
        .filter(|_| {
            rt.types
                .reflection_name(owner)
                .is_ok_and(|n| n == "System.Reflection.RuntimePropertyInfo")
        });
        // `method_ptr` is what `Invoke` calls (a stub in front of the method when the call
        // needs adapting); `method` is the method's own entry, which `Delegate.Method` maps
        // back to the method through the code map.
        let (code, entry, bound) = if let Some((adapter, wrapper)) = adapter {
            // Traces through the adapter show its mscorlib method's frame.
            let instance = rt.types.method_instance_of(declared)?;
            let asm = rt.assembly_named(0, &instance.assembly)?;
            crate::eh::trace::record_wrapper_method(wrapper, (asm, instance.rid));
            (adapter, adapter, None)
        } else {
            let method = match target {
                0 => declared,
                t => {
                    let ty = rt.type_of_object(t);
                    rt.types.virtual_target(ty, declared)?
                }
            };
            let entry = rt.instance_code_of(method)?;
            let abi = rt.types.method_abi(method)?;
            let returns_struct = matches!(abi.ret.1, AbiClass::Struct { .. });
            let code = if target != 0 && abi.value_this {
                crate::stubs::unboxing_stub(entry)?
            } else if target == 0 && abi.has_this && returns_struct {
                // Open instance: `Invoke` passes the return buffer first, as to a static.
                crate::stubs::open_instance_stub(entry)?
            } else {
                entry
            };
            record(entry, method);
            record(code, method);
            (code, entry, Some(method))
        };
        let delegate = rt.new_instance(delegate_type)?;
        for (field, value) in [
            ("method_ptr", code),
            ("m_target", target),
            ("method", entry),
        ] {
            let offset = rt.types.field_offset_named(delegate_type, field)?;
            store(delegate + u64::from(offset), AbiClass::Reference, value);
        }
        // `Delegate.Method` returns `method_info` when it is set: the method the delegate
        // calls (the override, for a virtual method bound to a target), as mono's
        // `GetMethodImpl` finds it from its `MonoMethod*`; `method` here is a code address,
        // which no method handle is.
        if let Some(method) = bound {
            let info = rt.member_object(method, 0)?;
            let offset = rt.types.field_offset_named(delegate_type, "method_info")?;
            store(delegate + u64::from(offset), AbiClass::Reference, info);
        }
        Ok(delegate)
    })
}

crate::eh::trace::managed_entry! {
    /// `GetterAdapterFrame<T,R>(Getter<T,R> getter, object obj)`: the getter's result for
    /// `obj`, boxed when it is a value; called from `GetValue`, whose frame it records.
    fn getter_adapter(getter: u64, obj: u64) -> u64
        => getter_adapter_from, fp = "rdx", ra = "rcx"
}

crate::eh::trace::managed_entry! {
    /// `StaticGetterAdapterFrame<R>(StaticGetter<R> getter, object obj)`, as
    /// [`getter_adapter`].
    fn static_getter_adapter(getter: u64, obj: u64) -> u64
        => static_getter_adapter_from, fp = "rdx", ra = "rcx"
}

extern "C" fn getter_adapter_from(getter: u64, obj: u64, fp: u64, return_address: u64) -> u64 {
    adapt(Wrapper::GetterAdapter, getter, obj, (fp, return_address))
}

extern "C" fn static_getter_adapter_from(
    getter: u64,
    obj: u64,
    fp: u64,
    return_address: u64,
) -> u64 {
    adapt(
        Wrapper::StaticGetterAdapter,
        getter,
        obj,
        (fp, return_address),
    )
}

/// Both adapters, called from the managed frame `fp`/`return_address` (`GetValue`'s).
fn adapt(wrapper: Wrapper, getter: u64, obj: u64, (fp, return_address): (u64, u64)) -> u64 {
    let code = with_runtime("PropertyInfo.GetValue", |rt| {
        let delegate_type = rt.type_of_object(getter);
        let offset = rt.types.field_offset_named(delegate_type, "method_ptr")?;
        Ok(load(getter + u64::from(offset), AbiClass::Reference))
    });
    let Some(method) = method_at(code) else {
        super::fatal("PropertyInfo.GetValue: a getter delegate this runtime did not make")
    };
    let resume = crate::dynamic_call::Resume {
        wrapper: wrapper as u64,
        caller_fp: fp,
        caller_return: return_address,
    };
    invoke_method(method, obj, 0, resume)
}

/// How many integer arguments after `this` a delegate's `Invoke` may take to be served by an
/// invoke stub: a static target receives them one register down, and the sixth register is
/// the last (the stub does not move stack arguments).
const INVOKE_STUB_INTEGER_ARGS: usize = 5;

impl Runtime {
    /// The code of `method` when it is a delegate type's `Invoke` (see the module
    /// documentation): `None` for any other method; an error when its signature needs more
    /// than the stub moves.
    /// The code of a delegate type's runtime-implemented method other than its constructor:
    /// `Invoke` as a code address (below), `BeginInvoke` and `EndInvoke`
    /// ([`crate::async_delegates`]); `None` for any other method.
    pub(super) fn runtime_delegate_code(
        &mut self,
        method: MethodHandle,
    ) -> Result<Option<u64>, String> {
        match self.delegate_invoke_code(method)? {
            Some(code) => Ok(Some(code)),
            None => crate::async_delegates::entry(&self.types, method),
        }
    }

    fn delegate_invoke_code(&mut self, method: MethodHandle) -> Result<Option<u64>, String> {
        let (name, owner) = self.types.method_name_and_owner(method)?;
        if name != "Invoke" {
            return Ok(None);
        }
        let Ok(delegates) = self.types.field_offset_named(owner, "delegates") else {
            return Ok(None);
        };
        let abi = self.types.method_abi(method)?;
        let integer = |class: &AbiClass| !matches!(class, AbiClass::F32 | AbiClass::F64);
        let integer_args = abi.params.iter().filter(|(_, c)| integer(c)).count()
            + usize::from(matches!(abi.ret.1, AbiClass::Struct { .. }));
        if !abi.has_this || integer_args > INVOKE_STUB_INTEGER_ARGS {
            return Err(format!(
                "{} through a code address takes more than {INVOKE_STUB_INTEGER_ARGS} integer arguments, which this runtime does not move yet",
                self.types.method_instance_name(method)
            ));
        }
        let name: &'static String = Box::leak(Box::new(format!(
            "{} (a combined delegate's Invoke through a code address)",
            self.types.method_instance_name(method)
        )));
        let stub = crate::stubs::delegate_invoke_stub(crate::stubs::DelegateInvoke {
            delegates,
            target: self.types.field_offset_named(owner, "m_target")?,
            method_ptr: self.types.field_offset_named(owner, "method_ptr")?,
            thrower: crate::eh::raise::missing_icall as *const () as u64,
            name: name as *const String as u64,
        })?;
        Ok(Some(stub))
    }
}
