//! Receiving a managed call whose signature is known only at run time: the mirror of
//! [`crate::dynamic_call`]. A method the runtime implements for every signature (a delegate
//! type's `BeginInvoke` and `EndInvoke`) is entered through one hand-written trampoline
//! ([`ngen_capture_call`]) that saves the argument registers and the address of the stack
//! arguments into a [`Captured`] frame, calls a Rust handler with it, and returns the
//! handler's `rax` and the frame's `xmm0` word to the managed caller.
//!
//! ## Model
//! Each entry is a runtime stub ([`crate::stubs::capturing_stub`]) that loads the address of
//! its [`CaptureTarget`] into `r10` (a scratch register no argument uses) and jumps here. The
//! handler walks the arguments in order with an [`ArgReader`], which assigns registers as the
//! psABI does (and as [`crate::dynamic_call`] loads them): integers to rdi, rsi, rdx, rcx, r8,
//! r9, floats to xmm0..xmm7, every argument past its class's registers to the next stack word.
//! The trampoline keeps the frame-pointer chain that stack traces walk, and its frame lives on
//! the managed stack, so the collector sees the references among the saved registers.
//!
//! Depends on: nothing but the calling convention. Citations: System V AMD64 psABI §3.2.3.

/// Integer registers the psABI passes arguments in: rdi, rsi, rdx, rcx, r8, r9.
const INT_REGISTERS: usize = 6;
/// Vector registers the psABI passes arguments in: xmm0..xmm7.
const FLOAT_REGISTERS: usize = 8;

/// The arguments as the trampoline saved them; the layout is the assembly's (offsets below).
#[repr(C)]
pub(crate) struct Captured {
    ints: [u64; INT_REGISTERS],     // 0
    floats: [u64; FLOAT_REGISTERS], // 48
    stack: *const u64,              // 112
    /// What the trampoline loads into `xmm0` on return (a float result's bits).
    pub(crate) ret_float: u64, // 120
}

impl Captured {
    /// The managed frame that made the captured call: its frame pointer and the return
    /// address into it (the trampoline's saved `rbp` and its return address lie just below
    /// the stack arguments, as any frame of the chain keeps them).
    pub(crate) fn caller(&self) -> (u64, u64) {
        // SAFETY: `stack` is the trampoline's `rbp + 16`: `[rbp]` and `[rbp + 8]` are words of
        // its live frame.
        unsafe { (self.stack.sub(2).read(), self.stack.sub(1).read()) }
    }
}

/// What a capturing stub enters: the handler and the datum it is called with.
#[repr(C)]
pub(crate) struct CaptureTarget {
    /// Called with `data` and the captured arguments; its result is the call's `rax`.
    pub(crate) handler: extern "C" fn(data: u64, frame: *mut Captured) -> u64, // 0
    pub(crate) data: u64, // 8
}

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".hidden ngen_capture_call",
    ".globl ngen_capture_call",
    ".type ngen_capture_call,@function",
    "ngen_capture_call:",
    "push rbp",
    "mov rbp, rsp",
    "sub rsp, 128",
    "mov [rsp], rdi",
    "mov [rsp + 8], rsi",
    "mov [rsp + 16], rdx",
    "mov [rsp + 24], rcx",
    "mov [rsp + 32], r8",
    "mov [rsp + 40], r9",
    "movsd qword ptr [rsp + 48], xmm0",
    "movsd qword ptr [rsp + 56], xmm1",
    "movsd qword ptr [rsp + 64], xmm2",
    "movsd qword ptr [rsp + 72], xmm3",
    "movsd qword ptr [rsp + 80], xmm4",
    "movsd qword ptr [rsp + 88], xmm5",
    "movsd qword ptr [rsp + 96], xmm6",
    "movsd qword ptr [rsp + 104], xmm7",
    // The caller's stack arguments start above the return address and the saved rbp.
    "lea rax, [rbp + 16]",
    "mov [rsp + 112], rax",
    "mov qword ptr [rsp + 120], 0",
    "mov rdi, [r10 + 8]",
    "mov rsi, rsp",
    "call qword ptr [r10]",
    "movsd xmm0, qword ptr [rsp + 120]",
    "mov rsp, rbp",
    "pop rbp",
    "ret",
    ".size ngen_capture_call, . - ngen_capture_call",
);

unsafe extern "C" {
    /// The trampoline every capturing stub jumps to (`r10`: its [`CaptureTarget`]).
    fn ngen_capture_call();
}

/// The trampoline's address, for the stubs.
pub(crate) fn trampoline() -> u64 {
    ngen_capture_call as *const () as u64
}

/// Reads a captured call's arguments in order.
pub(crate) struct ArgReader<'a> {
    frame: &'a Captured,
    ints: usize,
    floats: usize,
    stack: usize,
}

impl<'a> ArgReader<'a> {
    /// A reader over `frame`, at its first argument.
    pub(crate) fn new(frame: &'a Captured) -> Self {
        Self {
            frame,
            ints: 0,
            floats: 0,
            stack: 0,
        }
    }

    /// The next argument: an integer, reference or address, or (`float`) the bits of an
    /// `f32`/`f64`.
    pub(crate) fn next(&mut self, float: bool) -> u64 {
        if float && self.floats < FLOAT_REGISTERS {
            self.floats += 1;
            return self.frame.floats[self.floats - 1];
        }
        if !float && self.ints < INT_REGISTERS {
            self.ints += 1;
            return self.frame.ints[self.ints - 1];
        }
        self.stack += 1;
        // SAFETY: the trampoline saved the address of the caller's stack arguments, and the
        // handler reads no more arguments than the method's signature has.
        unsafe { *self.frame.stack.add(self.stack - 1) }
    }

    /// The next integer, reference or address argument.
    pub(crate) fn int(&mut self) -> u64 {
        self.next(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sums what it reads back as (int, float, int × 6, float × 8): the seventh int and the
    /// ninth float come from the stack, in that order.
    extern "C" fn read_back(data: u64, frame: *mut Captured) -> u64 {
        // SAFETY: the trampoline passes its live frame.
        let frame = unsafe { &mut *frame };
        let mut args = ArgReader::new(frame);
        let mut total = data + args.int();
        total += f64::from_bits(args.next(true)) as u64 * 10;
        for _ in 0..6 {
            total += args.int() * 100;
        }
        let mut floats = 0.0;
        for _ in 0..8 {
            floats += f64::from_bits(args.next(true));
        }
        frame.ret_float = floats.to_bits();
        total
    }

    #[test]
    fn the_trampoline_hands_registers_and_stack_words_over_in_order() {
        let target: &'static CaptureTarget = Box::leak(Box::new(CaptureTarget {
            handler: read_back,
            data: 7,
        }));
        let stub = crate::stubs::capturing_stub(target).unwrap();
        /// (int, float, int × 6, float × 8), returning `R`.
        type Entry<R> = extern "C" fn(
            u64,
            f64,
            u64,
            u64,
            u64,
            u64,
            u64,
            u64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
        ) -> R;
        let (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) = (
            1, 2.0, 1, 1, 1, 1, 1, 3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5,
        );
        // SAFETY: the stub takes any signature; `read_back` reads this one.
        let entry: Entry<u64> = unsafe { std::mem::transmute(stub) };
        let sum = entry(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
        // The seventh int (`3`) is the first stack word.
        assert_eq!(sum, 7 + 1 + 20 + 800);
        // SAFETY: as above, returning the float the handler left for xmm0.
        let entry: Entry<f64> = unsafe { std::mem::transmute(stub) };
        let floats = entry(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
        assert_eq!(floats, 8.5);
    }
}
