//! Calling compiled managed code with arguments known only at run time: the runtime's one
//! generic call trampoline, which reflection uses to run attribute constructors and
//! property setters, `MethodInfo.Invoke` and `Activator.CreateInstance`.
//!
//! ## Model
//! Every managed method is a SystemV function whose parameters are integers, references,
//! `f32`/`f64` or addresses of struct copies (`ngen_abi::calling_convention`). So one
//! hand-written trampoline ([`ngen_dynamic_call`]) can call any of them: it loads up to six
//! integer and eight vector arguments into their registers, copies the rest onto the stack
//! in order, calls the target and hands back `rax` and `xmm0`. Mono generates a
//! `runtime_invoke` wrapper per signature instead; one trampoline needs no code generation,
//! so it works the same under `--jit never` (images only) as with the JIT, and the frame
//! it builds keeps the frame-pointer chain that stack traces walk.
//!
//! A stack walk ([`crate::eh::trace`]) reaching the trampoline's return address can go on
//! past it: the trampoline keeps its [`Frame`] at a fixed place in its own frame
//! (`[rbp - 24]`), and a caller that entered the runtime from managed code (`MethodInfo.Invoke`'s
//! icall) records there, as a [`Resume`], which of mono's wrapper frames stands for the
//! runtime's part and the managed frame that called it ([`resume_past`]). Mono's traces show
//! that wrapper and the caller, because its `runtime_invoke` is managed code its unwinder
//! crosses.
//!
//! The caller keeps every reference argument alive elsewhere (a scanned block or its own
//! stack): [`Call`] lives on the stack, which the collector scans, while the stack-argument
//! words are copied from it.
//!
//! Depends on: nothing but the calling convention. Citations: System V AMD64 psABI §3.2.3
//! (parameter classification), Mono 6.8 `mono/metadata/marshal.c`
//! (`mono_marshal_get_runtime_invoke`).

/// Integer registers the psABI passes arguments in: rdi, rsi, rdx, rcx, r8, r9.
const INT_REGISTERS: usize = 6;
/// Vector registers the psABI passes arguments in: xmm0..xmm7.
const FLOAT_REGISTERS: usize = 8;

/// One argument as the trampoline loads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    /// An integer, reference or address in an integer register (narrow integers already
    /// extended as the convention says).
    Int(u64),
    /// The bits of an `f64`, or of an `f32` in the low half, in a vector register.
    Float(u64),
}

/// What the trampoline reads and writes; the layout is the assembly's (offsets below).
#[repr(C)]
struct Frame {
    target: u64,                    // 0
    ints: [u64; INT_REGISTERS],     // 8
    floats: [u64; FLOAT_REGISTERS], // 56
    stack: *const u64,              // 120
    stack_count: u64,               // 128
    ret_int: u64,                   // 136
    ret_float: u64,                 // 144
    resume: Resume,                 // 152
}

/// Where a stack walk resumes past the trampoline: the id of mono's wrapper frame that stands
/// for the runtime's frames (0: the walk stops here, as at any runtime frame), and the frame
/// pointer and return address of the managed frame that entered the runtime.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Resume {
    pub(crate) wrapper: u64,
    pub(crate) caller_fp: u64,
    pub(crate) caller_return: u64,
}

/// Where the trampoline keeps its [`Frame`]'s address, below its frame pointer.
const FRAME_SLOT_BELOW_RBP: u64 = 24;

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".hidden ngen_dynamic_call",
    ".globl ngen_dynamic_call",
    ".type ngen_dynamic_call,@function",
    "ngen_dynamic_call:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "mov rbx, rdi",
    // The frame's address at [rbp - 24] for stack walks (`resume_past`); a second push keeps
    // the stack 16-aligned.
    "push rdi",
    "push rdi",
    // Room for the stack arguments, 16-aligned at the call.
    "mov rcx, [rbx + 128]",
    "lea rax, [rcx * 8 + 15]",
    "and rax, -16",
    "sub rsp, rax",
    "mov rsi, [rbx + 120]",
    "xor edx, edx",
    "2:",
    "cmp rdx, rcx",
    "jae 3f",
    "mov rax, [rsi + rdx * 8]",
    "mov [rsp + rdx * 8], rax",
    "inc rdx",
    "jmp 2b",
    "3:",
    "movsd xmm0, qword ptr [rbx + 56]",
    "movsd xmm1, qword ptr [rbx + 64]",
    "movsd xmm2, qword ptr [rbx + 72]",
    "movsd xmm3, qword ptr [rbx + 80]",
    "movsd xmm4, qword ptr [rbx + 88]",
    "movsd xmm5, qword ptr [rbx + 96]",
    "movsd xmm6, qword ptr [rbx + 104]",
    "movsd xmm7, qword ptr [rbx + 112]",
    "mov rdi, [rbx + 8]",
    "mov rsi, [rbx + 16]",
    "mov rdx, [rbx + 24]",
    "mov rcx, [rbx + 32]",
    "mov r8, [rbx + 40]",
    "mov r9, [rbx + 48]",
    "mov eax, 8",
    "call qword ptr [rbx]",
    ".hidden ngen_dynamic_call_return",
    ".globl ngen_dynamic_call_return",
    "ngen_dynamic_call_return:",
    "mov [rbx + 136], rax",
    "movsd qword ptr [rbx + 144], xmm0",
    "lea rsp, [rbp - 16]",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size ngen_dynamic_call, . - ngen_dynamic_call",
);

unsafe extern "C" {
    /// Loads `frame`'s arguments, calls `frame.target`, stores `rax` and `xmm0` back.
    fn ngen_dynamic_call(frame: *mut Frame);
    /// The trampoline's return address from its call of the target.
    static ngen_dynamic_call_return: u8;
}

/// When a managed frame with frame pointer `fp` returns (`[fp + 8]`) into the trampoline:
/// the [`Resume`] its caller recorded, if it recorded one, and the trampoline's frame pointer
/// (which lies between that frame's and the caller's, so a caught exception's trace can be
/// cut there). `read` reads a stack word, `None` outside the thread's stack.
pub(crate) fn resume_past(fp: u64, read: impl Fn(u64) -> Option<u64>) -> Option<(Resume, u64)> {
    let return_address = read(fp.checked_add(8)?)?;
    let trampoline_return = &raw const ngen_dynamic_call_return as u64;
    if return_address != trampoline_return {
        return None;
    }
    let trampoline_fp = read(fp)?;
    let frame = read(trampoline_fp.checked_sub(FRAME_SLOT_BELOW_RBP)?)?;
    let resume_at = frame + std::mem::offset_of!(Frame, resume) as u64;
    let resume = Resume {
        wrapper: read(resume_at)?,
        caller_fp: read(resume_at + 8)?,
        caller_return: read(resume_at + 16)?,
    };
    (resume.wrapper != 0).then_some((resume, trampoline_fp))
}

/// What a call returned: `rax` and the bits of `xmm0` (the caller knows which one holds the
/// result, and narrows it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Returned {
    pub(crate) int: u64,
    pub(crate) float: u64,
}

/// Calls the managed code at `target` with `args` in order (`this` and a struct-return
/// buffer already among them, as the convention places them).
///
/// # Safety
/// `target` must be code whose parameters are exactly `args`' classes in order (an `Int`
/// for each integer, reference or address, a `Float` for each `f32`/`f64`), and every
/// reference and address among them must be valid for the call.
pub(crate) unsafe fn call(target: u64, args: &[Arg]) -> Returned {
    // SAFETY: the caller's guarantee.
    unsafe { call_resuming(target, args, Resume::default()) }
}

/// [`call`], recording `resume` for stack walks that reach the trampoline from the target.
///
/// # Safety
/// As [`call`].
pub(crate) unsafe fn call_resuming(target: u64, args: &[Arg], resume: Resume) -> Returned {
    let mut frame = Frame {
        target,
        ints: [0; INT_REGISTERS],
        floats: [0; FLOAT_REGISTERS],
        stack: std::ptr::null(),
        stack_count: 0,
        ret_int: 0,
        ret_float: 0,
        resume,
    };
    let (mut ints, mut floats) = (0, 0);
    let mut stack = Vec::new();
    for arg in args {
        match *arg {
            Arg::Int(v) if ints < INT_REGISTERS => {
                frame.ints[ints] = v;
                ints += 1;
            }
            Arg::Float(v) if floats < FLOAT_REGISTERS => {
                frame.floats[floats] = v;
                floats += 1;
            }
            Arg::Int(v) | Arg::Float(v) => stack.push(v),
        }
    }
    frame.stack = stack.as_ptr();
    frame.stack_count = stack.len() as u64;
    // SAFETY: the caller guarantees `target`'s signature matches `args`; the frame and the
    // stack words outlive the call.
    unsafe { ngen_dynamic_call(&mut frame) };
    Returned {
        int: frame.ret_int,
        float: frame.ret_float,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn mixed(
        a: i64,
        x: f64,
        b: i32,
        y: f32,
        c: i64,
        d: i64,
        e: i64,
        f: i64,
        g: i64,
        h: i64,
    ) -> i64 {
        a + i64::from(b) * 10 + c * 100 + d + e + f + g * 1000 + h * 10_000 + (x * 2.0) as i64
            - y as i64
    }

    extern "C" fn many_floats(
        a: f64,
        b: f64,
        c: f64,
        d: f64,
        e: f64,
        f: f64,
        g: f64,
        h: f64,
        i: f64,
        j: f32,
    ) -> f64 {
        a + b + c + d + e + f + g + h + i * 100.0 + f64::from(j) * 1000.0
    }

    #[test]
    fn integers_and_floats_reach_registers_and_the_stack_in_order() {
        let args = [
            Arg::Int(1),
            Arg::Float(4.0f64.to_bits()),
            Arg::Int(2),
            Arg::Float(u64::from(3.0f32.to_bits())),
            Arg::Int(3),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(5),
            Arg::Int(7),
        ];
        // SAFETY: `mixed`'s parameters are these classes in this order.
        let r = unsafe { call(mixed as *const () as u64, &args) };
        assert_eq!(r.int as i64, 1 + 20 + 300 + 5000 + 70_000 + 8 - 3);
        let mut floats: Vec<Arg> = (1..=9)
            .map(|v| Arg::Float(f64::from(v).to_bits()))
            .collect();
        floats.push(Arg::Float(u64::from(2.0f32.to_bits())));
        // SAFETY: as above, for `many_floats`.
        let r = unsafe { call(many_floats as *const () as u64, &floats) };
        assert_eq!(f64::from_bits(r.float), 36.0 + 900.0 + 2000.0);
    }
}
