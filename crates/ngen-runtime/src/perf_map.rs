//! `NGEN_PERF_MAP=1`: JIT-compiled code listed in `/tmp/perf-PID.map`, the file `perf report`
//! reads to name addresses in anonymous executable memory (the "perf map" convention of the
//! Linux perf tools, as V8, the JVM agents and .NET Core's `DOTNET_PerfMapEnabled` write it).
//! One line per method, `START SIZE NAME` with START and SIZE in hexadecimal, appended as the
//! JIT compiles; NAME is `Namespace.Type::Method#rid`, as image methods are named in their ELF
//! symbol tables (so they need no entry here).
//!
//! Depends on: nothing but std.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The open perf map, if this run keeps one.
static MAP: OnceLock<Option<Mutex<File>>> = OnceLock::new();

fn map() -> Option<&'static Mutex<File>> {
    MAP.get_or_init(|| {
        let on = std::env::var("NGEN_PERF_MAP").is_ok_and(|v| v == "1");
        if !on {
            return None;
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        match File::create(&path) {
            Ok(file) => Some(Mutex::new(file)),
            Err(e) => {
                eprintln!("ngen-build run: warning: NGEN_PERF_MAP: cannot create {path}: {e}");
                None
            }
        }
    })
    .as_ref()
}

/// One perf map line.
fn line(start: u64, size: u64, name: &str) -> String {
    // perf reads the name to the end of the line: keep it on one.
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{start:x} {size:x} {name}\n")
}

/// Records a JIT-compiled method of `size` bytes at `start`, when the perf map is on.
pub(crate) fn record(start: u64, size: u64, name: &str) {
    let Some(map) = map() else { return };
    let mut file = map.lock().unwrap_or_else(PoisonError::into_inner);
    // Unbuffered: a crash must not lose the lines written so far.
    let _ = file.write_all(line(start, size, name).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_hex_start_size_and_a_one_line_name() {
        assert_eq!(
            line(0x7f12_3400, 0x5c, "Demo.Fib::F"),
            "7f123400 5c Demo.Fib::F\n"
        );
        assert_eq!(line(16, 1, "A\nB"), "10 1 A B\n");
    }
}
