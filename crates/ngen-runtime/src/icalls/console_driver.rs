//! `System.ConsoleDriver`'s icalls (`icall-def.h` `CONSOLE_*`, Mono's `console-unix.c`): what
//! mono's `TermInfoDriver` asks of the terminal when the console is a TTY.
//!
//! ## Model
//! As `console-unix.c`: `TtySetup` saves the terminal's attributes, turns canonical mode and
//! flow control off (`VMIN` 1, `VTIME` 0), hands back the 17 control characters in
//! `ControlCharacters` order and the address of the packed `cols << 16 | rows` (from
//! `TIOCGWINSZ`, else `$COLUMNS`/`$LINES`), and registers a teardown at exit that writes the
//! driver's teardown string and restores the saved attributes with echo on. `SetEcho` and
//! `SetBreak` flip `ECHO` and `IGNBRK`; `InternalKeyAvailable` is `select` then `FIONREAD`.
//! Not done: mono's `SIGCONT`/`SIGINT`/`SIGWINCH` handlers (resuming after Ctrl-Z, the
//! `CancelKeyPress` event, a resized window).
//!
//! Depends on: libc (termios, ioctl, select), `crate::alloc` (strings),
//! [`crate::state::interop`] (the `byte[]`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use ngen_abi::object::ARRAY_DATA_OFFSET;

/// What the teardown at exit needs: the attributes before `TtySetup` and the teardown string.
struct Tty {
    initial: libc::termios,
    teardown: Option<Vec<u8>>,
}

// SAFETY: `termios` is plain data.
unsafe impl Send for Tty {}

static TTY: Mutex<Option<Tty>> = Mutex::new(None);

/// `cols << 16 | rows`, whose address `TtySetup` hands out (`-1`: unknown).
static COLS_AND_LINES: AtomicI32 = AtomicI32::new(-1);

/// `bool Isatty(IntPtr handle)`: whether the descriptor is a terminal (mono picks its console
/// driver by it).
extern "C" fn isatty(handle: u64) -> i32 {
    // SAFETY: isatty accepts any descriptor number.
    i32::from(unsafe { libc::isatty(handle as i32) } == 1)
}

/// Sets (or clears) local-mode flag `flag` of stdin's terminal; false when it has none.
fn set_local_flag(flag: libc::tcflag_t, value: bool) -> bool {
    // SAFETY: termios calls on stdin with a zeroed, then filled, struct.
    unsafe {
        let mut attr: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut attr) == -1 {
            return false;
        }
        let set = attr.c_lflag & flag != 0;
        if set == value {
            return true;
        }
        if value {
            attr.c_lflag |= flag;
        } else {
            attr.c_lflag &= !flag;
        }
        libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &attr) != -1
    }
}

/// `bool SetEcho(bool wantEcho)`.
extern "C" fn set_echo(want_echo: i32) -> i32 {
    i32::from(set_local_flag(libc::ECHO, want_echo != 0))
}

/// `bool SetBreak(bool wantBreak)`: mono flips `IGNBRK` in the local flags, as it does.
extern "C" fn set_break(want_break: i32) -> i32 {
    i32::from(set_local_flag(libc::IGNBRK, want_break == 0))
}

/// `int InternalKeyAvailable(int ms_timeout)`: the bytes waiting on stdin (0 when none came
/// within the timeout; a negative timeout waits).
extern "C" fn internal_key_available(timeout: i32) -> i32 {
    // SAFETY: select and ioctl on stdin with stack-allocated sets and counters.
    unsafe {
        loop {
            let mut fds: libc::fd_set = std::mem::zeroed();
            libc::FD_ZERO(&mut fds);
            libc::FD_SET(libc::STDIN_FILENO, &mut fds);
            // Mono passes the remainder in milliseconds as microseconds; kept as it does.
            let mut tv = libc::timeval {
                tv_sec: libc::time_t::from(timeout / 1000),
                tv_usec: libc::suseconds_t::from(timeout % 1000),
            };
            let tvp = if timeout >= 0 {
                &mut tv as *mut libc::timeval
            } else {
                std::ptr::null_mut()
            };
            let ready = libc::select(
                libc::STDIN_FILENO + 1,
                &mut fds,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                tvp,
            );
            if ready == -1 && *libc::__errno_location() == libc::EINTR {
                continue;
            }
            if ready <= 0 {
                return 0;
            }
            let mut bytes: libc::c_int = 0;
            if libc::ioctl(libc::STDIN_FILENO, libc::FIONREAD, &mut bytes) < 0 {
                return 0;
            }
            return bytes.max(0);
        }
    }
}

/// The terminal's size as mono packs it, or -1.
fn terminal_dimensions() -> i32 {
    // SAFETY: TIOCGWINSZ fills a winsize.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDIN_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 {
            return (i32::from(ws.ws_col) << 16) | i32::from(ws.ws_row);
        }
    }
    let var = |name| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .unwrap_or(0)
    };
    let (cols, rows) = (var("COLUMNS"), var("LINES"));
    if cols != 0 && rows != 0 {
        (cols << 16) | rows
    } else {
        -1
    }
}

/// The 17 control characters in `System.ControlCharacters` order.
fn control_characters(cc: &[libc::cc_t]) -> [u8; 17] {
    [
        cc[libc::VINTR],
        cc[libc::VQUIT],
        cc[libc::VERASE],
        cc[libc::VKILL],
        cc[libc::VEOF],
        cc[libc::VTIME],
        cc[libc::VMIN],
        cc[libc::VSWTC],
        cc[libc::VSTART],
        cc[libc::VSTOP],
        cc[libc::VSUSP],
        cc[libc::VEOL],
        cc[libc::VREPRINT],
        cc[libc::VDISCARD],
        cc[libc::VWERASE],
        cc[libc::VLNEXT],
        cc[libc::VEOL2],
    ]
}

/// At exit, as mono's `tty_teardown`: the teardown string, then the saved attributes.
extern "C" fn tty_teardown() {
    let Some(tty) = TTY.lock().ok().and_then(|mut t| t.take()) else {
        return;
    };
    // SAFETY: write, tcflush and tcsetattr on the standard descriptors.
    unsafe {
        if let Some(text) = &tty.teardown {
            libc::write(libc::STDOUT_FILENO, text.as_ptr().cast(), text.len());
        }
        libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH);
        libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &tty.initial);
    }
    set_local_flag(libc::ECHO, true);
}

/// `bool TtySetup(string keypadXmit, string teardown, out byte[] control_characters, out
/// int* address)`.
extern "C" fn tty_setup(_keypad: u64, teardown: u64, control: *mut u64, size: *mut u64) -> i32 {
    let dims = terminal_dimensions();
    COLS_AND_LINES.store(dims, Ordering::Relaxed);
    // SAFETY: `size` is the address of the caller's `int*` local.
    unsafe { size.write(COLS_AND_LINES.as_ptr() as u64) };
    let Ok(array) = crate::state::interop::new_byte_array(17) else {
        return 0;
    };
    // SAFETY: `control` is the address of the caller's `byte[]` local.
    unsafe { control.write(array) };
    // SAFETY: termios calls on stdin.
    let attr = unsafe {
        let mut initial: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut initial) == -1 {
            return 0;
        }
        let mut attr = initial;
        attr.c_lflag &= !libc::ICANON;
        attr.c_iflag &= !(libc::IXON | libc::IXOFF);
        attr.c_cc[libc::VMIN] = 1;
        attr.c_cc[libc::VTIME] = 0;
        loop {
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &attr) != -1 {
                break;
            }
            if *libc::__errno_location() != libc::EINTR {
                return 0;
            }
        }
        let mut guard = TTY.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let teardown = (teardown != 0).then(|| {
                crate::alloc::string_to_rust(teardown as *const _)
                    .unwrap_or_default()
                    .into_bytes()
            });
            *guard = Some(Tty { initial, teardown });
            libc::atexit(tty_teardown);
        }
        attr
    };
    let chars = control_characters(&attr.c_cc);
    // SAFETY: a fresh byte[17].
    unsafe {
        std::ptr::copy_nonoverlapping(
            chars.as_ptr(),
            (array + ARRAY_DATA_OFFSET as u64) as *mut u8,
            chars.len(),
        );
    }
    1
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("InternalKeyAvailable", internal_key_available as *const ()),
        ("Isatty", isatty as *const ()),
        ("SetBreak", set_break as *const ()),
        ("SetEcho", set_echo as *const ()),
        ("TtySetup", tty_setup as *const ()),
    ]
}
