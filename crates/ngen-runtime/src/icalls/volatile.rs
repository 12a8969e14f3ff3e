//! The volatile reads and writes Mono implements as icalls: `System.Threading.Volatile`'s
//! 64-bit overloads (`icall-def.h` `VOLATILE_*`; its other overloads are IL) and
//! `System.Threading.Thread`'s `VolatileRead`/`VolatileWrite` (`THREAD_26`..`THREAD_51`),
//! listed under Mono's signature keys. Each is one atomic access of the location's width
//! with acquire (read) or release (write) ordering, as Mono's `mono_atomic_load_acquire`
//! and `mono_atomic_store_release`. System.dll's `Barrier` reads its phase through
//! `Volatile.Read(long&)`.
//!
//! Depends on: nothing but `std::sync::atomic`. References need no write barrier: the
//! collector is non-moving and scans conservatively.

use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64};

// SAFETY (for every `unsafe` cast below): the location is a `ref` argument, the address of a
// live, naturally aligned field, array element or local of the type the overload names.
macro_rules! read_write {
    ($read:ident, $write:ident, $atomic:ty, $bits:ty) => {
        extern "C" fn $read(loc: *mut $bits) -> $bits {
            unsafe { <$atomic>::from_ptr(loc) }.load(Acquire)
        }
        extern "C" fn $write(loc: *mut $bits, value: $bits) {
            unsafe { <$atomic>::from_ptr(loc) }.store(value, Release)
        }
    };
}

read_write!(read_u8, write_u8, AtomicU8, u8);
read_write!(read_u16, write_u16, AtomicU16, u16);
read_write!(read_u32, write_u32, AtomicU32, u32);
read_write!(read_u64, write_u64, AtomicU64, u64);

extern "C" fn read_f64(loc: *mut u64) -> f64 {
    f64::from_bits(read_u64(loc))
}
extern "C" fn write_f64(loc: *mut u64, value: f64) {
    write_u64(loc, value.to_bits())
}
extern "C" fn read_f32(loc: *mut u32) -> f32 {
    f32::from_bits(read_u32(loc))
}
extern "C" fn write_f32(loc: *mut u32, value: f32) {
    write_u32(loc, value.to_bits())
}

/// `System.Threading.Volatile`'s icalls.
pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Read(double&)", read_f64 as *const ()),
        ("Read(long&)", read_u64 as *const ()),
        ("Read(ulong&)", read_u64 as *const ()),
        ("Write(double&,double)", write_f64 as *const ()),
        ("Write(long&,long)", write_u64 as *const ()),
        ("Write(ulong&,ulong)", write_u64 as *const ()),
    ]
}

/// `Thread.VolatileRead(T&)` and `Thread.VolatileWrite(T&,T)` rows for each Mono type name.
macro_rules! thread_rows {
    ($read:expr, $write:expr; $($ty:literal),+) => {
        [$(
            (concat!("VolatileRead(", $ty, "&)"), $read as *const ()),
            (concat!("VolatileWrite(", $ty, "&,", $ty, ")"), $write as *const ()),
        )+]
    };
}

/// `System.Threading.Thread`'s `VolatileRead`/`VolatileWrite` overloads (its other icalls
/// are in [`super::thread`]).
pub(super) fn thread_methods() -> Vec<(&'static str, *const ())> {
    let mut rows = Vec::new();
    rows.extend(thread_rows!(read_u8, write_u8; "byte", "sbyte"));
    rows.extend(thread_rows!(read_u16, write_u16; "int16", "uint16"));
    rows.extend(thread_rows!(read_u32, write_u32; "int", "uint"));
    rows.extend(thread_rows!(read_u64, write_u64; "long", "ulong", "intptr", "uintptr", "object"));
    rows.extend(thread_rows!(read_f64, write_f64; "double"));
    rows.extend(thread_rows!(read_f32, write_f32; "single"));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_keep_every_width_and_float_bits() {
        let mut long = 0u64;
        write_u64(&mut long, u64::MAX - 1);
        assert_eq!(read_u64(&mut long), u64::MAX - 1);
        let mut d = 0u64;
        write_f64(&mut d, -2.5);
        assert_eq!(read_f64(&mut d), -2.5);
        let mut b = 0u8;
        write_u8(&mut b, 200);
        assert_eq!(read_u8(&mut b), 200);
        let keys: Vec<_> = thread_methods().iter().map(|r| r.0).collect();
        assert!(keys.contains(&"VolatileWrite(object&,object)"));
        assert!(keys.contains(&"VolatileRead(uint16&)"));
        assert_eq!(keys.len(), 26);
    }
}
