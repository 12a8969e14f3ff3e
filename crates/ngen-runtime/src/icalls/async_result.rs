//! `System.Runtime.Remoting.Messaging.AsyncResult`'s icall (`icall-def.h` `ASYNCRES_*`):
//! `Invoke`, the pool thread's half of a delegate's `BeginInvoke`
//! ([`crate::async_delegates::invoke`]).
//!
//! Depends on: [`crate::async_delegates`].

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "Invoke",
        crate::async_delegates::invoke::invoke as *const (),
    )]
}
