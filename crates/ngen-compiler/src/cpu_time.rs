//! CPU time of the calling thread or of the process, to say how much work an image (or a
//! build) took when several images and their methods compile at once: wall time alone then
//! mixes in the others' work.
//!
//! Model: POSIX `clock_gettime` with `CLOCK_THREAD_CPUTIME_ID` / `CLOCK_PROCESS_CPUTIME_ID`,
//! user plus system time. Depends on: `libc`.

/// Seconds of CPU this thread has used since it started; 0 where the clock is unavailable.
pub fn thread_cpu_seconds() -> f64 {
    clock_seconds(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Seconds of CPU the whole process (every thread) has used; 0 where unavailable.
pub fn process_cpu_seconds() -> f64 {
    clock_seconds(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn clock_seconds(clock: libc::clockid_t) -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(clock, &mut now) };
    if rc != 0 {
        return 0.0;
    }
    now.tv_sec as f64 + now.tv_nsec as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::thread_cpu_seconds;

    #[test]
    fn grows_with_work_done_on_this_thread_and_not_with_sleep() {
        let start = thread_cpu_seconds();
        let mut x = 0u64;
        while thread_cpu_seconds() - start < 0.02 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let busy = thread_cpu_seconds() - start;
        assert!(busy >= 0.02, "{busy}");
        let before_sleep = thread_cpu_seconds();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(thread_cpu_seconds() - before_sleep < 0.05);
    }
}
