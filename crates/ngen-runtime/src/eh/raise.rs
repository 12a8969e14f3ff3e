//! Exceptions the runtime raises (helper `Throw`: null, bounds, overflow, divide by zero,
//! cast, negative array size): an instance of the core library's class, made pending.
//!
//! The object is mscorlib's own class (its method table from the runtime's state, so `catch`
//! clauses of it and of its base classes match by the usual parent-chain walk), with
//! `_message` set to mono's default message for the kind. No constructor runs, as for mono's
//! own preallocated exceptions; `HResult` and the stack trace stay zero.
//!
//! Depends on: `ngen_abi::exceptions`, [`crate::state`] (the class), [`crate::alloc`] (strings),
//! [`super::report`] (the report when even that fails), [`super::pending`].

use ngen_abi::exceptions::{ExceptionKind, TraceMode};

/// `System.Exception._message`, read by `Message` and by the unhandled report.
pub(crate) const MESSAGE_FIELD: &str = "_message";

/// `System.Exception._innerException`.
pub(crate) const INNER_FIELD: &str = "_innerException";

super::trace::managed_entry! {
/// Helper `Throw`: creates the exception of ABI id `kind_id` (an unknown id, a runtime bug,
/// becomes `InvalidProgramException`), records its stack trace from the calling frame when
/// that is managed code ([`super::trace`]) and makes it pending.
pub(crate) fn throw(kind_id: u32) => throw_from, fp = "rsi", ra = "rdx"
}

extern "C" fn throw_from(kind_id: u32, fp: u64, return_address: u64) {
    let kind = ExceptionKind::from_id(kind_id).unwrap_or(ExceptionKind::InvalidProgram);
    // `stelem.ref`'s failure raises from inside mono's store wrapper.
    if kind == ExceptionKind::ArrayTypeMismatch
        && let Some(wrapper) = super::stelemref::wrapper_of_last_failure()
    {
        return throw_in_wrapper(kind, wrapper, return_address, fp);
    }
    match new_exception(kind) {
        Ok(exception) => {
            super::trace::record(exception, TraceMode::Throw, return_address, fp);
            super::pending::set(exception)
        }
        // Without mscorlib's classes there is nothing to catch: report it now, as before
        // exception handling.
        Err(_) => crate::eh::report::unhandled(kind, None),
    }
}

/// Raises `kind` (made pending) from inside mono's `wrapper`, called by the managed frame with
/// `return_address` and frame pointer `fp` (a helper's caller, for the stack trace).
pub(crate) fn throw_in_wrapper(
    kind: ExceptionKind,
    wrapper: super::trace::Wrapper,
    return_address: u64,
    fp: u64,
) {
    match new_exception(kind) {
        Ok(exception) => {
            super::trace::record_in_wrapper(exception, wrapper, return_address, fp);
            super::pending::set(exception)
        }
        Err(_) => crate::eh::report::unhandled(kind, None),
    }
}

/// A new exception object of `kind`'s class with mono's default message for it.
fn new_exception(kind: ExceptionKind) -> Result<u64, String> {
    let class = kind
        .type_name()
        .strip_prefix("System.")
        .ok_or_else(|| format!("{} is not in System", kind.type_name()))?;
    new_exception_of(class, crate::eh::report::default_message(kind))
}

super::trace::managed_entry! {
/// The entry of an `InternalCall` method this runtime does not implement, reached through a
/// bound stub ([`crate::stubs::bound_stub`]) whose first argument is the method's name (a
/// leaked `String`): raises a catchable `MissingMethodException` naming it, as the issue asks
/// ("an icall that is not implemented raises MissingMethodException naming it"), and returns a
/// dummy value: the caller tests the pending word after every call, so the value is never
/// used, whatever the icall's signature. The stub jumps here from the managed caller.
pub(crate) fn missing_icall(name: *const String) -> u64 => missing_icall_from,
    fp = "rsi", ra = "rdx"
}

extern "C" fn missing_icall_from(name: *const String, fp: u64, return_address: u64) -> u64 {
    // SAFETY: the stub passes the pointer the runtime leaked for this icall; it lives forever.
    let name = unsafe { &*name };
    let message = format!("the internal call {name} is not implemented by this runtime");
    match new_exception_of("MissingMethodException", &message) {
        Ok(exception) => {
            super::trace::record(exception, TraceMode::Throw, return_address, fp);
            super::pending::set(exception)
        }
        Err(_) => crate::eh::report::unhandled(
            ExceptionKind::InvalidProgram,
            Some(&format!("System.MissingMethodException: {message}")),
        ),
    }
    0
}

/// Makes a new `System.<class>` (a core-library exception class) with `message` pending, for
/// icalls that fail as Mono's raise through `MonoError`: the caller checks the pending word
/// after the call. Without the class, the report is printed at once.
pub(crate) fn raise(class: &str, message: &str) {
    match new_exception_of(class, message) {
        Ok(exception) => super::pending::set(exception),
        Err(_) => crate::eh::report::unhandled(
            ExceptionKind::InvalidProgram,
            Some(&format!("System.{class}: {message}")),
        ),
    }
}

/// A new instance of the core library's class `System.<class>` with `_message` set.
fn new_exception_of(class: &str, message: &str) -> Result<u64, String> {
    let offset = crate::state::objects::core_field_offset("Exception", MESSAGE_FIELD)?;
    let exception = crate::state::objects::new_core_instance(class)?;
    let message = crate::alloc::string_from_str(message);
    // SAFETY: `exception` is a fresh instance whose `_message` field (a reference) is at
    // `offset`; the collector scans it (the class has references).
    unsafe { ((exception + u64::from(offset)) as *mut u64).write(message as u64) };
    Ok(exception)
}

/// The name a `TypeInitializationException` gives TypeDef `rid` of `asm` (a generic
/// instance's definition), as mono's `mono_runtime_class_init_full` makes it: the class's
/// namespace and name (`N.Gen`1`, without type arguments), a nested type's simple name alone
/// (`Inner`: its namespace is empty).
pub(crate) fn type_initializer_name(asm: &ngen_metadata::Assembly, rid: u32) -> Option<String> {
    let row = asm.type_def(rid).ok()?;
    Some(if row.namespace.is_empty() {
        row.name.to_string()
    } else {
        format!("{}.{}", row.namespace, row.name)
    })
}

/// After a type's `.cctor` returned: an exception it left pending becomes the inner exception
/// of a `TypeInitializationException` for the type, as under mono; returns that exception,
/// which later accesses of the type raise again ([`type_initializer_failed_again`]).
pub(crate) fn after_type_initializer(type_name: &str) -> Option<u64> {
    let inner = super::pending::take()?;
    match wrap_type_initializer_failure(type_name, inner) {
        Ok(wrapped) => {
            super::trace::record_type_initializer(wrapped, type_name);
            super::pending::set(wrapped);
            Some(wrapped)
        }
        Err(_) => {
            super::pending::set(inner);
            None
        }
    }
}

/// An access of type `ty` (a cell resolving, `RunClassConstructor`, reflection) after its
/// `.cctor` threw: raises the type's `TypeInitializationException` again, the same object
/// with a trace of this access (mono resets its `stack_trace` and `trace_ips` before
/// raising it again), unless an exception is already pending (the access that ran the
/// `.cctor` has it). Returns whether the type has failed, so that the caller does not fill
/// the cell.
pub(crate) fn type_initializer_failed_again(ty: u32) -> bool {
    let Some((exception, type_name)) = crate::threads::type_init::failure(ty) else {
        return false;
    };
    if !super::pending::is_set() {
        super::trace::record_type_initializer(exception, &type_name);
        super::pending::set(exception);
    }
    true
}

fn wrap_type_initializer_failure(type_name: &str, inner: u64) -> Result<u64, String> {
    use crate::state::objects::{core_field_offset, new_core_instance};
    let message_offset = core_field_offset("Exception", MESSAGE_FIELD)?;
    let inner_offset = core_field_offset("Exception", INNER_FIELD)?;
    // `TypeName`, which the constructor mono calls (`(fullTypeName, innerException)`) sets.
    let type_name_offset = core_field_offset("TypeInitializationException", "_typeName")?;
    let wrapped = new_core_instance("TypeInitializationException")?;
    let message = crate::alloc::string_from_str(&format!(
        "The type initializer for '{type_name}' threw an exception."
    ));
    let name = crate::alloc::string_from_str(type_name);
    // SAFETY: `wrapped` is a fresh TypeInitializationException with these three reference
    // fields.
    unsafe {
        ((wrapped + u64::from(message_offset)) as *mut u64).write(message as u64);
        ((wrapped + u64::from(inner_offset)) as *mut u64).write(inner);
        ((wrapped + u64::from(type_name_offset)) as *mut u64).write(name as u64);
    }
    Ok(wrapped)
}
