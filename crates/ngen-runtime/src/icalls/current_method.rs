//! `System.Reflection.MethodBase::GetCurrentMethod` (mono's `ves_icall_GetCurrentMethod`):
//! the method that called it, over its own generic parameters (mono strips every
//! instantiation: a generic method's frame gives its definition, a generic class's method
//! the definition's method), which loggers and assertion helpers ask for.
//!
//! ## Model
//! The icall is called directly from managed code, so a naked entry hands the body the
//! return address into its caller, and the code map names the caller's method. Mono does not
//! inline a method that calls it (the call leaves the assembly), nor does the inliner here.
//!
//! Depends on: [`crate::eh::trace`] (the managed entry), [`crate::code_map`],
//! [`crate::state::members`] (the `MethodBase`).

crate::eh::trace::managed_entry! {
    /// `MethodBase GetCurrentMethod()`.
    fn get_current_method() -> u64 => get_current_method_from, fp = "rdi", ra = "rsi"
}

extern "C" fn get_current_method_from(_fp: u64, return_address: u64) -> u64 {
    let caller = crate::code_map::lookup(return_address.wrapping_sub(1), |range| {
        (range.asm, range.rid)
    });
    let member =
        caller.and_then(|(asm, rid)| crate::state::members::member_of_method_def(asm, rid, 0));
    match member {
        Some(member) => member,
        None => {
            crate::eh::raise::raise(
                "NotSupportedException",
                "Stack walks are not supported on this platform.",
            );
            0
        }
    }
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("GetCurrentMethod", get_current_method as *const ())]
}
