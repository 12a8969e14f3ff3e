//! Crashes that are not managed exceptions, differential against mono: a load from a wild
//! address, and SIGILL sent to a program spinning in managed code, print mono's "Native Crash
//! Reporting" on stdout (its sections in mono's order, a native backtrace, the managed frames
//! by name) and abort, as mono does; SIGFPE in managed code is mono's unhandled
//! `DivideByZeroException` (exit code 1). Addresses and offsets differ from mono's, and mono's
//! "Telemetry Dumper" and gdb sections are not reproduced: the comparison is of the shape.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use ngen_tests::{fixture_with_images, ngen_build};

/// The signal `abort()` ends a process with (exit status 134 in a shell).
const SIGABRT: i32 = 6;

/// The section titles of a crash report we reproduce, in the order printed.
const SECTIONS: [&str; 4] = [
    "\tNative Crash Reporting",
    "\tNative stacktrace:",
    "\tBasic Fault Address Reporting",
    "\tManaged Stacktrace:",
];

fn sections(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| SECTIONS.contains(l)).collect()
}

/// The managed frames of a crash report, without their offsets (`\t  at Spin:Main`).
fn managed_frames(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| *l != "\tManaged Stacktrace:")
        .filter(|l| l.starts_with("\t  at ") && !l.contains("<Module>"))
        .map(|l| l.split(" <").next().unwrap_or(l).to_string())
        .collect()
}

fn fixture(file: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    fixture_with_images("faults", file, &["-unsafe"], "default")
}

/// `mono exe` run in the exe's (temporary) directory: mono's crash handler writes
/// `mono_crash.*.json` files into the current directory.
fn mono_in_its_directory(exe: &Path) -> Command {
    let mut c = Command::new("mono");
    c.arg(exe).current_dir(exe.parent().unwrap());
    c
}

fn ngen_run(exe: &Path, images: &Path, jit: &str) -> Command {
    let mut c = ngen_build();
    c.arg("run")
        .arg("--images")
        .arg(images)
        .args(["--jit", jit])
        .arg(exe);
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_wild_load_is_monos_native_crash_report_then_abort() {
    let (_dir, exe, images) = fixture("WildPointer.cs");
    let mono = mono_in_its_directory(&exe).output().unwrap();
    let mono_stdout = text(&mono.stdout);
    assert_eq!(mono.status.signal(), Some(SIGABRT), "{mono_stdout}");
    assert!(mono_stdout.starts_with("before\n"));
    assert!(mono_stdout.contains("Got a SIGSEGV while executing native code."));
    for jit in ["never", "always", "fallback"] {
        let out = ngen_run(&exe, &images, jit).output().unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.signal(), Some(SIGABRT), "--jit {jit}: {stdout}");
        assert!(stdout.starts_with("before\n"), "--jit {jit}: {stdout}");
        assert_eq!(
            sections(&stdout),
            sections(&mono_stdout),
            "--jit {jit}: {stdout}"
        );
        assert!(
            stdout.contains("Got a SIGSEGV while executing native code. This usually indicates\n")
        );
        assert!(stdout.contains("Memory around native instruction pointer (0x"));
        // mono inlines Load into Main, and so does our inliner (mono's rule): one frame.
        let frames = managed_frames(&stdout);
        assert_eq!(frames, ["\t  at WildPointer:Main"], "--jit {jit}: {stdout}");
        assert!(managed_frames(&mono_stdout).contains(&frames[0]));
    }
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Spin.exe under mono, sent `signal` once it prints "ready".
fn mono_spin(exe: &Path, signal: &str) -> Output {
    signal_when_ready(mono_in_its_directory(exe), signal)
}

/// Spin.exe under ngen-build, sent `signal` once it prints "ready".
fn ngen_spin(exe: &Path, images: &Path, jit: &str, signal: &str) -> Output {
    signal_when_ready(ngen_run(exe, images, jit), signal)
}

/// Runs `command` (Spin.exe), and once its first line, "ready", shows that Main runs its
/// loop (compiled, in managed code), sends it `signal`; the output includes that line.
/// Waiting for a thread to appear instead raced with the JIT compiling Main under load: the
/// signal then arrived in the compiler, not in managed code.
fn signal_when_ready(mut command: Command, signal: &str) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    let read = stdout.read_line(&mut first);
    if read.is_err() || first != "ready\n" {
        // Spin.exe never ends by itself: leave no spinning process behind.
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!(
            "expected \"ready\", got {first:?} ({read:?}); stderr: {}",
            text(&out.stderr)
        );
    }
    // Past the WriteLine's return, into the loop.
    std::thread::sleep(Duration::from_millis(200));
    kill(&child, signal);
    let mut out = child.wait_with_output().unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
    out.stdout = [first.into_bytes(), rest].concat();
    out
}

#[test]
fn sigfpe_in_managed_code_is_monos_divide_by_zero_exception() {
    let (_dir, exe, images) = fixture("Spin.cs");
    let mono = mono_spin(&exe, "FPE");
    assert_eq!(mono.status.code(), Some(1));
    let report =
        "\nUnhandled Exception:\nSystem.DivideByZeroException: Attempted to divide by zero.\n";
    assert!(
        text(&mono.stderr).starts_with(report),
        "{}",
        text(&mono.stderr)
    );
    for jit in ["never", "always"] {
        let out = ngen_spin(&exe, &images, jit, "FPE");
        assert_eq!(
            out.status.code(),
            Some(1),
            "--jit {jit}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).starts_with(report),
            "--jit {jit}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "ready\n");
    }
}

#[test]
fn sigill_is_monos_native_crash_report_with_the_managed_frame() {
    let (_dir, exe, images) = fixture("Spin.cs");
    let mono = mono_spin(&exe, "ILL");
    let mono_stdout = text(&mono.stdout);
    assert_eq!(mono.status.signal(), Some(SIGABRT), "{mono_stdout}");
    assert!(mono_stdout.contains("Got a SIGILL while executing native code."));
    for jit in ["never", "always"] {
        let out = ngen_spin(&exe, &images, jit, "ILL");
        let stdout = text(&out.stdout);
        assert_eq!(out.status.signal(), Some(SIGABRT), "--jit {jit}: {stdout}");
        assert!(stdout.starts_with("ready\n"));
        assert!(stdout.contains("Got a SIGILL while executing native code."));
        assert_eq!(
            sections(&stdout),
            sections(&mono_stdout),
            "--jit {jit}: {stdout}"
        );
        assert_eq!(
            managed_frames(&stdout),
            managed_frames(&mono_stdout),
            "--jit {jit}"
        );
    }
}
