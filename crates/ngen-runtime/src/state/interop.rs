//! What P/Invoke marshalling and the console icalls ask of the runtime's types: for a
//! returned or `out` `SafeHandle` ([`crate::pinvoke`]), a new instance of the class a method
//! table names and the code of its parameterless constructor, which mono's wrapper runs
//! before setting the handle; a `byte[]` (`ConsoleDriver.TtySetup`'s control characters).
//!
//! Depends on: the parent module's state (method tables, the type system, method code).

use super::lock;

/// A new zeroed instance of the class whose method table is `method_table` (registered for
/// finalization when its class overrides `Finalize`, as `newobj` does) and the code of the
/// class's parameterless instance constructor.
pub(crate) fn new_with_default_constructor(method_table: u64) -> Result<(u64, u64), String> {
    use ngen_metadata::flags::method_attributes::STATIC;
    let mut rt = lock();
    let ty = rt
        .type_of_table(method_table)
        .ok_or_else(|| format!("an unknown method table 0x{method_table:x}"))?;
    let mut constructor = None;
    for (method, name, flags) in rt.types.declared_methods(ty)? {
        if name == ".ctor" && flags & STATIC == 0 && rt.types.method_abi(method)?.params.is_empty()
        {
            constructor = Some(method);
            break;
        }
    }
    let constructor = constructor.ok_or_else(|| {
        let name = rt.types.reflection_name(ty).unwrap_or_default();
        format!("{name} has no parameterless constructor")
    })?;
    let code = rt.instance_code_of(constructor)?;
    let object = rt.new_instance(ty)?;
    let finalizable = rt.types.has_finalizer(ty).unwrap_or(false);
    drop(rt);
    if finalizable {
        ngen_gc::finalization::register_for_finalization(object as usize);
    }
    Ok((object, code))
}

/// A zeroed `byte[]` of `length` elements.
pub(crate) fn new_byte_array(length: usize) -> Result<u64, String> {
    let mut rt = lock();
    let byte = rt.types.type_named("mscorlib", "System", "Byte")?;
    rt.new_vector(byte, length)
}
