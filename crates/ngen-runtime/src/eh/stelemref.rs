//! Mono's `stelem.ref` wrapper frame: mono stores references into arrays through
//! `(wrapper stelemref) System.Object.virt_stelemref_<kind>(intptr,object)`, which raises
//! `ArrayTypeMismatchException`, so its traces of that exception begin with the wrapper. The
//! kind depends on the array's element class (`get_virtual_stelemref_kind`,
//! mono/metadata/marshal.c): `object`; `sealed_class` (a sealed class, or an array of a sealed
//! type or value type); `interface`; `complex` (another array type, a generic interface, which
//! may be variant); `class_small_idepth` (a class at most 6 deep from `System.Object`,
//! `MONO_DEFAULT_SUPERTABLE_SIZE`), else `class`.
//!
//! The `ArrayStoreCheck` helper remembers the array of the last failed check on this thread
//! ([`remember_failed_store`]); the `Throw` of the `ArrayTypeMismatchException` that follows
//! in the same frame names the wrapper from it ([`wrapper_of_last_failure`]). The element class
//! is found by its name in the loaded assemblies' metadata.
//!
//! Depends on: [`crate::state`] (an object's type name, metadata), [`super::trace`].

use std::cell::Cell;

use ngen_metadata::{Assembly, TableId};

use super::trace::Wrapper;

/// `MONO_DEFAULT_SUPERTABLE_SIZE`.
const SMALL_IDEPTH: u32 = 6;
const INTERFACE: u32 = 0x20;
const SEALED: u32 = 0x100;

std::thread_local! {
    /// The array of this thread's last failed `stelem.ref` check (0: none).
    static FAILED_ARRAY: Cell<u64> = const { Cell::new(0) };
}

/// Records `array` as the target of a failed `stelem.ref` check.
pub(crate) fn remember_failed_store(array: u64) {
    FAILED_ARRAY.with(|a| a.set(array));
}

/// The wrapper mono's trace of the `ArrayTypeMismatchException` now raised begins with.
pub(crate) fn wrapper_of_last_failure() -> Option<Wrapper> {
    let array = FAILED_ARRAY.with(|a| a.replace(0));
    if array == 0 {
        return None;
    }
    let name = crate::state::objects::object_type_name(array).ok()?;
    let element = name.strip_suffix("[]")?;
    Some(kind_of(element))
}

/// The wrapper for an array of the type named `element` (reflection name).
fn kind_of(element: &str) -> Wrapper {
    if element == "System.Object" {
        return Wrapper::StelemrefObject;
    }
    // An array element: "monomorphic" (its own element sealed, value types included) is
    // handled as a sealed class, any other array as complex.
    if let Some(inner) = element.strip_suffix(']').and_then(|e| e.rsplit_once('[')) {
        let sealed = flags_of(inner.0).is_some_and(|f| f & SEALED != 0);
        return match sealed {
            true => Wrapper::StelemrefSealedClass,
            false => Wrapper::StelemrefComplex,
        };
    }
    // A generic instance is found by its definition's name; a generic interface may be
    // variant, which mono handles as complex.
    let definition = element.split('[').next().unwrap_or(element);
    let generic = definition != element;
    let Some(flags) = flags_of(definition) else {
        return Wrapper::StelemrefClass;
    };
    if flags & INTERFACE != 0 {
        return match generic {
            true => Wrapper::StelemrefComplex,
            false => Wrapper::StelemrefInterface,
        };
    }
    if flags & SEALED != 0 {
        return Wrapper::StelemrefSealedClass;
    }
    match depth_of(definition) {
        Some(depth) if depth <= SMALL_IDEPTH => Wrapper::StelemrefClassSmallIdepth,
        _ => Wrapper::StelemrefClass,
    }
}

/// The TypeDef flags of the type named `name`, searching every loaded assembly.
fn flags_of(name: &str) -> Option<u32> {
    let (asm, rid) = find_type(name)?;
    crate::state::try_with_metadata(asm, |a| a.type_def(rid).ok().map(|t| t.flags))?
}

/// The depth of the class named `name` from `System.Object` (1 for `Object` itself).
fn depth_of(name: &str) -> Option<u32> {
    let mut current = name.to_string();
    // A hierarchy deeper than 64 is malformed (or cyclic): no answer.
    for depth in 1..=64 {
        if current == "System.Object" {
            return Some(depth);
        }
        let (asm, rid) = find_type(&current)?;
        current = crate::state::try_with_metadata(asm, |a| parent_name(a, rid))??;
    }
    None
}

/// The assembly index and TypeDef rid of the type named `name`.
fn find_type(name: &str) -> Option<(usize, u32)> {
    (0..)
        .map_while(|asm| {
            crate::state::try_with_metadata(asm, |a| {
                a.find_type_def_by_full_name(name).ok().flatten()
            })
            .map(|rid| (asm, rid))
        })
        .find_map(|(asm, rid)| rid.map(|rid| (asm, rid)))
}

/// The full name of the base class of TypeDef `rid` (`Ns.Outer/Inner`).
fn parent_name(asm: &Assembly, rid: u32) -> Option<String> {
    let extends = asm.type_def(rid).ok()?.extends;
    match extends.table()? {
        TableId::TypeDef => asm.type_def_full_name(extends.rid()).ok(),
        TableId::TypeRef => asm.type_ref_full_name(extends.rid()).ok(),
        _ => None,
    }
}
