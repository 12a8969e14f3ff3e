//! Managed threads: what Mono's `threads.c` keeps per OS thread.
//!
//! - [`statics`]: `[ThreadStatic]` fields, one pair of areas per type per thread (the
//!   `ThreadStaticAddress` helper), as IL2CPP's `AllocThreadStaticData` and Mono's
//!   `static_data` arrays;
//! - [`current`]: the `System.Threading.Thread` object of each OS thread (`Thread.CurrentThread`,
//!   icall `GetCurrentThread`), with its `InternalThread` laid out as Mono's
//!   `MonoInternalThread`; the managed-main thread's is made at startup, as `mono_thread_attach`
//!   makes it before `Main`.
//!
//! Depends on: [`crate::state::objects`] (core-library instances and field offsets),
//! `ngen_gc` (areas the collector scans).

pub(crate) mod current;
pub(crate) mod statics;
