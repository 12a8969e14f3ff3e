//! `BeginInvoke(args..., AsyncCallback callback, object state)`: the call record, the
//! `AsyncResult`, and the work item queued to the thread pool, as Mono's
//! `mono_delegate_begin_invoke` and `mono_threadpool_begin_invoke` make them. A combined
//! delegate raises `ArgumentException` (Mono allows one target).
//!
//! Depends on: the parent module's record layout, [`super::layout`].

use crate::capture_call::{ArgReader, Captured};
use crate::dynamic_call::{self, Arg};

use super::layout::{ASYNC_RESULT, layout};
use super::{
    AsyncShape, RECORD_ARGS, RECORD_CALLBACK, RECORD_SHAPE, Slot, copy_bytes, read, write,
};

/// The capture handler of every `BeginInvoke` (`data`: its [`AsyncShape`]).
pub(super) extern "C" fn handler(data: u64, frame: *mut Captured) -> u64 {
    // SAFETY: the stub's target carries a leaked shape, and the trampoline its live frame.
    let (shape, frame) = unsafe { (&*(data as *const AsyncShape), &*frame) };
    let layout = layout();
    let mut args = ArgReader::new(frame);
    let delegate = args.int();
    if read::<u64>(delegate, layout.delegates) != 0 {
        crate::eh::raise::raise(
            "ArgumentException",
            "The delegate must have only one target",
        );
        return 0;
    }
    let record = crate::helpers::alloc_instance(shape.record_size as usize, true) as u64;
    write(record, RECORD_SHAPE, shape as *const AsyncShape as u64);
    for (index, slot) in shape.params.iter().enumerate() {
        let word = args.next(slot.is_float());
        let passed = match *slot {
            Slot::Value { .. } => word,
            Slot::Struct { size, offset } | Slot::ByRef { size, offset } => {
                copy_bytes(word, record + u64::from(offset), size);
                record + u64::from(offset)
            }
        };
        write(record, RECORD_ARGS + 8 * index as u32, passed);
    }
    let callback = args.int();
    let state = args.int();
    write(record, RECORD_CALLBACK, callback);

    let result = match crate::state::objects::new_core_instance(ASYNC_RESULT) {
        Ok(result) => result,
        Err(e) => crate::state::fatal(&format!("BeginInvoke: {e}")),
    };
    write(result, layout.async_state, state);
    write(result, layout.async_delegate, delegate);
    // The record lives as long as the result: its only reference is this word, which the
    // collector scans with the rest of the instance.
    write(result, layout.data, record);
    // SAFETY: `UnsafeQueueCustomWorkItem(IThreadPoolWorkItem, bool)` takes two integer
    // arguments; the result is alive on this frame.
    unsafe { dynamic_call::call(layout.queue_work_item, &[Arg::Int(result), Arg::Int(0)]) };
    if crate::eh::pending::is_set() {
        return 0;
    }
    result
}
