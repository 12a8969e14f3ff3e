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

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use ngen_metadata::Token;
use ngen_metadata::body::ExceptionClause;

use super::{Runtime, lock};

fn metadata(rt: &Runtime, asm: usize) -> Result<&ngen_metadata::Assembly, String> {
    rt.assemblies
        .get(asm)
        .map(|a| &a.metadata)
        .ok_or_else(|| format!("no assembly {asm}"))
}

/// The clauses of the methods a first pass met, by (assembly, MethodDef rid): a walk meets the
/// same frames again and again (a loop that throws), most of them without clauses.
static CLAUSES: RwLock<BTreeMap<MethodKey, Arc<[ExceptionClause]>>> = RwLock::new(BTreeMap::new());

/// A method: (the runtime's assembly index, MethodDef rid).
type MethodKey = (usize, u32);

/// The exception clauses of MethodDef `rid` of assembly `asm` (none for a method without a
/// body), in metadata order.
pub(crate) fn method_clauses(asm: usize, rid: u32) -> Result<Arc<[ExceptionClause]>, String> {
    let known = CLAUSES.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(clauses) = known.get(&(asm, rid)) {
        return Ok(clauses.clone());
    }
    drop(known);
    let clauses: Arc<[ExceptionClause]> = {
        let rt = lock();
        let body = metadata(&rt, asm)?
            .method_body(rid)
            .map_err(|e| e.to_string())?;
        body.map(|b| b.exception_clauses).unwrap_or_default().into()
    };
    let mut known = CLAUSES.write().unwrap_or_else(PoisonError::into_inner);
    known.insert((asm, rid), clauses.clone());
    Ok(clauses)
}

/// The answers of [`catch_takes`], by (assembly, catch type token, generic context, the
/// exception's method table): a loop that throws asks the same questions every time.
static CATCHES: RwLock<BTreeMap<(usize, u32, u32, u64), bool>> = RwLock::new(BTreeMap::new());

/// Whether `catch` type `token` of assembly `asm`, in the runtime's generic context `context`,
/// takes `exception` (a live object).
pub(crate) fn catch_takes(
    asm: usize,
    token: Token,
    context: u32,
    exception: u64,
) -> Result<bool, String> {
    let key = (
        asm,
        token.0,
        context,
        super::objects::method_table_word(exception),
    );
    let known = CATCHES.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(&takes) = known.get(&key) {
        return Ok(takes);
    }
    drop(known);
    let takes = decide_catch(asm, token, context, exception)?;
    let mut known = CATCHES.write().unwrap_or_else(PoisonError::into_inner);
    known.insert(key, takes);
    Ok(takes)
}

fn decide_catch(asm: usize, token: Token, context: u32, exception: u64) -> Result<bool, String> {
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
