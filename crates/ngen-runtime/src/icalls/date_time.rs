//! The clocks' icalls: `System.DateTime`'s `GetSystemTimeAsFileTime` (`icall-def.h`
//! `DTIME_*`), the clock behind `DateTime.UtcNow` and `Now`; System.dll's
//! `System.Diagnostics.Stopwatch.GetTimestamp` (`STOPWATCH_1`), the monotonic clock in 100 ns
//! ticks (`Stopwatch.Frequency` is 10,000,000 in Mono's managed code).
//!
//! Depends on: std's system clock, libc (`clock_gettime`). Citations: Mono 6.8
//! `mono/utils/mono-time.c` (`mono_100ns_datetime`: 100 ns ticks since 1601-01-01 UTC;
//! `mono_100ns_ticks`: `CLOCK_MONOTONIC` in 100 ns ticks).

use std::time::{SystemTime, UNIX_EPOCH};

/// 100 ns ticks from 1601-01-01 to 1970-01-01 (Mono's `EPOCH_ADJUST`).
const UNIX_EPOCH_AS_FILE_TIME: i64 = 116_444_736_000_000_000;

/// `GetSystemTimeAsFileTime()`: now, in 100 ns ticks since 1601-01-01 UTC.
extern "C" fn get_system_time_as_file_time() -> i64 {
    let since_unix = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_nanos() / 100).unwrap_or(i64::MAX),
    };
    UNIX_EPOCH_AS_FILE_TIME.saturating_add(since_unix)
}

/// `long GetTimestamp()`: the monotonic clock in 100 ns ticks (Mono's `mono_100ns_ticks`).
extern "C" fn get_timestamp() -> i64 {
    monotonic_ticks()
}

/// The monotonic clock (`CLOCK_MONOTONIC`) in 100 ns ticks; 0 if it cannot be read.
pub(super) fn monotonic_ticks() -> i64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the call has no other effects.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) } != 0 {
        return 0;
    }
    now.tv_sec * 10_000_000 + now.tv_nsec / 100
}

pub(super) fn stopwatch_methods() -> Vec<(&'static str, *const ())> {
    vec![("GetTimestamp", get_timestamp as *const ())]
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "GetSystemTimeAsFileTime",
        get_system_time_as_file_time as *const (),
    )]
}
