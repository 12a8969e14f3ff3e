//! `System.AppDomain`'s icalls (`icall-def.h` `APPDOM_*`), as far as threads need them:
//! `InternalGetContext` and `InternalGetDefaultContext`, which `Thread.CurrentContext` and
//! `Context.DefaultContext` call (mscorlib's `WaitHandle.WaitAny`/`WaitAll` ask the current
//! context whether it is the default one); `getCurDomain`, `getRootDomain` and
//! `InternalIsFinalizingForUnload` (the thread pool's per-thread finalizer asks them);
//! `GetData`, which System.dll's `Regex` asks for `REGEX_DEFAULT_MATCH_TIMEOUT`;
//! `LoadAssembly` (`Assembly.Load(string)`, in [`super::assembly`]).
//!
//! ## Model
//! One application domain, the root one: one `System.AppDomain` object, made on first request
//! without running a constructor (Mono makes it in `create_domain_objects`), rooted for the
//! life of the process, never unloading. One remoting context: the default
//! `System.Runtime.Remoting.Contexts.Context` (context id 0, domain id 0), made on first request
//! without running its constructor, as Mono's `mono_context_init` makes it at startup
//! (`create_domain_objects`), and rooted for the life of the process. Every thread's current
//! context is that one (no `InternalSetContext` yet).
//!
//! Depends on: [`crate::state::objects`] (core-library instances), [`crate::gc_roots`].

use std::sync::OnceLock;

/// The default context object.
fn default_context() -> u64 {
    static CONTEXT: OnceLock<u64> = OnceLock::new();
    *CONTEXT.get_or_init(|| {
        let context = crate::state::objects::new_core_instance("Runtime.Remoting.Contexts.Context")
            .unwrap_or_else(|e| crate::state::fatal(&format!("the default context: {e}")));
        // Its `domain_id` and `context_id` stay 0: the root domain's default context.
        crate::gc_roots::root_forever(context);
        context
    })
}

/// The domain object.
fn domain() -> u64 {
    static DOMAIN: OnceLock<u64> = OnceLock::new();
    *DOMAIN.get_or_init(|| {
        let domain = crate::state::objects::new_core_instance("AppDomain")
            .unwrap_or_else(|e| crate::state::fatal(&format!("the application domain: {e}")));
        crate::gc_roots::root_forever(domain);
        domain
    })
}

/// `AppDomain getCurDomain ()` and `getRootDomain ()`: the one domain.
extern "C" fn get_domain() -> u64 {
    domain()
}

/// `bool InternalIsFinalizingForUnload (int domain_id)`: domains never unload.
extern "C" fn is_finalizing_for_unload(_domain_id: i32) -> i32 {
    0
}

/// `Context InternalGetContext ()`: the calling thread's current context.
extern "C" fn internal_get_context() -> u64 {
    default_context()
}

/// `Context InternalGetDefaultContext ()`.
extern "C" fn internal_get_default_context() -> u64 {
    default_context()
}

/// `object GetData (string name)`: the domain's data slot `name`. No slot is ever set here
/// (`SetData` is not implemented), so every name reads null, as in a fresh Mono domain for the
/// names the class libraries ask (`REGEX_DEFAULT_MATCH_TIMEOUT`, ...). Mono's setup-derived
/// names (`APPBASE`, `APP_CONFIG_FILE`) are not answered yet.
extern "C" fn get_data(_this: u64, _name: u64) -> u64 {
    0
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetData", get_data as *const ()),
        ("LoadAssembly", super::assembly::load_assembly as *const ()),
        ("InternalGetContext", internal_get_context as *const ()),
        (
            "InternalGetDefaultContext",
            internal_get_default_context as *const (),
        ),
        (
            "InternalIsFinalizingForUnload",
            is_finalizing_for_unload as *const (),
        ),
        ("getCurDomain", get_domain as *const ()),
        ("getRootDomain", get_domain as *const ()),
    ]
}
