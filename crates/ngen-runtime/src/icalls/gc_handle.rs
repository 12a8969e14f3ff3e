//! `System.Runtime.InteropServices.GCHandle`'s icalls (`icall-def.h` `GCH_*`,
//! `mono/metadata/gc.c`), on `ngen_gc::handles`. mscorlib's `GCHandle` struct and
//! `WeakReference` (which holds a weak `GCHandle` and frees it in its finalizer) are compiled
//! from their IL on top of these.
//!
//! Depends on: `ngen_gc::handles`, [`crate::eh::raise`].

use ngen_gc::handles::{self, HandleKind};

/// `GetTargetHandle(object obj, int handle, GCHandleType type)`: with type -1, points
/// `handle` at `obj` and returns it; otherwise a new handle of that type
/// (`ves_icall_System_GCHandle_GetTargetHandle`).
extern "C" fn get_target_handle(obj: u64, handle: i32, kind: i32) -> i32 {
    if kind == -1 {
        handles::handle_set_target(handle as u32, obj as usize);
        return handle;
    }
    // The managed constructor maps other values to Normal before it calls.
    let kind = HandleKind::from_managed(kind).unwrap_or(HandleKind::Normal);
    match handles::handle_new(obj as usize, kind) {
        Some(h) => h as i32,
        None => {
            crate::eh::raise::raise("OutOfMemoryException", "Out of memory");
            0
        }
    }
}

/// `GetTarget(int handle)`: the object, or null when it was collected (weak) or the handle
/// is not live.
extern "C" fn get_target(handle: i32) -> u64 {
    handles::handle_target(handle as u32) as u64
}

/// `FreeHandle(int handle)`.
extern "C" fn free_handle(handle: i32) {
    handles::handle_free(handle as u32);
}

/// `CheckCurrentDomain(int handle)`: whether the handle is live (one domain here).
extern "C" fn check_current_domain(handle: i32) -> i32 {
    i32::from(handles::handle_is_live(handle as u32))
}

/// `GetAddrOfPinnedObject(int handle)`: the address of a pinned object's data: a string's
/// characters, an array's elements, a boxed value's bytes; -1 for a class with automatic
/// layout (ArgumentException), -2 for a handle that is not pinned (InvalidOperationException),
/// 0 for no object.
extern "C" fn get_addr_of_pinned_object(handle: i32) -> u64 {
    if handle & 7 != HandleKind::Pinned as i32 + 1 {
        return -2i64 as u64;
    }
    match handles::handle_target(handle as u32) as u64 {
        0 => 0,
        obj => match crate::state::arrays::pinned_data_offset(obj) {
            Some(offset) => obj + offset,
            None => -1i64 as u64,
        },
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("CheckCurrentDomain", check_current_domain as *const ()),
        ("FreeHandle", free_handle as *const ()),
        (
            "GetAddrOfPinnedObject",
            get_addr_of_pinned_object as *const (),
        ),
        ("GetTarget", get_target as *const ()),
        ("GetTargetHandle", get_target_handle as *const ()),
    ]
}
