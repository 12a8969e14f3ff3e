//! The managed fields and methods asynchronous delegates use: `AsyncResult`'s fields (Mono's
//! `MonoAsyncResult`), a delegate's call fields, and the class-library methods the runtime
//! calls (queueing a work item, the result's wait handle). Looked up once, on first use,
//! outside the runtime lock.
//!
//! Depends on: [`crate::state::objects`].

use std::sync::OnceLock;

use crate::state::objects::{core_field_offset, core_method_code, core_method_code_taking};

/// `AsyncResult`'s class, as `core_field_offset` names it.
pub(super) const ASYNC_RESULT: &str = "Runtime.Remoting.Messaging.AsyncResult";

/// Field offsets and method entries.
pub(super) struct Layout {
    /// `AsyncResult.async_state`, `handle`, `async_delegate`, `data`, `completed`,
    /// `endinvoke_called`.
    pub(super) async_state: u32,
    pub(super) handle: u32,
    pub(super) async_delegate: u32,
    pub(super) data: u32,
    pub(super) completed: u32,
    pub(super) endinvoke_called: u32,
    /// `Delegate.m_target`, `Delegate.method_ptr`, `MulticastDelegate.delegates`.
    pub(super) target: u32,
    pub(super) method_ptr: u32,
    pub(super) delegates: u32,
    /// `ThreadPool.UnsafeQueueCustomWorkItem(IThreadPoolWorkItem, bool)`.
    pub(super) queue_work_item: u64,
    /// `AsyncResult.get_AsyncWaitHandle()`, `WaitHandle.WaitOne()`, `EventWaitHandle.Set()`.
    pub(super) get_wait_handle: u64,
    pub(super) wait_one: u64,
    pub(super) set_event: u64,
}

fn look_up() -> Result<Layout, String> {
    let field = |name| core_field_offset(ASYNC_RESULT, name);
    Ok(Layout {
        async_state: field("async_state")?,
        handle: field("handle")?,
        async_delegate: field("async_delegate")?,
        data: field("data")?,
        completed: field("completed")?,
        endinvoke_called: field("endinvoke_called")?,
        target: core_field_offset("Delegate", "m_target")?,
        method_ptr: core_field_offset("Delegate", "method_ptr")?,
        delegates: core_field_offset("MulticastDelegate", "delegates")?,
        queue_work_item: core_method_code(
            "System.Threading",
            "ThreadPool",
            "UnsafeQueueCustomWorkItem",
        )?,
        get_wait_handle: core_method_code(
            "System.Runtime.Remoting.Messaging",
            "AsyncResult",
            "get_AsyncWaitHandle",
        )?,
        wait_one: core_method_code_taking("System.Threading", "WaitHandle", "WaitOne", 0)?,
        set_event: core_method_code("System.Threading", "EventWaitHandle", "Set")?,
    })
}

/// The layout, looked up on first use; a class library without these members is fatal.
pub(super) fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        look_up().unwrap_or_else(|e| crate::state::fatal(&format!("asynchronous delegates: {e}")))
    })
}
