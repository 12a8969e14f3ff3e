//! `System.IO.Path`'s icalls (`icall-def.h` `IOPATH_*`): `get_temp_path`, which
//! `Path.GetTempPath` calls (the managed side appends the directory separator).
//!
//! Depends on: [`crate::alloc`] (strings).

/// The temporary directory as Mono's `g_get_tmp_dir` (eglib) chooses it: `$TMPDIR`, else
/// `$TMP`, else `$TEMP`, else `/tmp` (a variable set to the empty string counts as set, as
/// `g_getenv` returns it).
fn temp_dir() -> String {
    ["TMPDIR", "TMP", "TEMP"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_else(|| "/tmp".to_string())
}

/// `string get_temp_path ()`: Mono's `ves_icall_System_IO_get_temp_path`.
extern "C" fn get_temp_path() -> u64 {
    crate::alloc::string_from_str(&temp_dir()) as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("get_temp_path", get_temp_path as *const ())]
}
