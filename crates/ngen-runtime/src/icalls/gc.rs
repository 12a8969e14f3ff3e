//! `System.GC`'s icalls (`icall-def.h` `GC_*`, `mono/metadata/gc.c`): collections,
//! finalization control and the heap's figures, on `ngen-gc` (Boehm).
//!
//! Generations are Mono's SGen numbers as programs see them under `mono` (Debian's `mono` is
//! SGen): `MaxGeneration` is 1; every object reports generation 0 (Boehm has one).
//!
//! Depends on: `ngen_gc` (collections, finalization registration),
//! [`crate::finalization`] (running finalizers), [`crate::state::finalizers`].

/// Raises mono's `ArgumentNullException` for the `obj` parameter; true when `obj` is null.
fn null_argument(obj: u64) -> bool {
    if obj == 0 {
        crate::eh::raise::raise(
            "ArgumentNullException",
            "Value cannot be null.\nParameter name: obj",
        );
    }
    obj == 0
}

/// `_SuppressFinalize(object obj)`: the object's finalizer will not run
/// (`ves_icall_System_GC_SuppressFinalize`).
extern "C" fn suppress_finalize(obj: u64) {
    if !null_argument(obj) {
        ngen_gc::finalization::unregister_for_finalization(obj as usize);
    }
}

/// `_ReRegisterForFinalize(object obj)`: registers the object again (a finalizer that
/// resurrects its object, or after `SuppressFinalize`). Mono registers any object and runs
/// nothing for classes without a finalizer; here those are not registered at all.
extern "C" fn re_register_for_finalize(obj: u64) {
    if !null_argument(obj) && crate::state::finalizers::has_finalizer(obj) {
        ngen_gc::finalization::register_for_finalization(obj as usize);
    }
}

/// `InternalCollect(int generation)`: a full collection, whatever the generation (Boehm has
/// one). Finalizers it queues run at the next safe point.
extern "C" fn internal_collect(_generation: i32) {
    ngen_gc::collect();
}

/// `WaitForPendingFinalizers()`: runs every queued finalizer now, on this thread (Mono
/// wakes its finalizer thread and waits for it).
extern "C" fn wait_for_pending_finalizers() {
    crate::finalization::run_pending();
}

/// `GetTotalMemory(bool forceFullCollection)`: bytes in use, after a collection if asked.
extern "C" fn get_total_memory(force_full_collection: i32) -> i64 {
    if force_full_collection != 0 {
        ngen_gc::collect();
    }
    i64::try_from(ngen_gc::used_bytes()).unwrap_or(i64::MAX)
}

/// `GetCollectionCount(int generation)`: collections so far (every one is full).
extern "C" fn get_collection_count(generation: i32) -> i32 {
    if generation < 0 {
        return 0;
    }
    i32::try_from(ngen_gc::stats().collections).unwrap_or(i32::MAX)
}

/// `GetMaxGeneration()`: 1, as under SGen.
extern "C" fn get_max_generation() -> i32 {
    1
}

/// `GetGeneration(object obj)`: 0 (one generation).
extern "C" fn get_generation(_obj: u64) -> i32 {
    0
}

/// `get_ephemeron_tombstone()`: the object `ConditionalWeakTable` marks removed entries with,
/// made once and rooted (Mono makes it with the domain, `create_domain_objects`).
extern "C" fn get_ephemeron_tombstone() -> u64 {
    static TOMBSTONE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TOMBSTONE.get_or_init(|| {
        let tombstone = crate::state::objects::new_core_instance("Object")
            .unwrap_or_else(|e| crate::state::fatal(&format!("GC.get_ephemeron_tombstone: {e}")));
        crate::gc_roots::root_forever(tombstone);
        tombstone
    })
}

/// `KeepAlive(object obj)`, `RecordPressure(long bytes)` and
/// `register_ephemeron_array(Ephemeron[] array)`: nothing to do. Boehm has no ephemerons, so a
/// `ConditionalWeakTable`'s arrays stay ordinary scanned arrays: its keys live as long as the
/// table (entries are never collected early; lookups behave as under mono).: nothing to do (Mono's do
/// nothing either, with Boehm).
extern "C" fn nothing(_arg: u64) {}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetCollectionCount", get_collection_count as *const ()),
        ("GetGeneration", get_generation as *const ()),
        ("GetMaxGeneration", get_max_generation as *const ()),
        ("GetTotalMemory", get_total_memory as *const ()),
        ("InternalCollect", internal_collect as *const ()),
        ("KeepAlive", nothing as *const ()),
        ("RecordPressure", nothing as *const ()),
        (
            "WaitForPendingFinalizers",
            wait_for_pending_finalizers as *const (),
        ),
        (
            "_ReRegisterForFinalize",
            re_register_for_finalize as *const (),
        ),
        ("_SuppressFinalize", suppress_finalize as *const ()),
        (
            "get_ephemeron_tombstone",
            get_ephemeron_tombstone as *const (),
        ),
        ("register_ephemeron_array", nothing as *const ()),
    ]
}
