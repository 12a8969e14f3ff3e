//! Static field storage: per type, a GC area (references, and value types holding references,
//! scanned by the collector) and a non-GC area (everything else), each in declaration order at
//! the field's natural alignment; `[ThreadStatic]` (and `[ContextStatic]`, which behaves the
//! same without remoting contexts) fields get their own per-thread pair of areas. Literal
//! (`const`) fields have no storage. Fields with RVA data get ordinary storage, which the
//! runtime fills from the image. Deterministic: declaration order only.
//! Depends on [`crate::layout::instance`] for value sizes.

use std::sync::Arc;

use ngen_metadata::{TableId, Token};

use super::instance::round_up;
use crate::TypeSystem;
use crate::error::Result;
use crate::handle::{FieldHandle, TypeHandle};

/// Which storage area a static lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaticArea {
    /// Process-wide, scanned by the GC.
    Gc,
    /// Process-wide, never holds references.
    NonGc,
    /// Per thread, scanned by the GC.
    ThreadGc,
    /// Per thread, never holds references.
    ThreadNonGc,
}

/// One static field with storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticField {
    /// The field.
    pub field: FieldHandle,
    /// The area holding it.
    pub area: StaticArea,
    /// Offset within its area.
    pub offset: u32,
    /// Bytes of storage.
    pub size: u32,
}

/// The statics of one type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticsLayout {
    /// Bytes of the process-wide GC-scanned area.
    pub gc_size: u32,
    /// Bytes of the process-wide reference-free area.
    pub non_gc_size: u32,
    /// Bytes of the per-thread GC-scanned area.
    pub thread_gc_size: u32,
    /// Bytes of the per-thread reference-free area.
    pub thread_non_gc_size: u32,
    /// Fields with storage, in declaration order.
    pub fields: Vec<StaticField>,
}

impl StaticsLayout {
    /// The entry of a field, if it has storage.
    pub fn get(&self, field: FieldHandle) -> Option<&StaticField> {
        self.fields.iter().find(|s| s.field == field)
    }

    fn area_size(&mut self, area: StaticArea) -> &mut u32 {
        match area {
            StaticArea::Gc => &mut self.gc_size,
            StaticArea::NonGc => &mut self.non_gc_size,
            StaticArea::ThreadGc => &mut self.thread_gc_size,
            StaticArea::ThreadNonGc => &mut self.thread_non_gc_size,
        }
    }
}

impl TypeSystem {
    /// The static storage of a type.
    pub fn statics_layout(&mut self, ty: TypeHandle) -> Result<Arc<StaticsLayout>> {
        if let Some(r) = &self.facets(ty).statics {
            return r.clone();
        }
        let r = self.compute_statics(ty).map(Arc::new);
        self.facets(ty).statics = Some(r.clone());
        r
    }

    fn compute_statics(&mut self, ty: TypeHandle) -> Result<StaticsLayout> {
        let mut out = StaticsLayout::default();
        for f in self.fields(ty)?.iter().copied() {
            let desc = self.field(f);
            if !desc.is_static() || desc.is_literal() {
                continue;
            }
            let thread = self.is_thread_static(f)?;
            let ft = self.field_type(f)?;
            let s = self.storage(ft)?;
            let area = match (thread, s.has_references) {
                (false, true) => StaticArea::Gc,
                (false, false) => StaticArea::NonGc,
                (true, true) => StaticArea::ThreadGc,
                (true, false) => StaticArea::ThreadNonGc,
            };
            let size = out.area_size(area);
            let offset = round_up(*size, s.align.max(1));
            *size = offset + s.size;
            out.fields.push(StaticField {
                field: f,
                area,
                offset,
                size: s.size,
            });
        }
        Ok(out)
    }

    /// Whether a static field carries `[ThreadStatic]` or `[ContextStatic]`.
    pub fn is_thread_static(&mut self, field: FieldHandle) -> Result<bool> {
        let desc = self.field(field).clone();
        self.md(desc.module, |a| {
            for row in a.custom_attributes(Token::new(TableId::Field, desc.rid))? {
                let (ns, name) = a.attribute_type_name(row.ctor)?;
                if ns == "System"
                    && (name == "ThreadStaticAttribute" || name == "ContextStaticAttribute")
                {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }
}
