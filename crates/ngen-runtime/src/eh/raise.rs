//! Exceptions the runtime raises (helper `Throw`: null, bounds, overflow, divide by zero,
//! cast): the exception object, made pending.
//!
//! Until the core library's classes have method tables, a runtime exception is a small
//! runtime-owned object: the header's method-table word points at this module's table for
//! its class, and the kind's ABI id follows the header. The tables (no slots) chain like the
//! core library's classes (`DivideByZeroException` → `ArithmeticException` →
//! `SystemException` → `Exception`), so a `catch` of any of them walks the chain as it will
//! with the real tables (helper `CoreExceptionClass` gives a catch its target); no `catch` of
//! a program class matches them. [`kind_of`] recognises such objects for the unhandled
//! report.
//!
//! Depends on: `ngen_abi::{exceptions, object}`, `ngen-gc`, [`super::pending`].

use std::sync::OnceLock;

use ngen_abi::exceptions::{CoreExceptionClass, ExceptionKind};
use ngen_abi::object::OBJECT_HEADER_SIZE;

/// One method table per core exception class, by id: `{parent, slot_count: 0}`, allocated
/// once and never freed.
fn method_tables() -> &'static [[u64; 2]] {
    static TABLES: OnceLock<&'static [[u64; 2]]> = OnceLock::new();
    TABLES.get_or_init(|| {
        let tables: &'static mut [[u64; 2]] =
            Box::leak(vec![[0u64; 2]; CoreExceptionClass::COUNT].into_boxed_slice());
        let base = tables.as_ptr() as u64;
        for (id, table) in tables.iter_mut().enumerate() {
            let parent = CoreExceptionClass::from_id(id as u32).and_then(|c| c.parent());
            table[0] = parent.map_or(0, |p| base + u64::from(p.id()) * 16);
        }
        tables
    })
}

/// Helper `CoreExceptionClass`: the method table of core exception class `class_id` (an
/// unknown id, a compiler bug, gets `System.Exception`'s).
pub(crate) extern "C" fn core_exception_class(class_id: u32) -> u64 {
    let class = CoreExceptionClass::from_id(class_id).unwrap_or(CoreExceptionClass::Exception);
    method_tables()[class.id() as usize].as_ptr() as u64
}

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
    let table = core_exception_class(kind as u32);
    // SAFETY: the block holds KIND_OBJECT_SIZE zeroed, 8-aligned bytes: the header, then
    // the id.
    unsafe {
        object.write(table);
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
    let index = method_tables()
        .iter()
        .position(|t| t.as_ptr() as u64 == method_table)?;
    ExceptionKind::from_id(index as u32)
}
