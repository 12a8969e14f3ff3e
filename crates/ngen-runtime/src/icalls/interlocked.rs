//! `System.Threading.Interlocked`'s icalls (`icall-def.h` `ILOCK_*`), overloaded, so each is
//! listed under Mono's signature key ([`super::signature`]). Each is one sequentially
//! consistent atomic operation on the location, as Mono's are (`mono_atomic_*`); `float` and
//! `double` compare bit patterns, as a compare-and-swap does.
//!
//! Depends on: nothing but `std::sync::atomic`.

use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, Ordering::SeqCst};

// SAFETY (for every `unsafe` cast below): the location is a `ref` argument, the address of a
// live, naturally aligned field, array element or local of the type the overload names.
fn i32_at<'a>(p: *mut i32) -> &'a AtomicI32 {
    unsafe { AtomicI32::from_ptr(p) }
}
fn i64_at<'a>(p: *mut i64) -> &'a AtomicI64 {
    unsafe { AtomicI64::from_ptr(p) }
}
fn u32_at<'a>(p: *mut u32) -> &'a AtomicU32 {
    unsafe { AtomicU32::from_ptr(p) }
}
fn u64_at<'a>(p: *mut u64) -> &'a AtomicU64 {
    unsafe { AtomicU64::from_ptr(p) }
}

fn swap_result<T>(r: Result<T, T>) -> T {
    match r {
        Ok(v) | Err(v) => v,
    }
}

extern "C" fn cmpxchg_i32(loc: *mut i32, value: i32, comparand: i32) -> i32 {
    swap_result(i32_at(loc).compare_exchange(comparand, value, SeqCst, SeqCst))
}
extern "C" fn cmpxchg_i64(loc: *mut i64, value: i64, comparand: i64) -> i64 {
    swap_result(i64_at(loc).compare_exchange(comparand, value, SeqCst, SeqCst))
}
extern "C" fn cmpxchg_f64(loc: *mut u64, value: f64, comparand: f64) -> f64 {
    let old = u64_at(loc).compare_exchange(comparand.to_bits(), value.to_bits(), SeqCst, SeqCst);
    f64::from_bits(swap_result(old))
}
extern "C" fn cmpxchg_f32(loc: *mut u32, value: f32, comparand: f32) -> f32 {
    let old = u32_at(loc).compare_exchange(comparand.to_bits(), value.to_bits(), SeqCst, SeqCst);
    f32::from_bits(swap_result(old))
}
/// `CompareExchange(int&,int,int,bool&)`: also says whether the exchange happened.
extern "C" fn cmpxchg_i32_success(loc: *mut i32, value: i32, comparand: i32, ok: *mut u8) -> i32 {
    let r = i32_at(loc).compare_exchange(comparand, value, SeqCst, SeqCst);
    // SAFETY: a `ref bool` argument.
    unsafe { ok.write(u8::from(r.is_ok())) };
    swap_result(r)
}
/// `CompareExchange(object&,object&,object&,object&)`: mscorlib passes value, comparand and
/// the result slot by reference (so the collector sees them on its stack).
extern "C" fn cmpxchg_object(
    loc: *mut u64,
    value: *const u64,
    comparand: *const u64,
    result: *mut u64,
) {
    // SAFETY: `ref object` arguments: live, aligned reference slots.
    unsafe {
        let old = swap_result(u64_at(loc).compare_exchange(*comparand, *value, SeqCst, SeqCst));
        result.write(old);
    }
}
/// `Exchange(object&,object&,object&)`.
extern "C" fn exchange_object(loc: *mut u64, value: *const u64, result: *mut u64) {
    // SAFETY: as above.
    unsafe { result.write(u64_at(loc).swap(*value, SeqCst)) };
}
extern "C" fn exchange_i32(loc: *mut i32, value: i32) -> i32 {
    i32_at(loc).swap(value, SeqCst)
}
extern "C" fn exchange_i64(loc: *mut i64, value: i64) -> i64 {
    i64_at(loc).swap(value, SeqCst)
}
extern "C" fn exchange_f64(loc: *mut u64, value: f64) -> f64 {
    f64::from_bits(u64_at(loc).swap(value.to_bits(), SeqCst))
}
extern "C" fn exchange_f32(loc: *mut u32, value: f32) -> f32 {
    f32::from_bits(u32_at(loc).swap(value.to_bits(), SeqCst))
}
/// `Add`, `Increment` and `Decrement` return the new value (wrapping, as C# `unchecked`).
extern "C" fn add_i32(loc: *mut i32, value: i32) -> i32 {
    i32_at(loc).fetch_add(value, SeqCst).wrapping_add(value)
}
extern "C" fn add_i64(loc: *mut i64, value: i64) -> i64 {
    i64_at(loc).fetch_add(value, SeqCst).wrapping_add(value)
}
extern "C" fn increment_i32(loc: *mut i32) -> i32 {
    add_i32(loc, 1)
}
extern "C" fn increment_i64(loc: *mut i64) -> i64 {
    add_i64(loc, 1)
}
extern "C" fn decrement_i32(loc: *mut i32) -> i32 {
    add_i32(loc, -1)
}
extern "C" fn decrement_i64(loc: *mut i64) -> i64 {
    add_i64(loc, -1)
}
extern "C" fn read_i64(loc: *mut i64) -> i64 {
    i64_at(loc).load(SeqCst)
}
extern "C" fn memory_barrier_process_wide() {
    std::sync::atomic::fence(SeqCst);
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Add(int&,int)", add_i32 as *const ()),
        ("Add(long&,long)", add_i64 as *const ()),
        (
            "CompareExchange(double&,double,double)",
            cmpxchg_f64 as *const (),
        ),
        ("CompareExchange(int&,int,int)", cmpxchg_i32 as *const ()),
        (
            "CompareExchange(int&,int,int,bool&)",
            cmpxchg_i32_success as *const (),
        ),
        (
            "CompareExchange(intptr&,intptr,intptr)",
            cmpxchg_i64 as *const (),
        ),
        ("CompareExchange(long&,long,long)", cmpxchg_i64 as *const ()),
        (
            "CompareExchange(object&,object&,object&,object&)",
            cmpxchg_object as *const (),
        ),
        (
            "CompareExchange(single&,single,single)",
            cmpxchg_f32 as *const (),
        ),
        ("Decrement(int&)", decrement_i32 as *const ()),
        ("Decrement(long&)", decrement_i64 as *const ()),
        ("Exchange(double&,double)", exchange_f64 as *const ()),
        ("Exchange(int&,int)", exchange_i32 as *const ()),
        ("Exchange(intptr&,intptr)", exchange_i64 as *const ()),
        ("Exchange(long&,long)", exchange_i64 as *const ()),
        (
            "Exchange(object&,object&,object&)",
            exchange_object as *const (),
        ),
        ("Exchange(single&,single)", exchange_f32 as *const ()),
        ("Increment(int&)", increment_i32 as *const ()),
        ("Increment(long&)", increment_i64 as *const ()),
        (
            "MemoryBarrierProcessWide",
            memory_barrier_process_wide as *const (),
        ),
        ("Read(long&)", read_i64 as *const ()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_exchange_and_add_follow_the_managed_contract() {
        let mut x = 5i32;
        assert_eq!(cmpxchg_i32(&mut x, 7, 4), 5);
        assert_eq!(x, 5);
        assert_eq!(cmpxchg_i32(&mut x, 7, 5), 5);
        assert_eq!(x, 7);
        assert_eq!(increment_i32(&mut x), 8);
        let mut big = i64::MAX;
        assert_eq!(increment_i64(&mut big), i64::MIN);
        let mut d = 1.5f64.to_bits();
        assert_eq!(cmpxchg_f64(&mut d, 2.5, 1.5), 1.5);
        assert_eq!(f64::from_bits(d), 2.5);
        let mut ok = 0u8;
        let mut y = 1i32;
        cmpxchg_i32_success(&mut y, 2, 3, &mut ok);
        assert_eq!((y, ok), (1, 0));
    }
}
