//! GC handles: numbered references to objects that the program holds outside the heap
//! (`System.Runtime.InteropServices.GCHandle`, and through it `WeakReference`).
//!
//! ## Model
//! Mono's four kinds (`MonoGCHandleType`): `Weak` (cleared when the object becomes
//! unreachable, before its finalizer runs), `WeakTrackResurrection` (cleared only when it can
//! no longer come back from a finalizer), `Normal` (keeps the object alive) and `Pinned` (the
//! same here: Boehm never moves objects). A handle is Mono's number, `slot << 3 | (kind + 1)`,
//! never 0 (`GCHandle.IsAllocated` tests for 0).
//!
//! Each kind has its own slots, in fixed chunks that never move (a disappearing link is the
//! address of a slot): strong kinds in uncollectable memory the collector scans, weak kinds in
//! memory it does not scan, each occupied slot registered with
//! `GC_general_register_disappearing_link` (`Weak`) or `GC_register_long_link`
//! (`WeakTrackResurrection`), which the collector clears. A weak slot is read with the
//! allocation lock held, so a collection cannot clear it half-way (bdwgc's rule for
//! disappearing links). Mono's Boehm backend does the same (`metadata/boehm-gc.c`,
//! `HandleData`).
//!
//! Depends on: [`crate::boehm`], [`crate::alloc_uncollectable`].

use std::ffi::c_void;
use std::sync::Mutex;

use crate::boehm;

/// A handle's kind, numbered as Mono's `MonoGCHandleType` (and `GCHandleType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandleKind {
    Weak = 0,
    WeakTrackResurrection = 1,
    Normal = 2,
    Pinned = 3,
}

impl HandleKind {
    /// The kind `GCHandleType` value `n` names.
    pub fn from_managed(n: i32) -> Option<HandleKind> {
        Some(match n {
            0 => HandleKind::Weak,
            1 => HandleKind::WeakTrackResurrection,
            2 => HandleKind::Normal,
            3 => HandleKind::Pinned,
            _ => return None,
        })
    }

    fn is_weak(self) -> bool {
        matches!(self, HandleKind::Weak | HandleKind::WeakTrackResurrection)
    }
}

/// Slots per chunk.
const CHUNK: usize = 256;
const KIND_BITS: u32 = 3;

/// The slots of one kind.
struct Slots {
    /// Fixed chunks of `CHUNK` words (addresses as `usize`, so the table is `Send`).
    chunks: Vec<usize>,
    /// Whether each slot is taken.
    used: Vec<bool>,
    /// Free slots, reused last-freed first.
    free: Vec<u32>,
}

impl Slots {
    const fn new() -> Slots {
        Slots {
            chunks: Vec::new(),
            used: Vec::new(),
            free: Vec::new(),
        }
    }

    fn word(&self, slot: u32) -> *mut usize {
        let slot = slot as usize;
        (self.chunks[slot / CHUNK] as *mut usize).wrapping_add(slot % CHUNK)
    }

    fn is_used(&self, slot: u32) -> bool {
        self.used.get(slot as usize).copied().unwrap_or(false)
    }
}

static TABLES: Mutex<[Slots; 4]> =
    Mutex::new([Slots::new(), Slots::new(), Slots::new(), Slots::new()]);

fn tables() -> std::sync::MutexGuard<'static, [Slots; 4]> {
    TABLES.lock().unwrap_or_else(|p| p.into_inner())
}

fn split(handle: u32) -> Option<(HandleKind, u32)> {
    let kind = HandleKind::from_managed((handle & ((1 << KIND_BITS) - 1)) as i32 - 1)?;
    Some((kind, handle >> KIND_BITS))
}

/// A new handle of `kind` to `object` (may be 0). `None` when out of memory.
pub fn handle_new(object: usize, kind: HandleKind) -> Option<u32> {
    crate::attach_current_thread();
    let mut tables = tables();
    let slots = &mut tables[kind as usize];
    let slot = match slots.free.pop() {
        Some(slot) => slot,
        None => {
            let first = slots.used.len();
            if first / CHUNK == slots.chunks.len() {
                let chunk = if kind.is_weak() {
                    // Not scanned: the collector must not see weak targets.
                    Box::leak(vec![0usize; CHUNK].into_boxed_slice()).as_mut_ptr() as usize
                } else {
                    crate::alloc_uncollectable(CHUNK * std::mem::size_of::<usize>())?.as_ptr()
                        as usize
                };
                slots.chunks.push(chunk);
            }
            slots.used.push(false);
            u32::try_from(first)
                .ok()
                .filter(|s| *s < (u32::MAX >> KIND_BITS))?
        }
    };
    slots.used[slot as usize] = true;
    let word = slots.word(slot);
    drop(tables);
    // SAFETY: `word` is this slot, owned by this handle from now on.
    unsafe { store(word, kind, object) };
    Some((slot << KIND_BITS) | (kind as u32 + 1))
}

/// Stores `object` into the slot `word` of a `kind` handle, (re)registering its link.
///
/// # Safety
/// `word` must be a slot of a live handle of `kind`.
unsafe fn store(word: *mut usize, kind: HandleKind, object: usize) {
    // SAFETY: the caller's contract; links are registered on fixed slots with objects that
    // are the bases of collected blocks (`GC_base` maps an interior pointer to 0 or a base).
    unsafe {
        if kind.is_weak() {
            unlink(word, kind);
        }
        word.write(object);
        if kind.is_weak() && object != 0 && !boehm::GC_base(object as *mut c_void).is_null() {
            let link = word.cast::<*mut c_void>();
            match kind {
                HandleKind::Weak => {
                    boehm::GC_general_register_disappearing_link(link, object as *const c_void)
                }
                _ => boehm::GC_register_long_link(link, object as *const c_void),
            };
        }
    }
}

/// Removes the link on a weak slot, if one is registered.
///
/// # Safety
/// `word` must be a slot of a live handle of the weak `kind`.
unsafe fn unlink(word: *mut usize, kind: HandleKind) {
    let link = word.cast::<*mut c_void>();
    // SAFETY: unregistering an address without a link is allowed (returns 0).
    unsafe {
        match kind {
            HandleKind::Weak => boehm::GC_unregister_disappearing_link(link),
            _ => boehm::GC_unregister_long_link(link),
        };
    }
}

/// The slot word of a live `handle`, and its kind.
fn live_slot(handle: u32) -> Option<(*mut usize, HandleKind)> {
    let (kind, slot) = split(handle)?;
    let tables = tables();
    let slots = &tables[kind as usize];
    slots.is_used(slot).then(|| (slots.word(slot), kind))
}

/// Whether `handle` names a live handle (`GCHandle.CheckCurrentDomain`).
pub fn handle_is_live(handle: u32) -> bool {
    live_slot(handle).is_some()
}

/// Reads a weak slot with the allocation lock held.
unsafe extern "C" fn read_locked(word: *mut c_void) -> *mut c_void {
    // SAFETY: the caller passes a live slot.
    unsafe { word.cast::<*mut c_void>().read() }
}

/// The object `handle` refers to: 0 for a freed or unknown handle, and for a weak one whose
/// object was collected.
pub fn handle_target(handle: u32) -> usize {
    let Some((word, kind)) = live_slot(handle) else {
        return 0;
    };
    if kind.is_weak() {
        // SAFETY: a live slot, read under the allocation lock (bdwgc's rule).
        unsafe { boehm::GC_call_with_alloc_lock(read_locked, word.cast()) as usize }
    } else {
        // SAFETY: a live strong slot.
        unsafe { word.read() }
    }
}

/// Makes `handle` refer to `object` (`GCHandle.Target = value`). False for a dead handle.
pub fn handle_set_target(handle: u32, object: usize) -> bool {
    let Some((word, kind)) = live_slot(handle) else {
        return false;
    };
    // SAFETY: a live slot of `kind`.
    unsafe { store(word, kind, object) };
    true
}

/// Frees `handle`; false when it was not live.
pub fn handle_free(handle: u32) -> bool {
    let Some((kind, slot)) = split(handle) else {
        return false;
    };
    let mut tables = tables();
    let slots = &mut tables[kind as usize];
    if !slots.is_used(slot) {
        return false;
    }
    let word = slots.word(slot);
    // SAFETY: the slot is live until it is marked free below.
    unsafe {
        if kind.is_weak() {
            unlink(word, kind);
        }
        word.write(0);
    }
    slots.used[slot as usize] = false;
    slots.free.push(slot);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn weak_to_garbage(kind: HandleKind) -> u32 {
        let object = crate::alloc(64).unwrap().as_ptr() as usize;
        handle_new(object, kind).unwrap()
    }

    #[test]
    fn strong_handles_keep_objects_and_weak_ones_let_them_go() {
        let strong_object = crate::alloc(64).unwrap().as_ptr() as usize;
        // SAFETY: 64 bytes.
        unsafe { (strong_object as *mut u64).write(0xfeed) };
        let strong = handle_new(strong_object, HandleKind::Normal).unwrap();
        let strong_object = std::hint::black_box(strong_object) ^ 0x5555;
        let weak: Vec<u32> = (0..100)
            .map(|_| weak_to_garbage(HandleKind::Weak))
            .collect();
        std::hint::black_box([0u64; 64]);
        for _ in 0..3 {
            crate::collect();
        }
        let cleared = weak.iter().filter(|h| handle_target(**h) == 0).count();
        assert!(cleared >= 90, "only {cleared} of 100 weak handles cleared");
        let target = handle_target(strong);
        assert_eq!(target, strong_object ^ 0x5555);
        // SAFETY: the handle kept the object alive.
        assert_eq!(unsafe { (target as *const u64).read() }, 0xfeed);
        assert_eq!(strong & 7, HandleKind::Normal as u32 + 1);
        assert!(handle_free(strong));
        assert!(!handle_free(strong));
        assert_eq!(handle_target(strong), 0);
        assert!(!handle_is_live(strong));
        for h in weak {
            assert!(handle_free(h));
        }
    }

    #[test]
    fn a_weak_handle_follows_its_target_while_it_lives() {
        let object = crate::alloc(16).unwrap().as_ptr() as usize;
        let h = handle_new(object, HandleKind::WeakTrackResurrection).unwrap();
        crate::collect();
        assert_eq!(handle_target(h), object);
        let other = crate::alloc(16).unwrap().as_ptr() as usize;
        assert!(handle_set_target(h, other));
        assert_eq!(handle_target(h), other);
        assert!(handle_set_target(h, 0));
        assert_eq!(handle_target(h), 0);
        assert!(handle_free(h));
        std::hint::black_box((object, other));
        assert_eq!(split(0), None);
    }
}
