//! `System.Reflection.RuntimeMethodInfo`'s icalls (`icall-def.h` `MMETH_*`):
//! `GetMethodFromHandleInternalType_native`, which `Delegate.Method` (`GetMethodImpl`) calls
//! with the delegate's `method` word and member listings call with method handles
//! ([`crate::state::members`]), and `InternalInvoke` (`MethodInfo.Invoke`; also
//! `RuntimeConstructorInfo`'s).
//!
//! ## Model
//! A delegate's `method` word is its code address (the translator's `new_delegate`), not
//! Mono's `MonoMethod*`. The method is the one the code map finds there (assembly, MethodDef,
//! and the generic instance when the code is one instance's: JIT code, an image's instance,
//! an instantiating stub over shared code), or the code address itself for code it does not
//! know (an icall). Each method gets one
//! `RuntimeMethodInfo` object, made on first request and rooted for the life of the process,
//! so `MethodInfo ==` (a reference comparison for runtime methods) and with it
//! `Delegate.Equals`, `Delegate.Remove` and `GetHashCode` behave as under mono. A method the
//! code map finds is the reflection object member listings hand out
//! ([`crate::state::members::member_of_method_def`]), so `Method.Name` and the rest work;
//! only code the map lacks gets a bare object without metadata.
//!
//! Depends on: [`crate::code_map`], [`crate::state::objects`] (core instances),
//! [`crate::gc_roots`].

use std::collections::HashMap;

use crate::eh::trace::Wrapper;
use std::sync::Mutex;

/// What identifies a method: (assembly, MethodDef rid, generic context), or a code address
/// the map lacks.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum MethodKey {
    Def(usize, u32, u32),
    Code(u64),
}

/// The `RuntimeMethodInfo` of each method asked for so far (rooted objects).
static INFOS: Mutex<Option<HashMap<MethodKey, u64>>> = Mutex::new(None);

/// `GetMethodFromHandleInternalType_native(IntPtr method, IntPtr type, bool genericCheck)`:
/// the `MethodInfo` of the method whose code starts at `method`; null for 0.
extern "C" fn get_method_from_handle(method: u64, type_handle: u64, _generic_check: i32) -> u64 {
    if method == 0 {
        return 0;
    }
    // A handle reflection handed out (`GetConstructors`, `GetMethods`).
    if let Some(member) = crate::state::members::member_of_handle(method, type_handle) {
        return member;
    }
    let key = crate::code_map::lookup(method, |range| {
        MethodKey::Def(range.asm, range.rid, range.context)
    })
    .unwrap_or(MethodKey::Code(method));
    let mut infos = INFOS.lock().unwrap_or_else(|p| p.into_inner());
    let infos = infos.get_or_insert_with(HashMap::new);
    if let Some(&info) = infos.get(&key) {
        return info;
    }
    // A method the code map knows: its reflection object, with its metadata.
    let described = match key {
        MethodKey::Def(asm, rid, context) => {
            crate::state::members::member_of_method_def(asm, rid, context)
        }
        MethodKey::Code(_) => None,
    };
    if let Some(info) = described {
        infos.insert(key, info);
        return info;
    }
    let info = crate::state::objects::new_core_instance("Reflection.RuntimeMethodInfo")
        .unwrap_or_else(|e| crate::state::fatal(&format!("Delegate.Method: {e}")));
    crate::gc_roots::root_forever(info);
    infos.insert(key, info);
    info
}

crate::eh::trace::managed_entry! {
    /// `RuntimeMethodInfo.InternalInvoke(object obj, object[] parameters, out Exception exc)`:
    /// exceptions of the target propagate (pending), `exc` stays null. The calling frame is
    /// recorded so the target's stack traces go on through mono's wrapper to `Invoke`.
    pub(super) fn internal_invoke(this: u64, obj: u64, parameters: u64, exc: u64) -> u64
        => invoke_method_from, fp = "r8", ra = "r9"
}

crate::eh::trace::managed_entry! {
    /// `RuntimeConstructorInfo.InternalInvoke`, as [`internal_invoke`] (a null `obj` makes
    /// the new object).
    pub(super) fn internal_invoke_constructor(this: u64, obj: u64, parameters: u64, exc: u64)
        -> u64 => invoke_constructor_from, fp = "r8", ra = "r9"
}

extern "C" fn invoke_method_from(
    this: u64,
    obj: u64,
    parameters: u64,
    exc: u64,
    fp: u64,
    ra: u64,
) -> u64 {
    invoke_from(Wrapper::InvokeMethod, (this, obj, parameters, exc), fp, ra)
}

extern "C" fn invoke_constructor_from(
    this: u64,
    obj: u64,
    parameters: u64,
    exc: u64,
    fp: u64,
    ra: u64,
) -> u64 {
    invoke_from(
        Wrapper::InvokeConstructor,
        (this, obj, parameters, exc),
        fp,
        ra,
    )
}

/// Both `InternalInvoke`s, called from the managed frame `fp`/`return_address`.
fn invoke_from(
    wrapper: Wrapper,
    (this, obj, parameters, exc): (u64, u64, u64, u64),
    fp: u64,
    return_address: u64,
) -> u64 {
    if exc != 0 {
        // SAFETY: `exc` is the caller's `out Exception` local.
        unsafe { (exc as *mut u64).write(0) };
    }
    let resume = crate::dynamic_call::Resume {
        wrapper: wrapper as u64,
        caller_fp: fp,
        caller_return: return_address,
    };
    crate::state::members::invoke(this, obj, parameters, resume)
}

/// `get_base_method(RuntimeMethodInfo method, bool definition)` (static).
extern "C" fn get_base_method(member: u64, definition: i32) -> u64 {
    crate::state::method_queries::base_method(member, definition != 0)
}

/// `get_name(MethodBase method)` (static).
extern "C" fn get_name(member: u64) -> u64 {
    crate::state::method_queries::method_name(member)
}

/// `get_metadata_token(MethodBase method)` (static): the definition's MethodDef token.
pub(super) extern "C" fn get_metadata_token(member: u64) -> i32 {
    crate::state::method_queries::method_token(member)
}

/// `get_IsGenericMethod`.
extern "C" fn get_is_generic_method(this: u64) -> i32 {
    i32::from(crate::state::method_queries::generic_method_shape(this).0)
}

/// `get_IsGenericMethodDefinition`.
extern "C" fn get_is_generic_method_definition(this: u64) -> i32 {
    i32::from(crate::state::method_queries::generic_method_shape(this).1)
}

/// `GetGenericArguments()`.
extern "C" fn get_generic_arguments(this: u64) -> u64 {
    crate::state::method_queries::generic_method_arguments(this)
}

/// `MakeGenericMethod_impl(Type[] types)`.
extern "C" fn make_generic_method_impl(this: u64, types: u64) -> u64 {
    if types == 0 {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    }
    crate::state::method_queries::make_generic_method(this, types)
}

/// `GetGenericMethodDefinition_impl()`.
extern "C" fn get_generic_method_definition_impl(this: u64) -> u64 {
    crate::state::method_queries::generic_method_definition(this)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetGenericArguments", get_generic_arguments as *const ()),
        (
            "GetGenericMethodDefinition_impl",
            get_generic_method_definition_impl as *const (),
        ),
        (
            "GetMethodFromHandleInternalType_native",
            get_method_from_handle as *const (),
        ),
        ("InternalInvoke", internal_invoke as *const ()),
        (
            "MakeGenericMethod_impl",
            make_generic_method_impl as *const (),
        ),
        ("get_IsGenericMethod", get_is_generic_method as *const ()),
        (
            "get_IsGenericMethodDefinition",
            get_is_generic_method_definition as *const (),
        ),
        ("get_base_method", get_base_method as *const ()),
        ("get_metadata_token", get_metadata_token as *const ()),
        ("get_name", get_name as *const ()),
    ]
}
