//! The debug scenario's runtime half (issue 12): JIT code of a debug run is debug code
//! (unoptimised, every variable in a stack slot, as the run's debug images are), and each
//! method the JIT compiles is described to gdb through gdb's JIT interface (gdb manual, "JIT
//! Compilation Interface"): an in-memory ELF per method (its name, code range and line table
//! from the assembly's `.mdb`/PDB: `ngen_compiler`'s `jit_debug_object`) is linked into
//! `__jit_debug_descriptor`'s list and `__jit_debug_register_code` is called, where gdb keeps
//! a breakpoint; gdb then reads the ELF from our memory. So `bt` names JIT frames with file
//! and line, and `break File.cs:LINE` resolves in JIT code too.
//!
//! The two symbols are the interface's fixed names, exported from the executable (`-rdynamic`
//! keeps them in `.dynsym`, which release stripping keeps). Entries are never removed (JIT
//! code is never freed). Outside the debug scenario nothing is built or registered.
//!
//! Depends on: ngen-compiler (the JIT and the ELF), ngen-symbols (line tables), std.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use ngen_symbols::SymbolFile;

/// Whether the run is in the debug scenario.
static DEBUG: AtomicBool = AtomicBool::new(false);

/// Records the run's scenario (before anything is compiled).
pub(crate) fn start(scenario: ngen_abi::Scenario) {
    DEBUG.store(scenario.debug, Ordering::Relaxed);
}

/// Whether the JIT compiles debug-scenario code.
pub(crate) fn debug_scenario() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// `struct jit_code_entry` of the interface.
#[repr(C)]
struct JitCodeEntry {
    next: *mut JitCodeEntry,
    prev: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// `struct jit_descriptor` of the interface (version 1).
#[repr(C)]
pub struct JitDescriptor {
    version: u32,
    /// 0 none, 1 register, 2 unregister.
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

const JIT_REGISTER_FN: u32 = 1;

/// The descriptor gdb reads. Only [`register_object`] writes it, under [`REGISTRATION`].
#[unsafe(no_mangle)]
#[used]
pub static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: 0,
    relevant_entry: std::ptr::null_mut(),
    first_entry: std::ptr::null_mut(),
};

/// gdb's breakpoint: called after each change of the descriptor. Never inlined, never empty
/// to the optimiser.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn __jit_debug_register_code() {
    std::hint::black_box(());
}

/// Serialises registrations; holds the symbol files read so far, by assembly path.
static REGISTRATION: Mutex<Option<HashMap<PathBuf, Option<SymbolFile>>>> = Mutex::new(None);

/// Describes the method `jit` compiled last (of the assembly at `path`, module `mvid`) to gdb,
/// in the debug scenario. A method whose description cannot be built is left out (gdb then
/// shows its frames without a name, as any JIT code).
pub(crate) fn register_jit_code(jit: &ngen_compiler::jit::Jit, path: &Path, mvid: [u8; 16]) {
    if !debug_scenario() {
        return;
    }
    let mut guard = REGISTRATION.lock().unwrap_or_else(PoisonError::into_inner);
    let files = guard.get_or_insert_with(HashMap::new);
    let symbols = files
        .entry(path.to_path_buf())
        .or_insert_with(|| SymbolFile::find_for(path, Some(mvid)).ok().flatten());
    let Some(Ok(object)) = jit.last_debug_object(symbols.as_ref()) else {
        return;
    };
    register_object(object.leak());
}

/// Links `object` into the descriptor's list and tells gdb (the caller holds the lock).
fn register_object(object: &'static [u8]) {
    let entry = Box::into_raw(Box::new(JitCodeEntry {
        next: std::ptr::null_mut(),
        prev: std::ptr::null_mut(),
        symfile_addr: object.as_ptr(),
        symfile_size: object.len() as u64,
    }));
    // SAFETY: the descriptor is only written here, under the registration lock; entries are
    // leaked, so every pointer in the list stays valid for the life of the process.
    unsafe {
        let descriptor = &raw mut __jit_debug_descriptor;
        let first = (*descriptor).first_entry;
        (*entry).next = first;
        if !first.is_null() {
            (*first).prev = entry;
        }
        (*descriptor).first_entry = entry;
        (*descriptor).relevant_entry = entry;
        (*descriptor).action_flag = JIT_REGISTER_FN;
    }
    __jit_debug_register_code();
}
