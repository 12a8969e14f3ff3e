//! `EndInvoke(ref/out args..., IAsyncResult result)`: checks the result as Mono's
//! `mono_delegate_end_invoke` does (an `AsyncResult` of this delegate, ended once), waits for
//! it on its wait handle (`AsyncWaitHandle`, made on demand) unless it completed, then copies
//! the `ref`/`out` values back and returns the result, or rethrows the target's exception
//! (its trace goes on through mono's end-invoke frames to `EndInvoke`'s caller,
//! [`crate::eh::trace::record_end_invoke`]).
//!
//! Depends on: the parent module's record layout, [`super::layout`],
//! [`crate::icalls::monitor`].

use crate::capture_call::{ArgReader, Captured};
use crate::dynamic_call::{self, Arg};
use crate::eh::raise::raise;

use super::layout::{ASYNC_RESULT, layout};
use super::{AsyncShape, RECORD_EXCEPTION, RECORD_RESULT, Slot, copy_bytes, read, write};

/// The capture handler of every `EndInvoke` (`data`: its [`AsyncShape`]).
pub(super) extern "C" fn handler(data: u64, frame: *mut Captured) -> u64 {
    // SAFETY: the stub's target carries a leaked shape, and the trampoline its live frame.
    let shape = unsafe { &*(data as *const AsyncShape) };
    let (delegate, buffer, places, result) = {
        // SAFETY: as above; the reader's borrow ends before the result is stored.
        let mut args = ArgReader::new(unsafe { &*frame });
        let delegate = args.int();
        let buffer = matches!(shape.ret, Some(Slot::Struct { .. })).then(|| args.int());
        let places: Vec<u64> = (0..shape.byref_count()).map(|_| args.int()).collect();
        (delegate, buffer, places, args.int())
    };
    let Some(record) = finished_record(delegate, result) else {
        return 0;
    };
    // The values of `ref`/`out` arguments come back even after an exception, as Mono's
    // `mono_method_return_message_restore` copies them.
    let copies = shape.params.iter().filter_map(|slot| match *slot {
        Slot::ByRef { size, offset } => Some((size, offset)),
        _ => None,
    });
    for ((size, offset), place) in copies.zip(places) {
        copy_bytes(record + u64::from(offset), place, size);
    }
    let exception: u64 = read(record, RECORD_EXCEPTION);
    if exception != 0 {
        // SAFETY: the trampoline's live frame.
        let (fp, return_address) = unsafe { (*frame).caller() };
        crate::eh::trace::record_end_invoke(exception, shape.end_wrapper, return_address, fp);
        crate::eh::pending::set(exception);
        return 0;
    }
    match (shape.ret, buffer) {
        (Some(Slot::Struct { size, offset }), Some(buffer)) => {
            copy_bytes(record + u64::from(offset), buffer, size);
            buffer
        }
        (Some(Slot::Value { float }), _) => {
            let word: u64 = read(record, RECORD_RESULT);
            if float {
                // SAFETY: the trampoline's live frame; it loads `ret_float` into xmm0.
                unsafe { (*frame).ret_float = word };
            }
            word
        }
        _ => 0,
    }
}

/// The call record of `result` once its call finished, after Mono's checks; `None` with an
/// exception pending when a check fails or the wait raised.
fn finished_record(delegate: u64, result: u64) -> Option<u64> {
    let layout = layout();
    let is_async_result = result != 0
        && crate::state::objects::core_class_table(ASYNC_RESULT)
            .is_ok_and(|table| crate::state::objects::method_table_of_object(result) == table);
    if !is_async_result {
        raise(
            "Runtime.Remoting.RemotingException",
            "The async result object is null or of an unexpected type.",
        );
        return None;
    }
    if read::<u64>(result, layout.async_delegate) != delegate {
        raise(
            "InvalidOperationException",
            "The IAsyncResult object provided does not match this delegate.",
        );
        return None;
    }
    let (ended_before, completed) = crate::icalls::monitor::with_lock(result, || {
        let ended_before = read::<u8>(result, layout.endinvoke_called) != 0;
        write(result, layout.endinvoke_called, 1u8);
        (ended_before, read::<u8>(result, layout.completed) != 0)
    });
    if ended_before {
        raise(
            "InvalidOperationException",
            "Delegate EndInvoke method called more than once",
        );
        return None;
    }
    if !completed {
        // SAFETY: `AsyncResult.get_AsyncWaitHandle()` and `WaitHandle.WaitOne()` take `this`.
        let handle = unsafe { dynamic_call::call(layout.get_wait_handle, &[Arg::Int(result)]) };
        if crate::eh::pending::is_set() {
            return None;
        }
        // SAFETY: as above.
        unsafe { dynamic_call::call(layout.wait_one, &[Arg::Int(handle.int)]) };
        if crate::eh::pending::is_set() {
            return None;
        }
    }
    Some(read(result, layout.data))
}
