//! Arrays and boxes at run time, as the type system answers:
//! - what array icalls need to know about an array's type ([`array_info`]: rank, element size
//!   and kind, cached per method table), and the element type's method table and type object;
//! - the method table `newarr` stores in a new array (cell kind 6: the method table of `T[]`
//!   for the element type the operand names);
//! - `stelem.ref`'s covariance check (the `ArrayStoreCheck` helper, ECMA-335 III.4.27): a
//!   reference may be stored when its type is assignable to the array's element type;
//! - `unbox`'s slow path (`UnboxCheck`): an enum and its underlying primitive unbox as each
//!   other, as in Mono, which compares element classes;
//! - the few `RuntimeTypeHandle` questions `Array`'s element-wise paths ask of type objects
//!   (element type, `MonoTypeEnum`, attributes, assignability).
//!
//! The helpers' answers are decided once per pair of method tables and then read without a
//! lock ([`super::pair_cache`]).
//!
//! Depends on: the parent module's state (method tables, an object's type),
//! `ngen_compiler::runtime_types`.

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_compiler::arrays::ArrayInfo;
use ngen_compiler::runtime_types::Primitive;
use ngen_metadata::Token;

use super::pair_cache::PairCache;
use super::{Runtime, fatal, lock};

/// Answers of [`array_store_check`] by (array method table, value method table).
static STORE_CHECKS: PairCache = PairCache::new();
/// [`array_info`] by array method table.
static ARRAY_INFOS: Mutex<Option<HashMap<u64, ArrayInfo>>> = Mutex::new(None);
/// Answers of [`unbox_check`] by (box method table, target method table).
static UNBOX_CHECKS: PairCache = PairCache::new();

impl Runtime {
    /// The method table of `T[]`, `T` the element type `token` of assembly `id` names.
    pub(super) fn array_method_table(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let element = self
            .types
            .type_of_operand(&self.assemblies[id].metadata, Token(token))?;
        let array = self.types.sz_array_of(element)?;
        self.method_table_of(array)
    }
}

/// The first word of object `obj` (not null): its method table.
fn method_table_word(obj: u64) -> u64 {
    // SAFETY: compiled code passes live, non-null managed objects.
    unsafe { (obj as *const u64).read() }
}

/// The `ArrayStoreCheck` helper: 1 when `value` (not null) may be stored in `array` (a
/// non-null vector of references), else 0.
pub(crate) fn array_store_check(array: u64, value: u64) -> u32 {
    let key = (method_table_word(array), method_table_word(value));
    cached(&STORE_CHECKS, key, "stelem.ref", |rt| {
        let element = rt.types.array_info(rt.type_of_object(array))?.element;
        rt.types.is_assignable(rt.type_of_object(value), element)
    })
}

/// [`ArrayInfo`] of the array `array` (not null), computed once per array type.
pub(crate) fn array_info(array: u64) -> ArrayInfo {
    let key = method_table_word(array);
    let mut infos = ARRAY_INFOS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(info) = infos.get_or_insert_with(HashMap::new).get(&key) {
        return *info;
    }
    let rt = lock();
    let info = rt.types.array_info(rt.type_of_object(array));
    drop(rt);
    match info {
        Ok(info) => {
            infos.get_or_insert_with(HashMap::new).insert(key, info);
            info
        }
        Err(e) => {
            drop(infos);
            fatal(&format!("array icall: {e}"))
        }
    }
}

/// [`ArrayInfo`] of `obj` (not null) when it is an array (of any rank), else `None`.
pub(crate) fn try_array_info(obj: u64) -> Option<ArrayInfo> {
    let known = ARRAY_INFOS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(&method_table_word(obj))
        .copied();
    if known.is_some() {
        return known;
    }
    let rt = lock();
    let ty = rt.type_of_object(obj);
    let is_array = rt.types.is_array(ty);
    drop(rt);
    is_array.then(|| array_info(obj))
}

/// The `System.RuntimeType` of the element type of the array type `type_object` describes;
/// 0 when it is not an array type (`RuntimeTypeHandle.GetElementType`).
pub(crate) fn element_type_object(type_object: u64) -> Result<u64, String> {
    let mut rt = lock();
    let ty = rt.type_of_type_object(type_object)?;
    match rt.types.array_element(ty) {
        Some(element) => rt.type_object(element),
        None => Ok(0),
    }
}

/// Mono's `MonoTypeEnum` of the type `type_object` describes
/// (`RuntimeTypeHandle.GetCorElementType`).
pub(crate) fn cor_element_type(type_object: u64) -> Result<u8, String> {
    let mut rt = lock();
    let ty = rt.type_of_type_object(type_object)?;
    ngen_compiler::arrays::cor_element_type(&rt.types, ty)
}

/// The method table and [`ArrayInfo`] of the array type with `rank` dimensions of the element
/// type `element_type_object` describes: a vector unless `general` (`Array.CreateInstance`).
pub(crate) fn array_type_of(
    element_type_object: u64,
    rank: u32,
    general: bool,
) -> Result<(u64, ArrayInfo), String> {
    let mut rt = lock();
    let element = rt.type_of_type_object(element_type_object)?;
    let array = rt.types.array_type(element, rank, general)?;
    let info = rt.types.array_info(array)?;
    Ok((rt.method_table_of(array)?, info))
}

/// The `TypeAttributes` of the type `type_object` describes (`RuntimeTypeHandle.GetAttributes`).
pub(crate) fn type_attributes(type_object: u64) -> Result<u32, String> {
    let mut rt = lock();
    let ty = rt.type_of_type_object(type_object)?;
    ngen_compiler::arrays::type_attributes(&rt.types, ty)
}

/// The size as an array element of the type whose method table is `method_table` (a
/// `RuntimeTypeHandle.Value`: `RuntimeImports.Memmove_wbarrier`).
pub(crate) fn element_size_of_type_handle(method_table: u64) -> Result<u32, String> {
    let rt = lock();
    let ty = rt
        .type_of_table(method_table)
        .ok_or_else(|| format!("a type handle of an unknown type (0x{method_table:x})"))?;
    let vector = rt.types.sz_array_of(ty)?;
    Ok(rt.types.array_info(vector)?.element_size)
}

/// The method table of the element type of `info` (boxing an element, `Array.GetValue`).
pub(crate) fn element_method_table(info: &ArrayInfo) -> Result<u64, String> {
    lock().method_table_of(info.element)
}

/// The primitives (enums by their underlying type) of the boxed `value` (not null) and of the
/// element type of `info`, when both are: `Array.SetValue` then converts when it widens.
pub(crate) fn primitives(value: u64, info: &ArrayInfo) -> Option<(Primitive, Primitive)> {
    let rt = lock();
    let value_primitive = rt
        .types
        .unboxed_primitive(rt.type_of_object(value))
        .ok()??;
    let element_primitive = rt.types.unboxed_primitive(info.element).ok()??;
    Some((value_primitive, element_primitive))
}

/// Whether `value`'s type (not null) is assignable to the element type of `info`.
pub(crate) fn is_assignable_to_element(value: u64, info: &ArrayInfo) -> Result<bool, String> {
    let rt = lock();
    rt.types
        .is_assignable(rt.type_of_object(value), info.element)
}

/// Where the data of `obj` (not null) starts, for `GCHandle.AddrOfPinnedObject`; `None` for
/// a class with automatic layout.
pub(crate) fn pinned_data_offset(obj: u64) -> Option<u64> {
    let rt = lock();
    let ty = rt.type_of_object(obj);
    rt.types.pinned_data_offset(ty).unwrap_or(None)
}

/// Whether the element type of `from` is assignable to that of `to` (both reference
/// elements: `Array.FastCopy` between arrays of different element types).
pub(crate) fn is_element_subtype(from: &ArrayInfo, to: &ArrayInfo) -> Result<bool, String> {
    lock().types.is_assignable(from.element, to.element)
}

/// The `UnboxCheck` helper: 1 when the box `object` (not null) may be unboxed as the type
/// whose method table is `target` (same underlying primitive), else 0.
pub(crate) fn unbox_check(object: u64, target: u64) -> u32 {
    let key = (method_table_word(object), target);
    cached(&UNBOX_CHECKS, key, "unbox", |rt| {
        let Some(to) = rt.type_of_table(target) else {
            return Err(format!("unbox to an unknown method table 0x{target:x}"));
        };
        let from = rt.types.unboxed_primitive(rt.type_of_object(object))?;
        Ok(from.is_some() && from == rt.types.unboxed_primitive(to)?)
    })
}

/// The answer for `key` in `cache` (lock-free once known), computed once under the runtime
/// lock by `decide` (a failure is fatal, naming `what`).
fn cached(
    cache: &PairCache,
    key: (u64, u64),
    what: &str,
    decide: impl FnOnce(&Runtime) -> Result<bool, String>,
) -> u32 {
    match cache.get_or_decide(key.0, key.1, || decide(&lock())) {
        Ok(yes) => u32::from(yes),
        Err(e) => fatal(&format!("{what}: {e}")),
    }
}
