//! Member listings as Mono's reflection returns them (`RuntimeType.GetMethodsByName_native`,
//! `GetFields_native`, `GetPropertiesByName_native`): declared members first in metadata
//! order, then each base type's (unless `DeclaredOnly`), filtered by binding flags and name;
//! a virtual method overridden lower down is listed once (Mono's `method_slots` bitmap, here
//! over the type system's slot numbers); a base type's private members and static members
//! (without `FlattenHierarchy`) are left out. Also what `MonoMethodInfo.get_method_info`
//! and the generic-method icalls answer.
//!
//! Depends on: [`crate::type_context`], ngen-typesystem. Citations: Mono 6.8
//! `mono/metadata/icall.c` (`mono_class_get_methods_by_name`, `method_nonpublic`,
//! `ves_icall_RuntimeType_GetFields_native`, `ves_icall_RuntimeType_GetPropertiesByName_native`).

use std::collections::BTreeSet;

use ngen_typesystem::{FieldHandle, MethodHandle, TypeHandle, TypeKind, TypeSystem};

use crate::type_context::TypeContext;

/// `BindingFlags` bits Mono's listings read.
pub mod binding_flags {
    pub const IGNORE_CASE: u32 = 1;
    pub const DECLARED_ONLY: u32 = 2;
    pub const INSTANCE: u32 = 4;
    pub const STATIC: u32 = 8;
    pub const PUBLIC: u32 = 0x10;
    pub const NON_PUBLIC: u32 = 0x20;
    pub const FLATTEN_HIERARCHY: u32 = 0x40;
}

use binding_flags as bf;

/// How a listing matches names (`RuntimeType.MemberListType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameFilter {
    /// Every name.
    All,
    /// This name exactly, or ignoring ASCII case.
    Named { name: String, ignore_case: bool },
}

impl NameFilter {
    /// Mono's `(name, bflags, mlisttype)` triple as a filter.
    pub fn new(name: Option<String>, binding: u32, list_type: u32) -> NameFilter {
        match name {
            Some(name) if list_type != 0 => NameFilter::Named {
                name,
                ignore_case: binding & bf::IGNORE_CASE != 0 || list_type == 2,
            },
            _ => NameFilter::All,
        }
    }

    fn accepts(&self, candidate: &str) -> bool {
        match self {
            NameFilter::All => true,
            NameFilter::Named {
                name,
                ignore_case: true,
            } => name.eq_ignore_ascii_case(candidate),
            NameFilter::Named { name, .. } => name == candidate,
        }
    }
}

/// What `get_method_info` fills: declaring type, return type, attributes, impl attributes,
/// calling convention.
#[derive(Clone, Copy, Debug)]
pub struct MethodInfoData {
    pub declaring: TypeHandle,
    pub ret: TypeHandle,
    pub attributes: u16,
    pub impl_attributes: u16,
    pub calling_convention: u32,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Whether a member with access `access` (the low three attribute bits) passes `binding`
/// on `start` (the reflected type) or a base type.
fn access_matches(access: u16, binding: u32, on_start: bool) -> bool {
    const PRIVATE: u16 = 1;
    const PUBLIC: u16 = 6;
    if access == PUBLIC {
        binding & bf::PUBLIC != 0
    } else {
        binding & bf::NON_PUBLIC != 0 && (access != PRIVATE || on_start)
    }
}

/// Whether a member passes the static/instance bits of `binding`.
fn kind_matches(is_static: bool, binding: u32, on_start: bool) -> bool {
    if is_static {
        binding & bf::STATIC != 0 && (binding & bf::FLATTEN_HIERARCHY != 0 || on_start)
    } else {
        binding & bf::INSTANCE != 0
    }
}

/// `ty`, then its bases unless `DeclaredOnly`.
fn hierarchy(ts: &mut TypeSystem, ty: TypeHandle, binding: u32) -> Result<Vec<TypeHandle>, String> {
    if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) {
        return Ok(Vec::new());
    }
    if binding & bf::DECLARED_ONLY != 0 {
        return Ok(vec![ty]);
    }
    ts.ancestors(ty).map_err(err)
}

impl TypeContext {
    /// The methods `GetMethodsByName_native` lists (constructors only when `constructors`).
    pub fn methods_by_name(
        &self,
        ty: TypeHandle,
        filter: &NameFilter,
        binding: u32,
        constructors: bool,
    ) -> Result<Vec<MethodHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let mut seen_slots = BTreeSet::new();
        let mut out = Vec::new();
        for (level, owner) in hierarchy(ts, ty, binding)?.into_iter().enumerate() {
            let on_start = level == 0;
            for &m in ts.methods(owner).map_err(err)?.iter() {
                let desc = ts.method(m).clone();
                if desc.is_virtual()
                    && let Some(slot) = ts.slot_of(m).map_err(err)?
                {
                    if seen_slots.contains(&slot) {
                        continue;
                    }
                    if !desc.is_new_slot() {
                        seen_slots.insert(slot);
                    }
                }
                let is_ctor = desc.name == ".ctor" || desc.name == ".cctor";
                if (is_ctor && !constructors)
                    || !access_matches(desc.flags & 7, binding, on_start)
                    || !kind_matches(desc.is_static(), binding, on_start)
                    || !filter.accepts(&desc.name)
                {
                    continue;
                }
                out.push(m);
            }
        }
        Ok(out)
    }

    /// The fields `GetFields_native` lists.
    pub fn fields_by_name(
        &self,
        ty: TypeHandle,
        filter: &NameFilter,
        binding: u32,
    ) -> Result<Vec<FieldHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let mut out = Vec::new();
        for (level, owner) in hierarchy(ts, ty, binding)?.into_iter().enumerate() {
            let on_start = level == 0;
            for &f in ts.fields(owner).map_err(err)?.iter() {
                let desc = ts.field(f).clone();
                if !access_matches(desc.flags & 7, binding, on_start)
                    || !kind_matches(desc.is_static(), binding, on_start)
                    || !filter.accepts(&desc.name)
                {
                    continue;
                }
                out.push(f);
            }
        }
        Ok(out)
    }

    /// What `MonoMethodInfo.get_method_info` reports of `method`.
    pub fn method_info_data(&self, method: MethodHandle) -> Result<MethodInfoData, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let desc = ts.method(method).clone();
        let sig = ts.method_signature(method).map_err(err)?;
        // An open method's return type names its generic parameters as reflection does (`T`).
        let ctx = ts.reflection_context(method).map_err(err)?;
        let ret = ts.substitute(sig.ret, &ctx).map_err(err)?;
        // CallingConventions: Standard 1, VarArgs 2, HasThis 0x20, ExplicitThis 0x40.
        let mut calling_convention = if sig.call_conv & 0x0f == 5 { 2 } else { 1 };
        if sig.has_this {
            calling_convention |= 0x20;
        }
        if sig.explicit_this {
            calling_convention |= 0x40;
        }
        Ok(MethodInfoData {
            declaring: desc.owner,
            ret,
            attributes: desc.flags,
            impl_attributes: desc.impl_flags,
            calling_convention,
        })
    }

    /// `(IsGenericMethod, IsGenericMethodDefinition)` of `method`, and its method arguments
    /// (its own named parameters, `T`..., for a definition).
    pub fn method_generic_shape(
        &self,
        method: MethodHandle,
    ) -> Result<(bool, bool, Vec<TypeHandle>), String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let desc = ts.method(method).clone();
        if !desc.method_args.is_empty() {
            return Ok((true, false, desc.method_args.to_vec()));
        }
        let count = ts
            .method_signature(method)
            .map_err(err)?
            .generic_param_count;
        let params = (0..count)
            .map(|i| ts.owned_param(ngen_typesystem::ParamOwner::Method(method), i))
            .collect::<Vec<_>>();
        Ok((count > 0, count > 0, params))
    }

    /// The open generic method of the instance `method`, `method` itself for a definition,
    /// `None` for a method that is not generic.
    pub fn generic_method_definition(
        &self,
        method: MethodHandle,
    ) -> Result<Option<MethodHandle>, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let desc = ts.method(method).clone();
        if desc.method_args.is_empty() {
            let count = ts
                .method_signature(method)
                .map_err(err)?
                .generic_param_count;
            return Ok((count > 0).then_some(method));
        }
        ts.method_on(desc.owner, desc.rid).map(Some).map_err(err)
    }

    /// The method a virtual call of `method` runs on an object of exact type `ty` (itself
    /// when it is not virtual or `ty` does not override it).
    pub fn virtual_target(
        &self,
        ty: TypeHandle,
        method: MethodHandle,
    ) -> Result<MethodHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        if !ts.method(method).is_virtual() {
            return Ok(method);
        }
        Ok(ts
            .resolve_generic_virtual(ty, method)
            .map_err(err)?
            .unwrap_or(method))
    }

    /// The method `method` overrides in its declaring type's nearest base (`definition`:
    /// the first declaration of its slot), itself when it overrides nothing
    /// (`MethodInfo.GetBaseDefinition`, Mono's `mono_method_get_base_method`).
    pub fn base_method(
        &self,
        method: MethodHandle,
        definition: bool,
    ) -> Result<MethodHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let mut current = method;
        loop {
            let desc = ts.method(current).clone();
            if !desc.is_virtual() || desc.is_new_slot() {
                return Ok(current);
            }
            let Some(slot) = ts.slot_of(current).map_err(err)? else {
                return Ok(current);
            };
            let Some(parent) = ts.parent(desc.owner).map_err(err)? else {
                return Ok(current);
            };
            let vtable = ts.vtable(parent).map_err(err)?;
            let Some(base) = vtable.slots.get(slot as usize).map(|s| s.implementation) else {
                return Ok(current);
            };
            if base == current {
                return Ok(current);
            }
            if !definition {
                return Ok(base);
            }
            current = base;
        }
    }

    /// The generic method definition `method` instantiated over `args` (`MakeGenericMethod`).
    pub fn instantiate_method(
        &self,
        method: MethodHandle,
        args: &[TypeHandle],
    ) -> Result<MethodHandle, String> {
        let mut inner = self.lock()?;
        inner.ts.instantiate_method(method, args).map_err(err)
    }
}

/// What reflection needs of a field (`RuntimeFieldInfo`).
#[derive(Clone, Debug)]
pub struct FieldData {
    pub name: String,
    /// `FieldAttributes`.
    pub flags: u16,
    pub owner: TypeHandle,
    pub ty: TypeHandle,
    /// The offset of an instance field inside an object or box of its owner (header
    /// included); `None` for a static field.
    pub box_offset: Option<u32>,
    /// The owner's assembly and the field's rid there (a static's storage is found by token).
    pub assembly: String,
    pub rid: u32,
    /// Whether it is `[ThreadStatic]` (its storage is per thread).
    pub thread_static: bool,
}

impl TypeContext {
    /// What reflection needs of `field`.
    pub fn field_data(&self, field: FieldHandle) -> Result<FieldData, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let desc = ts.field(field).clone();
        let ty = ts.field_type(field).map_err(err)?;
        let thread_static =
            desc.is_static() && !desc.is_literal() && ts.is_thread_static(field).map_err(err)?;
        let box_offset = if desc.is_static() {
            None
        } else {
            let offset = ts.field_offset(field).map_err(err)?;
            let value_owner = matches!(ts.kind(desc.owner), TypeKind::Def(..) | TypeKind::Inst(..))
                && ts.class_info(desc.owner).map_err(err)?.is_value_type();
            // A value type's field offsets are from the unboxed value: past the box header.
            Some(if value_owner { offset + 16 } else { offset })
        };
        Ok(FieldData {
            name: desc.name.clone(),
            flags: desc.flags,
            owner: desc.owner,
            ty,
            box_offset,
            assembly: ts.module_name(desc.module).to_string(),
            rid: desc.rid,
            thread_static,
        })
    }
}

/// A property: its declaring type and Property row.
pub type PropertyKey = (TypeHandle, u32);

/// What reflection needs of a property (`MonoPropertyInfo`).
#[derive(Clone, Debug)]
pub struct PropertyData {
    pub name: String,
    /// `PropertyAttributes`.
    pub flags: u16,
    pub getter: Option<MethodHandle>,
    pub setter: Option<MethodHandle>,
}

/// The Property rows of TypeDef `type_rid` (its PropertyMap range).
fn properties_of(asm: &ngen_metadata::Assembly, type_rid: u32) -> Result<Vec<u32>, String> {
    use ngen_metadata::TableId;
    let maps = asm.row_count(TableId::PropertyMap);
    for r in 1..=maps {
        let row = asm.property_map(r).map_err(err)?;
        if row.parent == type_rid {
            let end = if r < maps {
                asm.property_map(r + 1).map_err(err)?.list
            } else {
                asm.row_count(TableId::Property) + 1
            };
            return Ok((row.list..end).collect());
        }
    }
    Ok(Vec::new())
}

/// The getter and setter MethodDef rids of Property `rid` (MethodSemantics: Getter 2,
/// Setter 1).
fn accessors_of(
    asm: &ngen_metadata::Assembly,
    rid: u32,
) -> Result<(Option<u32>, Option<u32>), String> {
    use ngen_metadata::{TableId, Token};
    let property = Token::new(TableId::Property, rid);
    let (mut getter, mut setter) = (None, None);
    for r in 1..=asm.row_count(TableId::MethodSemantics) {
        let row = asm.method_semantics(r).map_err(err)?;
        if row.association == property {
            if row.semantics & 2 != 0 {
                getter = Some(row.method);
            } else if row.semantics & 1 != 0 {
                setter = Some(row.method);
            }
        }
    }
    Ok((getter, setter))
}

impl TypeContext {
    /// What reflection needs of the property `key` (its accessors as members of its
    /// declaring type, an instantiation's included).
    pub fn property_data(&self, key: PropertyKey) -> Result<PropertyData, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let (owner, rid) = key;
        let info = ts.class_info(owner).map_err(err)?;
        let asm = ts.assembly_shared(info.module);
        let row = asm.property(rid).map_err(err)?;
        let (get, set) = accessors_of(&asm, rid)?;
        let mut method =
            |rid: Option<u32>| rid.map(|r| ts.method_on(owner, r).map_err(err)).transpose();
        Ok(PropertyData {
            name: row.name.to_string(),
            flags: row.flags,
            getter: method(get)?,
            setter: method(set)?,
        })
    }

    /// The properties `GetPropertiesByName_native` lists: declared first, then each base's
    /// (unless `DeclaredOnly`), by their accessors' access and staticness; a base property
    /// hidden by one of the same name and accessor arity is left out.
    pub fn properties_by_name(
        &self,
        ty: TypeHandle,
        filter: &NameFilter,
        binding: u32,
    ) -> Result<Vec<PropertyKey>, String> {
        let owners = {
            let mut inner = self.lock()?;
            hierarchy(&mut inner.ts, ty, binding)?
        };
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (level, owner) in owners.into_iter().enumerate() {
            let on_start = level == 0;
            let rows = {
                let mut inner = self.lock()?;
                let info = inner.ts.class_info(owner).map_err(err)?;
                properties_of(&inner.ts.assembly_shared(info.module), info.rid)?
            };
            for rid in rows {
                let data = self.property_data((owner, rid))?;
                let accessors: Vec<(u16, usize)> = {
                    let mut inner = self.lock()?;
                    let ts = &mut inner.ts;
                    let mut v = Vec::new();
                    for m in [data.getter, data.setter].into_iter().flatten() {
                        let params = ts.method_signature(m).map_err(err)?.params.len();
                        v.push((ts.method(m).flags, params));
                    }
                    v
                };
                let Some(&(flags, arity)) = accessors.first() else {
                    continue;
                };
                let public = accessors.iter().any(|(f, _)| f & 7 == 6);
                let access_ok = if public {
                    binding & bf::PUBLIC != 0
                } else {
                    binding & bf::NON_PUBLIC != 0
                        && accessors
                            .iter()
                            .any(|(f, _)| access_matches(f & 7, bf::NON_PUBLIC, on_start))
                };
                let is_static = flags & ngen_metadata::flags::method_attributes::STATIC != 0;
                if !access_ok
                    || !kind_matches(is_static, binding, on_start)
                    || !filter.accepts(&data.name)
                {
                    continue;
                }
                // An indexer's getter takes its indices, its setter one more: compare as getters.
                let getter_arity = if data.getter.is_some() {
                    arity
                } else {
                    arity.saturating_sub(1)
                };
                if !seen.insert((data.name.clone(), getter_arity)) {
                    continue;
                }
                out.push((owner, rid));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_filters_follow_the_list_type_and_ignore_case_flag() {
        assert!(NameFilter::new(Some("Run".into()), 0, 0).accepts("Other"));
        let exact = NameFilter::new(Some("Run".into()), 0, 1);
        assert!(exact.accepts("Run") && !exact.accepts("run"));
        assert!(NameFilter::new(Some("Run".into()), bf::IGNORE_CASE, 1).accepts("rUN"));
        assert!(NameFilter::new(Some("Run".into()), 0, 2).accepts("run"));
        assert!(NameFilter::new(None, 0, 1).accepts("Anything"));
    }

    #[test]
    fn base_privates_and_base_statics_are_left_out_as_mono_does() {
        let all = bf::PUBLIC | bf::NON_PUBLIC | bf::INSTANCE | bf::STATIC;
        // Private (1) on the reflected type, not on a base; family (4) on both.
        assert!(access_matches(1, all, true));
        assert!(!access_matches(1, all, false));
        assert!(access_matches(4, all, false));
        assert!(!access_matches(6, bf::NON_PUBLIC, true));
        // A static member of a base only with FlattenHierarchy.
        assert!(kind_matches(true, all, true));
        assert!(!kind_matches(true, all, false));
        assert!(kind_matches(true, all | bf::FLATTEN_HIERARCHY, false));
        assert!(!kind_matches(false, bf::STATIC, true));
    }
}
