//! Fingerprints, planner, deterministic cache layout, package archives and Ngen's actions on a
//! native image cache.
//!
//! - [`graph`]: the resolved input model (closures of roots), [`resolve`]: built with ngen-binder,
//!   [`closure_memo`]: reused while nothing the binder looked at changed;
//! - [`filehash`]: content hashes with a (size, mtime, ctime, inode) fast path;
//! - [`fingerprint`]: per-image fingerprints, stored inputs and "Dirty … because" reasons;
//!   [`hard_edges`]: which edges are hard-bound (`LoadHint.Always`) and their fingerprints;
//! - [`layout`], [`index`]: where images live and the sorted index of roots and reference counts;
//! - [`engine`]: plan, parallel build through an [`compiler::ImageCompiler`], atomic commit, GC;
//! - [`actions`]: Ngen's install / uninstall / update / display semantics;
//! - [`queue`]: the deferred queue and the service's scheduling; [`queue_idle`]: when the
//!   machine is idle; [`queue_service`]: the one-service lock, its status and its log;
//! - [`package`]: reproducible tar archives and tree hashes;
//! - [`fsutil`], [`lock`]: crash-safe writes (modes 0755/0644, images with their digest) and
//!   inter-process locking; [`permissions`]: refusing a cache others could write;
//! - [`location`]: which cache Ngen's actions use (machine-wide for root, per-user otherwise);
//! - [`run_support`]: which image directories `ngen-build run` uses by default;
//! - [`shadow`]: app-local assemblies the GAC shadows (warned about: they get no image);
//! - [`remote`]: a shared cache speaking Bazel's HTTP remote-cache protocol (lookup before
//!   compiling, verified installs, uploads) and its statistics.
//!
//! Depends on ngen-manifest (scenarios, hints), ngen-binder (resolution) and no compiler:
//! the CLI passes one in.

pub mod actions;
pub mod closure_memo;
pub mod compiler;
pub mod engine;
pub mod error;
pub mod filehash;
pub mod fingerprint;
pub mod fsutil;
pub mod graph;
pub mod hard_edges;
pub mod index;
pub mod integrity;
pub mod layout;
pub mod location;
pub mod lock;
pub mod package;
pub mod permissions;
pub mod queue;
pub mod queue_idle;
pub mod queue_service;
pub mod remote;
pub mod resolve;
pub mod run_support;
pub mod shadow;
#[cfg(test)]
mod test_graphs;

pub use compiler::{CompileRequest, CompiledImage, ImageCompiler};
pub use engine::{
    BuildOutcome, Cache, Event, Freshness, LockedCache, Plan, PlannedImage, RootRequest,
};
pub use error::{CacheError, Result};
pub use index::{ImageRecord, Index, RootKey, RootRecord};
pub use layout::Layout;
pub use remote::{RemoteCache, RemoteSettings};
