//! `System.DateTime`'s icall (`icall-def.h` `DTIME_*`): `GetSystemTimeAsFileTime`, the
//! clock behind `DateTime.UtcNow` and `Now`.
//!
//! Depends on: std's system clock. Citations: Mono 6.8 `mono/utils/mono-time.c`
//! (`mono_100ns_datetime`: 100 ns ticks since 1601-01-01 UTC).

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

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![(
        "GetSystemTimeAsFileTime",
        get_system_time_as_file_time as *const (),
    )]
}
