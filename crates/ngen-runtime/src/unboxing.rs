//! Unboxing stubs: the entry of a value type's own instance method when it is reached
//! through a box (a vtable slot of the boxed type's method table, an interface call on a
//! boxed value). Compiled code of such a method takes `this` as the address of the value,
//! but a virtual or interface call passes the object; the stub moves `this` past the
//! 16-byte object header and jumps to the method, as the CLR's and Mono's unboxing
//! trampolines do (ECMA-335 II.13.3: a boxed value's methods see the value).
//!
//! ## Model
//! In the managed calling convention `this` is always the first argument, an integer, so it
//! is in `rdi` (SystemV) whatever the rest of the signature (the struct return buffer comes
//! after it). One stub per target, 32 bytes of x86-64 machine code (`add rdi, 16; movabs
//! r11, target; jmp r11`: r11 is a scratch register no argument uses), written into
//! read-write-execute pages that are never freed, so stubs are shared by images and JIT
//! code and work under `--jit never` (no compilation: the bytes are fixed). Stubs are made
//! under the runtime lock, once per method.
//!
//! Depends on: libc (`mmap`), `ngen_abi::object::OBJECT_HEADER_SIZE`.

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_abi::object::OBJECT_HEADER_SIZE;

/// Bytes reserved per stub (the code is 17).
const STUB_SIZE: usize = 32;
/// Bytes of each executable page the stubs are written into.
const PAGE_SIZE: usize = 4096;

/// The stubs made so far, and where the next one goes.
struct Stubs {
    by_target: HashMap<u64, u64>,
    page: *mut u8,
    used: usize,
}

// SAFETY: the raw page pointer is only touched under the mutex.
unsafe impl Send for Stubs {}

static STUBS: Mutex<Option<Stubs>> = Mutex::new(None);

/// The machine code of a stub for `target`.
fn stub_code(target: u64) -> [u8; 17] {
    let mut code = [0u8; 17];
    // add rdi, imm8
    code[..4].copy_from_slice(&[0x48, 0x83, 0xC7, OBJECT_HEADER_SIZE as u8]);
    // movabs r11, imm64
    code[4..6].copy_from_slice(&[0x49, 0xBB]);
    code[6..14].copy_from_slice(&target.to_le_bytes());
    // jmp r11
    code[14..].copy_from_slice(&[0x41, 0xFF, 0xE3]);
    code
}

/// The unboxing stub of the method whose code is at `target` (made once).
pub(crate) fn unboxing_stub(target: u64) -> Result<u64, String> {
    let mut guard = STUBS.lock().unwrap_or_else(|p| p.into_inner());
    let stubs = guard.get_or_insert_with(|| Stubs {
        by_target: HashMap::new(),
        page: std::ptr::null_mut(),
        used: PAGE_SIZE,
    });
    if let Some(&stub) = stubs.by_target.get(&target) {
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
            return Err("cannot map a page for unboxing stubs".into());
        }
        stubs.page = page.cast();
        stubs.used = 0;
    }
    let code = stub_code(target);
    // SAFETY: `page` is a writable mapping of PAGE_SIZE bytes and `used + STUB_SIZE` fits;
    // nothing executes these bytes before the stub's address is returned.
    let stub = unsafe {
        let at = stubs.page.add(stubs.used);
        std::ptr::copy_nonoverlapping(code.as_ptr(), at, code.len());
        at as u64
    };
    stubs.used += STUB_SIZE;
    stubs.by_target.insert(target, stub);
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
}
