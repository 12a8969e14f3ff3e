//! What a stack trace's text asks of the type system: a frame's parameter types as mono's
//! `StackTrace.GetFullNameForStackTrace` prints them. Mono takes each `ParameterInfo.
//! ParameterType` of the method's definition and prints `Type.ToString()`, except that a
//! generic instance is replaced by its generic type definition
//! (`if (pt.IsGenericType && !pt.IsGenericTypeDefinition) pt = pt.GetGenericTypeDefinition ()`):
//! ``Func`1[TResult]`` for a `Func<object>` parameter, whichever assembly defines `Func`.
//! Only the parameter's own type is replaced: an array or a by-ref of an instance is not a
//! generic type, so it keeps its arguments (``List`1[System.Int32][]``,
//! ``List`1[System.Int32]&``).
//!
//! Depends on: the runtime's type system (`ngen-compiler`'s reflection answers).

use ngen_compiler::runtime_types::{GenericContext, NameFormat};

/// The parameter types of MethodDef `rid` of assembly `asm` as a trace prints them, in
/// order; `None` when the runtime stays busy or the type system cannot answer (the caller
/// then names them from the metadata alone).
pub(crate) fn trace_parameter_types(asm: usize, rid: u32) -> Option<Vec<String>> {
    super::with_runtime_patiently(|rt| {
        let types = &rt.types;
        let assembly = &rt.assemblies.get(asm)?.name;
        let method = types
            .method_instance_in(assembly, rid, &GenericContext::none())
            .ok()?;
        let params = types.method_parameters(method.handle).ok()?;
        params
            .into_iter()
            .map(|(ty, _, _)| {
                let shown = types.generic_definition(ty).ok()?.unwrap_or(ty);
                types.formatted_name(shown, NameFormat::Reflection).ok()
            })
            .collect()
    })?
}
