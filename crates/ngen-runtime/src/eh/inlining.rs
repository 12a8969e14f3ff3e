//! Which calls mono's JIT inlines, as far as stack traces see it: an inlined method has no
//! frame of its own in mono's traces (its code belongs to the caller's frame, at the caller's
//! sequence point), so [`super::frame_text`] leaves such frames out.
//!
//! ## Model
//! The predicate is the compiler's ([`ngen_compiler::inline_policy::inlined_by_mono`], after
//! mono's `mono_method_check_inlining` and `inline_method`), shared so that the IL inliner
//! and the traces agree: a method the inliner expanded for that reason has no frame here
//! either, and one it expanded because nothing in it can throw or call never appears in a
//! trace. A frame the inliner did not expand but mono would have is left out here. Calls
//! across assemblies are never inlined.
//!
//! Depends on: [`crate::state`] (metadata), `ngen_compiler::inline_policy`.

/// Whether mono's JIT inlines method `callee` into `caller` (each `(assembly, MethodDef rid)`)
/// where `caller` calls it.
pub(crate) fn inlined_by_mono(callee: (usize, u32), caller: (usize, u32)) -> bool {
    if callee.0 != caller.0 {
        return false;
    }
    crate::state::try_with_metadata(callee.0, |asm| {
        ngen_compiler::inline_policy::inlined_by_mono(asm, callee.1, caller.1)
    })
    .unwrap_or(false)
}
