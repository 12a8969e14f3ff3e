//! Exception handling, EH v1 (`docs/ARCHITECTURE.md`, "Exceptions"; runtime-anchors §6.7,
//! cranelift.md §3 option A): **check after call**.
//!
//! ## Model
//! - One pending-exception word per thread ([`pending`]) holds the exception object in flight
//!   (0: none). Compiled code finds it from its stack pointer and helper slot
//!   `PendingException` (see Threads), tests it after every
//!   call that can throw, and branches to the covering handler's dispatch block (clearing the
//!   word and keeping the object in a local) or returns a dummy value to its caller with the
//!   word still set. There is no unwinder and no unwind table: AOT and JIT code are the same,
//!   and exceptions cross image ↔ JIT frames because both only return.
//! - Rust helpers never unwind through managed frames: [`raise`]'s `Throw` helper creates the
//!   exception object, sets the word and returns.
//! - Filters run in two passes, as ECMA-335 and mono run them: before a `finally` or `fault`
//!   handler runs, [`first_pass`] asks the callers' frames whether they take the exception:
//!   those with filters through their frame records (running the filters), the others from
//!   their metadata ([`catch_frames`]).
//! - When `Main` returns with the word set, [`unhandled`] prints mono's report and the
//!   process exits 1.
//!
//! ## Threads
//! Each managed thread has its own word, the last word of its stack region's block
//! ([`crate::threads::stack`]): compiled code computes its address from the stack pointer
//! (`(sp | mask) - 7`, the mask in helper slot `PendingException`), with no call and no
//! thread-local access; Rust code reaches it through a thread-local pointer.
//!
//! ## v2 seam
//! Zero-cost EH (Cranelift `try_call` plus a frame-pointer unwinder, §6.7 v2) replaces the
//! check after calls; the dispatch blocks the translator builds per clause stay as they are
//! (they become the `try_call` exceptional targets), and so do [`raise`] and [`unhandled`].
//!
//! Depends on: `ngen_abi::{exceptions, object}`, `ngen-gc`, [`crate::alloc`] (strings).

mod catch_frames;
pub(crate) mod first_pass;
pub(crate) mod frame_text;
pub(crate) mod inlining;
pub(crate) mod pending;
pub(crate) mod raise;
pub(crate) mod report;
pub(crate) mod source_lines;
pub(crate) mod stelemref;
pub(crate) mod trace;
pub(crate) mod unhandled;

pub(crate) use pending::pending_exception;

pub(crate) use first_pass::first_pass;
pub(crate) use raise::throw;
pub(crate) use trace::capture_trace;
