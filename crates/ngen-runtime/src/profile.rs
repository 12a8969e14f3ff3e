//! The profile scenario's enter and leave hooks (issue 12) and the call profile they collect.
//!
//! ## Model
//! Images compiled for the profile scenario, and JIT code of a run in that scenario, call
//! `ProfileEnter` after each method's prologue and `ProfileLeave` before each `ret`
//! (`ngen-compiler`'s `translate/profile.rs`). The hooks take no argument: like gcc's `-pg`
//! `mcount`, the return address of the call names the method. A naked trampoline passes it
//! to the Rust side, which maps it to the method once ([`crate::code_map`]) and caches the
//! answer by address.
//!
//! Each hook call updates one [`Profile`]: a call count per method and a shadow stack of
//! activations. Leaving a method adds its inclusive time (enter to leave) to the method only
//! for its outermost activation (recursion is not counted twice), and its exclusive time
//! (inclusive minus its callees') always. A leave that does not match the top of the shadow
//! stack (frames unwound by an exception) pops up to the matching activation.
//!
//! Hooks within 64 KiB of the end of the managed thread's stack record nothing, so that a
//! stack overflow faults in managed code rather than inside a hook that holds the profile's
//! lock: the calls of the deepest frames of an overflowing recursion are not counted.
//!
//! There is one managed thread today, so there is one shadow stack; with managed threads it
//! becomes one per thread (the counts and times stay shared).
//!
//! `NGEN_PROFILE=calls:FILE` writes the profile at exit ([`crate::profile_report`]); without it
//! the hooks return at once. The report is written by an `atexit` handler, so every way out
//! (return from `Main`, `Environment.Exit`, an unhandled exception) writes it.
//!
//! Depends on: [`crate::code_map`], [`crate::profile_report`], libc (`atexit`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

/// Whether compiled code of this run calls the hooks (the profile scenario).
static HOOKS: AtomicBool = AtomicBool::new(false);
/// Where `NGEN_PROFILE=calls:FILE` wants the call profile, once the run has started.
static OUTPUT: OnceLock<PathBuf> = OnceLock::new();
static PROFILE: Mutex<Option<Profile>> = Mutex::new(None);

/// What `NGEN_PROFILE` asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ProfileRequest {
    /// `calls:FILE`: the call profile, written to FILE at exit.
    Calls(PathBuf),
}

impl ProfileRequest {
    /// Parses a `NGEN_PROFILE` value.
    pub(crate) fn parse(value: &str) -> Result<ProfileRequest, String> {
        match value.split_once(':') {
            Some(("calls", file)) if !file.is_empty() => {
                Ok(ProfileRequest::Calls(PathBuf::from(file)))
            }
            _ => Err(format!(
                "NGEN_PROFILE={value} is not understood (expected calls:FILE)"
            )),
        }
    }
}

/// Sets the run's profiling up: hooks in JIT code under the profile scenario, and the call
/// profile when `NGEN_PROFILE` asks for it. Warnings go to stderr (they are the user's own
/// request, not the program's output).
pub(crate) fn start(scenario: ngen_abi::Scenario) {
    HOOKS.store(scenario.profile, Ordering::Relaxed);
    let Some(value) = std::env::var_os("NGEN_PROFILE") else {
        return;
    };
    let request = match ProfileRequest::parse(&value.to_string_lossy()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ngen-build run: warning: {e}");
            return;
        }
    };
    if !scenario.profile {
        eprintln!(
            "ngen-build run: warning: NGEN_PROFILE needs --scenario profile (images and JIT \
             code of other scenarios have no profile hooks)"
        );
    }
    let ProfileRequest::Calls(path) = request;
    *PROFILE.lock().unwrap_or_else(PoisonError::into_inner) = Some(Profile::new());
    if OUTPUT.set(path).is_ok() {
        // SAFETY: registering a plain extern "C" function with libc.
        unsafe { libc::atexit(write_at_exit) };
    }
}

/// Whether compiled code of this run calls the hooks.
pub(crate) fn hooks_enabled() -> bool {
    HOOKS.load(Ordering::Relaxed)
}

extern "C" fn write_at_exit() {
    let Some(path) = OUTPUT.get() else { return };
    // The hooks run only on managed threads; a thread stopped inside one cannot resume while
    // the process exits, so do not wait for it forever.
    let mut guard = None;
    for _ in 0..100 {
        match PROFILE.try_lock() {
            Ok(g) => {
                guard = Some(g);
                break;
            }
            Err(std::sync::TryLockError::Poisoned(p)) => {
                guard = Some(p.into_inner());
                break;
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
        }
    }
    let Some(mut guard) = guard else { return };
    let Some(profile) = guard.as_mut() else {
        return;
    };
    profile.finish_open_frames();
    let text = crate::profile_report::render(&profile.methods);
    if let Err(e) = std::fs::write(path, text) {
        eprintln!(
            "ngen-build run: warning: cannot write the call profile to {}: {e}",
            path.display()
        );
    }
}

/// One method's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MethodStats {
    /// Assembly index and MethodDef rid (rid 0: code the map does not know).
    pub asm: usize,
    pub rid: u32,
    /// The code map's name, used when the metadata is not at hand.
    pub fallback_name: String,
    pub calls: u64,
    pub inclusive_ns: u64,
    pub exclusive_ns: u64,
    /// Activations of this method on the shadow stack now.
    pub active: u32,
}

struct Frame {
    method: usize,
    entered_ns: u64,
    callees_ns: u64,
}

/// The call profile of the run.
pub(crate) struct Profile {
    epoch: Instant,
    methods: Vec<MethodStats>,
    /// Method index by the code start of its range.
    by_code_start: HashMap<u64, usize>,
    /// Method index by hook return address (one entry per call site of a hook).
    by_return_address: HashMap<u64, usize>,
    stack: Vec<Frame>,
}

impl Profile {
    fn new() -> Profile {
        Profile {
            epoch: Instant::now(),
            methods: Vec::new(),
            by_code_start: HashMap::new(),
            by_return_address: HashMap::new(),
            stack: Vec::new(),
        }
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The method whose code holds `return_address`.
    fn method_at(&mut self, return_address: u64) -> usize {
        if let Some(m) = self.by_return_address.get(&return_address) {
            return *m;
        }
        let (start, asm, rid, name) = crate::code_map::lookup(return_address, |r| {
            let name = r.name.as_deref().map_or_else(
                || format!("<method {} of assembly {}>", r.rid, r.asm),
                str::to_string,
            );
            (r.start, r.asm, r.rid, name)
        })
        .unwrap_or((0, 0, 0, "<unknown>".to_string()));
        let next = self.methods.len();
        let method = *self.by_code_start.entry(start).or_insert(next);
        if method == next {
            self.methods.push(MethodStats {
                asm,
                rid,
                fallback_name: name,
                ..MethodStats::default()
            });
        }
        self.by_return_address.insert(return_address, method);
        method
    }

    fn enter(&mut self, method: usize, now_ns: u64) {
        let stats = &mut self.methods[method];
        stats.calls += 1;
        stats.active += 1;
        self.stack.push(Frame {
            method,
            entered_ns: now_ns,
            callees_ns: 0,
        });
    }

    fn leave(&mut self, method: usize, now_ns: u64) {
        // Frames above the matching activation were unwound without their leave hook.
        if !self.stack.iter().any(|f| f.method == method) {
            return;
        }
        while let Some(frame) = self.stack.pop() {
            let done = frame.method == method;
            self.close(frame, now_ns);
            if done {
                break;
            }
        }
    }

    fn close(&mut self, frame: Frame, now_ns: u64) {
        let inclusive = now_ns.saturating_sub(frame.entered_ns);
        let stats = &mut self.methods[frame.method];
        stats.active = stats.active.saturating_sub(1);
        stats.exclusive_ns += inclusive.saturating_sub(frame.callees_ns);
        if stats.active == 0 {
            stats.inclusive_ns += inclusive;
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.callees_ns += inclusive;
        }
    }

    /// Closes the activations still open at exit, as if they returned now.
    fn finish_open_frames(&mut self) {
        let now = self.now_ns();
        while let Some(frame) = self.stack.pop() {
            self.close(frame, now);
        }
    }
}

/// Hooks called this close to the end of the managed thread's stack record nothing: a stack
/// overflow must happen in managed code, not inside a hook holding the profile's lock (the
/// exit handler could not write the profile then).
const HOOK_STACK_RESERVE: usize = 64 * 1024;

fn on_hook(return_address: u64, entering: bool) {
    if OUTPUT.get().is_none() {
        return;
    }
    let here = std::ptr::addr_of!(return_address) as usize;
    if crate::faults::managed_stack().is_some_and(|(low, _)| here < low + HOOK_STACK_RESERVE) {
        return;
    }
    let mut guard = PROFILE.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(profile) = guard.as_mut() else {
        return;
    };
    let now = profile.now_ns();
    let method = profile.method_at(return_address);
    if entering {
        profile.enter(method, now);
    } else {
        profile.leave(method, now);
    }
}

extern "C" fn enter_from(return_address: u64) {
    on_hook(return_address, true);
}

extern "C" fn leave_from(return_address: u64) {
    on_hook(return_address, false);
}

/// The `ProfileEnter` helper: passes its return address (at `[rsp]` on entry) to
/// [`enter_from`], which returns straight to the managed caller.
#[unsafe(naked)]
pub(crate) extern "C" fn profile_enter() {
    core::arch::naked_asm!("mov rdi, qword ptr [rsp]", "jmp {target}", target = sym enter_from);
}

/// The `ProfileLeave` helper (see [`profile_enter`]).
#[unsafe(naked)]
pub(crate) extern "C" fn profile_leave() {
    core::arch::naked_asm!("mov rdi, qword ptr [rsp]", "jmp {target}", target = sym leave_from);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_with(methods: usize) -> Profile {
        let mut p = Profile::new();
        for i in 0..methods {
            p.methods.push(MethodStats {
                fallback_name: format!("M{i}"),
                ..MethodStats::default()
            });
        }
        p
    }

    const IN: bool = true;
    const OUT: bool = false;

    /// Plays (enter?, method, time) hook events.
    fn replay(p: &mut Profile, events: &[(bool, usize, u64)]) {
        for &(entering, method, now) in events {
            if entering {
                p.enter(method, now);
            } else {
                p.leave(method, now);
            }
        }
    }

    #[test]
    fn parses_the_calls_request_only() {
        assert_eq!(
            ProfileRequest::parse("calls:/tmp/p.txt"),
            Ok(ProfileRequest::Calls(PathBuf::from("/tmp/p.txt")))
        );
        assert!(ProfileRequest::parse("calls:").is_err());
        assert!(ProfileRequest::parse("samples:/tmp/x").is_err());
        assert!(ProfileRequest::parse("calls").is_err());
    }

    #[test]
    fn inclusive_counts_the_outermost_activation_and_exclusive_subtracts_callees() {
        // M0 (0..100) calls M1 (10..40), which calls M1 again (20..30).
        let mut p = profile_with(2);
        replay(
            &mut p,
            &[(IN, 0, 0), (IN, 1, 10), (IN, 1, 20), (OUT, 1, 30)],
        );
        replay(&mut p, &[(OUT, 1, 40), (OUT, 0, 100)]);
        assert_eq!(p.methods[0].calls, 1);
        assert_eq!(p.methods[1].calls, 2);
        assert_eq!(p.methods[0].inclusive_ns, 100);
        assert_eq!(p.methods[0].exclusive_ns, 70);
        assert_eq!(p.methods[1].inclusive_ns, 30);
        assert_eq!(p.methods[1].exclusive_ns, 30);
    }

    #[test]
    fn a_leave_below_the_top_closes_the_frames_unwound_above_it() {
        let mut p = profile_with(3);
        replay(
            &mut p,
            &[(IN, 0, 0), (IN, 1, 10), (IN, 2, 20), (OUT, 0, 50)],
        );
        assert!(p.stack.is_empty());
        assert_eq!(p.methods[2].inclusive_ns, 30);
        assert_eq!(p.methods[1].inclusive_ns, 40);
        assert_eq!(p.methods[0].inclusive_ns, 50);
        assert_eq!(p.methods[0].exclusive_ns, 10);
        // A leave of a method not on the stack changes nothing.
        p.leave(1, 60);
        assert_eq!(p.methods[1].calls, 1);
    }
}
