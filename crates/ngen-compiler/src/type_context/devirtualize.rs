//! Interface calls the translator can dispatch through a vtable slot instead of the runtime's
//! `InterfaceTarget` helper: `constrained. T callvirt I::M` where `T` is a sealed class (a
//! generic comparer's `x.Equals(y)` over `string`, `IEquatable<string>::Equals`).
//!
//! ## Model
//! ECMA-335 III.2.1: on a reference type `T` the constrained call dereferences the address and
//! proceeds as a `callvirt` on the object, whose exact type is `T` when `T` is sealed. The
//! method the interface call runs is then `T`'s implementation (the type system's interface
//! map), which sits in one of `T`'s vtable slots; the runtime fills the receiver's method table
//! from the same vtable (slot numbers are a pure function of the metadata), so a load of the
//! method table and of that slot reaches the same code as the helper would, without the call
//! into the runtime. A class that is not sealed could re-implement the interface in a subclass
//! (ECMA-335 II.12.2), so it keeps the helper; so do generic virtual methods and value types.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`].

use ngen_metadata::flags::type_attributes::SEALED;
use ngen_metadata::{Assembly, Token};
use ngen_typesystem::TypeKind;

use super::TypeContext;

impl TypeContext {
    /// The vtable slot of `constraint`'s implementation of the interface method `method`
    /// (tokens of `asm`), when `constraint` is a sealed class: `constrained. constraint
    /// callvirt method` may then dispatch through the receiver's method table at that slot.
    /// `None` when the call must go through the interface dispatch helper.
    pub fn sealed_interface_slot(
        &self,
        asm: &Assembly,
        method: Token,
        constraint: Token,
    ) -> Option<u32> {
        let mut inner = self.lock().ok()?;
        let ty = inner.type_of(asm, constraint).ok()?;
        let (method, desc) = inner.method(asm, method).ok()?;
        if !desc.method_args.is_empty() {
            return None;
        }
        let ts = &mut inner.ts;
        if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) {
            return None;
        }
        let info = ts.class_info(ty).ok()?;
        if info.is_value_type() || info.is_interface() || info.flags & SEALED == 0 {
            return None;
        }
        if !ts.class_info(desc.owner).ok()?.is_interface() {
            return None;
        }
        let implementation = ts.resolve_interface_method(ty, method).ok()??;
        let vtable = ts.vtable(ty).ok()?;
        let slot = vtable
            .slots
            .iter()
            .position(|s| s.implementation == implementation)?;
        u32::try_from(slot).ok()
    }
}
