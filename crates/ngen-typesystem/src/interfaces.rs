//! Interfaces: the flattened interface list of a type, and for each (interface, interface
//! method) the method, and the vtable slot, that implements it.
//!
//! ## Model
//! - The list (`RuntimeInterfacesAlgorithm`): the parent's list, then each declared interface
//!   (InterfaceImpl rows, in order) followed by that interface's own list; duplicates keep
//!   their first position. `T[]` adds `IList<T>`, `ICollection<T>`, `IEnumerable<T>`,
//!   `IReadOnlyList<T>` and `IReadOnlyCollection<T>` to `System.Array`'s list, as Mono's
//!   `mono_class_create_bounded_array` does.
//! - The map (ECMA-335 II.12.2): an explicit MethodImpl in the type or an ancestor (most
//!   derived first); else a virtual method with the interface method's name and signature,
//!   searched from the most derived type that itself declares the interface upwards; else the
//!   interface method's own body (a default implementation); else nothing (abstract types).
//!   A found virtual method is then mapped through the type's vtable, so a derived override
//!   of an inherited implementation wins, as in the CLR.
//!
//! Depends on [`crate::virtuals`] and `crate::members`.

use std::sync::Arc;

use crate::desc::TypeKind;
use crate::error::Result;
use crate::handle::{MethodHandle, TypeHandle};
use crate::{TypeSystem, WellKnownType};

/// How one interface method is implemented by a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceMethodImpl {
    /// The interface's method (on the instantiated interface).
    pub interface_method: MethodHandle,
    /// The method that runs, if any (none on abstract types that leave it to subclasses).
    pub implementation: Option<MethodHandle>,
    /// The slot of the type's vtable that holds it, when it is a class virtual.
    pub slot: Option<u32>,
}

/// A type's interface map, in the order of [`TypeSystem::interfaces`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceMap {
    /// Each interface with how each of its virtual methods is implemented.
    pub interfaces: Vec<(TypeHandle, Vec<InterfaceMethodImpl>)>,
}

impl TypeSystem {
    /// Every interface a type implements: declared, inherited, and the interfaces' own bases.
    pub fn interfaces(&mut self, ty: TypeHandle) -> Result<Arc<[TypeHandle]>> {
        if let Some(r) = &self.facets(ty).interfaces {
            return r.clone();
        }
        if !self.hierarchy_in_progress.insert(ty) {
            return Err(self.load_error(ty, "its interfaces are cyclic"));
        }
        let r = self.compute_interfaces(ty).map(Arc::from);
        self.hierarchy_in_progress.remove(&ty);
        self.facets(ty).interfaces = Some(r.clone());
        r
    }

    fn compute_interfaces(&mut self, ty: TypeHandle) -> Result<Vec<TypeHandle>> {
        let mut out = Vec::new();
        match self.kind(ty).clone() {
            TypeKind::Def(..) | TypeKind::Inst(..) => {
                if let Some(p) = self.class_info(ty)?.parent {
                    out.extend(self.interfaces(p)?.iter().copied());
                }
                for i in self.declared_interfaces(ty)? {
                    push_unique(&mut out, i);
                    for j in self.interfaces(i)?.iter().copied() {
                        push_unique(&mut out, j);
                    }
                }
            }
            TypeKind::SzArray(e) | TypeKind::Array(e, _) => {
                let array = self.well_known(WellKnownType::Array)?;
                out.extend(self.interfaces(array)?.iter().copied());
                if matches!(self.kind(ty), TypeKind::SzArray(_)) {
                    for which in crate::well_known::ARRAY_GENERIC_INTERFACES {
                        if let Some(def) = self.well_known_opt(which) {
                            let i = self.instantiate(def, &[e])?;
                            push_unique(&mut out, i);
                            for j in self.interfaces(i)?.iter().copied() {
                                push_unique(&mut out, j);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// The interfaces a definition or instantiation lists in its InterfaceImpl rows.
    pub fn declared_interfaces(&mut self, ty: TypeHandle) -> Result<Vec<TypeHandle>> {
        let Some((_, module, rid)) = self.def_of(ty) else {
            return Ok(Vec::new());
        };
        let tokens = self.md(module, |a| a.interfaces_of(rid))?;
        let ctx = self.context_of(ty);
        tokens
            .into_iter()
            .map(|t| self.resolve_type(module, t, &ctx))
            .collect()
    }

    /// The interface map of a class or value type (empty for interfaces and other kinds).
    pub fn interface_map(&mut self, ty: TypeHandle) -> Result<Arc<InterfaceMap>> {
        if let Some(r) = &self.facets(ty).interface_map {
            return r.clone();
        }
        let r = self.compute_interface_map(ty).map(Arc::new);
        self.facets(ty).interface_map = Some(r.clone());
        r
    }

    /// The method that implements `interface_method` for objects of exact type `ty`. An
    /// array's non-generic interfaces (`IList`, `ICollection`, ...) are `System.Array`'s
    /// (its explicit implementations, such as `IList.Contains`); a vector's generic ones are
    /// the runtime's `InternalArray__` helpers, which the caller finds first.
    pub fn resolve_interface_method(
        &mut self,
        ty: TypeHandle,
        interface_method: MethodHandle,
    ) -> Result<Option<MethodHandle>> {
        if matches!(self.kind(ty), TypeKind::SzArray(_) | TypeKind::Array(..)) {
            let array = self.well_known(WellKnownType::Array)?;
            return self.resolve_interface_method(array, interface_method);
        }
        let map = self.interface_map(ty)?;
        let exact = map
            .interfaces
            .iter()
            .flat_map(|(_, ms)| ms.iter())
            .find(|m| m.interface_method == interface_method)
            .and_then(|m| m.implementation);
        if exact.is_some() {
            return Ok(exact);
        }
        // Variance (ECMA-335 II.9.7): `IEnumerator<object>::get_Current` on a type that
        // implements `IEnumerator<A>` runs that interface's method, the same MethodDef of the
        // same generic interface, when `IEnumerator<A>` is assignable to `IEnumerator<object>`.
        let wanted = self.method(interface_method).clone();
        let wanted_def = match self.kind(wanted.owner) {
            TypeKind::Inst(def, _) => *def,
            _ => return Ok(None),
        };
        for (iface, methods) in &map.interfaces {
            let same_def =
                matches!(self.kind(*iface), TypeKind::Inst(def, _) if *def == wanted_def);
            if !same_def || !self.is_assignable_to(*iface, wanted.owner)? {
                continue;
            }
            let found = methods
                .iter()
                .find(|m| self.method(m.interface_method).rid == wanted.rid)
                .and_then(|m| m.implementation);
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    fn compute_interface_map(&mut self, ty: TypeHandle) -> Result<InterfaceMap> {
        let mut map = InterfaceMap::default();
        if !matches!(self.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..))
            || self.class_info(ty)?.is_interface()
        {
            return Ok(map);
        }
        let vt = self.vtable(ty)?;
        let chain = self.ancestors(ty)?;
        let mut explicit = Vec::new();
        for &t in &chain {
            explicit.extend(self.method_impls(t)?);
        }
        for iface in self.interfaces(ty)?.iter().copied() {
            let start = self.first_declaring(&chain, iface)?;
            let mut entries = Vec::new();
            for im in self.methods(iface)?.iter().copied() {
                let d = self.method(im);
                if !d.is_virtual() || d.is_static() {
                    continue;
                }
                let found = match explicit.iter().find(|(decl, _)| *decl == im) {
                    Some(&(_, body)) => Some(body),
                    None => self.implementation_by_name(&chain[start..], im)?,
                };
                let (implementation, slot) = match found {
                    Some(m) => self.through_vtable(&vt, m)?,
                    None if !self.method(im).is_abstract() => (Some(im), None),
                    None => (None, None),
                };
                entries.push(InterfaceMethodImpl {
                    interface_method: im,
                    implementation,
                    slot,
                });
            }
            map.interfaces.push((iface, entries));
        }
        Ok(map)
    }

    /// Index in `chain` of the most derived type that declares `iface` itself (directly or
    /// through a declared interface's bases); the root when none does.
    fn first_declaring(&mut self, chain: &[TypeHandle], iface: TypeHandle) -> Result<usize> {
        for (i, &t) in chain.iter().enumerate() {
            for d in self.declared_interfaces(t)? {
                if d == iface || self.interfaces(d)?.contains(&iface) {
                    return Ok(i);
                }
            }
        }
        Ok(chain.len().saturating_sub(1))
    }

    fn implementation_by_name(
        &mut self,
        chain: &[TypeHandle],
        im: MethodHandle,
    ) -> Result<Option<MethodHandle>> {
        let name = self.method(im).name.clone();
        let sig = self.method_signature(im)?;
        for &t in chain {
            for m in self.methods(t)?.iter().copied() {
                let d = self.method(m);
                if d.name == name
                    && d.is_virtual()
                    && !d.is_static()
                    && *self.method_signature(m)? == *sig
                {
                    return Ok(Some(m));
                }
            }
        }
        Ok(None)
    }

    /// A class virtual mapped through `vt` (so derived overrides win), with its slot.
    fn through_vtable(
        &mut self,
        vt: &crate::VTable,
        m: MethodHandle,
    ) -> Result<(Option<MethodHandle>, Option<u32>)> {
        match self.slot_of(m)? {
            Some(s) if (s as usize) < vt.slots.len() => {
                Ok((Some(vt.slots[s as usize].implementation), Some(s)))
            }
            _ => Ok((Some(m), None)),
        }
    }
}

fn push_unique(list: &mut Vec<TypeHandle>, ty: TypeHandle) {
    if !list.contains(&ty) {
        list.push(ty);
    }
}
