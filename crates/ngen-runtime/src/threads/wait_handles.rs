//! Kernel-style wait handles: the events behind `ManualResetEvent` and `AutoResetEvent`
//! (`NativeEventCalls`), the process handles of `System.Diagnostics.Process`, and
//! `WaitHandle.Wait_internal` over both, as Mono's `w32event`, `w32process` and `w32handle`
//! provide them.
//!
//! ## Model
//! A handle is [`HANDLE_BASE`] plus an index into one process-wide table under one mutex,
//! with one condition variable notified whenever an entry becomes signalled. The base keeps
//! handles out of the file-descriptor range that `MonoIO`'s handles use, so
//! `MonoIO.DuplicateHandle` can tell a process handle from a descriptor, and never 0 or -1
//! (mscorlib's `SafeWaitHandle` treats those as invalid).
//!
//! An event is manual-reset (stays signalled until reset, releasing every waiter) or
//! auto-reset (a waiter that sees it signalled consumes the signal, so one waiter goes per
//! `Set`). A process entry names a child this runtime started (its exit status, once a reaper
//! thread's `waitpid` reported it, is shared by every duplicate of the handle, as Mono's
//! `MonoW32HandleProcess` is), this process itself (never signalled), or another process
//! (`Process.GetProcessById`: signalled once `/proc/PID` is gone, exit status -1, as mono's
//! `process_is_alive` polling has it; waits on one re-check every 100 ms); it is signalled once
//! the process exited and a wait never consumes that. `Wait_internal` waits for any (the first
//! signalled, by position) or all of up to 64 handles, with a timeout, and returns Mono's
//! codes: the index of the handle (`WAIT_OBJECT_0 + i`), `WAIT_TIMEOUT` (0x102) or
//! `WAIT_FAILED` for a handle that is not in the table. Named events are not shared between
//! processes (the name is ignored).
//!
//! Depends on: [`super::wait_until`].

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// `WAIT_TIMEOUT` (`WaitHandle.WaitTimeout`).
pub(crate) const WAIT_TIMEOUT: i32 = 0x102;
/// `WAIT_FAILED` as mscorlib's `WaitHandle` knows it.
pub(crate) const WAIT_FAILED: i32 = 0x7FFF_FFFF;
/// The first handle value: above every file descriptor (an `int`).
pub(crate) const HANDLE_BASE: u64 = 1 << 40;

#[derive(Clone, Copy)]
struct Event {
    manual: bool,
    signalled: bool,
}

/// What a process handle names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ProcessKind {
    /// A child this runtime started, by its index in [`Table::child_exits`].
    Child(usize),
    /// This process.
    Current,
    /// Any other process.
    Other,
}

#[derive(Clone, Copy)]
struct ProcessEntry {
    pid: i32,
    kind: ProcessKind,
}

/// How often a wait on another (non-child) process checks whether it is still alive.
const NON_CHILD_POLL: Duration = Duration::from_millis(100);

/// Mono's `process_is_alive` on Linux: `/proc/PID` exists.
fn is_alive(pid: i32) -> bool {
    pid > 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[derive(Clone, Copy)]
enum Entry {
    Event(Event),
    Process(ProcessEntry),
}

struct Table {
    entries: Vec<Option<Entry>>,
    /// Each started child's exit status once it was reaped, by the order children started.
    child_exits: Vec<Option<i32>>,
    /// Each started child's program, in the same order (mono's `pname`, which names it).
    child_programs: Vec<std::path::PathBuf>,
}

/// A process handle's state: its pid and, for a child that exited, its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProcessState {
    pub(crate) pid: i32,
    pub(crate) exit_status: Option<i32>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    entries: Vec::new(),
    child_exits: Vec::new(),
    child_programs: Vec::new(),
});
static SIGNALLED: Condvar = Condvar::new();
/// This process's own handle, once [`current_process`] made it.
static CURRENT_PROCESS: OnceLock<u64> = OnceLock::new();

fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

fn index_of(handle: u64) -> Option<usize> {
    usize::try_from(handle.checked_sub(HANDLE_BASE)?).ok()
}

fn slot(table: &mut Table, handle: u64) -> Option<&mut Entry> {
    table.entries.get_mut(index_of(handle)?)?.as_mut()
}

/// Whether `handle` names an entry of this table (an event or a process).
pub(crate) fn is_table_handle(handle: u64) -> bool {
    slot(&mut table(), handle).is_some()
}

fn insert(table: &mut Table, entry: Entry) -> u64 {
    let index = match table.entries.iter().position(Option::is_none) {
        Some(free) => {
            table.entries[free] = Some(entry);
            free
        }
        None => {
            table.entries.push(Some(entry));
            table.entries.len() - 1
        }
    };
    HANDLE_BASE + index as u64
}

/// A new event; its handle.
pub(crate) fn create(manual: bool, initially_signalled: bool) -> u64 {
    insert(
        &mut table(),
        Entry::Event(Event {
            manual,
            signalled: initially_signalled,
        }),
    )
}

/// Sets (`signalled`) or resets the event `handle`; `false` for a handle that is not one.
pub(crate) fn set(handle: u64, signalled: bool) -> bool {
    let mut table = table();
    let Some(Entry::Event(event)) = slot(&mut table, handle) else {
        return false;
    };
    event.signalled = signalled;
    drop(table);
    if signalled {
        SIGNALLED.notify_all();
    }
    true
}

/// A handle for the child `pid` just started from `program`, and the token its reaper passes
/// to [`child_exited`].
pub(crate) fn register_child(pid: i32, program: &std::path::Path) -> (u64, usize) {
    let mut table = table();
    table.child_exits.push(None);
    table.child_programs.push(program.to_path_buf());
    let child = table.child_exits.len() - 1;
    let handle = insert(
        &mut table,
        Entry::Process(ProcessEntry {
            pid,
            kind: ProcessKind::Child(child),
        }),
    );
    (handle, child)
}

/// Records that child `child` (from [`register_child`]) exited with `status`, signalling every
/// handle of it.
pub(crate) fn child_exited(child: usize, status: i32) {
    let mut table = table();
    if let Some(exit) = table.child_exits.get_mut(child) {
        *exit = Some(status);
    }
    drop(table);
    SIGNALLED.notify_all();
}

/// The handle of this process (`NativeMethods.GetCurrentProcess`): one handle, made on first
/// use, that [`close`] leaves open.
pub(crate) fn current_process() -> u64 {
    *CURRENT_PROCESS.get_or_init(|| {
        insert(
            &mut table(),
            Entry::Process(ProcessEntry {
                // SAFETY: getpid has no preconditions.
                pid: unsafe { libc::getpid() },
                kind: ProcessKind::Current,
            }),
        )
    })
}

/// The state of process handle `handle`; `None` for a handle that is not one.
pub(crate) fn process_state(handle: u64) -> Option<ProcessState> {
    let mut table = table();
    let Some(Entry::Process(process)) = slot(&mut table, handle).copied() else {
        return None;
    };
    Some(ProcessState {
        pid: process.pid,
        exit_status: exit_status_of(&table, &process),
    })
}

/// The program a child this runtime started from (its process handle `handle`); `None` for
/// any other handle.
pub(crate) fn child_program(handle: u64) -> Option<std::path::PathBuf> {
    let mut table = table();
    let Some(Entry::Process(ProcessEntry {
        kind: ProcessKind::Child(child),
        ..
    })) = slot(&mut table, handle).copied()
    else {
        return None;
    };
    table.child_programs.get(child).cloned()
}

/// A second handle to the process `handle` names (`DuplicateHandle`); `None` for a handle
/// that is not a process.
pub(crate) fn duplicate_process(handle: u64) -> Option<u64> {
    let mut table = table();
    let entry @ Entry::Process(_) = *slot(&mut table, handle)? else {
        return None;
    };
    Some(insert(&mut table, entry))
}

/// Closes `handle` (its number may be reused); `false` for a handle that is not open. This
/// process's own handle stays open.
pub(crate) fn close(handle: u64) -> bool {
    if CURRENT_PROCESS.get() == Some(&handle) {
        return true;
    }
    let mut table = table();
    match index_of(handle).and_then(|i| table.entries.get_mut(i)) {
        Some(entry @ Some(_)) => {
            *entry = None;
            true
        }
        _ => false,
    }
}

/// Whether `entry` is signalled now.
fn is_signalled(table: &Table, entry: &Entry) -> bool {
    match entry {
        Entry::Event(event) => event.signalled,
        Entry::Process(process) => exit_status_of(table, process).is_some(),
    }
}

/// The exit status of the process `process` names, once it exited.
fn exit_status_of(table: &Table, process: &ProcessEntry) -> Option<i32> {
    match process.kind {
        ProcessKind::Child(c) => table.child_exits[c],
        ProcessKind::Current => None,
        ProcessKind::Other => (!is_alive(process.pid)).then_some(-1),
    }
}

/// A new handle of the running process `pid` (`Process.GetProcess_internal`, mono's rule): a
/// copy of an open handle of it that is not signalled (a child, this process), else one for
/// another process that is alive; `None` if there is no such process.
pub(crate) fn open_process(pid: i32) -> Option<u64> {
    if pid == std::process::id() as i32 {
        current_process();
    }
    let mut table = table();
    let open = table.entries.iter().flatten().copied().find(|entry| {
        matches!(entry, Entry::Process(p) if p.pid == pid) && !is_signalled(&table, entry)
    });
    let entry = match open {
        Some(entry) => entry,
        None if is_alive(pid) => Entry::Process(ProcessEntry {
            pid,
            kind: ProcessKind::Other,
        }),
        None => return None,
    };
    Some(insert(&mut table, entry))
}

/// Waits until one (`all`: every one) of `handles` is signalled, at most `timeout_ms`
/// (negative: forever); Mono's result code (see the module doc).
pub(crate) fn wait(handles: &[u64], all: bool, timeout_ms: i32) -> i32 {
    let deadline = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let mut table = table();
    loop {
        let mut ready = Vec::with_capacity(handles.len());
        for &handle in handles {
            match slot(&mut table, handle).copied() {
                Some(entry) => ready.push(is_signalled(&table, &entry)),
                None => return WAIT_FAILED,
            }
        }
        let chosen: Option<Vec<usize>> = if all {
            ready
                .iter()
                .all(|r| *r)
                .then(|| (0..handles.len()).collect())
        } else {
            ready.iter().position(|r| *r).map(|i| vec![i])
        };
        if let Some(chosen) = chosen {
            for &i in &chosen {
                if let Some(Entry::Event(event)) = slot(&mut table, handles[i])
                    && !event.manual
                {
                    event.signalled = false;
                }
            }
            return if all { 0 } else { chosen[0] as i32 };
        }
        let polls_another_process = handles.iter().any(|&h| {
            matches!(
                slot(&mut table, h),
                Some(Entry::Process(ProcessEntry {
                    kind: ProcessKind::Other,
                    ..
                }))
            )
        });
        let wake = if polls_another_process {
            let poll = Instant::now() + NON_CHILD_POLL;
            Some(deadline.map_or(poll, |d| d.min(poll)))
        } else {
            deadline
        };
        match super::wait_until(&SIGNALLED, table, wake) {
            Some(next) => table = next,
            None if wake == deadline => return WAIT_TIMEOUT,
            None => table = self::table(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_reset_events_release_one_wait_and_manual_ones_stay_set() {
        let auto = create(false, true);
        let manual = create(true, false);
        assert_eq!(wait(&[auto], false, 0), 0);
        assert_eq!(
            wait(&[auto], false, 0),
            WAIT_TIMEOUT,
            "the signal was consumed"
        );
        assert!(set(manual, true));
        assert_eq!(wait(&[auto, manual], false, 0), 1);
        assert_eq!(wait(&[manual], false, 0), 0, "still set");
        assert_eq!(wait(&[auto, manual], true, 0), WAIT_TIMEOUT);
        set(auto, true);
        assert_eq!(wait(&[auto, manual], true, 0), 0);
        assert!(close(auto));
        assert_eq!(wait(&[auto], false, 0), WAIT_FAILED);
        assert!(!set(auto, true));
        assert!(!close(auto), "closed twice");
        close(manual);
    }

    #[test]
    fn handles_lie_above_every_file_descriptor() {
        let event = create(true, false);
        assert!(event >= HANDLE_BASE && event > i32::MAX as u64);
        assert!(is_table_handle(event));
        assert!(!is_table_handle(0) && !is_table_handle(1) && !is_table_handle(u64::MAX));
        assert_eq!(process_state(event), None, "an event is not a process");
        assert_eq!(duplicate_process(event), None);
        close(event);
    }

    #[test]
    fn a_child_handle_and_its_duplicate_signal_together_when_it_exits() {
        let (handle, child) = register_child(4242, std::path::Path::new("/bin/true"));
        assert_eq!(
            child_program(handle).as_deref(),
            Some(std::path::Path::new("/bin/true"))
        );
        let copy = duplicate_process(handle).expect("a process handle duplicates");
        assert_ne!(copy, handle);
        assert_eq!(wait(&[handle], false, 0), WAIT_TIMEOUT);
        assert_eq!(
            process_state(copy),
            Some(ProcessState {
                pid: 4242,
                exit_status: None
            })
        );
        let waiter = std::thread::spawn(move || wait(&[copy], false, 10_000));
        child_exited(child, 3);
        assert_eq!(waiter.join().unwrap(), 0);
        assert_eq!(wait(&[handle], false, 0), 0, "exit is never consumed");
        assert_eq!(process_state(handle).unwrap().exit_status, Some(3));
        assert!(close(handle));
        assert_eq!(
            process_state(copy).unwrap().exit_status,
            Some(3),
            "the copy stays"
        );
        assert!(close(copy));
        assert_eq!(process_state(copy), None);
    }

    #[test]
    fn this_process_has_one_handle_that_never_signals_or_closes() {
        let me = current_process();
        assert_eq!(me, current_process());
        let state = process_state(me).unwrap();
        assert_eq!(state.pid, std::process::id() as i32);
        assert_eq!(state.exit_status, None);
        assert!(close(me));
        assert_eq!(
            wait(&[me], false, 0),
            WAIT_TIMEOUT,
            "still open, never signalled"
        );
    }

    #[test]
    fn processes_open_by_pid_as_mono_finds_them() {
        let me = std::process::id() as i32;
        let mine = open_process(me).expect("this process is running");
        assert_eq!(process_state(mine).unwrap().pid, me);
        assert_eq!(wait(&[mine], false, 0), WAIT_TIMEOUT);
        assert!(close(mine));

        let (child_handle, child) = register_child(4243, std::path::Path::new("/bin/true"));
        let found = open_process(4243).expect("an unsignalled child is found");
        child_exited(child, 0);
        assert_eq!(wait(&[found], false, 0), 0, "a copy of the child's handle");
        close(found);
        close(child_handle);

        // pid 1 is alive in every Linux process namespace; a pid over pid_max never is.
        let init = open_process(1).expect("init is alive");
        assert_eq!(
            wait(&[init], false, 150),
            WAIT_TIMEOUT,
            "polled, still alive"
        );
        assert_eq!(process_state(init).unwrap().exit_status, None);
        close(init);
        assert_eq!(open_process(i32::MAX), None);
    }
}
