//! Runtime-made stubs: a few bytes of fixed x86-64 machine code in front of a target, written
//! into read-write-execute pages that are never freed, so they are shared by images and JIT
//! code and work under `--jit never` (nothing is compiled: the bytes are fixed). Two shapes:
//!
//! - **Unboxing stubs** ([`unboxing_stub`]): the entry of a value type's own instance method
//!   when it is reached through a box (a vtable slot of the boxed type's method table, an
//!   interface call on a boxed value). Compiled code of such a method takes `this` as the
//!   address of the value, but a virtual or interface call passes the object; the stub moves
//!   `this` past the 16-byte object header and jumps to the method, as the CLR's and Mono's
//!   unboxing trampolines do (ECMA-335 II.13.3: a boxed value's methods see the value):
//!   `add rdi, 16; movabs r11, target; jmp r11`.
//! - **Bound stubs** ([`bound_stub`]): replace the first argument with a constant and jump,
//!   `movabs rdi, arg; movabs r11, target; jmp r11`. The runtime uses them for entry points
//!   that must know which method was called whatever the method's signature, such as an
//!   `InternalCall` this runtime does not implement (the stub names it to the thrower).
//!
//! In the managed calling convention `this` (or the first argument) is always an integer in
//! `rdi` (SystemV), whatever the rest of the signature; r11 is a scratch register no argument
//! uses. Stubs are made once per (shape, target, argument), 32 bytes each.
//!
//! Depends on: libc (`mmap`), `ngen_abi::object::OBJECT_HEADER_SIZE`.

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_abi::object::OBJECT_HEADER_SIZE;

/// Bytes reserved per stub (the longest code is 23).
const STUB_SIZE: usize = 32;
/// Bytes of each executable page the stubs are written into.
const PAGE_SIZE: usize = 4096;

/// The stubs made so far, and where the next one goes.
struct Stubs {
    made: HashMap<StubKey, u64>,
    page: *mut u8,
    used: usize,
}

// SAFETY: the raw page pointer is only touched under the mutex.
unsafe impl Send for Stubs {}

static STUBS: Mutex<Option<Stubs>> = Mutex::new(None);

/// What a stub does before it jumps to its target.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum StubKey {
    /// `this += 16`, then the target.
    Unboxing { target: u64 },
    /// The first argument replaced by `arg`, then the target.
    Bound { target: u64, arg: u64 },
}

impl StubKey {
    /// The stub's machine code.
    fn code(self) -> Vec<u8> {
        let mut code = Vec::with_capacity(STUB_SIZE);
        let target = match self {
            StubKey::Unboxing { target } => {
                // add rdi, imm8
                code.extend_from_slice(&[0x48, 0x83, 0xC7, OBJECT_HEADER_SIZE as u8]);
                target
            }
            StubKey::Bound { target, arg } => {
                // movabs rdi, imm64
                code.extend_from_slice(&[0x48, 0xBF]);
                code.extend_from_slice(&arg.to_le_bytes());
                target
            }
        };
        // movabs r11, imm64
        code.extend_from_slice(&[0x49, 0xBB]);
        code.extend_from_slice(&target.to_le_bytes());
        // jmp r11
        code.extend_from_slice(&[0x41, 0xFF, 0xE3]);
        code
    }
}

/// The unboxing stub of the method whose code is at `target` (made once).
pub(crate) fn unboxing_stub(target: u64) -> Result<u64, String> {
    make(StubKey::Unboxing { target })
}

/// A stub that calls `target` with `arg` as its first argument, in place of whatever the
/// caller passed there (made once per pair).
pub(crate) fn bound_stub(target: u64, arg: u64) -> Result<u64, String> {
    make(StubKey::Bound { target, arg })
}

fn make(key: StubKey) -> Result<u64, String> {
    let mut guard = STUBS.lock().unwrap_or_else(|p| p.into_inner());
    let stubs = guard.get_or_insert_with(|| Stubs {
        made: HashMap::new(),
        page: std::ptr::null_mut(),
        used: PAGE_SIZE,
    });
    if let Some(&stub) = stubs.made.get(&key) {
        return Ok(stub);
    }
    if stubs.used + STUB_SIZE > PAGE_SIZE {
        // SAFETY: an anonymous private mapping; the result is checked.
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                PAGE_SIZE,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if page == libc::MAP_FAILED {
            return Err("cannot map a page for runtime stubs".into());
        }
        stubs.page = page.cast();
        stubs.used = 0;
    }
    let code = key.code();
    debug_assert!(code.len() <= STUB_SIZE);
    // SAFETY: `page` is a writable mapping of PAGE_SIZE bytes and `used + STUB_SIZE` fits;
    // nothing executes these bytes before the stub's address is returned.
    let stub = unsafe {
        let at = stubs.page.add(stubs.used);
        std::ptr::copy_nonoverlapping(code.as_ptr(), at, code.len());
        at as u64
    };
    stubs.used += STUB_SIZE;
    stubs.made.insert(key, stub);
    Ok(stub)
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn value_of(this: *const i64) -> i64 {
        // SAFETY: the test passes a pointer to a live i64.
        unsafe { *this }
    }

    #[test]
    fn a_stub_passes_the_value_after_the_header_and_is_made_once() {
        let boxed: [i64; 3] = [0x1111, 0x2222, 42];
        let target = value_of as *const () as u64;
        let stub = unboxing_stub(target).unwrap();
        assert_eq!(unboxing_stub(target).unwrap(), stub);
        // SAFETY: the stub has value_of's signature, taking the object instead of the value.
        let through_box: extern "C" fn(*const i64) -> i64 = unsafe { std::mem::transmute(stub) };
        assert_eq!(through_box(boxed.as_ptr()), 42);
    }

    extern "C" fn sum(a: i64, b: i64) -> i64 {
        a + b
    }

    #[test]
    fn a_bound_stub_replaces_the_first_argument_and_keeps_the_others() {
        let target = sum as *const () as u64;
        let stub = bound_stub(target, 40).unwrap();
        assert_eq!(bound_stub(target, 40).unwrap(), stub);
        assert_ne!(bound_stub(target, 41).unwrap(), stub);
        // SAFETY: the stub has sum's signature.
        let bound: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(stub) };
        assert_eq!(bound(-1000, 2), 42);
    }
}
