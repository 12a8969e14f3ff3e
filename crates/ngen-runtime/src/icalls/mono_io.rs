//! `System.IO.MonoIO`'s icalls (`icall-def.h` `MONOIO_*`): the file and console primitives
//! mscorlib's `FileStream` and console streams are built on. Handles are file descriptors, as
//! in Mono 6.8's Unix `w32file` layer; failures store an errno-derived `MonoIOError` code in the
//! `ref MonoIOError` argument and return the failure value, as Mono does.
//!
//! Depends on: libc, `ngen_abi::object` (array layout).

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

/// `MonoIOError.ERROR_SUCCESS`.
const ERROR_SUCCESS: i32 = 0;
/// `FILE_TYPE_CHAR`, `FILE_TYPE_DISK`, `FILE_TYPE_PIPE`, `FILE_TYPE_UNKNOWN` (`MonoFileType`).
const FILE_TYPE_UNKNOWN: i32 = 0;
const FILE_TYPE_DISK: i32 = 1;
const FILE_TYPE_CHAR: i32 = 2;
const FILE_TYPE_PIPE: i32 = 3;

extern "C" fn console_input() -> u64 {
    0
}

extern "C" fn console_output() -> u64 {
    1
}

extern "C" fn console_error() -> u64 {
    2
}

/// Windows error codes Mono maps errno to (`mono_w32error_unix_to_win32`), the common ones.
fn win32_error(errno: i32) -> i32 {
    match errno {
        libc::ENOENT => 2,               // ERROR_FILE_NOT_FOUND
        libc::EACCES | libc::EPERM => 5, // ERROR_ACCESS_DENIED
        libc::EBADF => 6,                // ERROR_INVALID_HANDLE
        libc::ENOSPC => 112,             // ERROR_HANDLE_DISK_FULL
        libc::EPIPE => 109,              // ERROR_BROKEN_PIPE
        _ => 31,                         // ERROR_GEN_FAILURE
    }
}

fn store_error(error: *mut i32, code: i32) {
    if !error.is_null() {
        // SAFETY: a `ref MonoIOError` argument: the address of a live i32.
        unsafe { error.write(code) };
    }
}

/// The byte range `[offset, offset + count)` of the `byte[]` `array`, if it lies inside it.
fn array_range(array: u64, offset: i32, count: i32) -> Option<*mut u8> {
    if array == 0 || offset < 0 || count < 0 {
        return None;
    }
    // SAFETY: `array` is a live vector; its length word is at ARRAY_LENGTH_OFFSET.
    let length = unsafe { *((array + ARRAY_LENGTH_OFFSET as u64) as *const u64) };
    let end = u64::try_from(offset).ok()? + u64::try_from(count).ok()?;
    (end <= length).then(|| (array + ARRAY_DATA_OFFSET as u64 + offset as u64) as *mut u8)
}

/// `int Write(IntPtr handle, byte[] src, int src_offset, int count, out MonoIOError error)`.
extern "C" fn write(handle: u64, src: u64, offset: i32, count: i32, error: *mut i32) -> i32 {
    let Some(data) = array_range(src, offset, count) else {
        store_error(error, 87); // ERROR_INVALID_PARAMETER
        return -1;
    };
    let mut written = 0usize;
    let total = count as usize;
    while written < total {
        // SAFETY: `data..data+count` lies inside the array (checked above).
        let n = unsafe { libc::write(handle as i32, data.add(written).cast(), total - written) };
        if n < 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            store_error(error, win32_error(errno));
            return -1;
        }
        written += n as usize;
    }
    store_error(error, ERROR_SUCCESS);
    written as i32
}

/// `int Read(IntPtr handle, byte[] dest, int dest_offset, int count, out MonoIOError error)`.
extern "C" fn read(handle: u64, dest: u64, offset: i32, count: i32, error: *mut i32) -> i32 {
    let Some(data) = array_range(dest, offset, count) else {
        store_error(error, 87);
        return -1;
    };
    loop {
        // SAFETY: `data..data+count` lies inside the array (checked above).
        let n = unsafe { libc::read(handle as i32, data.cast(), count as usize) };
        if n < 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            store_error(error, win32_error(errno));
            return -1;
        }
        store_error(error, ERROR_SUCCESS);
        return n as i32;
    }
}

/// `MonoFileType GetFileType(IntPtr handle, out MonoIOError error)`.
extern "C" fn get_file_type(handle: u64, error: *mut i32) -> i32 {
    // SAFETY: fstat writes into the zeroed buffer it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(handle as i32, &mut st) } != 0 {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        store_error(error, win32_error(errno));
        return FILE_TYPE_UNKNOWN;
    }
    store_error(error, ERROR_SUCCESS);
    match st.st_mode & libc::S_IFMT {
        libc::S_IFCHR => FILE_TYPE_CHAR,
        libc::S_IFIFO | libc::S_IFSOCK => FILE_TYPE_PIPE,
        _ => FILE_TYPE_DISK,
    }
}

/// `bool Flush(IntPtr handle, out MonoIOError error)`: writes are unbuffered here.
extern "C" fn flush(_handle: u64, error: *mut i32) -> i32 {
    store_error(error, ERROR_SUCCESS);
    1
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Flush", flush as *const ()),
        ("GetFileType", get_file_type as *const ()),
        ("Read", read as *const ()),
        ("Write", write as *const ()),
        ("get_ConsoleError", console_error as *const ()),
        ("get_ConsoleInput", console_input as *const ()),
        ("get_ConsoleOutput", console_output as *const ()),
    ]
}
