//! Mono's "Native Crash Reporting" for a fault that is not a managed exception: a SIGSEGV
//! away from the null page and the stack's end, SIGBUS, SIGILL, SIGFPE.
//!
//! ## Model
//! `mono_handle_native_crash` (mono/mini/mini-exceptions.c) and `mono_dump_native_crash_info`
//! (mono/mini/mini-posix.c) print, on stdout (section titles begin with a tab):
//!
//! ```text
//!
//! =================================================================
//!     Native Crash Reporting
//! =================================================================
//! Got a SIGSEGV while executing native code. This usually indicates
//! a fatal error in the mono runtime or one of the native libraries
//! used by your application.
//! =================================================================
//!
//! =================================================================
//!     Native stacktrace:
//! =================================================================
//!     0x55f3c0a2b03c - /usr/bin/mono : (null)
//!     0x41ab2008 - Unknown
//!
//! =================================================================
//!     Basic Fault Address Reporting
//! =================================================================
//! Memory around native instruction pointer (0x41ab2008):0x41ab1ff8  50 73 … 12  Ps.7^...A...xV4.
//! …
//!
//! =================================================================
//!     Managed Stacktrace:
//! =================================================================
//!       at Wild:Main <0x00038>
//! =================================================================
//! ```
//!
//! then `abort()` (exit status 134). SIGBUS is reported as SIGSEGV, as mono's handler for both
//! does. The native stacktrace is glibc's `backtrace` (which unwinds through the signal frame
//! into the faulting code) with `dladdr` names, as mono's. The managed stacktrace walks the
//! frame-pointer chain from the faulting context (images and JIT code keep frame pointers)
//! and names each return address through [`crate::code_map`] (image methods from the
//! metadata, which allocates, unless the runtime lock is taken); a faulting instruction outside
//! managed code is `<unknown> <0xffffffff>`, as mono prints it. Not printed: mono's "Telemetry
//! Dumper" (a JSON crash file) and "External Debugger Dump" (gdb attached to the process).
//!
//! The report is formatted into a stack buffer and written with `write(2)`; allocation is
//! limited to the names of image methods (and `backtrace`'s first call, which [`prepare`]
//! makes early).
//!
//! Depends on: libc (glibc's `backtrace`, `dladdr`, `process_vm_readv`), [`crate::code_map`],
//! [`crate::faults`] (the managed thread's stack bounds).

use std::ffi::{CStr, c_int, c_void};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};

unsafe extern "C" {
    /// glibc's `execinfo.h`.
    fn backtrace(buffer: *mut *mut c_void, size: c_int) -> c_int;
}

const RULE: &str = "=================================================================";
/// Frames of each stacktrace printed at most (mono: 256 native).
const MAX_FRAMES: usize = 256;

/// Loads what the report needs before any fault (`backtrace` loads libgcc_s on first use).
pub(crate) fn prepare() {
    let mut frames = [std::ptr::null_mut(); 4];
    // SAFETY: the buffer has room for 4 frames.
    unsafe { backtrace(frames.as_mut_ptr(), 4) };
}

/// Formats into a fixed buffer and writes it to a file descriptor when full or dropped.
struct FdWriter {
    fd: c_int,
    buf: [u8; 1024],
    len: usize,
}

impl FdWriter {
    fn new(fd: c_int) -> FdWriter {
        FdWriter {
            fd,
            buf: [0; 1024],
            len: 0,
        }
    }

    fn flush(&mut self) {
        let mut written = 0;
        while written < self.len {
            // SAFETY: writing initialised bytes of our own buffer.
            let n = unsafe {
                libc::write(
                    self.fd,
                    self.buf[written..self.len].as_ptr().cast(),
                    self.len - written,
                )
            };
            if n <= 0 {
                break;
            }
            written += n as usize;
        }
        self.len = 0;
    }
}

impl Write for FdWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for chunk in s.as_bytes().chunks(self.buf.len()) {
            if self.len + chunk.len() > self.buf.len() {
                self.flush();
            }
            self.buf[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
        }
        Ok(())
    }
}

impl Drop for FdWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The name mono gives a fatal signal.
fn signal_name(signal: c_int) -> &'static str {
    match signal {
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGABRT => "SIGABRT",
        // Mono's SIGBUS handler is its SIGSEGV handler, which says SIGSEGV.
        _ => "SIGSEGV",
    }
}

/// Prints the report for `signal`, raised in the machine `context` (a `ucontext_t`), and
/// aborts. A second fault while reporting aborts at once.
pub(crate) fn native_crash(signal: c_int, context: *mut c_void) -> ! {
    static REPORTING: AtomicBool = AtomicBool::new(false);
    if !REPORTING.swap(true, Ordering::SeqCst) {
        let registers = Registers::of(context);
        let mut out = FdWriter::new(libc::STDOUT_FILENO);
        let _ = header(&mut out, signal);
        let _ = native_stacktrace(&mut out);
        if let Some(r) = registers {
            let _ = memory_around(&mut out, r.ip);
            if let Some(stack) = crate::faults::managed_stack() {
                let _ = managed_stacktrace(&mut out, r, stack);
            }
        }
    }
    abort()
}

fn abort() -> ! {
    // SAFETY: restoring the default action of SIGABRT, so that abort ends the process with it.
    unsafe {
        libc::signal(libc::SIGABRT, libc::SIG_DFL);
        libc::abort()
    }
}

fn header(out: &mut impl Write, signal: c_int) -> std::fmt::Result {
    write!(
        out,
        "\n{RULE}\n\tNative Crash Reporting\n{RULE}\nGot a {} while executing native code. This \
         usually indicates\na fatal error in the mono runtime or one of the native libraries \
         \nused by your application.\n{RULE}\n",
        signal_name(signal)
    )
}

fn native_stacktrace(out: &mut impl Write) -> std::fmt::Result {
    write!(out, "\n{RULE}\n\tNative stacktrace:\n{RULE}\n")?;
    let mut frames = [std::ptr::null_mut(); MAX_FRAMES];
    // SAFETY: the buffer holds MAX_FRAMES entries.
    let count = unsafe { backtrace(frames.as_mut_ptr(), MAX_FRAMES as c_int) };
    let count = usize::try_from(count).unwrap_or(0);
    if count == 0 {
        out.write_str("\t (No frames) \n\n")?;
    }
    for &ip in &frames[..count] {
        // SAFETY: dladdr only reads the loader's tables; a zeroed Dl_info is valid input.
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        if unsafe { libc::dladdr(ip, &mut info) } == 0 {
            writeln!(out, "\t{ip:p} - Unknown")?;
        } else {
            writeln!(
                out,
                "\t{ip:p} - {} : {}",
                c_text(info.dli_fname),
                c_text(info.dli_sname)
            )?;
        }
    }
    Ok(())
}

/// A C string as printf's `%s` prints it (`(null)` for NULL).
fn c_text<'a>(text: *const libc::c_char) -> std::borrow::Cow<'a, str> {
    if text.is_null() {
        "(null)".into()
    } else {
        // SAFETY: dladdr's strings are NUL-terminated and live as long as the loaded object.
        unsafe { CStr::from_ptr(text) }.to_string_lossy()
    }
}

/// Copies `buf.len()` bytes at `address` of this process, or fails without faulting.
fn read_memory(address: usize, buf: &mut [u8]) -> bool {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: address as *mut c_void,
        iov_len: buf.len(),
    };
    // SAFETY: process_vm_readv on ourselves reports unmapped memory as an error.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    n == buf.len() as isize
}

/// `mono_dump_mem` of the 0x40 bytes from `ip - 0x10`.
fn memory_around(out: &mut impl Write, ip: usize) -> std::fmt::Result {
    write!(out, "\n{RULE}\n\tBasic Fault Address Reporting\n{RULE}\n")?;
    if ip == 0 {
        return out.write_str("instruction pointer is NULL, skip dumping");
    }
    write!(out, "Memory around native instruction pointer ({ip:#x}):")?;
    let start = ip.wrapping_sub(0x10);
    let mut bytes = [0u8; 0x40];
    if !read_memory(start, &mut bytes) {
        return out.write_str("(unreadable)\n");
    }
    for (row, chunk) in bytes.chunks(0x10).enumerate() {
        write!(out, "{:#x}  ", start + row * 0x10)?;
        for b in chunk {
            write!(out, "{b:02x} ")?;
        }
        out.write_char(' ')?;
        for &b in chunk {
            out.write_char(if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            })?;
        }
        out.write_char('\n')?;
    }
    Ok(())
}

/// The registers a stack walk starts from.
#[derive(Clone, Copy)]
struct Registers {
    ip: usize,
    fp: usize,
}

impl Registers {
    fn of(context: *mut c_void) -> Option<Registers> {
        if context.is_null() {
            return None;
        }
        // SAFETY: the kernel passes a ucontext_t to SA_SIGINFO handlers.
        let gregs = unsafe { (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
        Some(Registers {
            ip: gregs[libc::REG_RIP as usize] as usize,
            fp: gregs[libc::REG_RBP as usize] as usize,
        })
    }
}

/// The faulting instruction's address in a signal's machine `context`.
pub(crate) fn instruction_pointer(context: *mut c_void) -> Option<usize> {
    Registers::of(context).map(|r| r.ip)
}

/// `\t  at Namespace.Type:Method <0xOFFSET>`, mono's `print_stack_frame_signal_safe`, for the
/// method holding `pc`; OFFSET is `pc + return_adjust` from the method's start (a return
/// address is looked up one byte back, inside its call instruction, and shown as is).
fn managed_frame(
    out: &mut impl Write,
    pc: usize,
    return_adjust: u64,
) -> Result<bool, std::fmt::Error> {
    let Some((start, asm, rid, name)) =
        crate::code_map::try_lookup(pc as u64, |r| (r.start, r.asm, r.rid, r.name.clone()))
    else {
        return Ok(false);
    };
    let offset = (pc as u64).wrapping_sub(start) + return_adjust;
    // Image methods are named from the metadata: an allocation in the handler, as mono's own
    // handler makes; a busy runtime leaves the method unnamed.
    match crate::code_map::name_of(asm, rid, name.as_deref()) {
        Some(name) => match name.rsplit_once("::") {
            Some((owner, method)) => writeln!(out, "\t  at {owner}:{method} <{offset:#07x}>")?,
            None => writeln!(out, "\t  at {name} <{offset:#07x}>")?,
        },
        None => writeln!(out, "\t  at <unknown> <{offset:#07x}>")?,
    }
    Ok(true)
}

/// The managed frames of the faulting thread: the faulting method, then each managed return
/// address on the frame-pointer chain. Frames outside managed code are skipped; the chain is
/// followed only while it stays inside the thread's stack and moves towards its base.
fn managed_stacktrace(
    out: &mut impl Write,
    registers: Registers,
    (low, high): (usize, usize),
) -> std::fmt::Result {
    write!(out, "\n{RULE}\n\tManaged Stacktrace:\n{RULE}\n")?;
    if !managed_frame(out, registers.ip, 0)? {
        out.write_str("\t  at <unknown> <0xffffffff>\n")?;
    }
    let mut fp = registers.fp;
    for _ in 0..MAX_FRAMES {
        if fp < low || !fp.is_multiple_of(8) || fp.saturating_add(16) > high {
            break;
        }
        let mut words = [0u8; 16];
        if !read_memory(fp, &mut words) {
            break;
        }
        let next = usize::from_ne_bytes(words[..8].try_into().unwrap_or_default());
        let ret = usize::from_ne_bytes(words[8..].try_into().unwrap_or_default());
        // The call instruction is just before the return address.
        managed_frame(out, ret.wrapping_sub(1), 1)?;
        if next <= fp {
            break;
        }
        fp = next;
    }
    writeln!(out, "{RULE}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_monos_text() {
        let mut s = String::new();
        header(&mut s, libc::SIGILL).unwrap();
        assert!(s.starts_with(&format!("\n{RULE}\n\tNative Crash Reporting\n{RULE}\n")));
        assert!(s.contains("Got a SIGILL while executing native code. This usually indicates\n"));
        assert!(s.contains("native libraries \nused by your application.\n"));
        assert_eq!(signal_name(libc::SIGBUS), "SIGSEGV");
    }

    #[test]
    fn memory_dump_has_monos_layout_and_survives_bad_addresses() {
        let code: [u8; 0x50] = std::array::from_fn(|i| i as u8 + 0x30);
        let ip = code.as_ptr() as usize + 0x10;
        let mut s = String::new();
        memory_around(&mut s, ip).unwrap();
        let first = s.lines().find(|l| l.starts_with("Memory around")).unwrap();
        assert!(
            first.ends_with("30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f  0123456789:;<=>?")
        );
        let mut bad = String::new();
        memory_around(&mut bad, 0x18).unwrap();
        assert!(bad.ends_with("(unreadable)\n"));
    }

    #[test]
    fn the_managed_stack_walk_names_managed_return_addresses_and_skips_native_frames() {
        use crate::code_map::{CodeRange, add};
        // Code ranges far from anything mapped, so only these names can match.
        let range = |start: u64, name: &str| CodeRange {
            start,
            end: start + 0x100,
            asm: 0,
            rid: 1,
            context: 0,
            name: Some(name.into()),
            il_offsets: None,
        };
        add([
            range(0x7e00_0000_0000, "Demo.P::Leaf"),
            range(0x7e00_0000_1000, "Demo.P::Main"),
        ]);
        // A stack of three frames, innermost first: Leaf (faulting), a native frame, Main,
        // then a frame pointer that leaves the stack.
        let mut stack = [0usize; 8];
        let base = stack.as_ptr() as usize;
        stack[0] = base + 16; // Leaf's saved fp -> the native frame
        stack[1] = 0x0000_5555_0000_1234; // return into native code
        stack[2] = base + 32; // the native frame's saved fp -> Main's frame
        stack[3] = 0x7e00_0000_1000 + 0x43; // return into Main
        stack[4] = 8; // Main's saved fp: outside the stack, the walk ends
        // The walk reads the array through its address only.
        std::hint::black_box(&mut stack);
        let registers = Registers {
            ip: 0x7e00_0000_0000 + 4,
            fp: base,
        };
        let mut s = String::new();
        managed_stacktrace(&mut s, registers, (base, base + 64)).unwrap();
        let frames: Vec<&str> = s.lines().filter(|l| l.starts_with("\t  at")).collect();
        assert_eq!(
            frames,
            [
                "\t  at Demo.P:Leaf <0x00004>",
                "\t  at Demo.P:Main <0x00043>"
            ]
        );
        assert!(s.ends_with(&format!("{RULE}\n")));
        // A fault outside managed code starts with mono's <unknown> frame.
        let mut native = String::new();
        let registers = Registers { ip: 0x1234, fp: 0 };
        managed_stacktrace(&mut native, registers, (base, base + 64)).unwrap();
        assert!(native.contains("\t  at <unknown> <0xffffffff>\n"));
    }

    #[test]
    fn fd_writer_splits_long_text() {
        let mut w = FdWriter::new(-1);
        let long = "x".repeat(5000);
        w.write_str(&long).unwrap();
        assert!(w.len <= w.buf.len());
    }
}
