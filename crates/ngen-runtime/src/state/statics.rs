//! Static-field cells: where a static field lives.
//!
//! The BCL surface's own fields (`String.Empty`, ...) come first for mscorlib's fields, so
//! the surface and compiled code share them; every other static, mscorlib's included, lives
//! in per-type areas the runtime allocates on first access (`ngen-typesystem`'s
//! `statics_layout`), after which the type's `.cctor` is started once.
//!
//! Depends on: the parent module's state, `ngen_corlib::resolve_static_field`,
//! [`crate::gc_roots`].

use ngen_compiler::corlib_refs::corlib_kind;
use ngen_compiler::type_context::StaticFieldStorage;
use ngen_corlib::CorlibFieldRef;
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::TypeSig;
use ngen_metadata::{TableId, Token};

use super::{Runtime, TypeStatics};

impl Runtime {
    /// The storage address of the static field `token` (Field or MemberRef) of assembly `id`.
    pub(super) fn static_field(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let token = Token(token);
        if let Some(address) = self.surface_static(id, token) {
            return Ok(address);
        }
        let storage = self
            .types
            .static_field(&self.assemblies[id].metadata, token)?
            .ok_or_else(|| format!("static field 0x{:08x} has no storage", token.0))?;
        self.typed_static(id, &storage)
    }

    /// A class-init cell (type `token` of assembly `id`): the type's static areas exist and its
    /// `.cctor` has been started (now, if not before); resolves to 1.
    pub(super) fn class_init(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let storage = self
            .types
            .type_statics(&self.assemblies[id].metadata, Token(token))?;
        self.typed_static(id, &storage)?;
        Ok(1)
    }

    /// The BCL surface's storage of the static field `token` of assembly `id`, when the field
    /// is mscorlib's and the surface has it.
    fn surface_static(&mut self, id: usize, token: Token) -> Option<u64> {
        let (owner, namespace, type_name, field_name, ty) = self.static_field_parts(id, token)?;
        if !self.is_corlib(owner) {
            return None;
        }
        ngen_corlib::resolve_static_field(&CorlibFieldRef {
            namespace: &namespace,
            type_name: &type_name,
            field: &field_name,
            kind: corlib_kind(&ty)?,
        })
        .map(|p| p as u64)
    }

    /// The owner assembly, owner namespace and name, field name and type of a static field.
    fn static_field_parts(
        &mut self,
        id: usize,
        token: Token,
    ) -> Option<(usize, String, String, String, TypeSig)> {
        let md = &self.assemblies[id].metadata;
        match token.table()? {
            TableId::MemberRef => {
                let parts = md.member_ref_parts(token.rid()).ok()?;
                let MemberRefSig::Field(field) = parts.signature else {
                    return None;
                };
                let (parent, name) = (parts.parent, parts.name.to_string());
                let (owner, ns, type_name) = self.type_home(id, parent).ok()?;
                Some((owner, ns, type_name, name, field.ty))
            }
            TableId::Field => {
                let row = md.field(token.rid()).ok()?;
                let ty = md.field_sig(row.signature).ok()?.ty;
                let td = md.type_def(md.field_owner(token.rid()).ok()?).ok()?;
                Some((
                    id,
                    td.namespace.to_string(),
                    td.name.to_string(),
                    row.name.to_string(),
                    ty,
                ))
            }
            _ => None,
        }
    }

    /// The address of a static field of assembly `id` with storage: its type's
    /// areas are allocated on first access (`alloc_uncollectable`: the GC area holds roots),
    /// and the type's `.cctor`, if any, is started then, once ([`Runtime::pending_cctor`]).
    fn typed_static(&mut self, id: usize, storage: &StaticFieldStorage) -> Result<u64, String> {
        let owner = self.assembly_named(id, &storage.owner_assembly)?;
        let key = (owner, storage.owner_type_rid);
        if !self.statics.contains_key(&key) {
            let area = |size: u32| {
                crate::gc_roots::alloc_static_area(size)
                    .ok_or_else(|| "out of memory for static fields".to_string())
            };
            let statics = TypeStatics {
                gc: area(storage.gc_size)?,
                non_gc: area(storage.non_gc_size)?,
            };
            if let Some(rid) = storage.cctor_rid {
                self.pending_cctor = Some(self.method_code(owner, rid)?);
            }
            self.statics.insert(key, statics);
        }
        let statics = &self.statics[&key];
        let base = if storage.in_gc_area {
            statics.gc
        } else {
            statics.non_gc
        };
        Ok(base + u64::from(storage.offset))
    }
}
