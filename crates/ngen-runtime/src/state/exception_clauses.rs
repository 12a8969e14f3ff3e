//! What the first pass of exception handling (`eh/catch_frames.rs`) asks the metadata and the
//! type system about a frame without a record: its method's exception clauses, and whether a
//! `catch` clause's type, resolved in the frame's generic context, takes an exception object.
//!
//! ## Model
//! A `catch T` takes an object whose type is assignable to `T` (ECMA-335 III.4.3, the test
//! `isinst` makes, as the compiled dispatch does). `T`'s token resolves in the generic context
//! of the frame's code (0 for plain methods; an exact instance's code has its own): shared
//! code keeps a frame record instead, since its catch types may depend on its dictionary.
//!
//! Depends on: the parent module's state.

use ngen_metadata::Token;
use ngen_metadata::body::ExceptionClause;

use super::{Runtime, lock};

fn metadata(rt: &Runtime, asm: usize) -> Result<&ngen_metadata::Assembly, String> {
    rt.assemblies
        .get(asm)
        .map(|a| &a.metadata)
        .ok_or_else(|| format!("no assembly {asm}"))
}

/// The exception clauses of MethodDef `rid` of assembly `asm` (none for a method without a
/// body), in metadata order.
pub(crate) fn method_clauses(asm: usize, rid: u32) -> Result<Vec<ExceptionClause>, String> {
    let rt = lock();
    let body = metadata(&rt, asm)?
        .method_body(rid)
        .map_err(|e| e.to_string())?;
    Ok(body.map(|b| b.exception_clauses).unwrap_or_default())
}

/// Whether `catch` type `token` of assembly `asm`, in the runtime's generic context `context`,
/// takes `exception` (a live object).
pub(crate) fn catch_takes(
    asm: usize,
    token: Token,
    context: u32,
    exception: u64,
) -> Result<bool, String> {
    let rt = lock();
    let assembly = metadata(&rt, asm)?;
    let generics = rt
        .generic_contexts
        .get(context as usize)
        .ok_or_else(|| format!("no generic context {context}"))?
        .clone();
    let target = rt
        .types
        .in_context(generics)
        .type_of_operand(assembly, token)?;
    let thrown = rt.type_of_object(exception);
    rt.types.is_assignable(thrown, target)
}
