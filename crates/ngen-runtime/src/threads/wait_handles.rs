//! Kernel-style wait handles: the events behind `ManualResetEvent` and `AutoResetEvent`
//! (`NativeEventCalls`) and `WaitHandle.Wait_internal`, as Mono's `w32event` and
//! `w32handle` provide them.
//!
//! ## Model
//! A handle is a small integer (index + 1, never 0: mscorlib's `SafeWaitHandle` treats 0 and -1
//! as invalid) into one process-wide table of events under one mutex, with one condition
//! variable notified whenever an event is set. An event is manual-reset (stays signalled until
//! reset, releasing every waiter) or auto-reset (a waiter that sees it signalled consumes the
//! signal, so one waiter goes per `Set`). `Wait_internal` waits for any (the first signalled,
//! by position) or all of up to 64 handles, with a timeout, and returns Mono's codes: the index
//! of the handle (`WAIT_OBJECT_0 + i`), `WAIT_TIMEOUT` (0x102) or `WAIT_FAILED` for a handle
//! that is not an event. Named events are not shared between processes (the name is ignored).
//!
//! Depends on: [`super::wait_until`].

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// `WAIT_TIMEOUT` (`WaitHandle.WaitTimeout`).
pub(crate) const WAIT_TIMEOUT: i32 = 0x102;
/// `WAIT_FAILED` as mscorlib's `WaitHandle` knows it.
pub(crate) const WAIT_FAILED: i32 = 0x7FFF_FFFF;

#[derive(Clone, Copy)]
struct Event {
    manual: bool,
    signalled: bool,
}

static EVENTS: Mutex<Vec<Option<Event>>> = Mutex::new(Vec::new());
static SIGNALLED: Condvar = Condvar::new();

fn events() -> MutexGuard<'static, Vec<Option<Event>>> {
    EVENTS.lock().unwrap_or_else(|p| p.into_inner())
}

fn slot(table: &mut [Option<Event>], handle: u64) -> Option<&mut Event> {
    let index = usize::try_from(handle).ok()?.checked_sub(1)?;
    table.get_mut(index)?.as_mut()
}

/// A new event; its handle.
pub(crate) fn create(manual: bool, initially_signalled: bool) -> u64 {
    let mut table = events();
    let event = Some(Event {
        manual,
        signalled: initially_signalled,
    });
    let index = match table.iter().position(Option::is_none) {
        Some(free) => {
            table[free] = event;
            free
        }
        None => {
            table.push(event);
            table.len() - 1
        }
    };
    index as u64 + 1
}

/// Sets (`signalled`) or resets the event `handle`; `false` for a handle that is not one.
pub(crate) fn set(handle: u64, signalled: bool) -> bool {
    let mut table = events();
    let Some(event) = slot(&mut table, handle) else {
        return false;
    };
    event.signalled = signalled;
    drop(table);
    if signalled {
        SIGNALLED.notify_all();
    }
    true
}

/// Closes the event `handle` (its number may be reused).
pub(crate) fn close(handle: u64) {
    let mut table = events();
    if let Some(index) = usize::try_from(handle).ok().and_then(|h| h.checked_sub(1))
        && let Some(entry) = table.get_mut(index)
    {
        *entry = None;
    }
}

/// Waits until one (`all`: every one) of `handles` is signalled, at most `timeout_ms`
/// (negative: forever); Mono's result code (see the module doc).
pub(crate) fn wait(handles: &[u64], all: bool, timeout_ms: i32) -> i32 {
    let deadline = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let mut table = events();
    loop {
        let mut ready = Vec::with_capacity(handles.len());
        for &handle in handles {
            match slot(&mut table, handle) {
                Some(event) => ready.push(event.signalled),
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
                if let Some(event) = slot(&mut table, handles[i])
                    && !event.manual
                {
                    event.signalled = false;
                }
            }
            return if all { 0 } else { chosen[0] as i32 };
        }
        match super::wait_until(&SIGNALLED, table, deadline) {
            Some(next) => table = next,
            None => return WAIT_TIMEOUT,
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
        close(auto);
        assert_eq!(wait(&[auto], false, 0), WAIT_FAILED);
        assert!(!set(auto, true));
        close(manual);
    }
}
