//! The garbage collector: the one allocation API for managed objects.
//!
//! ## Model
//! Boehm-Demers-Weiser's conservative collector (Debian's `libgc`, bdwgc 8.2), as IL2CPP and
//! early Mono use it. Compiled code needs no GC information: the collector scans registered
//! thread stacks, registers, the data segments of the executable and of every mapped native
//! image (Boehm walks `dl_iterate_phdr` at each collection, so `dlopen`ed images count), and
//! every object allocated with [`alloc`]. Objects allocated with [`alloc_atomic`] are never
//! scanned, so they must hold no references: strings and arrays of primitives.
//!
//! ## Invariants
//! - Memory from the Rust heap is **not** scanned. A reference kept only in a `Vec`, a `Box`
//!   or a `HashMap` is invisible and its object may be freed. Runtime tables that hold
//!   references (import cells of JIT code, interned literals) live in [`alloc_uncollectable`]
//!   memory, or the reference is also held by something scanned.
//! - A reference stored in a collected or uncollectable block, a static or an image's data
//!   is the start of its object: only stacks and registers may hold pointers into objects
//!   (managed pointers), which keep them alive there. Heap references to interiors are not
//!   recognised ([`init`] turns Boehm's all-interior-pointers mode off, so objects are not
//!   padded).
//! - Every thread that holds references or allocates is registered: [`attach_current_thread`]
//!   (the allocation functions call it). A registered thread is unregistered when it exits.
//! - Every block is zeroed before it is returned, atomic ones included (Boehm clears only
//!   scanned blocks).
//! - Allocation never panics; `None` means out of memory and callers raise
//!   `OutOfMemoryException`.
//!
//! Small scanned objects come from per-thread free lists ([`free_lists`], Boehm's
//! `gc_inline.h` model) that compiled code pops inline. The collector runs when the bytes
//! allocated since the last collection reach the scanned live bytes (free-space divisor 1,
//! [`init`]) or, when more, six times the heap the last collection left occupied, at most
//! 24 MB ([`heap_policy`]).
//!
//! Finalization ([`finalization`]: run on demand at the runtime's safe points and all at exit,
//! as Mono runs them) and GC handles ([`handles`]: weak, weak tracking resurrection, normal,
//! pinned, numbered as Mono numbers them) sit on Boehm's finalizers and disappearing links.
//!
//! ## Deliberately not done yet
//! Typed (GC-descriptor) allocation: it comes with the type system's GC descriptors.
//!
//! ## Debugging
//! `NGEN_LOG=gc` makes the runtime print [`stats`] at exit. Boehm's own variables
//! (`GC_PRINT_STATS`, `GC_INITIAL_HEAP_SIZE`, `GC_MAXIMUM_HEAP_SIZE`, `GC_DONT_GC`) work as
//! documented by bdwgc. Mono's own limit works too: `MONO_GC_PARAMS=max-heap-size=64m` caps the
//! heap ([`max_heap_size_from_mono_params`], then `GC_set_max_heap_size`), so a program runs out
//! of memory under the same variable as under mono. Boehm's warnings (such as "repeated allocation of very large block")
//! are not printed, because a program's stderr must equal mono's; `NGEN_LOG=gc` prints them.
//!
//! Depends on: libgc (system library, `tests/setup.sh` installs `libgc-dev`).

mod boehm;
pub mod finalization;
pub mod free_lists;
pub mod handles;
mod heap_policy;

use std::cell::Cell;
use std::ffi::{CStr, c_char};
use std::ptr::NonNull;
use std::sync::Once;

/// Collector figures for diagnostics (`NGEN_LOG=gc`) and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Collections run so far.
    pub collections: usize,
    /// Bytes the collector has mapped for its heap.
    pub heap_bytes: usize,
    /// Bytes allocated since the process started.
    pub allocated_bytes: usize,
}

static INIT: Once = Once::new();

/// The heap the collector starts with, unless `GC_INITIAL_HEAP_SIZE` says otherwise.
const INITIAL_HEAP_BYTES: usize = 4 << 20;

/// Boehm's free-space divisor, unless `GC_FREE_SPACE_DIVISOR` says otherwise (see [`init`]).
const FREE_SPACE_DIVISOR: usize = 1;

thread_local! {
    /// Unregisters this thread from the collector when it exits.
    static REGISTRATION: Registration = const { Registration { registered: Cell::new(false) } };
}

struct Registration {
    registered: Cell<bool>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.registered.get() {
            // SAFETY: this thread registered itself (or initialised the collector, and the
            // initialising thread may be unregistered once); it is exiting and holds no
            // references the collector must still see.
            unsafe { boehm::GC_unregister_my_thread() };
        }
    }
}

/// Starts the collector. Idempotent and thread-safe; the thread that starts it is registered.
///
/// Call it as early as possible on the thread that will run managed code or on the
/// process's main thread; any thread works, because the calling thread's own stack bottom is
/// given to the collector before it starts.
pub fn init() {
    INIT.call_once(|| {
        let mut base = boehm::StackBase {
            mem_base: std::ptr::null_mut(),
        };
        // SAFETY: calls into libgc with a valid out-pointer. Setting the stack bottom before
        // GC_init is documented (gc.h, GC_set_stackbottom) and makes GC_init register the
        // calling thread with its real stack, whether or not it is the primordial thread.
        unsafe {
            if boehm::GC_get_stack_base(&mut base) == boehm::GC_SUCCESS {
                boehm::GC_set_stackbottom(std::ptr::null_mut(), &base);
            }
            // One marker (the collecting thread itself), unless `GC_MARKERS` says otherwise
            // (libgc reads it in GC_init and it wins over this default). Parallel marker
            // threads only pay off for heaps far larger than a typical program's, and each
            // costs a thread, its stack and its buffers in every process: 0.02 MiB of private
            // memory per instance (docs/BENCHMARKS.md section 10).
            boehm::GC_set_markers_count(1);
            // Interior pointers are recognised only where managed pointers can live: thread
            // stacks and registers (Boehm's `GC_mark_and_push_stack` maps any address inside
            // an object to its start whatever this setting). A managed pointer (`ldelema`,
            // `ldflda`, a `Span<T>`'s `ByReference<T>`) can never be stored in the heap or a
            // static (ECMA-335 II.14.4.2, ref structs), so heap and static references are
            // object starts. With the setting off Boehm adds no byte at an object's end, so
            // a 32-byte instance takes a 32-byte block, not 48: a third less to allocate,
            // sweep and mark (docs/BENCHMARKS.md section 17). A pointer one past an object's
            // end keeps the next object alive, not this one, as in mono's conservative scan.
            boehm::GC_set_all_interior_pointers(0);
            boehm::GC_init();
            boehm::GC_set_warn_proc(warn);
            if let Some(limit) = std::env::var("MONO_GC_PARAMS")
                .ok()
                .and_then(|p| max_heap_size_from_mono_params(&p))
            {
                boehm::GC_set_max_heap_size(limit);
            }
            if std::env::var_os("GC_INITIAL_HEAP_SIZE").is_none() {
                // Boehm starts with a heap of a few hundred KiB and, with a small live set,
                // collects every ~100 KiB of allocation: thousands of collections, each
                // scanning every data segment. A 4 MiB start (Mono's nursery size) cuts that
                // twenty-fold for the same peak resident set as mono (measured in
                // docs/BENCHMARKS.md). A failure only means a smaller heap.
                boehm::GC_expand_hp(INITIAL_HEAP_BYTES);
            }
            if std::env::var_os("GC_FREE_SPACE_DIVISOR").is_none() {
                // Boehm collects once the bytes allocated since the last collection reach
                // about the scanned live bytes over this divisor (3 by default), and each
                // collection marks all live data again (no generations). A program with a large
                // long-lived structure (binary-trees' tree of depth 16) then spends most of its
                // time re-marking it; divisor 1 collects a third as often for a heap at most
                // the live set larger, still under mono's peak resident set there
                // (docs/BENCHMARKS.md section 11).
                boehm::GC_set_free_space_divisor(FREE_SPACE_DIVISOR);
            }
            heap_policy::install();
            boehm::GC_allow_register_threads();
        }
        REGISTRATION.with(|r| r.registered.set(true));
    });
}

/// The `max-heap-size` of a `MONO_GC_PARAMS` value (`max-heap-size=64m,nursery-size=4m`), in
/// bytes, with mono's suffixes (`k`, `m`, `g`, either case; none means bytes). `None` when the
/// option is absent or malformed (mono then ignores it too, with a warning).
pub fn max_heap_size_from_mono_params(params: &str) -> Option<usize> {
    let value = params
        .split(',')
        .find_map(|option| option.trim().strip_prefix("max-heap-size="))?;
    let (digits, unit) = match value.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&value[..i], c.to_ascii_lowercase()),
        _ => (value, 'b'),
    };
    let shift = match unit {
        'b' => 0,
        'k' => 10,
        'm' => 20,
        'g' => 30,
        _ => return None,
    };
    let number: usize = digits.parse().ok()?;
    number.checked_mul(1 << shift).filter(|n| *n > 0)
}

/// Registers the calling thread with the collector, so its stack is scanned and it may
/// allocate. Idempotent; the registration ends when the thread exits.
pub fn attach_current_thread() {
    init();
    REGISTRATION.with(|r| {
        if r.registered.get() {
            return;
        }
        // SAFETY: the collector is initialised and thread registration allowed (init).
        unsafe {
            if boehm::GC_thread_is_registered() == 0 {
                let mut base = boehm::StackBase {
                    mem_base: std::ptr::null_mut(),
                };
                if boehm::GC_get_stack_base(&mut base) != boehm::GC_SUCCESS {
                    // Without a stack base the thread cannot be scanned; allocating from it
                    // would be unsound, so this is a runtime bug, reported as such.
                    eprintln!("ngen-gc: cannot find this thread's stack base");
                    std::process::abort();
                }
                boehm::GC_register_my_thread(&base);
            }
        }
        r.registered.set(true);
    });
}

/// Registers the calling thread, whose stack ends (its cold end) at `stack_base`: the
/// collector scans it from the stack pointer up to there, so words the thread keeps just
/// above its stack proper (a runtime's per-thread block) are scanned too. Idempotent; the
/// registration ends when the thread exits.
pub fn attach_current_thread_with_stack_base(stack_base: usize) {
    init();
    REGISTRATION.with(|r| {
        if r.registered.get() {
            return;
        }
        let base = boehm::StackBase {
            mem_base: stack_base as *mut std::ffi::c_void,
        };
        // SAFETY: the collector is initialised and thread registration allowed (init); the
        // caller's stack lies below `stack_base`.
        unsafe {
            if boehm::GC_thread_is_registered() == 0 {
                boehm::GC_register_my_thread(&base);
            }
        }
        r.registered.set(true);
    });
}

/// Allocates `size` zeroed bytes that the collector scans for references (objects with
/// reference fields, arrays of references). `None` when out of memory.
pub fn alloc(size: usize) -> Option<NonNull<u8>> {
    attach_current_thread();
    // SAFETY: the thread is registered; GC_malloc returns zeroed memory or null.
    NonNull::new(unsafe { boehm::GC_malloc(size.max(1)) }.cast())
}

/// Allocates `size` zeroed bytes that the collector never scans: for objects without
/// references (strings, arrays of primitives). `None` when out of memory.
pub fn alloc_atomic(size: usize) -> Option<NonNull<u8>> {
    attach_current_thread();
    // SAFETY: the thread is registered; the block has `size` writable bytes, which are
    // zeroed here because GC_malloc_atomic does not clear them.
    unsafe {
        let ptr = NonNull::new(boehm::GC_malloc_atomic(size.max(1)).cast::<u8>())?;
        zero(ptr.as_ptr(), size);
        Some(ptr)
    }
}

/// Blocks at least this large are zeroed lazily (see [`zero`]).
const LAZY_ZERO_BYTES: usize = 1 << 20;
const PAGE: usize = 4096;

/// Zeroes `size` bytes at `ptr`. The whole pages inside a large block are given back with
/// `madvise(MADV_DONTNEED)` instead of written: Boehm's heap is private anonymous memory, which
/// reads as zero pages afterwards and takes RAM only when touched. So `new long[int.MaxValue]`
/// reserves 16 GiB as mono's does, instead of writing 16 GiB of zeros.
///
/// # Safety
/// `ptr..ptr + size` must be a block this thread owns, in the collector's heap.
unsafe fn zero(ptr: *mut u8, size: usize) {
    let start = ptr as usize;
    let first_page = start.next_multiple_of(PAGE);
    let end = start + size;
    let last_page = end - end % PAGE;
    // SAFETY (all three): the ranges lie inside the caller's block.
    if size >= LAZY_ZERO_BYTES
        && last_page > first_page
        && unsafe {
            libc::madvise(
                first_page as *mut libc::c_void,
                last_page - first_page,
                libc::MADV_DONTNEED,
            )
        } == 0
    {
        unsafe {
            std::ptr::write_bytes(ptr, 0, first_page - start);
            std::ptr::write_bytes(last_page as *mut u8, 0, end - last_page);
        }
    } else {
        unsafe { std::ptr::write_bytes(ptr, 0, size) };
    }
}

/// Allocates `size` zeroed bytes that are scanned like a root and never freed: runtime
/// tables that hold references (import cells of JIT-compiled code). `None` when out of memory.
pub fn alloc_uncollectable(size: usize) -> Option<NonNull<u8>> {
    attach_current_thread();
    // SAFETY: the thread is registered; uncollectable blocks are zeroed like GC_malloc's.
    NonNull::new(unsafe { boehm::GC_malloc_uncollectable(size.max(1)) }.cast())
}

/// Runs a full collection (`GC.Collect`).
pub fn collect() {
    attach_current_thread();
    // SAFETY: the thread is registered.
    unsafe { boehm::GC_gcollect() };
}

/// Bytes of the heap in use (heap size less free bytes): `GC.GetTotalMemory`, as Mono's Boehm
/// backend answers it (`mono_gc_get_used_size`).
pub fn used_bytes() -> usize {
    if !INIT.is_completed() {
        return 0;
    }
    // SAFETY: unsynchronised getters of an initialised collector (gc.h allows this).
    unsafe { boehm::GC_get_heap_size().saturating_sub(boehm::GC_get_free_bytes()) }
}

/// The collector's figures so far (all zero before [`init`]).
pub fn stats() -> GcStats {
    if !INIT.is_completed() {
        return GcStats::default();
    }
    // SAFETY: unsynchronised getters of an initialised collector (gc.h allows this).
    unsafe {
        GcStats {
            collections: boehm::GC_get_gc_no(),
            heap_bytes: boehm::GC_get_heap_size(),
            allocated_bytes: boehm::GC_get_total_bytes(),
        }
    }
}

/// Boehm's warnings go to stderr only under `NGEN_LOG=gc` (a program's stderr must equal mono's).
unsafe extern "C" fn warn(msg: *mut c_char, arg: usize) {
    if log_enabled() && !msg.is_null() {
        // SAFETY: Boehm passes a NUL-terminated printf format with at most one `%ld`/`%lu`.
        let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
        let text = text
            .replace("%lu", &arg.to_string())
            .replace("%ld", &arg.to_string());
        eprint!("ngen[gc]: {text}");
    }
}

/// Whether `NGEN_LOG` names `gc` (or `all`).
pub fn log_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("NGEN_LOG")
            .map(|v| v.split(',').any(|p| matches!(p.trim(), "gc" | "all")))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_atomic_blocks_are_zero_even_when_reused() {
        for _ in 0..3 {
            let size = 3 * LAZY_ZERO_BYTES + 123;
            let block = alloc_atomic(size).unwrap().as_ptr();
            // SAFETY: the block has `size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts_mut(block, size) };
            assert!(bytes.iter().all(|b| *b == 0));
            bytes.fill(0xAB);
            collect();
        }
    }

    /// A scanned block of `size` bytes and a weak handle to it; returns `block + offset`.
    #[inline(never)]
    fn block_with_weak_handle(size: usize, offset: usize) -> (usize, u32) {
        let block = alloc(size).unwrap().as_ptr() as usize;
        let weak = handles::handle_new(block, handles::HandleKind::Weak).unwrap();
        (block + offset, weak)
    }

    /// Overwrites the stack below the caller's frame, so that no stale copy of a block's
    /// address stays where the conservative scan would find it.
    #[inline(never)]
    fn scrub_stack() {
        std::hint::black_box([0usize; 4096]);
    }

    /// Whether a block of `size` bytes survives collections (with garbage of its size class
    /// coming and going) while its only reference is `block + offset`, kept in this frame as
    /// a managed pointer into an object is kept in a register or a stack slot.
    #[inline(never)]
    fn survives_with_only_an_interior_pointer(size: usize, offset: usize) -> bool {
        let (interior, weak) = block_with_weak_handle(size, offset);
        let interior = std::hint::black_box(interior);
        scrub_stack();
        for _ in 0..3 {
            for _ in 0..20_000 {
                std::hint::black_box(alloc(size));
            }
            scrub_stack();
            collect();
        }
        let live =
            handles::handle_is_live(weak) && handles::handle_target(weak) == interior - offset;
        handles::handle_free(weak);
        std::hint::black_box(interior);
        live
    }

    #[test]
    fn an_interior_pointer_on_the_stack_keeps_its_object_alive() {
        init();
        for (size, offset) in [
            (32, 8),
            (32, 31),
            (48, 40),
            (4096, 4000),
            (1 << 16, 1 << 15),
        ] {
            assert!(
                survives_with_only_an_interior_pointer(size, offset),
                "a {size}-byte block with a pointer at offset {offset}"
            );
        }
    }

    #[test]
    fn objects_are_not_padded_for_pointers_past_their_end() {
        init();
        // SAFETY: a getter of libgc's configuration, after GC_init.
        assert_eq!(unsafe { boehm::GC_get_all_interior_pointers() }, 0);
        // Consecutive 32-byte blocks are 32 bytes apart (48 with Boehm's extra byte).
        let blocks: Vec<usize> = (0..64)
            .map(|_| alloc(32).unwrap().as_ptr() as usize)
            .collect();
        assert!(
            blocks.windows(2).any(|w| w[1].abs_diff(w[0]) == 32),
            "{blocks:x?}"
        );
    }

    #[test]
    fn mono_heap_limit_is_parsed_as_mono_parses_it() {
        let parse = max_heap_size_from_mono_params;
        assert_eq!(parse("max-heap-size=64m"), Some(64 << 20));
        assert_eq!(parse("nursery-size=4m,max-heap-size=1G"), Some(1 << 30));
        assert_eq!(parse("max-heap-size=512k"), Some(512 << 10));
        assert_eq!(parse("max-heap-size=4096"), Some(4096));
        assert_eq!(parse("nursery-size=4m"), None);
        assert_eq!(parse("max-heap-size=lots"), None);
        assert_eq!(parse("max-heap-size=12x"), None);
        assert_eq!(parse("max-heap-size=0"), None);
    }

    #[test]
    fn blocks_are_zeroed_and_aligned() {
        for size in [1, 7, 16, 100, 4096, 1 << 20] {
            for block in [
                alloc(size).unwrap(),
                alloc_atomic(size).unwrap(),
                alloc_uncollectable(size).unwrap(),
            ] {
                assert_eq!(block.as_ptr() as usize % 16, 0);
                // SAFETY: the block has `size` bytes.
                let bytes = unsafe { std::slice::from_raw_parts(block.as_ptr(), size) };
                assert!(bytes.iter().all(|b| *b == 0));
            }
        }
    }

    #[test]
    fn garbage_is_reclaimed_and_live_objects_survive() {
        // A linked list kept alive through this stack frame must survive many collections
        // while 400 MB of garbage comes and goes, and the heap must stay far below 400 MB.
        let head = alloc(16).unwrap().as_ptr().cast::<usize>();
        let mut tail = head;
        for i in 0..1000usize {
            let node = alloc(16).unwrap().as_ptr().cast::<usize>();
            // SAFETY: both nodes have two words.
            unsafe {
                node.add(1).write(i);
                tail.write(node as usize);
            }
            tail = node;
        }
        for _ in 0..100_000 {
            let garbage = alloc_atomic(4096).unwrap();
            std::hint::black_box(garbage);
        }
        collect();
        let mut count = 0;
        // SAFETY: walks the list built above; every `next` word is a node or 0.
        unsafe {
            let mut node = head.read() as *const usize;
            while !node.is_null() {
                assert_eq!(node.add(1).read(), count);
                count += 1;
                node = node.read() as *const usize;
            }
        }
        std::hint::black_box(head);
        assert_eq!(count, 1000);
        let stats = stats();
        assert!(stats.collections > 0, "{stats:?}");
        assert!(stats.heap_bytes < 64 << 20, "heap grew to {stats:?}");
    }

    #[test]
    fn threads_register_allocate_and_leave() {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut keep = 0usize;
                    for i in 0..20_000 {
                        let block = alloc(64).unwrap();
                        // SAFETY: 64 bytes.
                        unsafe { block.as_ptr().cast::<usize>().write(t * i) };
                        keep ^= block.as_ptr() as usize;
                    }
                    keep
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        collect();
    }
}
