//! `System.Threading.ThreadPool`'s icalls (`icall-def.h` `THREADP_*`): the native half of
//! mscorlib's managed thread pool ([`crate::threads::pool`]).
//!
//! Depends on: [`crate::threads::pool`].

use crate::threads::pool;

/// Writes `value` through an `out int`/`ref bool` argument, when there is one.
fn store<T>(place: *mut T, value: T) {
    if !place.is_null() {
        // SAFETY: a `ref`/`out` argument: the address of a live value of that type.
        unsafe { place.write(value) };
    }
}

/// `void InitializeVMTp (ref bool enableWorkerTracking)`: no worker tracking.
extern "C" fn initialize_vm_tp(enable_worker_tracking: *mut u8) {
    store(enable_worker_tracking, 0);
}

/// `bool RequestWorkerThread ()`.
extern "C" fn request_worker_thread() -> i32 {
    i32::from(pool::request_worker())
}

/// `bool NotifyWorkItemComplete ()`: the worker goes on with the next item.
extern "C" fn notify_work_item_complete() -> i32 {
    1
}

/// `NotifyWorkItemProgressNative ()`, `NotifyWorkItemQueued ()`, `ReportThreadStatus (bool)`:
/// hill-climbing input Mono keeps; nothing here.
extern "C" fn nothing() {}

/// `void GetAvailableThreadsNative (out int workerThreads, out int completionPortThreads)`
/// and `GetMaxThreadsNative`: the worker limit.
extern "C" fn max_threads(workers: *mut i32, completion_ports: *mut i32) {
    let max = i32::try_from(pool::max_workers()).unwrap_or(i32::MAX);
    store(workers, max);
    store(completion_ports, max);
}

/// `void GetMinThreadsNative (out int workerThreads, out int completionPortThreads)`.
extern "C" fn min_threads(workers: *mut i32, completion_ports: *mut i32) {
    store(workers, 2);
    store(completion_ports, 2);
}

/// `bool SetMinThreadsNative (int, int)`, `SetMaxThreadsNative (int, int)`: accepted.
extern "C" fn set_threads(_workers: i32, _completion_ports: i32) -> i32 {
    1
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetAvailableThreadsNative", max_threads as *const ()),
        ("GetMaxThreadsNative", max_threads as *const ()),
        ("GetMinThreadsNative", min_threads as *const ()),
        ("InitializeVMTp", initialize_vm_tp as *const ()),
        (
            "NotifyWorkItemComplete",
            notify_work_item_complete as *const (),
        ),
        ("NotifyWorkItemProgressNative", nothing as *const ()),
        ("NotifyWorkItemQueued", nothing as *const ()),
        ("ReportThreadStatus", nothing as *const ()),
        ("RequestWorkerThread", request_worker_thread as *const ()),
        ("SetMaxThreadsNative", set_threads as *const ()),
        ("SetMinThreadsNative", set_threads as *const ()),
    ]
}
