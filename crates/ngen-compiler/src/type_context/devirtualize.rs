//! Constrained calls over a sealed class the translator can compile without dispatch:
//! `constrained. T callvirt M` where `T` is a sealed class (a generic comparer's `x.Equals(y)`
//! over `string`, `IEquatable<string>::Equals`) runs `T`'s implementation of `M`, called
//! without dispatch ([`TypeContext::sealed_target`]): directly when it is a plain method of
//! the body's own assembly the image can reach, else through the call site's
//! constrained-method cell, which the runtime resolves to that implementation once. Where
//! neither applies, an interface method is still found through its vtable slot instead of
//! the runtime's `InterfaceTarget` helper ([`TypeContext::sealed_interface_slot`]).
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
//! Since the exact type is known, so is the implementation: a MethodDef of a non-generic
//! class of the body's assembly is named the same in every generic context, so the call can
//! name it directly (and the inliner may expand it); any other is what the constrained cell
//! (`CellKind::ConstrainedMethod`, which every constrained call site has) resolves to. A
//! null check stays, as for any `callvirt`.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`].

use ngen_metadata::flags::type_attributes::SEALED;
use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{MethodHandle, TypeHandle, TypeKind, TypeSystem};

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
        if !is_sealed_class(ts, ty) || !ts.class_info(desc.owner).ok()?.is_interface() {
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

/// What `constrained. T callvirt M` runs when `T` is a sealed class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedTarget {
    /// `T`'s implementation is this MethodDef rid of the body's assembly, a non-generic
    /// method of a non-generic class (its token means the same in every generic context).
    Direct(u32),
    /// Any other implementation: the call site's constrained-method cell resolves to it.
    ConstrainedCell,
}

impl TypeContext {
    /// What `constrained. constraint callvirt method` (tokens of `asm`) runs when
    /// `constraint` is a sealed class: its implementation of the virtual or interface
    /// method `method`, named directly when it can be ([`SealedTarget`]). `None` when the
    /// call must dispatch (a class that is not sealed, a generic virtual method).
    pub fn sealed_target(
        &self,
        asm: &Assembly,
        method: Token,
        constraint: Token,
    ) -> Option<SealedTarget> {
        let mut inner = self.lock().ok()?;
        let module = inner.module_of(asm).ok()?;
        let ty = inner.type_of(asm, constraint).ok()?;
        let (method, desc) = inner.method(asm, method).ok()?;
        let ts = &mut inner.ts;
        if !desc.method_args.is_empty() || !desc.is_virtual() || !is_sealed_class(ts, ty) {
            return None;
        }
        let implementation: MethodHandle = ts.resolve_virtual(ty, method).ok()??;
        let found = ts.method(implementation).clone();
        if found.is_abstract() || found.is_static() {
            return None;
        }
        let plain = found.module == module
            && found.method_args.is_empty()
            && matches!(ts.kind(found.owner), TypeKind::Def(m, _) if *m == module);
        Some(if plain {
            SealedTarget::Direct(found.rid)
        } else {
            SealedTarget::ConstrainedCell
        })
    }
}

/// Whether `ty` is a sealed class: an object of static type `ty` has exact type `ty`.
fn is_sealed_class(ts: &mut TypeSystem, ty: TypeHandle) -> bool {
    if !matches!(ts.kind(ty), TypeKind::Def(..) | TypeKind::Inst(..)) {
        return false;
    }
    ts.class_info(ty)
        .is_ok_and(|info| !info.is_value_type() && !info.is_interface() && info.flags & SEALED != 0)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use ngen_metadata::il::{Opcode, Operand};
    use ngen_metadata::{Assembly, TableId, Token};
    use ngen_typesystem::{GenericContext, TypeHandle, WellKnownType};

    use super::SealedTarget;
    use crate::type_context::{PathResolver, TypeContext};

    const CORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

    /// The `(method, constraint)` tokens of `x.Equals(y)` in `GenericEqualityComparer<T>
    /// .Equals(T, T)`: `constrained. !0 callvirt IEquatable<!0>::Equals(!0)`.
    fn comparer_call(asm: &Assembly) -> (Token, Token) {
        let ty = asm
            .find_type_def("System.Collections.Generic", "GenericEqualityComparer`1")
            .unwrap()
            .unwrap();
        for rid in asm.methods_of(ty).unwrap() {
            let Ok(Some(body)) = asm.method_body(rid) else {
                continue;
            };
            let mut constraint = None;
            for ins in ngen_metadata::il::decode(body.code) {
                let ins = ins.unwrap();
                match (ins.opcode, ins.operand, constraint) {
                    (Opcode::Constrained, Operand::Token(t), _) => constraint = Some(t),
                    (Opcode::Callvirt, Operand::Token(m), Some(c)) => return (m, c),
                    _ => constraint = None,
                }
            }
        }
        panic!("no constrained call in GenericEqualityComparer`1");
    }

    /// `sealed_target` of the comparer's call with `T` the type `arg` picks (a direct
    /// target by name).
    fn target_over(
        asm: &Assembly,
        arg: impl Fn(&TypeContext) -> TypeHandle,
    ) -> Option<Result<String, SealedTarget>> {
        let corlib = Path::new(CORLIB);
        let base = TypeContext::new(Some(corlib), Box::new(PathResolver::new([corlib])));
        let t = arg(&base);
        let cx = base.in_context(GenericContext {
            type_args: Some(Arc::from(vec![t])),
            method_args: None,
        });
        let (method, constraint) = comparer_call(asm);
        let rid = match cx.sealed_target(asm, method, constraint)? {
            SealedTarget::Direct(rid) => rid,
            other => return Some(Err(other)),
        };
        let mut inner = cx.lock().unwrap();
        let (handle, _) = inner
            .method(asm, Token::new(TableId::MethodDef, rid))
            .unwrap();
        Some(Ok(inner.ts.method_name(handle)))
    }

    fn well_known(cx: &TypeContext, which: WellKnownType) -> TypeHandle {
        cx.lock().unwrap().ts.well_known(which).unwrap()
    }

    #[test]
    fn a_generic_comparer_over_string_calls_string_equals_directly() {
        if !Path::new(CORLIB).is_file() {
            eprintln!("SKIPPED: needs mono's mscorlib (tests/setup.sh installs it)");
            return;
        }
        let asm = Assembly::open(CORLIB).unwrap();
        let over_string = target_over(&asm, |cx| well_known(cx, WellKnownType::String));
        assert_eq!(over_string, Some(Ok("System.String::Equals".to_string())));
        // `object` is not sealed: a subclass could re-implement the interface.
        let over_object = target_over(&asm, |cx| well_known(cx, WellKnownType::Object));
        assert_eq!(over_object, None);
    }
}
