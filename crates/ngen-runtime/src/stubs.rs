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
//! - **Open-instance stubs** ([`open_instance_stub`]): the entry of an instance method that
//!   returns a struct, when an open-instance delegate (`Delegate.CreateDelegate` over an
//!   instance method with no target: `Func<C, int?>` over `C.getField`) calls it. `Invoke`
//!   calls a targetless delegate's code as a static method, whose hidden return buffer comes
//!   first (`buffer, c, ...`), but the instance method takes it after `this` (`c, buffer,
//!   ...`): the stub swaps the first two integer arguments, `xchg rdi, rsi; movabs r11,
//!   target; jmp r11`.
//!
//! - **Delegate invoke stubs** ([`delegate_invoke_stub`]): a delegate type's `Invoke`
//!   reached through a code address (an open delegate over `Func<string>.Invoke` made by
//!   `Delegate.CreateDelegate`), where compiled code would expand `Invoke` inline. The stub
//!   does what the inline expansion does for a single delegate: it jumps to `method_ptr`
//!   with `m_target` in place of the delegate when the target is set, and with the integer
//!   arguments moved down one register when it is null (a static method: float arguments
//!   stay in their registers). A combined delegate raises `MissingMethodException` through
//!   the thrower (the inline expansion walks `delegates`; a jump stub cannot). The caller
//!   guarantees that at most five integer arguments follow `this`, so none is on the stack.
//!
//! - **Capturing stubs** ([`capturing_stub`]): the entry of a method the runtime implements
//!   for any signature (a delegate type's `BeginInvoke`, `EndInvoke`): `movabs r10, target;
//!   movabs r11, trampoline; jmp r11`, into [`crate::capture_call`]'s trampoline, which saves
//!   the arguments and calls the target's handler.
//! - **Instantiating stubs** ([`instantiating_stub`]): the entry of an exact generic instance
//!   served by canonical shared code, which takes the instance's dictionary as a hidden last
//!   integer argument (`ngen_compiler`'s `aot/shared.rs`). The stub loads the dictionary into
//!   that argument's register and jumps: `movabs <reg>, dictionary; movabs r11, target; jmp
//!   r11`. Callers never know the callee is shared; the stub leaves no frame, so traces show
//!   the shared code's frame.
//!
//! In the managed calling convention `this` (or the first argument) is always an integer in
//! `rdi` (SystemV), whatever the rest of the signature; r11 is a scratch register no argument
//! uses. Stubs are made once per (shape, target, argument), each in a 16-byte-aligned slot.
//!
//! Depends on: libc (`mmap`), `ngen_abi::object::OBJECT_HEADER_SIZE`.

use std::collections::HashMap;
use std::sync::Mutex;

use ngen_abi::object::OBJECT_HEADER_SIZE;

/// Stubs start on this alignment.
const STUB_ALIGN: usize = 16;
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
    /// The first two arguments swapped, then the target.
    OpenInstance { target: u64 },
    /// A single delegate's `Invoke` (field offsets in the delegate), else `thrower(name)`.
    DelegateInvoke(DelegateInvoke),
    /// `r10` set to a `CaptureTarget`, then the capture trampoline.
    Capturing { target: u64 },
    /// `dictionary` in integer argument register `register` (0 = `rdi` ... 5 = `r9`), then
    /// the target.
    Instantiating {
        target: u64,
        register: u8,
        dictionary: u64,
    },
}

/// `movabs <reg>, imm64`'s opcode bytes for each SysV integer argument register, in order.
const MOVABS_ARGUMENT: [[u8; 2]; 6] = [
    [0x48, 0xBF], // rdi
    [0x48, 0xBE], // rsi
    [0x48, 0xBA], // rdx
    [0x48, 0xB9], // rcx
    [0x49, 0xB8], // r8
    [0x49, 0xB9], // r9
];

/// Where a delegate type keeps what its `Invoke` needs, and what a combined one calls.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct DelegateInvoke {
    /// `MulticastDelegate.delegates` (non-null: a combined delegate).
    pub delegates: u32,
    /// `Delegate.m_target`.
    pub target: u32,
    /// `Delegate.method_ptr`.
    pub method_ptr: u32,
    /// Raises the exception for a combined delegate, given `name`.
    pub thrower: u64,
    pub name: u64,
}

impl DelegateInvoke {
    fn code(self) -> Vec<u8> {
        let disp = |v: u32| v.to_le_bytes();
        let mut c = Vec::with_capacity(80);
        c.extend_from_slice(&[0x4C, 0x8B, 0x97]); // mov r10, [rdi + delegates]
        c.extend_from_slice(&disp(self.delegates));
        c.extend_from_slice(&[0x4D, 0x85, 0xD2]); // test r10, r10
        c.extend_from_slice(&[0x75, 0x00]); // jnz combined
        let jnz = c.len();
        c.extend_from_slice(&[0x4C, 0x8B, 0x9F]); // mov r11, [rdi + m_target]
        c.extend_from_slice(&disp(self.target));
        c.extend_from_slice(&[0x48, 0x8B, 0x87]); // mov rax, [rdi + method_ptr]
        c.extend_from_slice(&disp(self.method_ptr));
        c.extend_from_slice(&[0x4D, 0x85, 0xDB]); // test r11, r11
        c.extend_from_slice(&[0x74, 0x00]); // jz static
        let jz = c.len();
        c.extend_from_slice(&[0x4C, 0x89, 0xDF]); // mov rdi, r11
        c.extend_from_slice(&[0xFF, 0xE0]); // jmp rax
        c[jz - 1] = (c.len() - jz) as u8;
        c.extend_from_slice(&[
            0x48, 0x89, 0xF7, // mov rdi, rsi
            0x48, 0x89, 0xD6, // mov rsi, rdx
            0x48, 0x89, 0xCA, // mov rdx, rcx
            0x4C, 0x89, 0xC1, // mov rcx, r8
            0x4D, 0x89, 0xC8, // mov r8, r9
            0xFF, 0xE0, // jmp rax
        ]);
        c[jnz - 1] = (c.len() - jnz) as u8;
        c.extend(
            StubKey::Bound {
                target: self.thrower,
                arg: self.name,
            }
            .code(),
        );
        c
    }
}

impl StubKey {
    /// The stub's machine code.
    fn code(self) -> Vec<u8> {
        let mut code = Vec::with_capacity(32);
        let target = match self {
            StubKey::DelegateInvoke(invoke) => return invoke.code(),
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
            StubKey::OpenInstance { target } => {
                // xchg rdi, rsi
                code.extend_from_slice(&[0x48, 0x87, 0xF7]);
                target
            }
            StubKey::Capturing { target } => {
                // movabs r10, imm64
                code.extend_from_slice(&[0x49, 0xBA]);
                code.extend_from_slice(&target.to_le_bytes());
                crate::capture_call::trampoline()
            }
            StubKey::Instantiating {
                target,
                register,
                dictionary,
            } => {
                code.extend_from_slice(&MOVABS_ARGUMENT[usize::from(register)]);
                code.extend_from_slice(&dictionary.to_le_bytes());
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

/// The stub that lets an open-instance delegate call the struct-returning instance method
/// whose code is at `target` (made once; see the module documentation).
pub(crate) fn open_instance_stub(target: u64) -> Result<u64, String> {
    make(StubKey::OpenInstance { target })
}

/// The stub serving a delegate type's `Invoke` as a code address (made once per layout).
pub(crate) fn delegate_invoke_stub(invoke: DelegateInvoke) -> Result<u64, String> {
    make(StubKey::DelegateInvoke(invoke))
}

/// The entry of a runtime-implemented method whose calls `target`'s handler receives with
/// the captured arguments (made once per target).
pub(crate) fn capturing_stub(
    target: &'static crate::capture_call::CaptureTarget,
) -> Result<u64, String> {
    make(StubKey::Capturing {
        target: target as *const crate::capture_call::CaptureTarget as u64,
    })
}

/// The entry of an exact instance served by the shared code at `target`: its `dictionary` in
/// integer argument register `register` (0 = `rdi` ... 5 = `r9`), then the code (made once);
/// with the stub's size in bytes, for the code map.
pub(crate) fn instantiating_stub(
    target: u64,
    register: u32,
    dictionary: u64,
) -> Result<(u64, u64), String> {
    let register = u8::try_from(register)
        .ok()
        .filter(|&r| usize::from(r) < MOVABS_ARGUMENT.len())
        .ok_or_else(|| {
            format!("shared code's dictionary register {register} is not an argument register")
        })?;
    let key = StubKey::Instantiating {
        target,
        register,
        dictionary,
    };
    make(key).map(|entry| (entry, key.code().len() as u64))
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
    let code = key.code();
    let size = code.len().next_multiple_of(STUB_ALIGN);
    if stubs.used + size > PAGE_SIZE {
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
    // SAFETY: `page` is a writable mapping of PAGE_SIZE bytes and `used + size` fits;
    // nothing executes these bytes before the stub's address is returned.
    let stub = unsafe {
        let at = stubs.page.add(stubs.used);
        std::ptr::copy_nonoverlapping(code.as_ptr(), at, code.len());
        at as u64
    };
    stubs.used += size;
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

    extern "C" fn closed(this: i64, a: i64, x: f64) -> i64 {
        this * 1000 + a * 10 + x as i64
    }

    extern "C" fn open(a: i64, b: i64, c: i64, d: i64, e: i64, x: f64) -> i64 {
        a * 10000 + b * 1000 + c * 100 + d * 10 + e + x as i64 * 100000
    }

    extern "C" fn combined(name: u64) -> i64 {
        -(name as i64)
    }

    #[test]
    fn a_delegate_invoke_stub_calls_the_target_closed_or_static_and_refuses_combined() {
        // A fake delegate: [delegates, m_target, method_ptr].
        let layout = DelegateInvoke {
            delegates: 0,
            target: 8,
            method_ptr: 16,
            thrower: combined as *const () as u64,
            name: 7,
        };
        let stub = delegate_invoke_stub(layout).unwrap();
        assert_eq!(delegate_invoke_stub(layout).unwrap(), stub);
        let with_target: [i64; 3] = [0, 4, closed as *const () as i64];
        // SAFETY: the stub forwards to `closed` with the target in place of the delegate.
        let invoke: extern "C" fn(*const i64, i64, f64) -> i64 =
            unsafe { std::mem::transmute(stub) };
        assert_eq!(invoke(with_target.as_ptr(), 2, 5.0), 4025);
        let static_method: [i64; 3] = [0, 0, open as *const () as i64];
        // SAFETY: the stub forwards to `open` with the integer arguments moved down.
        let invoke: extern "C" fn(*const i64, i64, i64, i64, i64, i64, f64) -> i64 =
            unsafe { std::mem::transmute(stub) };
        assert_eq!(invoke(static_method.as_ptr(), 1, 2, 3, 4, 5, 6.0), 612345);
        let list = [1i64];
        let combined_delegate: [i64; 3] = [list.as_ptr() as i64, 0, open as *const () as i64];
        // SAFETY: the stub calls `combined` with the name for a combined delegate.
        let invoke: extern "C" fn(*const i64) -> i64 = unsafe { std::mem::transmute(stub) };
        assert_eq!(invoke(combined_delegate.as_ptr()), -7);
    }

    extern "C" fn instance_with_buffer(this: i64, buffer: *mut i64, a: i64, x: f64) -> i64 {
        // SAFETY: the test passes a pointer to a live i64.
        unsafe { *buffer = this * 100 + a * 10 + x as i64 };
        -1
    }

    #[test]
    fn an_open_instance_stub_passes_the_buffer_after_this() {
        let target = instance_with_buffer as *const () as u64;
        let stub = open_instance_stub(target).unwrap();
        assert_eq!(open_instance_stub(target).unwrap(), stub);
        let mut result = 0i64;
        // SAFETY: the stub takes the static order (buffer first) and calls the instance order.
        let as_static: extern "C" fn(*mut i64, i64, i64, f64) -> i64 =
            unsafe { std::mem::transmute(stub) };
        assert_eq!(as_static(&mut result, 4, 2, 5.0), -1);
        assert_eq!(result, 425);
    }

    extern "C" fn shared(this: i64, x: f64, a: i64, dictionary: i64) -> i64 {
        this + a + x as i64 + dictionary
    }

    extern "C" fn shared_in_r9(a: i64, b: i64, c: i64, d: i64, e: i64, dictionary: i64) -> i64 {
        a + b + c + d + e + dictionary
    }

    #[test]
    fn an_instantiating_stub_appends_the_dictionary_in_its_register() {
        let target = shared as *const () as u64;
        let (stub, size) = instantiating_stub(target, 2, 1000).unwrap();
        assert_eq!(instantiating_stub(target, 2, 1000).unwrap(), (stub, size));
        // movabs rdx, dictionary; movabs r11, target; jmp r11.
        assert_eq!(size, 23);
        // SAFETY: the stub takes `shared`'s signature without its last argument.
        let exact: extern "C" fn(i64, f64, i64) -> i64 = unsafe { std::mem::transmute(stub) };
        assert_eq!(exact(1, 20.0, 300), 1321);
        let target = shared_in_r9 as *const () as u64;
        let (stub, _) = instantiating_stub(target, 5, 100_000).unwrap();
        // SAFETY: as above, five integer arguments before the dictionary.
        let exact: extern "C" fn(i64, i64, i64, i64, i64) -> i64 =
            unsafe { std::mem::transmute(stub) };
        assert_eq!(exact(1, 2, 3, 4, 5), 100_015);
        assert!(instantiating_stub(target, 6, 0).is_err());
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
