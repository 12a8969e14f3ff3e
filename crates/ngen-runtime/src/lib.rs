//! Runtime host: loads a program's assemblies (through the binder), finds and validates
//! their native images, maps them, resolves import cells (image, icall or JIT), and
//! runs `Main`.
//!
//! - [`images`]: finding `<Name>.ni.so` files, validating headers, mapping images;
//! - [`state`]: the process-wide runtime state and method/string resolution;
//! - [`helpers`]: the helper table compiled code calls;
//! - [`entry`]: the managed-main thread, with mono's main-thread stack: the runtime starts
//!   on it (so startup's deep frames reuse the stack `Main` runs on, rather than touching
//!   pages of the process's main stack that then stay resident), then calls the entry point;
//! - [`faults`]: hardware faults as mono reports them: null dereferences (unhandled
//!   `NullReferenceException`), stack overflow (`StackOverflowException`, with mono's stack
//!   size), and anything else as a native crash ([`crash_report`]: mono's "Native Crash
//!   Reporting" with native and managed backtraces, then abort).
//!
//! - [`alloc`]: the strings and arrays the runtime allocates (icall results, `newarr`'s slow
//!   path), with mono's layouts;
//! - [`gc_roots`]: runtime memory the collector scans (JIT import cells, rooted literals).
//! - [`icalls`]: the class libraries' `InternalCall` methods (Mono's C runtime), by Mono's
//!   names;
//! - [`code_map`]: which managed method a code address belongs to (images and JIT);
//! - [`profile`], [`profile_report`]: the profile scenario's hooks and `NGEN_PROFILE`;
//! - [`gdb_jit`]: the debug scenario: debug JIT code, registered with gdb's JIT interface;
//! - [`perf_map`]: `NGEN_PERF_MAP=1`, JIT code in `/tmp/perf-PID.map`;
//! - [`threads`]: managed threads: thread statics, `Thread.CurrentThread`;
//! - [`x87`]: the x87 `fsin`/`fcos` helpers behind `Math.Sin`/`Cos`, as mono's JIT emits them;
//! - [`stubs`]: runtime-made machine-code stubs: unboxing stubs (a boxed value type's own
//!   methods) and bound stubs (an unimplemented icall that names itself when called).
//!
//! Objects are allocated through [`alloc`] and the helpers on `ngen-gc` (Boehm): the collector starts
//! before anything is loaded, on the calling thread, and the managed main thread registers
//! itself. `NGEN_LOG=gc` prints the collector's figures at exit.

mod alloc;
mod async_delegates;
mod capture_call;
mod code_map;
mod crash_report;
mod cultures;
mod dynamic_call;
mod eh;
mod entry;
mod faults;
mod finalization;
mod gc_roots;
mod gdb_jit;
mod helpers;
mod icalls;
mod images;
mod log;
mod perf_map;
mod pinvoke;
mod process;
mod profile;
mod profile_report;
mod stack_mark;
mod state;
mod stubs;
mod threads;
mod type_desc;
mod x87;

use std::path::PathBuf;

pub use images::find_image_candidates;

/// How the runtime may use the JIT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JitMode {
    /// Images only: a method missing from every valid image is a fatal error.
    Never,
    /// Images when valid, JIT for everything else (the default).
    #[default]
    Fallback,
    /// Ignore images; JIT everything.
    Always,
}

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The program (`.exe`).
    pub assembly: PathBuf,
    /// Arguments for `Main(string[])`.
    pub args: Vec<String>,
    /// Directories searched (recursively) for `<Name>.ni.so`.
    pub image_dirs: Vec<PathBuf>,
    /// The scenario images must have been compiled for (Ngen's `/Debug`, `/Profile`).
    pub scenario: ngen_abi::Scenario,
    pub jit: JitMode,
    pub binder_config: ngen_binder::BinderConfig,
}

/// Why a program could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Bind(#[from] ngen_binder::BindError),
    #[error("cannot read {path}: {message}")]
    Assembly { path: PathBuf, message: String },
    #[error("{0} has no entry point")]
    NoEntryPoint(PathBuf),
    #[error("unsupported entry point signature: {0}")]
    EntrySignature(String),
    #[error("{0}")]
    Resolve(String),
    #[error("the runtime is already running a program in this process")]
    AlreadyRunning,
}

/// Runs the program and returns its exit code (Main's return value, or `Environment.ExitCode`
/// for `void Main`).
/// Unhandled exceptions and fatal resolution errors end the process from inside.
pub fn run(options: RunOptions) -> Result<i32, RunError> {
    one_malloc_arena();
    ngen_gc::init();
    faults::install();
    profile::start(options.scenario);
    gdb_jit::start(options.scenario);
    let code = entry::start_and_call_main(&options)?;
    log::gc_summary();
    Ok(code)
}

/// Makes every thread allocate from glibc's main arena. The managed-main thread would
/// otherwise open an arena of its own, 0.05 MiB of private pages in every process for the
/// few allocations it makes (JIT and method tables, all under the runtime's one lock, so there
/// is no contention to spread). Measured in docs/BENCHMARKS.md section 10.
fn one_malloc_arena() {
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    // A failure (another libc) leaves the default, which is only larger.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
