//! The one source of truth for everything the compiler and the runtime must agree on:
//! object layouts, image-format constants, import-cell layout and runtime helper ids.
//!
//! Neither side hard-codes an offset or an id; both read them from here. Changing anything
//! in this crate changes the native-image ABI, so bump [`IMAGE_FORMAT_VERSION`] with it.
//!
//! This crate has no dependencies, on purpose: it is the contract, not an implementation.

pub mod calling_convention;
pub mod eh_frames;
pub mod exceptions;
pub mod helpers;
pub mod il_offsets;
pub mod image;
pub mod object;
pub mod pinvoke;
pub mod scenario;
pub mod thread_block;

pub use scenario::Scenario;

/// Version of the native image format and runtime ABI. Images with another version are rejected.
pub const IMAGE_FORMAT_VERSION: u32 = 24;
