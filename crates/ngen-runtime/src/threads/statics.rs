//! Thread-static fields (`[ThreadStatic]`, ECMA-335 II.22.x custom attribute; `[ContextStatic]`
//! behaves the same without remoting contexts).
//!
//! ## Model
//! Each type with thread statics gets an index, once, when a cell of one of its thread-static
//! fields is first resolved ([`descriptor`]); the type system's `statics_layout` gives the
//! sizes of its two per-thread areas (one holding references, one not). The cell's target is
//! then a descriptor, `(index + 1) << 32 | gc << 31 | offset`, never 0 (0 means unresolved),
//! and compiled code passes it to the `ThreadStaticAddress` helper ([`thread_static_address`]),
//! which returns the field's address on the calling thread. A thread's areas of a type are
//! allocated, zeroed, on its first access to them (so every thread starts from the default
//! values, as ECMA-335 requires; the `.cctor` runs once per type, on one thread, as in Mono
//! and .NET). IL2CPP does the same with `il2cpp_codegen_get_thread_static_data` over a
//! per-thread array of GC-rooted blocks (`AllocThreadStaticData`); Mono indexes its
//! `static_data` arrays with an offset it encodes in the same spirit.
//!
//! The reference area comes from `ngen_gc::alloc_uncollectable`, so the collector scans it (it
//! is a root for as long as the thread lives); when the thread exits, its areas are cleared,
//! so they stop holding objects alive, and left to the collector's free list (they are small
//! and made once per type per thread).
//!
//! Depends on: [`crate::gc_roots`] (scanned, uncollectable blocks).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The per-thread areas every type with thread statics needs, by index.
struct Registry {
    /// By the owner's `TypeHandle::index` (the runtime has one type system).
    index_of: BTreeMap<u32, u32>,
    /// (bytes of the reference area, bytes of the reference-free area), by index.
    sizes: Vec<(u32, u32)>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    index_of: BTreeMap::new(),
    sizes: Vec::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bit 31 of a descriptor: the field lives in the reference area.
const GC_BIT: u64 = 1 << 31;

/// The cell target of a thread-static field of the type `owner` (`TypeHandle::index`: one
/// type; one instantiation of a generic type), whose per-thread areas have `gc_size` and `non_gc_size` bytes, at `offset`
/// in the reference area when `in_gc_area`, else in the other.
pub(crate) fn descriptor(
    owner: u32,
    (gc_size, non_gc_size): (u32, u32),
    in_gc_area: bool,
    offset: u32,
) -> Result<u64, String> {
    if offset >= 1 << 31 {
        return Err(format!("thread-static field at offset {offset}: too far"));
    }
    let mut registry = registry();
    let next = registry.sizes.len() as u32;
    let index = *registry.index_of.entry(owner).or_insert(next);
    if index == next {
        registry.sizes.push((gc_size, non_gc_size));
    }
    let gc = if in_gc_area { GC_BIT } else { 0 };
    Ok(((u64::from(index) + 1) << 32) | gc | u64::from(offset))
}

/// One thread's areas of one type (0: not yet allocated).
#[derive(Clone, Copy, Default)]
struct Areas {
    gc: u64,
    non_gc: u64,
}

/// This thread's areas, by index; cleared when the thread exits.
struct ThreadAreas(RefCell<Vec<Areas>>);

impl Drop for ThreadAreas {
    fn drop(&mut self) {
        let sizes = registry().sizes.clone();
        for (index, areas) in self.0.borrow().iter().enumerate() {
            if areas.gc != 0 {
                let size = sizes.get(index).map_or(0, |s| s.0 as usize);
                // SAFETY: the block has at least `size` bytes (allocated for this index) and
                // no other thread uses it; clearing it ends its references' rooting.
                unsafe { std::ptr::write_bytes(areas.gc as *mut u8, 0, size) };
            }
        }
    }
}

thread_local! {
    static AREAS: ThreadAreas = const { ThreadAreas(RefCell::new(Vec::new())) };
}

/// Helper `ThreadStaticAddress`: the calling thread's address of the thread-static field a
/// [`descriptor`] names.
pub(crate) extern "C" fn thread_static_address(descriptor: u64) -> u64 {
    let index = ((descriptor >> 32) as usize).wrapping_sub(1);
    let offset = descriptor & (GC_BIT - 1);
    let in_gc = descriptor & GC_BIT != 0;
    let areas = AREAS.with(|areas| {
        let mut areas = areas.0.borrow_mut();
        if areas.len() <= index {
            areas.resize(index + 1, Areas::default());
        }
        if areas[index].gc == 0 {
            let (gc_size, non_gc_size) = registry()
                .sizes
                .get(index)
                .copied()
                .unwrap_or_else(|| crate::state::fatal("thread-static field of no known type"));
            areas[index] = Areas {
                gc: alloc_area(gc_size),
                non_gc: alloc_area(non_gc_size),
            };
        }
        areas[index]
    });
    (if in_gc { areas.gc } else { areas.non_gc }) + offset
}

/// A zeroed, scanned block of at least one word (every area has its own address).
fn alloc_area(size: u32) -> u64 {
    crate::gc_roots::alloc_static_area(size)
        .unwrap_or_else(|| crate::state::fatal("out of memory for thread-static fields"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_never_zero_and_keep_area_and_offset() {
        let a = descriptor(u32::MAX - 1, (16, 8), true, 8).unwrap();
        let b = descriptor(u32::MAX - 1, (16, 8), false, 4).unwrap();
        assert_ne!(a, 0);
        assert_eq!(a >> 32, b >> 32, "one index per type");
        assert_eq!(a & (GC_BIT - 1), 8);
        assert_ne!(a & GC_BIT, 0);
        assert_eq!(b & GC_BIT, 0);
        assert!(descriptor(u32::MAX - 2, (0, 0), false, 1 << 31).is_err());
    }
}
