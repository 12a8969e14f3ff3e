//! Mono's `<dllmap>`: the library (and entry point) a `[DllImport]` module name stands for on
//! this machine, read from `/etc/mono/config` (or the file `$MONO_CONFIG` names, as mono's
//! `mono_config_parse` does) and from the calling assembly's own `<assembly>.config`, whose
//! entries win.
//!
//! ## Model
//! `<dllmap dll="NAME" target="LIB" os="..." cpu="..." wordsize="..."/>` maps a module name
//! (case-insensitively with the `i:` prefix) to a library; `$mono_libdir` is mono's library
//! directory. `<dllentry dll="LIB" name="F" target="G"/>` inside a `<dllmap>` maps one entry
//! point. Entries for another OS, CPU or word size are skipped (mono's `arch_matches`). The
//! first matching entry wins, as in mono's `mono_dllmap_lookup`.
//!
//! Depends on: roxmltree. Citations: mono 6.8 `mono/metadata/mono-config.c`
//! (`dllmap_start`), `loader.c` (`mono_dllmap_lookup_list`).

use std::path::Path;

/// Mono's `$mono_libdir` on Debian.
const MONO_LIBDIR: &str = "/usr/lib";
/// The system-wide configuration mono reads by default.
const SYSTEM_CONFIG: &str = "/etc/mono/config";

/// One `<dllmap>` or `<dllentry>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DllMapEntry {
    /// The module name it applies to.
    dll: String,
    /// `i:` prefix: compared ignoring case.
    ignore_case: bool,
    /// A `<dllentry>`'s (or a `<dllmap name=...>`'s) entry point; `None` for the whole module.
    entry: Option<String>,
    /// The library to load instead (`None`: keep the module name).
    target_library: Option<String>,
    /// A `<dllentry>`'s symbol to look up instead of the entry point.
    target_entry: Option<String>,
}

/// Where module `dll`'s entry point `entry` is, after the maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mapped {
    pub(crate) library: String,
    pub(crate) entry: String,
}

/// A parsed set of maps, most specific first.
#[derive(Clone, Debug, Default)]
pub(crate) struct DllMap {
    entries: Vec<DllMapEntry>,
}

impl DllMap {
    /// The maps of the machine (`$MONO_CONFIG`, else `/etc/mono/config`), after those of
    /// `assembly`'s own `.config` file when it has one.
    pub(crate) fn for_assembly(assembly: &Path) -> DllMap {
        let mut map = DllMap::default();
        let mut own = assembly.as_os_str().to_owned();
        own.push(".config");
        if let Ok(text) = std::fs::read_to_string(&own) {
            map.entries.extend(parse(&text));
        }
        let system = std::env::var_os("MONO_CONFIG").unwrap_or_else(|| SYSTEM_CONFIG.into());
        if let Ok(text) = std::fs::read_to_string(system) {
            map.entries.extend(parse(&text));
        }
        map
    }

    /// Where `dll`'s `entry` is: the first entry point map, else the first module map, else
    /// the names themselves.
    pub(crate) fn lookup(&self, dll: &str, entry: &str) -> Mapped {
        let matches = |e: &&DllMapEntry| {
            if e.ignore_case {
                e.dll.eq_ignore_ascii_case(dll)
            } else {
                e.dll == dll
            }
        };
        let by_entry = self
            .entries
            .iter()
            .filter(matches)
            .find(|e| e.entry.as_deref() == Some(entry));
        let by_module = self
            .entries
            .iter()
            .filter(matches)
            .find(|e| e.entry.is_none());
        let library = by_entry
            .and_then(|e| e.target_library.clone())
            .or_else(|| by_module.and_then(|e| e.target_library.clone()))
            .unwrap_or_else(|| dll.to_string());
        let entry = by_entry
            .and_then(|e| e.target_entry.clone())
            .unwrap_or_else(|| entry.to_string());
        Mapped { library, entry }
    }
}

/// Whether an `os`/`cpu`/`wordsize` attribute admits this machine: a comma-separated list,
/// negated as a whole by a leading `!`.
fn admits(value: Option<&str>, this: &str) -> bool {
    let Some(value) = value else {
        return true;
    };
    let (negated, list) = match value.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    list.split(',').any(|v| v.trim() == this) != negated
}

/// Whether an element's `os`, `cpu` and `wordsize` admit Linux on x86-64.
fn for_this_machine(node: roxmltree::Node<'_, '_>) -> bool {
    admits(node.attribute("os"), "linux")
        && admits(node.attribute("cpu"), "x86-64")
        && admits(node.attribute("wordsize"), "64")
}

fn expand(target: &str) -> String {
    target.replace("$mono_libdir", MONO_LIBDIR)
}

/// The `<dllmap>`s and `<dllentry>`s of a configuration file, in order; none when it is
/// not well-formed XML (mono ignores a broken file as well).
fn parse(text: &str) -> Vec<DllMapEntry> {
    let Ok(doc) = roxmltree::Document::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for map in doc.descendants().filter(|n| n.has_tag_name("dllmap")) {
        if !for_this_machine(map) {
            continue;
        }
        let Some(dll) = map.attribute("dll") else {
            continue;
        };
        let (ignore_case, dll) = match dll.strip_prefix("i:") {
            Some(rest) => (true, rest),
            None => (false, dll),
        };
        for entry in map.children().filter(|n| n.has_tag_name("dllentry")) {
            if !for_this_machine(entry) {
                continue;
            }
            let Some(name) = entry.attribute("name") else {
                continue;
            };
            out.push(DllMapEntry {
                dll: dll.to_string(),
                ignore_case,
                entry: Some(name.to_string()),
                target_library: entry.attribute("dll").map(expand),
                target_entry: entry.attribute("target").map(str::to_string),
            });
        }
        if let Some(target) = map.attribute("target") {
            out.push(DllMapEntry {
                dll: dll.to_string(),
                ignore_case,
                entry: map.attribute("name").map(str::to_string),
                target_library: Some(expand(target)),
                target_entry: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"<configuration>
        <dllmap dll="i:cygwin1.dll" target="libc.so.6" os="!windows" />
        <dllmap dll="libc" target="libc.so.6" os="!windows"/>
        <dllmap dll="intl" name="bind_textdomain_codeset" target="libc.so.6" os="solaris"/>
        <dllmap dll="System.Native" target="$mono_libdir/libmono-native.so" os="!windows" />
        <dllmap dll="libcups" target="libcups.dylib" os="osx"/>
        <dllmap dll="i:kernel32.dll">
            <dllentry dll="__Internal" name="CopyMemory" target="mono_win32_compat_CopyMemory"/>
        </dllmap>
    </configuration>"#;

    fn map() -> DllMap {
        DllMap {
            entries: parse(CONFIG),
        }
    }

    #[test]
    fn modules_map_to_libraries_for_linux_only() {
        let m = map();
        assert_eq!(m.lookup("libc", "getpid").library, "libc.so.6");
        assert_eq!(
            m.lookup("System.Native", "SystemNative_Stat2").library,
            "/usr/lib/libmono-native.so"
        );
        // `os="osx"` and `os="solaris"` entries are skipped; unmapped names stay.
        assert_eq!(m.lookup("libcups", "f").library, "libcups");
        assert_eq!(m.lookup("intl", "bind_textdomain_codeset").library, "intl");
        assert_eq!(m.lookup("nosuch", "f").library, "nosuch");
    }

    #[test]
    fn the_i_prefix_ignores_case_and_dllentry_maps_one_entry_point() {
        let m = map();
        assert_eq!(m.lookup("CYGWIN1.DLL", "f").library, "libc.so.6");
        assert_eq!(m.lookup("LIBC", "f").library, "LIBC");
        let copy = m.lookup("KERNEL32.dll", "CopyMemory");
        assert_eq!(copy.library, "__Internal");
        assert_eq!(copy.entry, "mono_win32_compat_CopyMemory");
        assert_eq!(m.lookup("kernel32.dll", "Other").library, "kernel32.dll");
    }

    #[test]
    fn os_lists_and_negation() {
        assert!(admits(Some("!windows"), "linux"));
        assert!(!admits(Some("!windows,linux"), "linux"));
        assert!(admits(Some("osx,linux"), "linux"));
        assert!(!admits(Some("osx"), "linux"));
        assert!(admits(None, "linux"));
    }

    #[test]
    fn broken_xml_maps_nothing() {
        assert!(parse("<configuration><dllmap").is_empty());
    }
}
