//! `System.Threading.Timer`'s icall (`icall-def.h` `TTIMER_1`): `GetTimeMonotonic`, the clock
//! mscorlib's timer scheduler thread schedules by (Mono's `mono_100ns_ticks`:
//! `CLOCK_MONOTONIC` in 100 ns ticks). The scheduler itself is mscorlib's managed thread, and
//! callbacks run on the thread pool ([`crate::threads::pool`]).
//!
//! Depends on: libc (`clock_gettime`).

/// `long GetTimeMonotonic ()`.
extern "C" fn get_time_monotonic() -> i64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the struct.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec * 10_000_000 + now.tv_nsec / 100
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("GetTimeMonotonic", get_time_monotonic as *const ())]
}
