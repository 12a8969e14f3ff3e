//! GC maps: which pointer-sized words hold object references, for Boehm's typed allocation
//! (`GC_make_descriptor` bitmaps) and atomic allocation of reference-free objects.
//!
//! Two views: [`TypeSystem::gc_map`] covers an instance (header included, so word 0 and 1 are
//! never references; arrays: the 32-byte fixed part only), and
//! [`TypeSystem::value_gc_map`] covers a value stored inline (a field, an array element, a
//! static): one word for a reference, the unboxed value for a value type. Built from
//! [`crate::layout::instance`]'s offsets; explicit layouts guarantee references are aligned.
//! Depends on [`crate::layout::instance`].

use std::sync::Arc;

use super::{OBJECT_HEADER_SIZE, POINTER_SIZE};
use crate::TypeSystem;
use crate::desc::TypeKind;
use crate::error::Result;
use crate::handle::TypeHandle;

/// The reference words of an instance or an inline value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcMap {
    /// The size covered, in pointer-sized words (rounded up).
    pub words: u32,
    /// The words that hold references, ascending, without duplicates.
    pub refs: Vec<u32>,
}

impl GcMap {
    /// True when any word holds a reference (otherwise allocate atomically).
    pub fn has_references(&self) -> bool {
        !self.refs.is_empty()
    }

    /// The map as a bitmap, bit `i % 64` of word `i / 64` set for reference word `i`.
    pub fn bitmap(&self) -> Vec<u64> {
        let mut bits = vec![0u64; self.words.div_ceil(64) as usize];
        for &w in &self.refs {
            bits[(w / 64) as usize] |= 1 << (w % 64);
        }
        bits
    }
}

impl TypeSystem {
    /// The reference words of an instance of `ty` (boxed, for value types).
    pub fn gc_map(&mut self, ty: TypeHandle) -> Result<Arc<GcMap>> {
        if let Some(r) = &self.facets(ty).gc_map {
            return r.clone();
        }
        let r = self.compute_gc_map(ty).map(Arc::new);
        self.facets(ty).gc_map = Some(r.clone());
        r
    }

    fn compute_gc_map(&mut self, ty: TypeHandle) -> Result<GcMap> {
        let layout = self.instance_layout(ty)?;
        let words = layout.instance_size.div_ceil(POINTER_SIZE);
        if matches!(self.kind(ty), TypeKind::SzArray(_) | TypeKind::Array(..)) {
            return Ok(GcMap {
                words,
                refs: Vec::new(),
            });
        }
        let mut refs = match self.parent(ty)? {
            Some(p) => self.gc_map(p)?.refs.clone(),
            None => Vec::new(),
        };
        for &(f, off) in &layout.fields {
            let ft = self.field_type(f)?;
            let inner = self.value_gc_map(ft)?;
            refs.extend(inner.refs.iter().map(|w| off / POINTER_SIZE + w));
        }
        refs.sort_unstable();
        refs.dedup();
        Ok(GcMap { words, refs })
    }

    /// The reference words of a value of `ty` stored inline.
    pub fn value_gc_map(&mut self, ty: TypeHandle) -> Result<GcMap> {
        let storage = self.storage(ty)?;
        let words = storage.size.div_ceil(POINTER_SIZE);
        if storage.is_reference {
            return Ok(GcMap {
                words,
                refs: vec![0],
            });
        }
        if !storage.has_references {
            return Ok(GcMap {
                words,
                refs: Vec::new(),
            });
        }
        let boxed = self.gc_map(ty)?;
        let header_words = OBJECT_HEADER_SIZE / POINTER_SIZE;
        Ok(GcMap {
            words,
            refs: boxed.refs.iter().map(|w| w - header_words).collect(),
        })
    }
}
