//! Asynchronous delegates: a delegate type's `BeginInvoke` and `EndInvoke`, which ECMA-335
//! II.14.6 leaves to the runtime as it does `Invoke`, with Mono 6.8's behaviour: `BeginInvoke`
//! queues the call to the thread pool and returns a `System.Runtime.Remoting.Messaging.
//! AsyncResult`; a pool thread runs it (`AsyncResult.Invoke`, an icall), marks the result
//! completed, signals its wait handle and calls the `AsyncCallback`; `EndInvoke` waits, then
//! gives back the result and the `out`/`ref` arguments or rethrows the target's exception.
//!
//! ## Model
//! Both methods are entered through capturing stubs ([`crate::capture_call`]): one Rust
//! handler serves every signature, reading the arguments by the [`AsyncShape`] of the
//! delegate's `Invoke` (how each value travels, from the type system). `BeginInvoke` copies
//! the arguments into a call record, a scanned block the `AsyncResult` keeps in its `data`
//! word (Mono keeps a `MonoMethodMessage` of boxed arguments in a `MonoAsyncCall`): each
//! argument word as `Invoke` takes it, a copy of each struct argument and of each `ref`/`out`
//! argument's value (passed by the copy's address, copied back by `EndInvoke`, as Mono's
//! message does), then the result and the exception. The pool thread calls the delegate's
//! code through [`crate::dynamic_call`], as compiled code's inline `Invoke` would.
//!
//! - [`begin`]: `BeginInvoke` (the record, the `AsyncResult`, `ThreadPool.
//!   UnsafeQueueCustomWorkItem`, as `mono_threadpool_begin_invoke`);
//! - [`invoke`]: the `AsyncResult.Invoke` icall (`mono_async_result_invoke`) and calling a
//!   delegate with captured arguments;
//! - [`end`]: `EndInvoke` (`mono_delegate_end_invoke`, `mono_threadpool_end_invoke`);
//! - [`layout`]: the managed fields and methods they use;
//! - [`wrapper_text`]: the text of mono's end-invoke wrapper frame for a delegate type, which
//!   the trace of an exception `EndInvoke` rethrows shows after the target's frames.
//!
//! Not done: remoting proxies as targets (there is no remoting); mono's delegate-invoke
//! wrapper frame, which its pool thread's trace shows for some signatures (a static target
//! with a struct parameter or more than four).
//!
//! Depends on: [`crate::capture_call`], [`crate::dynamic_call`], [`crate::stubs`], the type
//! system's ABI answers. Citations: Mono 6.8 `mono/metadata/marshal.c`
//! (`mono_delegate_begin_invoke`, `mono_delegate_end_invoke`), `threadpool.c`
//! (`mono_threadpool_begin_invoke`, `mono_threadpool_end_invoke`), `object.c`
//! (`ves_icall_System_Runtime_Remoting_Messaging_AsyncResult_Invoke`).

mod begin;
mod end;
pub(crate) mod invoke;
mod layout;
mod wrapper_text;

use ngen_compiler::runtime_types::{AbiClass, MethodHandle};
use ngen_compiler::type_context::TypeContext;

use crate::capture_call::CaptureTarget;

/// Record offset of the `AsyncShape` the record follows.
const RECORD_SHAPE: u32 = 0;
/// Record offset of the `AsyncCallback` (null when none).
const RECORD_CALLBACK: u32 = 8;
/// Record offset of the result word (an integer, reference or float's bits).
const RECORD_RESULT: u32 = 16;
/// Record offset of the exception the target left (0 when none).
const RECORD_EXCEPTION: u32 = 24;
/// Record offset of the first argument word; the copies follow the words.
const RECORD_ARGS: u32 = 32;

/// How one value of `Invoke` travels, and where the call record keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Passed as it is: an integer, reference or address, or (`float`) an `f32`/`f64`.
    Value { float: bool },
    /// A struct, passed as the address of a copy the record holds at `offset`.
    Struct { size: u32, offset: u32 },
    /// A `ref`/`out` argument: the record holds the value at `offset` and passes its address.
    ByRef { size: u32, offset: u32 },
}

impl Slot {
    fn is_float(self) -> bool {
        matches!(self, Slot::Value { float: true })
    }
}

/// A delegate type's `Invoke` as its asynchronous pair sees it.
#[derive(Debug)]
pub(crate) struct AsyncShape {
    /// Each parameter of `Invoke`.
    params: Vec<Slot>,
    /// Its result: `None` for `void`, else the slot holding it (`Value`, or `Struct` at the
    /// record offset of the return buffer).
    ret: Option<Slot>,
    /// The call record's size in bytes.
    record_size: u32,
    /// `EndInvoke`'s: the frame of mono's end-invoke wrapper for the delegate type
    /// ([`crate::eh::trace::named_wrapper_frame`]), 0 for none.
    end_wrapper: u64,
}

impl AsyncShape {
    /// The number of `ref`/`out` parameters (`EndInvoke` takes one pointer for each).
    fn byref_count(&self) -> usize {
        self.params
            .iter()
            .filter(|s| matches!(s, Slot::ByRef { .. }))
            .count()
    }
}

/// Bytes of memory a value of `class` takes (a record slot is a multiple of 8).
fn size_of(class: AbiClass) -> u32 {
    match class {
        AbiClass::Void => 0,
        AbiClass::Int { size, .. } => u32::from(size),
        AbiClass::Reference | AbiClass::F64 => 8,
        AbiClass::F32 => 4,
        AbiClass::Struct { size } => size,
    }
}

/// The shape of `invoke`, the delegate type's `Invoke`.
fn shape_of(types: &TypeContext, invoke: MethodHandle) -> Result<AsyncShape, String> {
    let abi = types.method_abi(invoke)?;
    let mut next = RECORD_ARGS + 8 * abi.params.len() as u32;
    let mut copy = |size: u32| {
        let offset = next;
        next += size.next_multiple_of(8).max(8);
        offset
    };
    let mut params = Vec::with_capacity(abi.params.len());
    for &(ty, class) in &abi.params {
        params.push(match (types.byref_element(ty)?, class) {
            (Some(element), _) => {
                let size = size_of(types.abi_class_of(element)?);
                Slot::ByRef {
                    size,
                    offset: copy(size),
                }
            }
            (None, AbiClass::Struct { size }) => Slot::Struct {
                size,
                offset: copy(size),
            },
            (None, class) => Slot::Value {
                float: matches!(class, AbiClass::F32 | AbiClass::F64),
            },
        });
    }
    let ret = match abi.ret.1 {
        AbiClass::Void => None,
        AbiClass::Struct { size } => Some(Slot::Struct {
            size,
            offset: copy(size),
        }),
        class => Some(Slot::Value {
            float: matches!(class, AbiClass::F32 | AbiClass::F64),
        }),
    };
    Ok(AsyncShape {
        params,
        ret,
        record_size: next,
        end_wrapper: 0,
    })
}

/// The entry of `method` when it is a delegate type's `BeginInvoke` or `EndInvoke` (a
/// capturing stub into [`begin`] or [`end`], made once per method by the caller's cache);
/// `None` for any other method.
pub(crate) fn entry(types: &TypeContext, method: MethodHandle) -> Result<Option<u64>, String> {
    let (name, owner) = types.method_name_and_owner(method)?;
    let handler: extern "C" fn(u64, *mut crate::capture_call::Captured) -> u64 = match &*name {
        "BeginInvoke" => begin::handler,
        "EndInvoke" => end::handler,
        _ => return Ok(None),
    };
    let invoke = types
        .declared_methods(owner)?
        .into_iter()
        .find(|(_, name, _)| name == "Invoke")
        .map(|(m, _, _)| m)
        .ok_or_else(|| {
            format!(
                "{} has no Invoke for its {name}",
                types.type_display_name(owner)
            )
        })?;
    let mut shape = shape_of(types, invoke)?;
    // The pair's own signatures must be the ones ECMA-335 II.14.6 derives from `Invoke`.
    let abi = types.method_abi(method)?;
    let expected = match &*name {
        "BeginInvoke" => shape.params.len() + 2,
        _ => shape.byref_count() + 1,
    };
    if !abi.has_this || abi.params.len() != expected {
        return Err(format!(
            "{}::{name} does not match its Invoke's signature",
            types.type_display_name(owner)
        ));
    }
    if name == "EndInvoke" {
        // Made once per delegate type (the caller caches the stub); a type the text cannot
        // be made for gets no wrapper frame.
        shape.end_wrapper = wrapper_text::end_invoke_frame(types, method, owner)
            .map_or(0, crate::eh::trace::named_wrapper_frame);
    }
    let shape: &'static AsyncShape = Box::leak(Box::new(shape));
    let target: &'static CaptureTarget = Box::leak(Box::new(CaptureTarget {
        handler,
        data: shape as *const AsyncShape as u64,
    }));
    crate::stubs::capturing_stub(target).map(Some)
}

/// Reads the `T` at `offset` of the object or record at `base`.
fn read<T: Copy>(base: u64, offset: u32) -> T {
    crate::threads::current::read(base, offset)
}

/// Writes the `T` at `offset` of the object or record at `base`.
fn write<T: Copy>(base: u64, offset: u32, value: T) {
    crate::threads::current::write(base, offset, value)
}

/// Copies `size` bytes from `from` to `to`.
fn copy_bytes(from: u64, to: u64, size: u32) {
    // SAFETY: callers pass a live value of `size` bytes and room for it (a record copy, an
    // argument's address or a return buffer); the two never overlap.
    unsafe { std::ptr::copy_nonoverlapping(from as *const u8, to as *mut u8, size as usize) };
}
