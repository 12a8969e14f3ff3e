//! The caller a `StackCrawlMark` stands for: mscorlib passes `ref StackCrawlMark` (the address
//! of a local in the frame of the method that asks, such as `Type.GetType(string)`), and Mono
//! finds the method that called it (`mono_runtime_get_caller_from_stack_mark`), so that
//! `Type.GetType("Name")` called from a library finds the library's types.
//!
//! ## Model
//! Managed code keeps frame pointers: a frame's `[rbp]` is its caller's frame pointer and
//! `[rbp + 8]` its return address. The mark lies below the marked frame's `rbp`, so the first
//! word pair above the mark that is (a frame pointer further up the stack, a return address
//! into managed code) is that frame's link; the frames from there outwards are its callers.
//! The first of them outside mscorlib is the caller (Mono also skips mscorlib's reflection
//! frames). When no such pair is found the answer is `None` and callers fall back to the
//! program's assembly.
//!
//! Depends on: [`crate::faults::managed_stack`] (the stack's bounds), [`crate::code_map`],
//! [`crate::eh::trace::walk`].

/// How far above the mark its frame's link may be (the marked frames are small).
const SCAN_BYTES: u64 = 1024;

/// The assembly index of the first managed frame outside mscorlib that called the frame
/// holding the mark at `mark`, if it can be found.
pub(crate) fn caller_assembly(mark: u64, is_core_library: impl Fn(usize) -> bool) -> Option<usize> {
    let (low, high) = crate::faults::managed_stack()?;
    let (low, high) = (low as u64, high as u64);
    if mark < low || mark >= high {
        return None;
    }
    let is_managed = |pc: u64| crate::code_map::lookup(pc, |_| ()).is_some();
    let mut at = mark.next_multiple_of(8);
    let end = (mark + SCAN_BYTES).min(high.saturating_sub(16));
    while at < end {
        // SAFETY: `at` and `at + 8` lie inside the managed thread's stack (checked above).
        let (saved_fp, return_address) =
            unsafe { ((at as *const u64).read(), ((at + 8) as *const u64).read()) };
        let plausible_fp = saved_fp > at && saved_fp < high && saved_fp.is_multiple_of(8);
        if plausible_fp && is_managed(return_address.wrapping_sub(1)) {
            return crate::eh::trace::walk(return_address - 1, saved_fp)
                .into_iter()
                .filter_map(|frame| crate::code_map::lookup(frame.ip, |range| range.asm))
                .find(|&asm| !is_core_library(asm));
        }
        at += 8;
    }
    None
}
