//! Virtual slots: which vtable slot each virtual method occupies and what implements it.
//!
//! ## Model
//! ECMA-335 II.10.3 and CoreCLR's `MethodTableBuilder`, simplified, deterministic, and not
//! Mono's numbering (the AOT images and our runtime agree because both read this crate):
//! 1. A class starts with a copy of its parent's slots (Object's four virtuals first).
//! 2. Each virtual method it declares, in declaration order, either takes a new slot at the end
//!    (`newslot`, or nothing to override) or overrides the most derived inherited slot whose
//!    declaration has the same name and signature (after substituting the parent's generic
//!    arguments). Accessibility is not considered, as in Mono 6.8
//!    (`mono_class_setup_vtable_general` checks it only under `MONO_DISABLE_WCF_HACK`), so an
//!    `internal virtual` made visible by `InternalsVisibleTo` is overridden.
//!    Overriding a `final` method is a `TypeLoadException`.
//! 3. Then its MethodImpls (explicit overrides) of class methods replace the implementation
//!    of every slot whose declaration or implementation is the overridden method.
//! 4. An interface's "vtable" is its own virtual methods in declaration order: the index an
//!    interface method has in its interface, used by interface dispatch.
//!
//! Arrays use `System.Array`'s vtable; other kinds have none.
//!
//! ## Invariants
//! Slot numbers are a pure function of the metadata: the same assemblies give the same slots
//! in the compiler and in the runtime.
//! Depends on `crate::members` and `crate::load`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ngen_metadata::{TableId, Token};

use crate::desc::TypeKind;
use crate::error::Result;
use crate::handle::{MethodHandle, TypeHandle};
use crate::{TypeSystem, WellKnownType};

/// One vtable slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VTableSlot {
    /// The method that introduced the slot.
    pub declaration: MethodHandle,
    /// The method a virtual call through this slot runs.
    pub implementation: MethodHandle,
}

/// A type's virtual slots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VTable {
    /// The slots, numbered from 0.
    pub slots: Vec<VTableSlot>,
    /// The slot of each virtual method this type declares (new or overriding).
    pub method_slots: BTreeMap<MethodHandle, u32>,
}

impl VTable {
    /// The slot a virtual method this type declares occupies.
    pub fn slot_of(&self, method: MethodHandle) -> Option<u32> {
        self.method_slots.get(&method).copied()
    }
}

impl TypeSystem {
    /// The vtable of a type.
    pub fn vtable(&mut self, ty: TypeHandle) -> Result<Arc<VTable>> {
        if let Some(r) = &self.facets(ty).vtable {
            return r.clone();
        }
        if !self.hierarchy_in_progress.insert(ty) {
            return Err(self.load_error(ty, "its inheritance is cyclic"));
        }
        let r = self.compute_vtable(ty).map(Arc::new);
        self.hierarchy_in_progress.remove(&ty);
        self.facets(ty).vtable = Some(r.clone());
        r
    }

    /// The slot of a virtual method in its owner's vtable (`None` for non-virtual methods).
    pub fn slot_of(&mut self, method: MethodHandle) -> Result<Option<u32>> {
        let owner = self.method(method).owner;
        Ok(self.vtable(owner)?.slot_of(method))
    }

    /// The method a virtual call to `method` runs on an object whose exact type is `ty`.
    pub fn resolve_virtual(
        &mut self,
        ty: TypeHandle,
        method: MethodHandle,
    ) -> Result<Option<MethodHandle>> {
        let owner = self.method(method).owner;
        if self.class_info(owner).is_ok_and(|i| i.is_interface()) {
            return self.resolve_interface_method(ty, method);
        }
        let Some(slot) = self.slot_of(method)? else {
            return Ok(None);
        };
        Ok(self
            .vtable(ty)?
            .slots
            .get(slot as usize)
            .map(|s| s.implementation))
    }

    /// The method a virtual call to the generic method instance `method` (`M<int>`, with
    /// method arguments) runs on an object of exact type `ty`: the override of the open method
    /// `M<>` that `ty`'s vtable (or interface map) holds, instantiated over the same method
    /// arguments (ECMA-335 II.12.2; a generic virtual method has one slot for every
    /// instantiation).
    pub fn resolve_generic_virtual(
        &mut self,
        ty: TypeHandle,
        method: MethodHandle,
    ) -> Result<Option<MethodHandle>> {
        let desc = self.method(method).clone();
        if desc.method_args.is_empty() {
            return self.resolve_virtual(ty, method);
        }
        let open = self.method_on(desc.owner, desc.rid)?;
        let Some(found) = self.resolve_virtual(ty, open)? else {
            return Ok(None);
        };
        self.instantiate_method(found, &desc.method_args).map(Some)
    }

    fn compute_vtable(&mut self, ty: TypeHandle) -> Result<VTable> {
        match self.kind(ty) {
            TypeKind::Def(..) | TypeKind::Inst(..) => {}
            TypeKind::SzArray(_) | TypeKind::Array(..) => {
                let array = self.well_known(WellKnownType::Array)?;
                let mut vt = (*self.vtable(array)?).clone();
                vt.method_slots.clear();
                return Ok(vt);
            }
            _ => return Ok(VTable::default()),
        }
        let info = self.class_info(ty)?;
        let methods = self.methods(ty)?;
        let mut vt = VTable::default();
        if info.is_interface() {
            for &m in methods.iter() {
                let d = self.method(m);
                if d.is_virtual() && !d.is_static() {
                    vt.method_slots.insert(m, vt.slots.len() as u32);
                    vt.slots.push(VTableSlot {
                        declaration: m,
                        implementation: m,
                    });
                }
            }
            return Ok(vt);
        }
        if let Some(parent) = info.parent {
            vt.slots = self.vtable(parent)?.slots.clone();
        }
        for &m in methods.iter() {
            let d = self.method(m);
            if !d.is_virtual() || d.is_static() {
                continue;
            }
            let target = if d.is_new_slot() {
                None
            } else {
                self.overridden_slot(&vt, m)?
            };
            let slot = match target {
                Some(s) => {
                    let replaced = vt.slots[s as usize].implementation;
                    if self.method(replaced).is_final() {
                        return Err(self.load_error(
                            ty,
                            &format!(
                                "Method '{}' overrides method '{}' which is sealed",
                                self.method_name(m),
                                self.method_name(replaced)
                            ),
                        ));
                    }
                    vt.slots[s as usize].implementation = m;
                    s
                }
                None => {
                    vt.slots.push(VTableSlot {
                        declaration: m,
                        implementation: m,
                    });
                    vt.slots.len() as u32 - 1
                }
            };
            vt.method_slots.insert(m, slot);
        }
        for (decl, body) in self.method_impls(ty)? {
            let decl_owner = self.method(decl).owner;
            if self.class_info(decl_owner)?.is_interface() {
                continue;
            }
            for slot in vt.slots.iter_mut() {
                if slot.declaration == decl || slot.implementation == decl {
                    slot.implementation = body;
                }
            }
        }
        Ok(vt)
    }

    /// The most derived inherited slot that `method` overrides by name and signature.
    fn overridden_slot(&mut self, vt: &VTable, method: MethodHandle) -> Result<Option<u32>> {
        let name = self.method(method).name.clone();
        let sig = self.method_signature(method)?;
        for s in (0..vt.slots.len()).rev() {
            let decl = vt.slots[s].declaration;
            let d = self.method(decl);
            if d.name != name {
                continue;
            }
            if *self.method_signature(decl)? == *sig {
                return Ok(Some(s as u32));
            }
        }
        Ok(None)
    }

    /// The (declaration, body) pairs of a type's MethodImpl rows, resolved in its context.
    pub fn method_impls(&mut self, ty: TypeHandle) -> Result<Vec<(MethodHandle, MethodHandle)>> {
        let Some((_, module, rid)) = self.def_of(ty) else {
            return Ok(Vec::new());
        };
        let rows = self.md(module, |a| a.method_impls_of(rid))?;
        let ctx = self.context_of(ty);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let body = match row.body.table() {
                Some(TableId::MethodDef) => self.method_on(ty, row.body.rid())?,
                _ => self.resolve_method(module, row.body, &ctx)?,
            };
            let decl = match row.declaration.table() {
                Some(TableId::MethodDef) => {
                    let owner = self.md(module, |a| a.method_owner(row.declaration.rid()))?;
                    let owner = self.type_def(module, owner)?;
                    self.method_on(owner, row.declaration.rid())?
                }
                _ => self.resolve_method(module, Token(row.declaration.0), &ctx)?,
            };
            out.push((decl, body));
        }
        Ok(out)
    }
}
