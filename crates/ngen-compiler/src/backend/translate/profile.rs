//! The profile scenario's hooks (issue 12): in images compiled for the profile scenario, and
//! in JIT code of a run in that scenario, every method calls the `ProfileEnter` helper once
//! its arguments and locals have their homes (before IL offset 0), and `ProfileLeave` right
//! before each `ret` (the return value, an SSA value, lives across the call). The hooks take no argument; the
//! return address of each call lies inside the method, which names it (gcc's `-pg` `mcount`
//! model). The ABI is documented in `docs/native-images.md`, "Profile hooks".
//!
//! Other scenarios emit nothing here: the hooks cost nothing outside profiling.
//!
//! Depends on: cranelift-frontend, `ngen_abi::helpers`.

use cranelift_codegen::ir::InstBuilder;
use ngen_abi::helpers::HelperId;

use super::Translator;

impl<'a, 'f> Translator<'a, 'f> {
    /// Calls the enter hook (the method's entry path).
    pub(super) fn profile_enter(&mut self) {
        self.call_profile_hook(HelperId::ProfileEnter);
    }

    /// Calls the leave hook (each `ret`).
    pub(super) fn profile_leave(&mut self) {
        self.call_profile_hook(HelperId::ProfileLeave);
    }

    fn call_profile_hook(&mut self, id: HelperId) {
        if !self.env.profile_hooks() {
            return;
        }
        let helper = self.helper(id);
        let sig = self.helper_sig(id);
        self.b.ins().call_indirect(sig, helper, &[]);
    }
}
