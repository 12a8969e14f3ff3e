//! The pool thread's half: `AsyncResult.Invoke()` (an icall, called by the result's
//! `IThreadPoolWorkItem.ExecuteWorkItem`), as Mono's `mono_async_result_invoke`: it calls the
//! delegate with the recorded arguments, records the result or the exception, marks the
//! result completed under its lock, signals its wait handle when one was made, then calls
//! the `AsyncCallback` with the result (an exception the callback leaves propagates, as
//! under Mono, to the pool thread's unhandled-exception report).
//!
//! Depends on: the parent module's record layout, [`super::layout`],
//! [`crate::icalls::monitor`].

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

use crate::dynamic_call::{self, Arg, Returned};

use super::layout::layout;
use super::{
    AsyncShape, RECORD_ARGS, RECORD_CALLBACK, RECORD_EXCEPTION, RECORD_RESULT, RECORD_SHAPE, Slot,
    read, write,
};

/// `object AsyncResult.Invoke ()`: runs the call recorded in `result` (see the module
/// documentation). Returns null: `ExecuteWorkItem` ignores the value.
pub(crate) extern "C" fn invoke(result: u64) -> u64 {
    let layout = layout();
    let record: u64 = read(result, layout.data);
    if record == 0 {
        // Not made by `BeginInvoke`: nothing recorded to run.
        return 0;
    }
    // SAFETY: `BeginInvoke` stored its leaked shape in the record.
    let shape = unsafe { &*(read::<u64>(record, RECORD_SHAPE) as *const AsyncShape) };
    let delegate: u64 = read(result, layout.async_delegate);
    let args: Vec<Arg> = shape
        .params
        .iter()
        .enumerate()
        .map(|(index, slot)| {
            let word = read(record, RECORD_ARGS + 8 * index as u32);
            if slot.is_float() {
                Arg::Float(word)
            } else {
                Arg::Int(word)
            }
        })
        .collect();
    let buffer = match shape.ret {
        Some(Slot::Struct { offset, .. }) => Some(record + u64::from(offset)),
        _ => None,
    };
    let returned = call_delegate(delegate, buffer, &args);
    let exception = crate::eh::pending::take().unwrap_or(0);
    let word = match shape.ret {
        Some(Slot::Value { float: true }) => returned.float,
        Some(Slot::Value { float: false }) => returned.int,
        _ => 0,
    };
    write(record, RECORD_RESULT, word);
    write(record, RECORD_EXCEPTION, exception);

    let handle = crate::icalls::monitor::with_lock(result, || {
        write(result, layout.completed, 1u8);
        read::<u64>(result, layout.handle)
    });
    if handle != 0 {
        // SAFETY: `EventWaitHandle.Set()` takes `this`; the handle `AsyncWaitHandle` made is
        // a `ManualResetEvent`.
        unsafe { dynamic_call::call(layout.set_event, &[Arg::Int(handle)]) };
        if crate::eh::pending::is_set() {
            return 0;
        }
    }
    let callback: u64 = read(record, RECORD_CALLBACK);
    if callback != 0 {
        call_delegate(callback, None, &[Arg::Int(result)]);
    }
    0
}

/// Calls `delegate` with `args` (and the return `buffer` of a struct result) as compiled
/// code's inline `Invoke` does: each part of a combined delegate in order, stopping at an
/// exception; a part with a target gets it as `this`. Returns the last call's registers.
fn call_delegate(delegate: u64, buffer: Option<u64>, args: &[Arg]) -> Returned {
    let list: u64 = read(delegate, layout().delegates);
    if list == 0 {
        return call_single(delegate, buffer, args);
    }
    let length: u64 = read(list, ARRAY_LENGTH_OFFSET as u32);
    let mut last = Returned { int: 0, float: 0 };
    for index in 0..length {
        let part: u64 = read(list, ARRAY_DATA_OFFSET as u32 + 8 * index as u32);
        last = call_single(part, buffer, args);
        if crate::eh::pending::is_set() {
            break;
        }
    }
    last
}

/// Calls one (not combined) delegate: its code with its target first when it has one, the
/// return buffer after `this` (or first, for a static method), then `args`.
fn call_single(delegate: u64, buffer: Option<u64>, args: &[Arg]) -> Returned {
    let layout = layout();
    let target: u64 = read(delegate, layout.target);
    let code: u64 = read(delegate, layout.method_ptr);
    let mut all = Vec::with_capacity(args.len() + 2);
    if target != 0 {
        all.push(Arg::Int(target));
    }
    all.extend(buffer.map(Arg::Int));
    all.extend_from_slice(args);
    // SAFETY: the delegate's code takes `Invoke`'s parameters, after its target when it has
    // one (the delegate's constructor checked it); the arguments and the buffer live in the
    // record, which the result keeps alive.
    unsafe { dynamic_call::call(code, &all) }
}
