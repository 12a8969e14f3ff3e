//! What runtime helpers and icalls ask about objects at run time, under the runtime lock
//! (the helpers' repeated questions answered lock-free from caches): an object's type (from its method table), casts the inline parent-chain walk cannot
//! decide (`IsInstance`), interface dispatch (`InterfaceTarget`), `GetType`'s
//! `System.RuntimeType` objects, and the instance shape `MemberwiseClone` copies.
//!
//! ## Model
//! Interface dispatch is a searched interface map with a cache: the call site passes its
//! method cell (the interface method) and the receiver; the first call for a (cell, method
//! table) pair asks the type system which method implements the interface method for that
//! type (ECMA-335 II.12.2: explicit MethodImpls, then name and signature, through the
//! vtable), gets its code as any method cell would, and caches it: in a locked map that
//! interns the answer, and in the call site's lock-free cache ([`super::dispatch_cache`]),
//! which later calls read without the lock. Casts to interfaces,
//! arrays and generic instances ask the type system's assignability (variance, array
//! covariance, `T[]`'s generic interfaces) once per (method table, target) pair.
//!
//! A `System.RuntimeType` object is allocated once per type, rooted forever (the map holding
//! it is Rust heap, which the collector does not scan), with its `Type._impl.value` (Mono's
//! `MonoReflectionType.type`) set to the described type's method table, so the icalls on it
//! find the type again.
//!
//! Depends on: the parent module's state, [`crate::gc_roots`].

use ngen_abi::image::ImportCell;
use ngen_compiler::runtime_types::TypeHandle;
use ngen_metadata::Token;

use super::dispatch_cache::DispatchEntry;
use super::pair_cache::PairCache;
use super::{CellDesc, Runtime, fatal, lock};

/// The runtime's type of a `System.RuntimeType` object's `_impl` handle, and where it is.
const TYPE_HANDLE_FIELD: &str = "_impl";

/// The method table word of object `obj` (not null).
pub(super) fn method_table_word(obj: u64) -> u64 {
    // SAFETY: compiled code and icalls pass live, non-null managed objects, whose first word is
    // the method table.
    unsafe { (obj as *const u64).read() }
}

impl Runtime {
    /// The type of object `obj` (not null), or a fatal error for an object whose method table
    /// the runtime did not build (an array allocated before arrays had tables).
    pub(super) fn type_of_object(&self, obj: u64) -> TypeHandle {
        let mt = method_table_word(obj);
        self.type_of_table(mt).unwrap_or_else(|| {
            fatal(&format!(
                "internal error: object 0x{obj:x} has no method table the runtime knows (0x{mt:x})"
            ))
        })
    }

    /// The `System.RuntimeType` object of `ty`.
    pub(super) fn type_object(&mut self, ty: TypeHandle) -> Result<u64, String> {
        if let Some(&obj) = self.type_objects.get(&ty) {
            return Ok(obj);
        }
        let runtime_type = self.types.type_named("mscorlib", "System", "RuntimeType")?;
        let mt = self.method_table_of(runtime_type)?;
        let described = match self.method_table_of(ty) {
            Ok(mt) => mt,
            // Generic parameters, by-refs and pointers have no instances and so no method
            // table: their type objects name a table with no parent and no slots.
            Err(_) if !self.types.has_instances(ty) => {
                let mt = Box::leak(Box::new([0u64, 0u64])).as_ptr() as u64;
                self.method_tables.insert(ty, mt);
                self.types_by_table.insert(mt, ty);
                mt
            }
            Err(e) => return Err(e),
        };
        let (size, _) = self.types.instance_shape(runtime_type)?;
        let offset = self
            .types
            .field_offset_named(runtime_type, TYPE_HANDLE_FIELD)?;
        let obj = ngen_gc::alloc(size as usize)
            .ok_or_else(|| "out of memory allocating a type object".to_string())?
            .as_ptr();
        // SAFETY: a fresh zeroed object of `size` bytes; the header and `_impl` are inside.
        unsafe {
            obj.cast::<u64>().write(mt);
            obj.add(offset as usize).cast::<u64>().write(described);
        }
        let obj = obj as u64;
        crate::gc_roots::root_forever(obj);
        self.type_objects.insert(ty, obj);
        Ok(obj)
    }

    /// The `System.RuntimeType` object of the type token `token` of assembly `id` (`typeof`).
    pub(super) fn type_object_of_token(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let ty = self
            .types
            .type_of_operand(&self.assemblies[id].metadata, Token(token))?;
        self.type_object(ty)
    }

    /// The type a `System.RuntimeType` object describes.
    pub(super) fn type_of_type_object(&mut self, type_object: u64) -> Result<TypeHandle, String> {
        let runtime_type = self.types.type_named("mscorlib", "System", "RuntimeType")?;
        let offset = self
            .types
            .field_offset_named(runtime_type, TYPE_HANDLE_FIELD)?;
        // SAFETY: `type_object` is a live RuntimeType object, which has `_impl` at `offset`.
        let described = unsafe { ((type_object + u64::from(offset)) as *const u64).read() };
        self.type_of_table(described)
            .ok_or_else(|| format!("a type object of an unknown type (0x{described:x})"))
    }
}

/// Answers of the `IsInstance` helper, by (object's method table, target's).
static CASTS: PairCache = PairCache::new();

/// The `IsInstance` helper: `obj` when it is null or its type is assignable to the type of
/// `target`, else 0. Decided once per (method table, target) under the lock; lock-free after.
pub(crate) fn is_instance(obj: u64, target: u64) -> u64 {
    if obj == 0 {
        return 0;
    }
    let mt = method_table_word(obj);
    let answer = CASTS.get_or_decide(mt, target, || {
        let rt = lock();
        let from = rt.type_of_object(obj);
        match rt.type_of_table(target) {
            Some(to) => rt.types.is_assignable(from, to),
            None => Err(format!("cast to an unknown method table 0x{target:x}")),
        }
    });
    match answer {
        Ok(yes) => {
            if yes {
                obj
            } else {
                0
            }
        }
        Err(e) => fatal(&format!("cast: {e}")),
    }
}

/// The `InterfaceTarget` helper: the code the interface method of the call site's method
/// `cell` runs on `obj` (not null). A hit in the site's cache takes no lock; a miss resolves
/// under the lock (once per (cell, method table)) and refills the cache.
pub(crate) fn interface_target(obj: u64, cell: *mut ImportCell) -> u64 {
    let mt = method_table_word(obj);
    // Compiled code passes one of its method cells.
    let desc = super::image_cells::desc_of(cell);
    if let Some(code) = desc.dispatch.get().and_then(|site| site.lookup(mt)) {
        return code;
    }
    let mut rt = lock();
    let entry = match rt.interface_targets.get(&(cell as u64, mt)) {
        Some(&entry) => entry,
        None => match rt.resolve_interface_target(obj, desc) {
            Ok(code) => {
                let entry = DispatchEntry::leak(mt, code);
                rt.interface_targets.insert((cell as u64, mt), entry);
                entry
            }
            Err(e) => {
                drop(rt);
                fatal(&format!("interface call: {e}"))
            }
        },
    };
    desc.dispatch.get_or_create().remember(entry);
    entry.code
}

impl Runtime {
    /// The code the interface method of the call site `desc` names runs on `obj`: asks the
    /// type system for the implementing method (in the site's generic context).
    fn resolve_interface_target(&mut self, obj: u64, desc: &CellDesc) -> Result<u64, String> {
        let (asm, token) = (desc.asm, Token(desc.token));
        let ty = self.type_of_object(obj);
        // The call site's interface method resolves in its code's generic context.
        let site_types = self
            .types
            .in_context(self.generic_contexts[desc.generics as usize].clone());
        let m = site_types.interface_implementation(ty, &self.assemblies[asm].metadata, token)?;
        let implementing = self.assembly_named(asm, &m.assembly)?;
        let code = match m.instance {
            Some(instance) => self.instance_code_of(instance)?,
            None => self.method_code(implementing, m.rid)?,
        };
        // A boxed value type's own method takes the value: enter it unboxed.
        if self.types.is_value_type_method(&m.assembly, m.rid)? {
            crate::stubs::unboxing_stub(code)
        } else {
            Ok(code)
        }
    }
}

/// `Object.GetType()`: the `System.RuntimeType` of `obj` (not null).
pub(crate) fn get_type(obj: u64) -> u64 {
    let mut rt = lock();
    let ty = rt.type_of_object(obj);
    match rt.type_object(ty) {
        Ok(t) => t,
        Err(e) => {
            drop(rt);
            fatal(&format!("GetType: {e}"))
        }
    }
}

/// Mono's `Type.Name` and `Type.Namespace` of the type a `System.RuntimeType` object describes.
pub(crate) fn type_object_simple_name(type_object: u64) -> (String, String) {
    let mut rt = lock();
    let name = rt
        .type_of_type_object(type_object)
        .and_then(|ty| rt.types.simple_name(ty));
    match name {
        Ok(n) => n,
        Err(e) => {
            drop(rt);
            fatal(&format!("Type.Name: {e}"))
        }
    }
}

/// `RuntimeType.CreateInstanceForAnotherGenericParameter(genericType, argument)`: a new
/// instance of `genericType` (a definition, or any instance of it) instantiated over
/// `argument`, built by its parameterless constructor, as Mono's `MakeGenericType` and
/// `Activator` do (`EqualityComparer<T>.Default` and `Comparer<T>.Default` build their
/// comparers this way). An exception from the constructor is left pending.
pub(crate) fn create_generic_instance(generic_type: u64, argument: u64) -> u64 {
    let mut rt = lock();
    let made = (|| -> Result<(u64, u32, bool, u64), String> {
        let def = rt.type_of_type_object(generic_type)?;
        let arg = rt.type_of_type_object(argument)?;
        let ty = rt.types.instantiate_type(def, &[arg])?;
        let mt = rt.method_table_of(ty)?;
        let (size, has_references) = rt.types.instance_shape(ty)?;
        let ctor = rt.types.default_constructor(ty)?;
        let code = rt.instance_code_of(ctor)?;
        Ok((mt, size, has_references, code))
    })();
    drop(rt);
    let (mt, size, has_references, ctor) = match made {
        Ok(parts) => parts,
        Err(e) => fatal(&format!("CreateInstanceForAnotherGenericParameter: {e}")),
    };
    let obj = crate::helpers::alloc_instance(size as usize, has_references);
    // SAFETY: a fresh zeroed instance of `size` bytes, header included.
    unsafe { obj.cast::<u64>().write(mt) };
    // SAFETY: `ctor` is compiled code of an instance constructor without parameters: SystemV,
    // `this` only, no result.
    let run: extern "C" fn(u64) = unsafe { std::mem::transmute(ctor as usize) };
    run(obj as u64);
    obj as u64
}

/// `RuntimeTypeHandle.type_is_assignable_from(a, b)`: whether a value of the type `b`
/// describes may be stored where the type `a` describes is expected.
pub(crate) fn type_object_assignable(a: u64, b: u64) -> bool {
    let mut rt = lock();
    let answer = rt.type_of_type_object(a).and_then(|to| {
        let from = rt.type_of_type_object(b)?;
        rt.types.is_assignable(from, to)
    });
    match answer {
        Ok(yes) => yes,
        Err(e) => {
            drop(rt);
            fatal(&format!("Type.IsAssignableFrom: {e}"))
        }
    }
}

/// The `System.RuntimeType` of the base type of the type `type_object` describes, 0 when it
/// has none (`RuntimeTypeHandle.GetBaseType`, behind `Type.BaseType` and `IsSubclassOf`).
pub(crate) fn base_type_object(type_object: u64) -> u64 {
    let mut rt = lock();
    let answer =
        rt.type_of_type_object(type_object)
            .and_then(|ty| match rt.types.base_type(ty)? {
                Some(base) => rt.type_object(base),
                None => Ok(0),
            });
    match answer {
        Ok(object) => object,
        Err(e) => {
            drop(rt);
            fatal(&format!("Type.BaseType: {e}"))
        }
    }
}

/// `(HasInstantiation, IsGenericTypeDefinition)` of the type a `System.RuntimeType` describes.
pub(crate) fn type_object_generic_shape(type_object: u64) -> (bool, bool) {
    let mut rt = lock();
    let shape = rt
        .type_of_type_object(type_object)
        .and_then(|ty| rt.types.generic_shape(ty));
    match shape {
        Ok(s) => s,
        Err(e) => {
            drop(rt);
            fatal(&format!("Type.IsGenericType: {e}"))
        }
    }
}

/// `RuntimeTypeHandle.is_subclass_of(child, base)`, given the two types' handle values (the
/// method tables a `System.RuntimeType`'s `_impl` holds).
pub(crate) fn table_is_subclass_of(child: u64, base: u64) -> bool {
    let rt = lock();
    let (Some(child), Some(base)) = (rt.type_of_table(child), rt.type_of_table(base)) else {
        drop(rt);
        fatal("Type.IsSubclassOf: a type handle of an unknown type")
    };
    match rt.types.is_subclass_of(child, base) {
        Ok(yes) => yes,
        Err(e) => {
            drop(rt);
            fatal(&format!("Type.IsSubclassOf: {e}"))
        }
    }
}

/// The underlying primitive of the boxed enum `obj` (not null) and the method table of a box
/// of that primitive (`Enum.get_value` makes one).
pub(crate) fn enum_underlying(obj: u64) -> (ngen_compiler::runtime_types::Primitive, u64) {
    let mut rt = lock();
    let ty = rt.type_of_object(obj);
    let found = rt.types.unboxed_primitive(ty).and_then(|p| {
        let p = p.ok_or_else(|| format!("{} is not an enum", rt.types.type_display_name(ty)))?;
        let primitive = rt
            .types
            .well_known_type(ngen_compiler::runtime_types::WellKnownType::Primitive(p))?;
        Ok((p, rt.method_table_of(primitive)?))
    });
    match found {
        Ok(found) => found,
        Err(e) => {
            drop(rt);
            fatal(&format!("System.Enum: {e}"))
        }
    }
}

/// The method table word of object `obj` (not null), for icalls comparing types.
pub(crate) fn method_table_of_object(obj: u64) -> u64 {
    method_table_word(obj)
}

/// The instance size (header included) and whether the collector scans instances, of
/// object `obj`'s class; an error for arrays and strings (variable size).
pub(crate) fn instance_shape(obj: u64) -> Result<(u32, bool), String> {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    rt.types.instance_shape(ty)
}

// ---- for exception handling (`crate::eh`): core-library exception objects ---------------

/// The method table of the core library's class `System.<name>` (`name` may carry a
/// sub-namespace, as [`new_core_instance`]'s).
pub(crate) fn core_class_table(name: &str) -> Result<u64, String> {
    let (namespace, simple) = core_type_name(name);
    let mut rt = lock();
    let ty = rt.types.type_named("mscorlib", &namespace, simple)?;
    rt.method_table_of(ty)
}

/// The code of the core library's method `namespace.type_name::method` (the first of that
/// name; for the runtime's calls into managed code, such as the thread pool's
/// `_ThreadPoolWaitCallback.PerformWaitCallback`).
pub(crate) fn core_method_code(
    namespace: &str,
    type_name: &str,
    method: &str,
) -> Result<u64, String> {
    core_method_code_where(namespace, type_name, method, |_| true)
}

/// As [`core_method_code`], for the overload taking `params` parameters
/// (`WaitHandle.WaitOne()`).
pub(crate) fn core_method_code_taking(
    namespace: &str,
    type_name: &str,
    method: &str,
    params: usize,
) -> Result<u64, String> {
    core_method_code_where(namespace, type_name, method, |sig| {
        sig.params.len() == params
    })
}

fn core_method_code_where(
    namespace: &str,
    type_name: &str,
    method: &str,
    matches: impl FnMut(&ngen_metadata::signature::MethodSig) -> bool,
) -> Result<u64, String> {
    let mut rt = lock();
    let corlib = (0..rt.assemblies.len())
        .find(|&id| rt.is_corlib(id))
        .ok_or("the core library is not loaded")?;
    let md = &rt.assemblies[corlib].metadata;
    let missing = || format!("{namespace}.{type_name}::{method} not found");
    let ty = md
        .find_type_def(namespace, type_name)
        .map_err(|e| e.to_string())?
        .ok_or_else(missing)?;
    let rid = md
        .find_method(ty, method, matches)
        .map_err(|e| e.to_string())?
        .ok_or_else(missing)?;
    rt.method_code(corlib, rid)
}

/// The namespace and simple name of the core library's `System.<name>` (`name` may carry a
/// sub-namespace: `Threading.SynchronizationLockException`).
fn core_type_name(name: &str) -> (String, &str) {
    match name.rsplit_once('.') {
        Some((sub, simple)) => (format!("System.{sub}"), simple),
        None => ("System".to_string(), name),
    }
}

/// A new instance of the core library's class `System.<name>` (zeroed, its method table
/// set; no constructor runs).
pub(crate) fn new_core_instance(name: &str) -> Result<u64, String> {
    let (namespace, simple) = core_type_name(name);
    let mut rt = lock();
    let ty = rt.types.type_named("mscorlib", &namespace, simple)?;
    let mt = rt.method_table_of(ty)?;
    let (size, has_references) = rt.types.instance_shape(ty)?;
    drop(rt);
    let obj = crate::helpers::alloc_instance(size as usize, has_references);
    // SAFETY: a fresh zeroed instance of `size` bytes, header included.
    unsafe { obj.cast::<u64>().write(mt) };
    Ok(obj as u64)
}

/// A new zeroed vector of the core library's `System.<element>` (`Int32[]` for `"Int32"`),
/// its method table set.
pub(crate) fn new_core_vector(element: &str, length: usize) -> Result<u64, String> {
    let (namespace, simple) = core_type_name(element);
    let mut rt = lock();
    let ty = rt.types.type_named("mscorlib", &namespace, simple)?;
    rt.new_vector(ty, length)
}

/// The offset of instance field `field` of the core library's class `System.<name>`.
pub(crate) fn core_field_offset(name: &str, field: &str) -> Result<u32, String> {
    let (namespace, simple) = core_type_name(name);
    let rt = lock();
    let ty = rt.types.type_named("mscorlib", &namespace, simple)?;
    rt.types.field_offset_named(ty, field)
}

/// The offset of instance field `field` of the class of object `obj` (not null): for icalls
/// reading objects of class-library types outside the core library (`ProcessStartInfo`).
pub(crate) fn object_field_offset(obj: u64, field: &str) -> Result<u32, String> {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    rt.types.field_offset_named(ty, field)
}

/// Mono's reflection name of the type of object `obj` (not null), e.g.
/// `System.DivideByZeroException`.
pub(crate) fn object_type_name(obj: u64) -> Result<String, String> {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    rt.types.reflection_name(ty)
}
