//! `System.Runtime.Remoting.RemotingServices`' icalls (`icall-def.h` `REMSER_*`), as far as
//! the class libraries ask them outside remoting: `IsTransparentProxy`, which mscorlib's
//! `WaitHandle.WaitAny`/`WaitAll` ask of every handle. There are no transparent proxies
//! (no remoting), so the answer is always `false`, as Mono's for any ordinary object.
//!
//! Depends on: nothing.

/// `bool IsTransparentProxy (object proxy)`.
extern "C" fn is_transparent_proxy(_object: u64) -> i32 {
    0
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("IsTransparentProxy", is_transparent_proxy as *const ())]
}
