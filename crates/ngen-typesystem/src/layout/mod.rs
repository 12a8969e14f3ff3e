//! Layout: where every instance field lives (exactly as Mono 6.8 on x86-64), which words of an
//! instance hold references (for Boehm typed allocation), and where statics live.
//!
//! ## Model
//! - [`instance`]: Mono's `mono_class_layout_fields` (`mono/metadata/class-init.c`): a 16-byte
//!   object header; GC-aware auto layout for reference types (reference fields first, then the
//!   rest, each in declaration order, after the parent's instance size); sequential and
//!   explicit layout with `.pack` and `.size`; value types laid out as if boxed (offsets count
//!   the header, the unboxed size is `instance_size - 16`); field alignment from
//!   `mono_type_size`, capped by `.pack`, and raised to 8 for fields that hold references.
//! - [`gc_map`]: the pointer-sized words that hold references.
//! - [`statics`]: GC and non-GC areas, thread statics apart, literals without storage.
//!
//! ## Invariants
//! The compiler's field offsets, the runtime's allocation sizes and GC descriptors, and the
//! class libraries' C mirrors (`mono-runtime.md` §3) all come from here. Changing a number
//! here changes the image ABI: bump `IMAGE_FORMAT_VERSION` when the compiler bakes it in.
//!
//! ## Deliberately not done
//! - Mono's `IS_GC_REFERENCE` (corlib `UIntPtr` fields counted as references) applies only
//!   under a non-moving GC; Mono 6.8 as shipped runs SGen (moving), so, like the oracle, we
//!   never count them.
//! - `mono_align_small_structs` is off in Mono by default, and so here.
//!
//! Depends on `crate::members`. Checked against Mono by `tests/mono_layout_oracle.rs`.

pub mod gc_map;
pub mod instance;
pub mod statics;

pub use gc_map::GcMap;
pub use instance::InstanceLayout;
pub use statics::{StaticArea, StaticField, StaticsLayout};

/// Size of the object header (`MonoObject`: vtable, synchronisation) on x86-64.
pub const OBJECT_HEADER_SIZE: u32 = 16;
/// Size of a pointer or native int.
pub const POINTER_SIZE: u32 = 8;
/// `System.String`: offset of the `i32` length (`_stringLength`).
pub const STRING_LENGTH_OFFSET: u32 = 16;
/// `System.String`: offset of the first UTF-16 code unit (`_firstChar`).
pub const STRING_CHARS_OFFSET: u32 = 20;
/// Arrays: offset of the bounds pointer (null for `T[]`).
pub const ARRAY_BOUNDS_OFFSET: u32 = 16;
/// Arrays: offset of the element count (`max_length`, pointer-sized).
pub const ARRAY_LENGTH_OFFSET: u32 = 24;
/// Arrays: offset of element 0.
pub const ARRAY_DATA_OFFSET: u32 = 32;
