//! `System.AppDomain`'s icalls (`icall-def.h` `APPDOM_*`), as far as threads need them:
//! `InternalGetContext` and `InternalGetDefaultContext`, which `Thread.CurrentContext` and
//! `Context.DefaultContext` call (mscorlib's `WaitHandle.WaitAny`/`WaitAll` ask the current
//! context whether it is the default one).
//!
//! ## Model
//! One application domain and one remoting context: the default
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

/// `Context InternalGetContext ()`: the calling thread's current context.
extern "C" fn internal_get_context() -> u64 {
    default_context()
}

/// `Context InternalGetDefaultContext ()`.
extern "C" fn internal_get_default_context() -> u64 {
    default_context()
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("InternalGetContext", internal_get_context as *const ()),
        (
            "InternalGetDefaultContext",
            internal_get_default_context as *const (),
        ),
    ]
}
