//! `System.Threading.Thread`'s icalls (`icall-def.h` `THREAD_*`).
//!
//! - `GetCurrentThread`: the calling OS thread's `Thread` object ([`crate::threads::current`]);
//!   `Thread.CurrentThread` calls it when its `[ThreadStatic] current_thread` is still null.
//! - `GetName_internal`, `SetName_icall`: the name lives in the `InternalThread`'s
//!   `name_chars`/`name_length` words as Mono's `MonoThreadName` (here UTF-16 code units in a
//!   block of the Rust heap, made once per name and never freed: a name is set at most once,
//!   `Thread.Name can only be set once.`).
//!
//! Depends on: [`crate::threads`], [`crate::eh::raise`].

use crate::state::objects::core_field_offset;
use crate::threads::current::{read, write};

/// `Thread GetCurrentThread ()`.
extern "C" fn get_current_thread() -> u64 {
    crate::threads::current::current_thread()
}

/// The offset of `InternalThread.<name>`.
fn internal_field(name: &str) -> u32 {
    core_field_offset("Threading.InternalThread", name)
        .unwrap_or_else(|e| crate::state::fatal(&format!("InternalThread.{name}: {e}")))
}

/// `string GetName_internal (InternalThread thread)`: the name, or null.
extern "C" fn get_name(internal: u64) -> u64 {
    let chars: u64 = read(internal, internal_field("name_chars"));
    if chars == 0 {
        return 0;
    }
    let length: i32 = read(internal, internal_field("name_length"));
    // SAFETY: `chars` is the block `set_name` leaked for this name, `length` units long.
    let name = unsafe { std::slice::from_raw_parts(chars as *const u16, length as usize) };
    ngen_corlib::objects::alloc_string(name) as u64
}

/// `void SetName_icall (InternalThread thread, char* name, int nameLength)`: names the thread
/// once (`InvalidOperationException` after a name was set); a null name sets nothing.
extern "C" fn set_name(internal: u64, name: *const u16, length: i32) {
    if name.is_null() {
        return;
    }
    let chars_field = internal_field("name_chars");
    if read::<u64>(internal, chars_field) != 0 {
        crate::eh::raise::raise(
            "InvalidOperationException",
            "Thread.Name can only be set once.",
        );
        return;
    }
    let length = length.max(0);
    // SAFETY: the caller pins the string and passes its chars and length.
    let units = unsafe { std::slice::from_raw_parts(name, length as usize) };
    let block: &'static [u16] = Box::leak(units.to_vec().into_boxed_slice());
    write(internal, internal_field("name_length"), length);
    write(internal, chars_field, block.as_ptr() as u64);
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetCurrentThread", get_current_thread as *const ()),
        ("GetName_internal", get_name as *const ()),
        ("SetName_icall", set_name as *const ()),
    ]
}
