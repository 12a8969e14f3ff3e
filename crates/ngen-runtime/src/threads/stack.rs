//! The stacks managed code runs on, and the per-thread block compiled code finds from its
//! stack pointer (the pending-exception word).
//!
//! ## Model
//! Every thread that runs managed code (the managed-main thread, each `Thread.Start`ed one)
//! runs on a stack this module maps: a region of [`region_size`] bytes (a power of two, the
//! same for every thread) aligned to its size, laid out from the top as one page of thread
//! block, then the stack proper (as large as asked), and below it inaccessible pages (the
//! guard: an overflow faults there, [`crate::faults`]). Compiled code finds the block with
//! no call and no thread-local access: `(sp | (region_size - 1)) - 7` is the block's last word,
//! the thread's pending-exception word (`translate/eh.rs`, `pending_word`; helper slot
//! `PendingException` holds the mask `region_size - 1`). Go's early runtimes and several
//! JVMs found their thread structure from an aligned stack the same way; the anchors'
//! alternatives (a pinned register, a hidden argument, ELF TLS) need every entry into managed
//! code to set a register, or a dynamic linker for images.
//!
//! The collector scans the block: the thread registers with the region's top as its stack
//! base, so the exception in flight stays alive while it propagates. Rust code reaches the
//! same word through a thread-local pointer ([`pending_word`]); a thread without a managed
//! stack uses one process-wide word.
//!
//! A finished thread's region is unmapped by the next [`spawn`] after its OS thread was
//! joined (a thread cannot unmap the stack it runs on).
//!
//! Depends on: `libc` (mmap, pthreads), `ngen_gc` (registration with the region's top),
//! [`crate::faults`] (the stack size of the main thread).

use std::cell::Cell;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock};

const PAGE: usize = 4096;
/// The least inaccessible memory below a stack (a frame larger than this that skips it
/// would land in the region below, unmapped).
const MIN_GUARD: usize = 64 * 1024;

/// The pending-exception word of threads without a managed stack (the process's main
/// thread, tests).
static SHARED_WORD: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's block word, when it runs on a managed stack.
    static BLOCK_WORD: Cell<*const AtomicU64> = const { Cell::new(std::ptr::null()) };
}

/// The size of every managed stack region: the smallest power of two holding the main
/// thread's stack ([`crate::faults::managed_stack_size`]), the block page and the guard.
pub(crate) fn region_size() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        (crate::faults::managed_stack_size() + PAGE + MIN_GUARD).next_power_of_two()
    })
}

/// The largest stack a managed thread may have.
pub(crate) fn max_stack_size() -> usize {
    region_size() - PAGE - MIN_GUARD
}

/// Helper slot `PendingException`: the mask compiled code ORs into its stack pointer.
pub(crate) fn block_mask() -> u64 {
    (region_size() - 1) as u64
}

/// The calling thread's pending-exception word.
pub(crate) fn pending_word() -> &'static AtomicU64 {
    let word = BLOCK_WORD.with(Cell::get);
    if word.is_null() {
        &SHARED_WORD
    } else {
        // SAFETY: the word lies in this thread's block page, mapped for the thread's life.
        unsafe { &*word }
    }
}

/// The head of this thread's allocation free list `class` in its block
/// (`ngen_abi::thread_block`), or `None` on a thread without a managed stack.
pub(crate) fn free_list(class: u32) -> Option<*mut usize> {
    let word = BLOCK_WORD.with(Cell::get);
    if word.is_null() {
        return None;
    }
    let offset = ngen_abi::thread_block::free_list_offset(class) as isize;
    // SAFETY: the block page holds the pending word and the free lists below it.
    Some(
        unsafe { word.cast::<u8>().offset(offset) }
            .cast::<usize>()
            .cast_mut(),
    )
}

/// The word of this thread's block at `offset` bytes from its pending-exception word
/// (`ngen_abi::thread_block`: the frame-record chain, the probe request), or `None` on a
/// thread without a managed stack.
pub(crate) fn block_word(offset: i32) -> Option<*mut u64> {
    let word = BLOCK_WORD.with(Cell::get);
    if word.is_null() {
        return None;
    }
    // SAFETY: the block page holds the pending word and the words below it.
    Some(
        unsafe { word.cast::<u8>().offset(offset as isize) }
            .cast::<u64>()
            .cast_mut(),
    )
}

/// A mapped region: its base (aligned to [`region_size`]).
struct Region {
    base: usize,
}

impl Region {
    /// Maps a region whose stack has `stack_size` bytes (rounded to pages).
    fn map(stack_size: usize) -> Result<Region, String> {
        let size = region_size();
        let stack_size = stack_size
            .div_ceil(PAGE)
            .saturating_mul(PAGE)
            .min(max_stack_size());
        // SAFETY: an anonymous reservation of twice the size, trimmed to an aligned region;
        // only the block page and the stack become accessible.
        unsafe {
            let reserved = libc::mmap(
                std::ptr::null_mut(),
                2 * size,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            if reserved == libc::MAP_FAILED {
                return Err("cannot map a thread stack".to_string());
            }
            let start = reserved as usize;
            let base = (start + size - 1) & !(size - 1);
            if base > start {
                libc::munmap(start as *mut libc::c_void, base - start);
            }
            let tail = start + 2 * size - (base + size);
            if tail > 0 {
                libc::munmap((base + size) as *mut libc::c_void, tail);
            }
            let usable = stack_size + PAGE;
            let low = base + size - usable;
            if libc::mprotect(
                low as *mut libc::c_void,
                usable,
                libc::PROT_READ | libc::PROT_WRITE,
            ) != 0
            {
                libc::munmap(base as *mut libc::c_void, size);
                return Err("cannot map a thread stack".to_string());
            }
            Ok(Region { base })
        }
    }

    fn top(&self) -> usize {
        self.base + region_size()
    }

    /// The stack proper, `(low, size)`, below the block page.
    fn stack(&self, stack_size: usize) -> (usize, usize) {
        let size = stack_size
            .div_ceil(PAGE)
            .saturating_mul(PAGE)
            .min(max_stack_size());
        (self.top() - PAGE - size, size)
    }
}

/// OS threads that finished, with their regions, to join and unmap.
static FINISHED: Mutex<Vec<(libc::pthread_t, usize)>> = Mutex::new(Vec::new());

/// Joins the finished threads and unmaps their regions.
fn reap() {
    let finished = std::mem::take(&mut *FINISHED.lock().unwrap_or_else(|p| p.into_inner()));
    for (thread, base) in finished {
        // SAFETY: each thread was created joinable by `spawn` and is joined once; its region
        // is no longer used once it has exited.
        unsafe {
            libc::pthread_join(thread, std::ptr::null_mut());
            libc::munmap(base as *mut libc::c_void, region_size());
        }
    }
}

/// What the new thread runs, and where its region is.
struct Launch {
    body: Box<dyn FnOnce() + Send>,
    top: usize,
    base: usize,
    /// Whether the region is unmapped after the thread exits (else its owner joins it).
    reaped: bool,
}

extern "C" fn trampoline(launch: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `spawn` passed a leaked `Box<Launch>`, received exactly once here.
    let launch = unsafe { Box::from_raw(launch.cast::<Launch>()) };
    let Launch {
        body,
        top,
        base,
        reaped,
    } = *launch;
    let word = (top - size_of::<u64>()) as *const AtomicU64;
    BLOCK_WORD.with(|w| w.set(word));
    // The collector scans up to the region's top, the block included.
    ngen_gc::attach_current_thread_with_stack_base(top);
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).is_err() {
        crate::state::fatal("a managed thread panicked");
    }
    if reaped {
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        FINISHED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((me, base));
    }
    std::ptr::null_mut()
}

/// A thread started by [`spawn`] that its starter joins.
pub(crate) struct Joinable<T> {
    thread: libc::pthread_t,
    base: usize,
    result: std::sync::Arc<Mutex<Option<T>>>,
}

impl<T> Joinable<T> {
    /// Waits for the thread and returns its result (`None` if it ended without one).
    pub(crate) fn join(self) -> Option<T> {
        // SAFETY: the thread is joinable and joined once; its region is unused afterwards.
        unsafe {
            libc::pthread_join(self.thread, std::ptr::null_mut());
            libc::munmap(self.base as *mut libc::c_void, region_size());
        }
        self.result.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Starts `body` on a new OS thread with a managed stack of `stack_size` bytes (at most
/// [`max_stack_size`]), registered with the collector; the starter joins it.
pub(crate) fn spawn_joinable<T: Send + 'static>(
    stack_size: usize,
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<Joinable<T>, String> {
    let result = std::sync::Arc::new(Mutex::new(None));
    let slot = result.clone();
    let (thread, base) = launch(
        stack_size,
        Box::new(move || {
            let value = body();
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
        }),
        false,
    )?;
    Ok(Joinable {
        thread,
        base,
        result,
    })
}

/// Starts `body` on a new OS thread with a managed stack of `stack_size` bytes; nobody joins
/// it: its region is unmapped by a later spawn after it has exited.
pub(crate) fn spawn(stack_size: usize, body: impl FnOnce() + Send + 'static) -> Result<(), String> {
    reap();
    launch(stack_size, Box::new(body), true).map(|_| ())
}

fn launch(
    stack_size: usize,
    body: Box<dyn FnOnce() + Send>,
    reaped: bool,
) -> Result<(libc::pthread_t, usize), String> {
    let region = Region::map(stack_size)?;
    let (low, size) = region.stack(stack_size);
    let launch = Box::into_raw(Box::new(Launch {
        body,
        top: region.top(),
        base: region.base,
        reaped,
    }));
    // SAFETY: a fresh attribute object with a stack inside the mapped region; the trampoline
    // takes ownership of `launch` when the thread starts.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        libc::pthread_attr_setstack(&mut attr, low as *mut libc::c_void, size);
        let mut thread: libc::pthread_t = 0;
        let status = libc::pthread_create(&mut thread, &attr, trampoline, launch.cast());
        libc::pthread_attr_destroy(&mut attr);
        if status != 0 {
            drop(Box::from_raw(launch));
            libc::munmap(region.base as *mut libc::c_void, region_size());
            return Err(format!("pthread_create failed ({status})"));
        }
        Ok((thread, region.base))
    }
}
