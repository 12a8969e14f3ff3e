//! The debug scenario (issue 12): images compiled for it are unoptimised, keep every
//! variable in memory and carry DWARF (`.debug_info` subprograms with managed names,
//! `.debug_line` from the assembly's `.mdb`), so that gdb on `ngen-build run --scenario debug`
//! stops at `break File.cs:LINE` and `bt` shows managed frames with file and line.
//!
//! - gdb batch sessions (skipped loudly when gdb is missing; `tests/setup.sh` installs it);
//! - the `.mdb` reader against `mono --debug`: every `[0xIL] in File.cs:LINE` of mono's
//!   stack traces is what `ngen-symbols` answers for that method and IL offset;
//! - debug images behave as mono, from images and from the JIT.

use std::path::{Path, PathBuf};
use std::process::Command;

use ngen_tests::{Observed, mcs, mono, ngen_build, run_ok, skip_loudly, temp_dir, workspace_root};

/// A fixture of `tests/fixtures/<area>` compiled with `mcs -debug` and its image compiled
/// for the debug scenario. Area `symbols` is `crates/ngen-symbols/testdata`, whose `Lines.cs`
/// the symbol reader's unit tests read too.
struct DebugProgram {
    _dir: tempfile::TempDir,
    exe: PathBuf,
    images: PathBuf,
}

fn debug_program(area: &str, name: &str) -> DebugProgram {
    let dir = temp_dir();
    let dir_of_area = match area {
        "symbols" => workspace_root().join("crates/ngen-symbols/testdata"),
        _ => workspace_root().join("tests/fixtures").join(area),
    };
    let source = dir_of_area.join(format!("{name}.cs"));
    let exe = dir.path().join(format!("{name}.exe"));
    mcs(&[&source], &exe, &["-debug", "-unsafe"]);
    assert!(
        dir.path().join(format!("{name}.exe.mdb")).exists(),
        "mcs -debug wrote no .mdb"
    );
    let images = dir.path().join("images");
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(&exe)
            .args(["--scenario", "debug", "--out"])
            .arg(&images),
    );
    DebugProgram {
        _dir: dir,
        exe,
        images,
    }
}

fn gdb_available(test: &str) -> bool {
    let found = Command::new("gdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip_loudly(test, "gdb is not installed (tests/setup.sh installs it)");
    }
    found
}

/// Runs `ngen-build run --scenario debug --jit <jit> exe` under `gdb -batch` with `commands`
/// after a pending `break <breakpoint>` and `run`; returns gdb's output.
fn gdb_session(p: &DebugProgram, jit: &str, breakpoint: &str, commands: &[&str]) -> String {
    let mut gdb = Command::new("timeout");
    gdb.args(["-s", "KILL", "300", "gdb", "-batch", "-nx"])
        .args(["-ex", "set breakpoint pending on"])
        .args(["-ex", "set pagination off"])
        // Boehm's collector stops threads with these.
        .args(["-ex", "handle SIGPWR SIGXCPU nostop noprint"])
        .args(["-ex", &format!("break {breakpoint}")])
        .args(["-ex", "run"]);
    for c in commands {
        gdb.args(["-ex", c]);
    }
    gdb.args(["-ex", "kill", "--args"])
        .arg(ngen_tests::ngen_build_bin())
        .args(["run", "--scenario", "debug", "--images"])
        .arg(&p.images)
        .arg("--images")
        .arg(ngen_tests::debug_framework_images())
        .args(["--jit", jit])
        .arg(&p.exe)
        .stdin(std::process::Stdio::null());
    let out = gdb.output().expect("run gdb");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("hit Breakpoint 1"),
        "gdb never stopped at {breakpoint}:\n{text}"
    );
    text
}

/// The last `#1 ` line (the caller's frame) of gdb's backtraces in `text`.
fn last_caller_frame(text: &str) -> &str {
    text.lines()
        .rfind(|l| l.starts_with("#1 "))
        .unwrap_or_else(|| panic!("no caller frame:\n{text}"))
}

#[test]
fn gdb_stops_at_a_source_line_of_an_image_and_bt_shows_managed_frames() {
    if !gdb_available("gdb_stops_at_a_source_line_of_an_image_and_bt_shows_managed_frames") {
        return;
    }
    let p = debug_program("symbols", "Lines");
    let text = gdb_session(&p, "never", "Lines.cs:7", &["bt 3", "info frame"]);
    // The pending breakpoint resolved when the image was mapped; it stopped in `Add` at the
    // line, and its caller is `Main` at the line of the call.
    assert!(
        text.contains("#0  Lines::Add (a=1, b=2) at ") && text.contains("Lines.cs:7"),
        "{text}"
    );
    let main_frame = last_caller_frame(&text);
    assert!(
        main_frame.contains("in Lines::Main () at ") && main_frame.ends_with("Lines.cs:13"),
        "{main_frame}"
    );
    assert!(text.contains("source language c++"), "{text}");
}

#[test]
fn gdb_reads_arguments_and_locals_from_their_stack_slots() {
    if !gdb_available("gdb_reads_arguments_and_locals_from_their_stack_slots") {
        return;
    }
    let p = debug_program("symbols", "Lines");
    // Line 8 is `return sum;` in `Add(1, 2)`: arguments named from the metadata, locals from
    // the .mdb, values read from the frame.
    let text = gdb_session(
        &p,
        "never",
        "Lines.cs:8",
        &["info args", "info locals", "print a * 10 + b"],
    );
    assert!(text.contains("Lines::Add (a=1, b=2) at "), "{text}");
    for line in ["a = 1", "b = 2", "sum = 3", "$1 = 12"] {
        assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");
    }
}

#[test]
fn gdb_breaks_on_a_loop_body_line_every_iteration() {
    if !gdb_available("gdb_breaks_on_a_loop_body_line_every_iteration") {
        return;
    }
    let p = debug_program("symbols", "Lines");
    // `Console.WriteLine(c)` runs once per character of "ab": two stops, then the program
    // ends normally.
    let text = gdb_session(
        &p,
        "never",
        "Lines.cs:19",
        &["bt 1", "continue", "bt 1", "continue"],
    );
    assert_eq!(
        text.matches("hit Breakpoint 1, Lines::Main () at ").count(),
        2,
        "{text}"
    );
    assert!(text.contains("exited normally"), "{text}");
}

#[test]
fn gdb_sees_jit_code_through_the_jit_interface() {
    if !gdb_available("gdb_sees_jit_code_through_the_jit_interface") {
        return;
    }
    let p = debug_program("debug", "Twice");
    // Under `--jit always` nothing comes from the image: `Main` is JIT-compiled and
    // registered with gdb, and the pending breakpoint resolves in it. The first call compiled
    // `Square`, so a breakpoint on one of its lines resolves at once and stops the second call.
    let text = gdb_session(
        &p,
        "always",
        "Twice.cs:12",
        &[
            "bt 1",
            "break Twice.cs:5",
            "continue",
            "bt 2",
            "next",
            "info locals",
        ],
    );
    assert!(
        text.contains("hit Breakpoint 1, Twice::Main () at ") && text.contains("Twice.cs:12"),
        "{text}"
    );
    // The second call, `Square(3)`: its argument, and its local after `next`.
    assert!(
        text.contains("hit Breakpoint 2, Twice::Square (v=3) at "),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "r = 9"), "{text}");
    let caller = last_caller_frame(&text);
    assert!(
        caller.contains("in Twice::Main () at ") && caller.ends_with("Twice.cs:12"),
        "{caller}"
    );
}

#[test]
fn gdb_breaks_on_a_method_by_name_before_the_jit_compiles_it() {
    if !gdb_available("gdb_breaks_on_a_method_by_name_before_the_jit_compiles_it") {
        return;
    }
    let p = debug_program("symbols", "Lines");
    // `Namespace.Type::Method`, the subprogram's name: pending until the JIT registers `Add`,
    // then past its prologue, at its first line.
    let text = gdb_session(&p, "always", "Lines::Add", &["bt 2"]);
    assert!(
        text.contains("hit Breakpoint 1, Lines::Add (a=1, b=2) at ") && text.contains("Lines.cs:7"),
        "{text}"
    );
    assert!(last_caller_frame(&text).ends_with("Lines.cs:13"), "{text}");
}

/// `at Demo.Throws.Inner (System.Int32 n) [0x0002c] in /path/Throws.cs:15` → (method name,
/// IL offset, line).
fn mono_frames(stdout: &str) -> Vec<(String, u32, u32)> {
    stdout
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("at ")?;
            let (method, rest) = l.split_once(" (")?;
            let il = rest.split_once("[0x")?.1.split_once(']')?.0;
            let line = rest.rsplit_once(':')?.1.trim();
            let name = method.rsplit_once('.')?.1.to_string();
            Some((name, u32::from_str_radix(il, 16).ok()?, line.parse().ok()?))
        })
        .collect()
}

/// The MethodDef rid of the method named `name` (fixture method names are unique).
fn method_rid(exe: &Path, name: &str) -> u32 {
    let asm = ngen_metadata::Assembly::open(exe).unwrap();
    (1..=asm.row_count(ngen_metadata::TableId::MethodDef))
        .find(|&rid| asm.method_def(rid).is_ok_and(|m| m.name == name))
        .unwrap_or_else(|| panic!("no method {name}"))
}

#[test]
fn mdb_lines_are_the_lines_mono_debug_prints_for_each_il_offset() {
    let p = debug_program("debug", "Throws");
    let out = Command::new("mono")
        .arg("--debug")
        .arg(&p.exe)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let frames = mono_frames(&stdout);
    assert!(frames.len() >= 5, "{stdout}");
    let symbols = ngen_symbols::SymbolFile::find_for(&p.exe, None)
        .unwrap()
        .expect("the .mdb next to the exe");
    for (method, il, line) in frames {
        let (file, found) = symbols
            .location(method_rid(&p.exe, &method), il)
            .unwrap()
            .unwrap_or_else(|| panic!("{method}: no point at or before IL {il:#x}"));
        assert_eq!(found, line, "{method} at IL {il:#x}");
        assert!(file.ends_with("Throws.cs"), "{file}");
    }
}

#[test]
fn a_mismatched_mdb_is_refused_as_mono_refuses_it() {
    let p = debug_program("symbols", "Lines");
    let asm = ngen_metadata::Assembly::open(&p.exe).unwrap();
    let mut mvid = asm.mvid().unwrap();
    assert!(ngen_symbols::SymbolFile::find_for(&p.exe, Some(mvid)).is_ok());
    mvid[0] ^= 1;
    assert!(matches!(
        ngen_symbols::SymbolFile::find_for(&p.exe, Some(mvid)),
        Err(ngen_symbols::SymbolError::Mismatch { .. })
    ));
}

#[test]
fn debug_images_and_debug_jit_code_behave_as_mono() {
    for (area, name) in [
        // Not `Throws`: it prints `Exception.StackTrace`, which the runtime has no frames
        // for yet (the stack-trace work of issue 7).
        ("symbols", "Lines"),
        ("codegen", "arith"),
        ("codegen", "control"),
        ("codegen", "refs"),
        ("codegen", "floats"),
        ("codegen", "checked"),
        ("codegen", "arrays"),
    ] {
        let p = debug_program(area, name);
        let expected = Observed::from(&mono(&p.exe, &[]));
        for jit in ["never", "always"] {
            let out = ngen_build()
                .args(["run", "--scenario", "debug", "--images"])
                .arg(&p.images)
                .arg("--images")
                .arg(ngen_tests::debug_framework_images())
                .args(["--jit", jit])
                .arg(&p.exe)
                .output()
                .unwrap();
            assert_eq!(
                Observed::from(&out),
                expected,
                "{name} under --scenario debug --jit {jit} differs from mono"
            );
        }
    }
}

#[test]
fn debug_images_carry_dwarf_and_default_images_do_not() {
    let p = debug_program("symbols", "Lines");
    let image = std::fs::read(p.images.join("Lines.ni.so")).unwrap();
    let has = |bytes: &[u8], name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
    assert!(has(&image, b".debug_line") && has(&image, b".debug_info"));
    // The managed names of the subprograms are in `.debug_str`.
    assert!(has(&image, b"Lines::Add\0") && has(&image, b"Lines::Main\0"));
    let default_images = p._dir.path().join("default");
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(&p.exe)
            .arg("--out")
            .arg(&default_images),
    );
    let default = std::fs::read(default_images.join("Lines.ni.so")).unwrap();
    assert!(!has(&default, b".debug_line"));
    // Same inputs, same bytes: the DWARF is deterministic.
    let again = p._dir.path().join("again");
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(&p.exe)
            .args(["--scenario", "debug", "--out"])
            .arg(&again),
    );
    assert_eq!(std::fs::read(again.join("Lines.ni.so")).unwrap(), image);
}
