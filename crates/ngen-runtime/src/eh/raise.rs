//! Exceptions the runtime raises (helper `Throw`: null, bounds, overflow, divide by zero,
//! cast): the exception object, made pending.
//!
//! Until the core library's classes have method tables, a runtime exception is a small
//! runtime-owned object: the header's method-table word points at a per-kind table of this
//! module (no parent, no slots, so no `catch` of a program class matches it, and
//! `catch (object)` does), and the kind's ABI id follows the header. [`kind_of`] recognises
//! such objects for the unhandled report.
//!
//! Depends on: `ngen_abi::{exceptions, object}`, `ngen-gc`, [`super::pending`].

use ngen_abi::exceptions::ExceptionKind;
use ngen_abi::object::OBJECT_HEADER_SIZE;

/// One method table per kind, in id order: `{parent: 0, slot_count: 0}`.
static KIND_METHOD_TABLES: [[u64; 2]; ExceptionKind::ALL.len()] =
    [[0; 2]; ExceptionKind::ALL.len()];

/// Size of a runtime exception object: the header, then the kind's id.
const KIND_OBJECT_SIZE: usize = OBJECT_HEADER_SIZE as usize + 8;

/// Helper `Throw`: creates the exception of ABI id `kind_id` (an unknown id, a runtime bug,
/// becomes `InvalidProgramException`) and makes it pending.
pub(crate) extern "C" fn throw(kind_id: u32) {
    let kind = ExceptionKind::from_id(kind_id).unwrap_or(ExceptionKind::InvalidProgram);
    super::pending::set(new_kind_object(kind));
}

/// A runtime exception object of `kind`. Out of memory here ends the process with mono's
/// `OutOfMemoryException` report (there is no preallocated exception yet).
fn new_kind_object(kind: ExceptionKind) -> u64 {
    let Some(block) = ngen_gc::alloc_atomic(KIND_OBJECT_SIZE) else {
        ngen_corlib::exceptions::unhandled(ExceptionKind::OutOfMemory, None)
    };
    let object = block.as_ptr().cast::<u64>();
    let table = &KIND_METHOD_TABLES[kind as usize];
    // SAFETY: the block holds KIND_OBJECT_SIZE zeroed, 8-aligned bytes: the header, then
    // the id.
    unsafe {
        object.write(table.as_ptr() as u64);
        object.add(2).write(kind as u64);
    }
    object as u64
}

/// The kind of `object` when it is a runtime exception object of this module.
///
/// # Safety
/// `object` must be a live object reference (not 0).
pub(crate) unsafe fn kind_of(object: u64) -> Option<ExceptionKind> {
    // SAFETY: every object starts with its method-table word.
    let method_table = unsafe { *(object as *const u64) };
    let index = KIND_METHOD_TABLES
        .iter()
        .position(|t| t.as_ptr() as u64 == method_table)?;
    ExceptionKind::ALL.get(index).copied()
}
