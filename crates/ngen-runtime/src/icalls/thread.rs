//! `System.Threading.Thread`'s icalls (`icall-def.h` `THREAD_*`).
//!
//! - `GetCurrentThread`: the calling OS thread's `Thread` object ([`crate::threads::current`]);
//!   `Thread.CurrentThread` calls it when its `[ThreadStatic] current_thread` is still null.
//! - `ConstructInternalThread`, `Thread_internal` (start), `JoinInternal`, `SleepInternal`,
//!   `YieldInternal`, `GetState`/`SetState`/`ClrState` ([`crate::threads::start`]),
//!   `MemoryBarrier`, `SpinWait_nop`, `SystemMaxStackStize`, `GetDomainID` (the root domain).
//! - `GetName_internal`, `SetName_icall`: the name lives in the `InternalThread`'s
//!   `name_chars`/`name_length` words as Mono's `MonoThreadName` (here UTF-16 code units in a
//!   block of the Rust heap, made once per name and never freed: a name is set at most once,
//!   `Thread.Name can only be set once.`).
//!
//! - `GetPriorityNative`, `SetPriorityNative`: the `InternalThread`'s `priority` (Normal when
//!   made); setting it changes no OS scheduling (Mono's `mono_thread_internal_set_priority`
//!   leaves `SCHED_OTHER` threads' priority alone on Linux). NUnit's event pump sets it.
//!
//! Failures raise Mono's exceptions (`ThreadStateException`, `InvalidOperationException`)
//! through the pending word.
//!
//! Depends on: [`crate::threads`], [`crate::eh::raise`].

use crate::state::objects::core_field_offset;
use crate::threads::current::{read, write};
use crate::threads::start::{self, state};

/// `Thread GetCurrentThread ()`.
extern "C" fn get_current_thread() -> u64 {
    crate::threads::current::current_thread()
}

/// The offset of `<class>.<name>` (a core-library class of the runtime's mirrors).
fn offset_of(class: &str, name: &str) -> u32 {
    core_field_offset(class, name)
        .unwrap_or_else(|e| crate::state::fatal(&format!("{class}.{name}: {e}")))
}

fn internal_field(name: &str) -> u32 {
    offset_of("Threading.InternalThread", name)
}

/// `this.internal_thread`, made (`Unstarted`, the next managed id) when still null, as
/// `Thread.Internal` asks `ConstructInternalThread` to.
fn internal_of(thread: u64) -> u64 {
    let offset = offset_of("Threading.Thread", "internal_thread");
    let existing: u64 = read(thread, offset);
    if existing != 0 {
        return existing;
    }
    construct_internal_thread(thread);
    read(thread, offset)
}

/// `void ConstructInternalThread ()` (instance).
extern "C" fn construct_internal_thread(thread: u64) {
    let id = crate::threads::current::next_managed_id();
    let internal = crate::threads::current::new_internal_thread(id, false)
        .unwrap_or_else(|e| crate::state::fatal(&format!("new Thread: {e}")));
    let offset = offset_of("Threading.Thread", "internal_thread");
    // SAFETY: the field is an aligned reference word of the live `Thread`.
    let word = unsafe { &*((thread + u64::from(offset)) as *const std::sync::atomic::AtomicU64) };
    let _ = word.compare_exchange(
        0,
        internal,
        std::sync::atomic::Ordering::AcqRel,
        std::sync::atomic::Ordering::Acquire,
    );
}

/// `bool Thread_internal (MulticastDelegate start)` (instance): starts the thread.
extern "C" fn thread_internal(thread: u64, delegate: u64) -> i32 {
    let internal = internal_of(thread);
    if start::get_state(internal) & state::UNSTARTED == 0 {
        crate::eh::raise::raise(
            "Threading.ThreadStateException",
            "Thread has already been started.",
        );
        return 0;
    }
    let argument: u64 = read(thread, offset_of("Threading.Thread", "m_ThreadStartArg"));
    match start::start(thread, internal, delegate, argument) {
        Ok(()) => 1,
        Err(_) => 0,
    }
}

/// `bool JoinInternal (int millisecondsTimeout)` (instance).
extern "C" fn join_internal(thread: u64, timeout_ms: i32) -> i32 {
    let internal = internal_of(thread);
    if start::get_state(internal) & state::UNSTARTED != 0 {
        crate::eh::raise::raise(
            "Threading.ThreadStateException",
            "Thread has not been started.",
        );
        return 0;
    }
    i32::from(start::join(internal, timeout_ms))
}

/// `void SleepInternal (int millisecondsTimeout)`: -1 (`Timeout.Infinite`) sleeps forever.
extern "C" fn sleep_internal(timeout_ms: i32) {
    match u64::try_from(timeout_ms) {
        Ok(0) => std::thread::yield_now(),
        Ok(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
        Err(_) => loop {
            std::thread::park();
        },
    }
}

/// `bool YieldInternal ()`.
extern "C" fn yield_internal() -> i32 {
    std::thread::yield_now();
    1
}

/// `ThreadState GetState (InternalThread thread)`.
extern "C" fn get_state(internal: u64) -> i32 {
    start::get_state(internal)
}

/// `void SetState (InternalThread thread, ThreadState set)`.
extern "C" fn set_state(internal: u64, bits: i32) {
    start::change_state(internal, bits, true);
}

/// `void ClrState (InternalThread thread, ThreadState clr)`.
extern "C" fn clr_state(internal: u64, bits: i32) {
    start::change_state(internal, bits, false);
}

/// `void MemoryBarrier ()`: a full fence (`mono_memory_barrier`).
extern "C" fn memory_barrier() {
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}

/// `void SpinWait_nop ()`.
extern "C" fn spin_wait_nop() {
    std::hint::spin_loop();
}

/// `int SystemMaxStackStize ()` (sic): the stack limit a thread may ask for.
extern "C" fn system_max_stack_size() -> i32 {
    i32::try_from(crate::threads::stack::max_stack_size()).unwrap_or(i32::MAX)
}

/// `int GetDomainID ()`: the one (root) domain's id, 0 as Mono's root domain.
extern "C" fn get_domain_id() -> i32 {
    0
}

/// `string GetName_internal (InternalThread thread)`: the name, or null.
extern "C" fn get_name(internal: u64) -> u64 {
    let chars: u64 = read(internal, internal_field("name_chars"));
    if chars == 0 {
        return 0;
    }
    let length: i32 = read(internal, internal_field("name_length"));
    // SAFETY: `chars` is the block `set_name` leaked for this name, `length` units long.
    let name = unsafe { std::slice::from_raw_parts(chars as *const u16, length as usize) };
    crate::alloc::alloc_string(name) as u64
}

/// `void SetName_icall (InternalThread thread, char* name, int nameLength)`: names the thread
/// once (`InvalidOperationException` after a name was set); a null name sets nothing.
extern "C" fn set_name(internal: u64, name: *const u16, length: i32) {
    if name.is_null() {
        return;
    }
    let chars_field = internal_field("name_chars");
    if read::<u64>(internal, chars_field) != 0 {
        crate::eh::raise::raise(
            "InvalidOperationException",
            "Thread.Name can only be set once.",
        );
        return;
    }
    let length = length.max(0);
    // SAFETY: the caller pins the string and passes its chars and length.
    let units = unsafe { std::slice::from_raw_parts(name, length as usize) };
    let block: &'static [u16] = Box::leak(units.to_vec().into_boxed_slice());
    write(internal, internal_field("name_length"), length);
    write(internal, chars_field, block.as_ptr() as u64);
}

/// `int GetPriorityNative ()`.
extern "C" fn get_priority(thread: u64) -> i32 {
    read(internal_of(thread), internal_field("priority"))
}

/// `void SetPriorityNative (int priority)` (the managed setter checked the value).
extern "C" fn set_priority(thread: u64, priority: i32) {
    write(internal_of(thread), internal_field("priority"), priority);
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    let mut rows = vec![
        ("ClrState", clr_state as *const ()),
        (
            "ConstructInternalThread",
            construct_internal_thread as *const (),
        ),
        ("GetCurrentThread", get_current_thread as *const ()),
        ("GetDomainID", get_domain_id as *const ()),
        ("GetName_internal", get_name as *const ()),
        ("GetPriorityNative", get_priority as *const ()),
        ("GetState", get_state as *const ()),
        ("JoinInternal", join_internal as *const ()),
        ("MemoryBarrier", memory_barrier as *const ()),
        ("SetName_icall", set_name as *const ()),
        ("SetPriorityNative", set_priority as *const ()),
        ("SetState", set_state as *const ()),
        ("SleepInternal", sleep_internal as *const ()),
        ("SpinWait_nop", spin_wait_nop as *const ()),
        ("SystemMaxStackStize", system_max_stack_size as *const ()),
        ("Thread_internal", thread_internal as *const ()),
        ("YieldInternal", yield_internal as *const ()),
    ];
    rows.extend(super::volatile::thread_methods());
    rows
}
