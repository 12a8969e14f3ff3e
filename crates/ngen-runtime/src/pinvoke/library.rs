//! Finding a P/Invoke's native function: the dllmap ([`super::dllmap`]), then `dlopen` of the
//! library with mono's name probing, then `dlsym` with the charset suffixes.
//!
//! ## Model
//! A module name is tried as written when it is a path or names a `.so`; otherwise, in the
//! calling assembly's directory and then through the dynamic loader's search path, as
//! `libNAME.so`, `NAME.so`, `NAME` and `libNAME` (mono's `mono_dl_build_path` order), and a
//! `.dll` suffix is dropped first. `__Internal` is the process itself. Handles are kept for
//! the life of the process (mono never unloads them either). An entry point is looked up as
//! written, then, unless `ExactSpelling`, with the `W` (Unicode) or `A` suffix. A failure
//! gives mono's exception and message: `DllNotFoundException` or
//! `EntryPointNotFoundException` with `NAME assembly:<unknown assembly> type:<unknown type>
//! member:(null)`.
//!
//! Depends on: libloading, [`super::dllmap`]. Citations: mono 6.8 `mono/metadata/
//! native-library.c` (`netcore_probe_for_module`, legacy `pinvoke_probe_for_module`),
//! `mono/utils/mono-dl.c` (`mono_dl_build_path`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ngen_compiler::pinvoke::PInvokeImport;

use super::dllmap::DllMap;

/// Why a native function could not be found: the exception class and its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotFound {
    pub(crate) class: &'static str,
    pub(crate) message: String,
}

fn mono_message(name: &str) -> String {
    format!("{name} assembly:<unknown assembly> type:<unknown type> member:(null)")
}

/// Libraries by the directory they were probed from and the name asked for (`None`: not
/// found).
type Opened = HashMap<(PathBuf, String), Option<Library>>;

/// The libraries opened so far.
static LIBRARIES: Mutex<Option<Opened>> = Mutex::new(None);

/// An opened library, kept for the life of the process.
struct Library(libloading::os::unix::Library);

/// The address of the native function `import` names, for a P/Invoke of the assembly at
/// `assembly`.
pub(crate) fn resolve(assembly: &Path, import: &PInvokeImport) -> Result<u64, NotFound> {
    let mapped = DllMap::for_assembly(assembly).lookup(&import.library, &import.entry);
    let directory = assembly.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut guard = LIBRARIES.lock().unwrap_or_else(|e| e.into_inner());
    let libraries = guard.get_or_insert_with(HashMap::new);
    let library = libraries
        .entry((directory.clone(), mapped.library.clone()))
        .or_insert_with(|| open(&directory, &mapped.library).map(Library));
    let Some(Library(library)) = library else {
        return Err(NotFound {
            class: "DllNotFoundException",
            message: mono_message(&import.library),
        });
    };
    let mut names = vec![mapped.entry.clone()];
    if !import.exact_spelling {
        names.push(format!(
            "{}{}",
            mapped.entry,
            if import.unicode { 'W' } else { 'A' }
        ));
    }
    for name in names {
        // SAFETY: the symbol is only turned into an address; the stub calls it with the
        // P/Invoke's declared signature, which is the program's promise, as under mono.
        if let Ok(symbol) = unsafe { library.get::<*const ()>(name.as_bytes()) } {
            // The library stays open for the life of the process, so the address stays valid.
            let address = symbol.into_raw() as u64;
            if address != 0 {
                return Ok(address);
            }
        }
    }
    Err(NotFound {
        class: "EntryPointNotFoundException",
        message: mono_message(&import.entry),
    })
}

/// The names `dlopen` is tried with for `name`, in mono's order.
fn candidates(directory: &Path, name: &str) -> Vec<PathBuf> {
    if name.contains('/') {
        return vec![PathBuf::from(name)];
    }
    let mut stems = vec![name.to_string()];
    if let Some(stem) = name
        .strip_suffix(".dll")
        .or_else(|| name.strip_suffix(".DLL"))
    {
        stems.push(stem.to_string());
    }
    let mut names = Vec::new();
    for stem in &stems {
        if stem.contains(".so") {
            names.push(stem.clone());
            continue;
        }
        names.push(format!("lib{stem}.so"));
        names.push(format!("{stem}.so"));
        names.push(stem.clone());
        names.push(format!("lib{stem}"));
    }
    let mut out: Vec<PathBuf> = names.iter().map(|n| directory.join(n)).collect();
    out.extend(names.into_iter().map(PathBuf::from));
    out
}

/// Opens library `name` (`__Internal`: the process), probing as mono does.
fn open(directory: &Path, name: &str) -> Option<libloading::os::unix::Library> {
    use libloading::os::unix::{Library, RTLD_LAZY};
    if name == "__Internal" {
        return Some(Library::this());
    }
    candidates(directory, name).into_iter().find_map(|path| {
        if path.is_absolute() && !path.exists() {
            return None;
        }
        // SAFETY: loading a library runs its initialisers, as mono's dlopen does; the
        // program asked for this library by its [DllImport].
        unsafe { Library::open(Some(&path), RTLD_LAZY) }.ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probing_order_is_monos() {
        let c = candidates(Path::new("/app"), "foo");
        let names: Vec<String> = c.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "/app/libfoo.so",
                "/app/foo.so",
                "/app/foo",
                "/app/libfoo",
                "libfoo.so",
                "foo.so",
                "foo",
                "libfoo"
            ]
        );
        assert_eq!(
            candidates(Path::new("/app"), "/usr/lib/libx.so"),
            [PathBuf::from("/usr/lib/libx.so")]
        );
        let dll = candidates(Path::new("/app"), "bar.dll");
        assert!(dll.contains(&PathBuf::from("libbar.so")));
    }

    #[test]
    fn libc_resolves_and_a_missing_library_or_entry_point_says_so() {
        let import = |library: &str, entry: &str| PInvokeImport {
            library: library.into(),
            entry: entry.into(),
            exact_spelling: false,
            unicode: false,
        };
        let here = Path::new("/nonexistent/app.exe");
        assert!(resolve(here, &import("libc", "getpid")).is_ok());
        let missing = resolve(here, &import("ngen_no_such_library", "f")).unwrap_err();
        assert_eq!(missing.class, "DllNotFoundException");
        assert_eq!(
            missing.message,
            "ngen_no_such_library assembly:<unknown assembly> type:<unknown type> member:(null)"
        );
        let entry = resolve(here, &import("libc", "ngen_no_such_function")).unwrap_err();
        assert_eq!(entry.class, "EntryPointNotFoundException");
    }
}
