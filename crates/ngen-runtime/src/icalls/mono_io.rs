//! `System.IO.MonoIO`'s icalls (`icall-def.h` `MONOIO_*`): the file and console primitives
//! mscorlib's `FileStream` and console streams are built on. Handles are file descriptors, as
//! in Mono 6.8's Unix `w32file` layer; failures store an errno-derived `MonoIOError` code in the
//! `ref MonoIOError` argument and return the failure value, as Mono does. The process's current
//! directory (`GetCurrentDirectory`, `SetCurrentDirectory`: `Environment.CurrentDirectory`, and
//! `Path.GetFullPath` of a relative path) is the C library's (`getcwd`, `chdir`), as in Mono's
//! `w32file-unix.c`; the rest of the file system is corefx's, through System.Native.
//!
//! `CreatePipe` makes both ends close-on-exec (a child gets only the end `Process` hands it,
//! as its 0, 1 or 2); `DuplicateHandle` of a process handle (`ProcessWaitHandle`) is a second
//! handle of that process in [`crate::threads::wait_handles`], of a descriptor a `dup` of it.
//!
//! Depends on: libc, `ngen_abi::object` (array layout), [`crate::threads::wait_handles`].

use ngen_abi::object::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

use crate::threads::wait_handles;

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

/// The Windows error code Mono maps `errno` to (`mono_w32error_unix_to_win32`,
/// `w32error-unix.c`); an errno it does not list is `ERROR_NOT_SUPPORTED`.
fn win32_error(errno: i32) -> i32 {
    match errno {
        libc::EACCES | libc::EPERM | libc::EROFS => 5, // ERROR_ACCESS_DENIED
        libc::EAGAIN => 32,                            // ERROR_SHARING_VIOLATION
        libc::EBUSY => 33,                             // ERROR_LOCK_VIOLATION
        libc::EEXIST => 80,                            // ERROR_FILE_EXISTS
        libc::EINVAL | libc::ESPIPE => 25,             // ERROR_SEEK
        libc::EISDIR => 82,                            // ERROR_CANNOT_MAKE
        libc::ENFILE | libc::EMFILE => 4,              // ERROR_TOO_MANY_OPEN_FILES
        libc::ENOENT | libc::ENOTDIR => 2,             // ERROR_FILE_NOT_FOUND
        libc::ENOSPC => 39,                            // ERROR_HANDLE_DISK_FULL
        libc::ENOTEMPTY => 145,                        // ERROR_DIR_NOT_EMPTY
        libc::ENOEXEC => 11,                           // ERROR_BAD_FORMAT
        libc::ENAMETOOLONG => 206,                     // ERROR_FILENAME_EXCED_RANGE
        libc::EINPROGRESS | libc::EINTR => 997,        // ERROR_IO_PENDING
        libc::EBADF | libc::EIO => 6,                  // ERROR_INVALID_HANDLE
        libc::EPIPE => 29,                             // ERROR_WRITE_FAULT
        libc::ELOOP => 1921,                           // ERROR_CANT_RESOLVE_FILENAME
        libc::ENODEV | libc::ENXIO | libc::ENOTCONN | libc::EHOSTDOWN => 55, // ERROR_DEV_NOT_EXIST
        _ => 50,                                       // ERROR_NOT_SUPPORTED
    }
}

/// The Windows error code of the last failed C library call.
fn last_error() -> i32 {
    win32_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
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
        store_error(error, last_error());
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

/// `long Seek(IntPtr handle, long offset, SeekOrigin origin, out MonoIOError error)`: the new
/// position, or -1 with the error (a pipe or terminal: `ERROR_SEEK`).
extern "C" fn seek(handle: u64, offset: i64, origin: i32, error: *mut i32) -> i64 {
    let whence = match origin {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => {
            store_error(error, 87); // ERROR_INVALID_PARAMETER
            return -1;
        }
    };
    // SAFETY: lseek on any descriptor number only reports errors.
    let position = unsafe { libc::lseek(handle as i32, offset, whence) };
    store_error(
        error,
        if position < 0 {
            last_error()
        } else {
            ERROR_SUCCESS
        },
    );
    position
}

/// `long GetLength(IntPtr handle, out MonoIOError error)`: the file's size (`fstat`).
extern "C" fn get_length(handle: u64, error: *mut i32) -> i64 {
    // SAFETY: fstat writes into the zeroed buffer it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(handle as i32, &mut st) } != 0 {
        store_error(error, last_error());
        return -1;
    }
    store_error(error, ERROR_SUCCESS);
    st.st_size
}

/// `bool SetLength(IntPtr handle, long length, out MonoIOError error)`: `ftruncate`, the file
/// position unchanged.
extern "C" fn set_length(handle: u64, length: i64, error: *mut i32) -> i32 {
    // SAFETY: ftruncate on any descriptor number only reports errors.
    if unsafe { libc::ftruncate(handle as i32, length) } != 0 {
        store_error(error, last_error());
        return 0;
    }
    store_error(error, ERROR_SUCCESS);
    1
}

/// `bool Close(IntPtr handle, out MonoIOError error)`.
extern "C" fn close(handle: u64, error: *mut i32) -> i32 {
    // SAFETY: the handle is a descriptor mscorlib owns (a SafeFileHandle releasing it once).
    if unsafe { libc::close(handle as i32) } != 0 {
        store_error(error, last_error());
        return 0;
    }
    store_error(error, ERROR_SUCCESS);
    1
}

/// `bool Cancel_internal(IntPtr handle, out MonoIOError error)`: nothing is ever pending
/// (`mono_w32file_cancel` reports `ERROR_NOT_SUPPORTED` on Unix).
extern "C" fn cancel(_handle: u64, error: *mut i32) -> i32 {
    store_error(error, 50);
    0
}

/// The NUL-terminated UTF-16 path at `chars`, as bytes for the C library (UTF-8).
fn path_of(chars: u64) -> Option<std::ffi::CString> {
    if chars == 0 {
        return None;
    }
    let mut units = Vec::new();
    // SAFETY: mscorlib passes a `fixed` string: UTF-16 code units ending in NUL.
    unsafe {
        let mut p = chars as *const u16;
        while *p != 0 {
            units.push(*p);
            p = p.add(1);
        }
    }
    std::ffi::CString::new(String::from_utf16_lossy(&units)).ok()
}

/// `string GetCurrentDirectory(out MonoIOError error)`: the process's current directory, or
/// null with the error.
extern "C" fn get_current_directory(error: *mut i32) -> u64 {
    match std::env::current_dir() {
        Ok(dir) => {
            store_error(error, ERROR_SUCCESS);
            crate::alloc::string_from_str(&dir.to_string_lossy()) as u64
        }
        Err(e) => {
            store_error(error, win32_error(e.raw_os_error().unwrap_or(0)));
            0
        }
    }
}

/// `bool SetCurrentDirectory(char* path, out MonoIOError error)`: `chdir`.
extern "C" fn set_current_directory(path: u64, error: *mut i32) -> i32 {
    let Some(path) = path_of(path) else {
        store_error(error, 3); // ERROR_PATH_NOT_FOUND
        return 0;
    };
    // SAFETY: a NUL-terminated path.
    if unsafe { libc::chdir(path.as_ptr()) } != 0 {
        store_error(error, last_error());
        return 0;
    }
    store_error(error, ERROR_SUCCESS);
    1
}

/// `IntPtr Open(char* filename, FileMode mode, FileAccess access, FileShare share,
/// FileOptions options, out MonoIOError error)`: a descriptor, or -1 with the error
/// (`mono_w32file_create`: FileMode as CreateFile's disposition; files are made 0666 less the
/// umask). Sharing modes are not enforced.
extern "C" fn open(
    filename: u64,
    mode: i32,
    access: i32,
    _share: i32,
    _options: i32,
    error: *mut i32,
) -> u64 {
    let Some(path) = path_of(filename) else {
        store_error(error, 3); // ERROR_PATH_NOT_FOUND
        return u64::MAX;
    };
    let mut flags = match access {
        1 => libc::O_RDONLY,
        2 => libc::O_WRONLY,
        _ => libc::O_RDWR,
    } | libc::O_CLOEXEC;
    flags |= match mode {
        1 => libc::O_CREAT | libc::O_EXCL,  // CreateNew
        2 => libc::O_CREAT | libc::O_TRUNC, // Create
        4 | 6 => libc::O_CREAT,             // OpenOrCreate, Append
        5 => libc::O_TRUNC,                 // Truncate
        _ => 0,                             // Open
    };
    // SAFETY: a NUL-terminated path; the mode argument is read only with O_CREAT.
    let fd = unsafe { libc::open(path.as_ptr(), flags, 0o666 as libc::c_uint) };
    if fd < 0 {
        store_error(error, last_error());
        return u64::MAX;
    }
    store_error(error, ERROR_SUCCESS);
    fd as u64
}

/// `bool CreatePipe (out IntPtr read_handle, out IntPtr write_handle, out MonoIOError
/// error)`: a pipe whose two ends are close-on-exec.
extern "C" fn create_pipe(read_end: *mut u64, write_end: *mut u64, error: *mut i32) -> i32 {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        store_error(error, last_error());
        return 0;
    }
    // SAFETY: `out IntPtr` arguments: addresses of live words.
    unsafe {
        read_end.write(fds[0] as u64);
        write_end.write(fds[1] as u64);
    }
    store_error(error, ERROR_SUCCESS);
    1
}

/// `bool DuplicateHandle (IntPtr source_process_handle, IntPtr source_handle, IntPtr
/// target_process_handle, out IntPtr target_handle, int access, int inherit, int options, out
/// MonoIOError error)`: the process arguments name this process (mono's Unix layer ignores
/// them, and the options, too).
#[allow(clippy::too_many_arguments)]
extern "C" fn duplicate_handle(
    _source_process: u64,
    source: u64,
    _target_process: u64,
    target: *mut u64,
    _access: i32,
    _inherit: i32,
    _options: i32,
    error: *mut i32,
) -> i32 {
    let duplicate = if wait_handles::is_table_handle(source) {
        wait_handles::duplicate_process(source)
    } else {
        i32::try_from(source).ok().and_then(|fd| {
            // SAFETY: fcntl on any descriptor number only reports errors.
            let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
            (copy >= 0).then_some(copy as u64)
        })
    };
    let Some(duplicate) = duplicate else {
        store_error(error, 6); // ERROR_INVALID_HANDLE
        return 0;
    };
    // SAFETY: an `out IntPtr` argument: the address of a live word.
    unsafe { target.write(duplicate) };
    store_error(error, ERROR_SUCCESS);
    1
}

/// `char get_DirectorySeparatorChar()` and friends: Unix's `/`, `/`, `:` and `/`.
extern "C" fn directory_separator_char() -> i32 {
    i32::from(b'/')
}

extern "C" fn path_separator() -> i32 {
    i32::from(b':')
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("Cancel_internal", cancel as *const ()),
        ("Close", close as *const ()),
        ("CreatePipe", create_pipe as *const ()),
        ("DuplicateHandle", duplicate_handle as *const ()),
        ("Flush", flush as *const ()),
        ("GetCurrentDirectory", get_current_directory as *const ()),
        ("GetFileType", get_file_type as *const ()),
        ("GetLength", get_length as *const ()),
        ("Open", open as *const ()),
        ("Read", read as *const ()),
        ("Seek", seek as *const ()),
        ("SetCurrentDirectory", set_current_directory as *const ()),
        ("SetLength", set_length as *const ()),
        ("Write", write as *const ()),
        (
            "get_AltDirectorySeparatorChar",
            directory_separator_char as *const (),
        ),
        ("get_ConsoleError", console_error as *const ()),
        ("get_ConsoleInput", console_input as *const ()),
        ("get_ConsoleOutput", console_output as *const ()),
        (
            "get_DirectorySeparatorChar",
            directory_separator_char as *const (),
        ),
        ("get_PathSeparator", path_separator as *const ()),
        (
            "get_VolumeSeparatorChar",
            directory_separator_char as *const (),
        ),
    ]
}
