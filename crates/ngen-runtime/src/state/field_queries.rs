//! Field reflection (`RuntimeFieldInfo`): `GetFields_native` (`Type.GetFields`,
//! `GetField`), the field object of a handle (`FieldInfo.internal_from_handle_type`),
//! its type and declaring type, and `GetValue`/`SetValue` on instance fields (of objects
//! and boxes) and static fields (their type's storage, its `.cctor` run first).
//!
//! ## Model
//! A field handle is the address of a leaked word, as method handles are
//! ([`super::members`]). A `RuntimeFieldInfo` is made once per (field, reflected type) and
//! rooted forever: `klass` holds the reflected type's method table, `fhandle` the handle,
//! `name` and `attrs` are set and `type` is left for `ResolveType`. Values cross as Mono's
//! `mono_field_get_value_object` makes them: references as themselves, values boxed.
//!
//! Depends on: [`super::members`] (handle arrays), [`super::reflection`] (stores, boxes).
//! Citations: Mono 6.8 `mono/metadata/icall.c` (`ves_icall_RuntimeType_GetFields_native`,
//! `ves_icall_RuntimeFieldInfo_GetValueInternal`, `ves_icall_RuntimeFieldInfo_SetValueInternal`).

use ngen_abi::object::OBJECT_HEADER_SIZE;
use ngen_compiler::runtime_types::{AbiClass, FieldData, FieldHandle, NameFilter};
use ngen_metadata::{TableId, Token};

use super::handles::HandleTable;
use super::members::new_gptr_array;
use super::method_queries::c_string;
use super::reflection::{load, store, with_runtime};
use super::{Runtime, lock};

/// Field handles and field objects.
static FIELDS: HandleTable<FieldHandle> = HandleTable::new();

fn handle_value(field: FieldHandle) -> u64 {
    FIELDS.value(field)
}

/// The field a `RuntimeFieldInfo`'s `fhandle` (its second word) names.
pub(super) fn field_of_object(info: u64) -> FieldHandle {
    // SAFETY: `info` is a live `RuntimeFieldInfo`: `klass` at 16, `fhandle` at 24.
    let value = unsafe { ((info + OBJECT_HEADER_SIZE as u64 + 8) as *const u64).read() };
    FIELDS
        .key(value)
        .unwrap_or_else(|| super::fatal("reflection: a field object without a handle"))
}

/// The reflected type's method table a `RuntimeFieldInfo` holds in `klass`.
fn reflected_table(info: u64) -> u64 {
    // SAFETY: as in `field_of_object`.
    unsafe { ((info + OBJECT_HEADER_SIZE as u64) as *const u64).read() }
}

/// `RuntimeType.GetFields_native(namePtr, bindingAttr, listType)`: a handle array.
pub(crate) fn fields_by_name(type_object: u64, name: u64, binding: u32, list_type: u32) -> u64 {
    let filter = NameFilter::new(c_string(name), binding, list_type);
    let fields = with_runtime("Type.GetFields", |rt| {
        let ty = rt.type_of_type_object(type_object)?;
        rt.types.fields_by_name(ty, &filter, binding)
    });
    new_gptr_array(fields.into_iter().map(handle_value).collect())
}

/// `FieldInfo.internal_from_handle_type(field, type)`: the field object reflected from the
/// type whose method table is `type_handle` (0: its declaring type); null for a value that
/// is no field handle.
pub(crate) fn field_object(handle: u64, type_handle: u64) -> u64 {
    let Some(field) = FIELDS.key(handle) else {
        return 0;
    };
    with_runtime("FieldInfo.GetFieldFromHandle", |rt| {
        let data = rt.types.field_data(field)?;
        let reflected = match type_handle {
            0 => rt.method_table_of(data.owner)?,
            t => t,
        };
        if let Some(obj) = FIELDS.object(field, reflected) {
            return Ok(obj);
        }
        let class = rt
            .types
            .type_named("mscorlib", "System.Reflection", "RuntimeFieldInfo")?;
        let obj = rt.new_instance(class)?;
        let name = crate::alloc::string_from_str(&data.name) as u64;
        let int = AbiClass::Int {
            size: 4,
            signed: true,
        };
        for (field_name, class_of, value) in [
            ("klass", AbiClass::Reference, reflected),
            ("fhandle", AbiClass::Reference, handle),
            ("name", AbiClass::Reference, name),
            ("attrs", int, u64::from(data.flags)),
        ] {
            let offset = rt.types.field_offset_named(class, field_name)?;
            store(obj + u64::from(offset), class_of, value);
        }
        crate::gc_roots::root_forever(obj);
        FIELDS.set_object(field, reflected, obj);
        Ok(obj)
    })
}

/// `RuntimeFieldInfo.ResolveType()`: the field's type object.
pub(crate) fn field_type(info: u64) -> u64 {
    let field = field_of_object(info);
    with_runtime("FieldInfo.FieldType", |rt| {
        let ty = rt.types.field_data(field)?.ty;
        rt.type_object(ty)
    })
}

/// `RuntimeFieldInfo.GetParentType(declaring)`: the declaring type, or the reflected one.
pub(crate) fn parent_type(info: u64, declaring: bool) -> u64 {
    let field = field_of_object(info);
    with_runtime("FieldInfo.DeclaringType", |rt| {
        let ty = if declaring {
            rt.types.field_data(field)?.owner
        } else {
            rt.type_of_table(reflected_table(info))
                .ok_or_else(|| "a field object of an unknown type".to_string())?
        };
        rt.type_object(ty)
    })
}

impl Runtime {
    /// The storage address of the static field `data` (its type's areas allocated and its
    /// `.cctor` started, as a static-field cell does).
    fn static_address(&mut self, data: &FieldData) -> Result<u64, String> {
        let id = self.assembly_named(0, &data.assembly)?;
        self.static_field(id, Token::new(TableId::Field, data.rid).0)
    }
}

/// The address of the field `data` in `obj` (instance) or its static storage, the type's
/// `.cctor` having run; `Err` for a field without storage here (thread statics, literals,
/// statics of generic instances).
fn address_of(data: &FieldData, obj: u64) -> Result<u64, String> {
    if let Some(offset) = data.box_offset {
        return Ok(obj + u64::from(offset));
    }
    if data.thread_static {
        return Err("reflection over [ThreadStatic] fields is not done yet".into());
    }
    let mut rt = lock();
    rt.cell_type = None;
    let address = rt.static_address(data);
    if let Some(ty) = super::run_pending_cctor(rt) {
        super::settle_type(ty);
    }
    address
}

/// `RuntimeFieldInfo.GetValueInternal(obj)`: the value, boxed when it is one.
pub(crate) fn get_value(info: u64, obj: u64) -> u64 {
    let field = field_of_object(info);
    let data = with_runtime("FieldInfo.GetValue", |rt| rt.types.field_data(field));
    let address = match address_of(&data, obj) {
        Ok(a) => a,
        Err(e) => {
            crate::eh::raise::raise("NotSupportedException", &format!("{}: {e}", data.name));
            return 0;
        }
    };
    if crate::state::attributes::exception_pending() {
        return 0;
    }
    with_runtime("FieldInfo.GetValue", |rt| box_value(rt, data.ty, address))
}

/// The value of type `ty` at `address` as an object: a reference as itself, a value boxed.
pub(super) fn box_value(
    rt: &mut Runtime,
    ty: ngen_compiler::runtime_types::TypeHandle,
    address: u64,
) -> Result<u64, String> {
    if !rt.types.is_value_type(ty)? {
        return Ok(load(address, AbiClass::Reference));
    }
    let boxed = rt.new_instance(ty)?;
    let (size, _) = rt.types.instance_shape(ty)?;
    let value = u64::from(size) - OBJECT_HEADER_SIZE as u64;
    // SAFETY: the field holds `value` bytes of the type; the box has room for them.
    unsafe {
        std::ptr::copy_nonoverlapping(
            address as *const u8,
            (boxed + OBJECT_HEADER_SIZE as u64) as *mut u8,
            value as usize,
        )
    };
    Ok(boxed)
}

/// Stores the object `value` into storage of type `ty` at `address`: a reference as itself,
/// a boxed value copied out (zeroed for null).
pub(super) fn unbox_into(
    rt: &mut Runtime,
    ty: ngen_compiler::runtime_types::TypeHandle,
    address: u64,
    value: u64,
) -> Result<(), String> {
    if !rt.types.is_value_type(ty)? {
        store(address, AbiClass::Reference, value);
        return Ok(());
    }
    let (size, _) = rt.types.instance_shape(ty)?;
    let bytes = (u64::from(size) - OBJECT_HEADER_SIZE as u64) as usize;
    // SAFETY: the storage holds `bytes` bytes of the type; a non-null box of it as many.
    unsafe {
        if value == 0 {
            std::ptr::write_bytes(address as *mut u8, 0, bytes);
        } else {
            std::ptr::copy_nonoverlapping(
                (value + OBJECT_HEADER_SIZE as u64) as *const u8,
                address as *mut u8,
                bytes,
            );
        }
    }
    Ok(())
}

/// `RuntimeFieldInfo.SetValueInternal(fi, obj, value)` (the managed caller converted
/// `value` to the field's type).
pub(crate) fn set_value(info: u64, obj: u64, value: u64) {
    let field = field_of_object(info);
    let data = with_runtime("FieldInfo.SetValue", |rt| rt.types.field_data(field));
    let address = match address_of(&data, obj) {
        Ok(a) => a,
        Err(e) => {
            crate::eh::raise::raise("NotSupportedException", &format!("{}: {e}", data.name));
            return;
        }
    };
    if crate::state::attributes::exception_pending() {
        return;
    }
    with_runtime("FieldInfo.SetValue", |rt| {
        unbox_into(rt, data.ty, address, value)
    });
}
