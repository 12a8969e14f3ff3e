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
use std::time::{Duration, Instant};

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

/// Waits until the process has a thread named `thread` (at most 20 s), then `settle` more.
fn wait_for_thread(child: &Child, thread: &str, settle: Duration) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let tasks = PathBuf::from(format!("/proc/{}/task", child.id()));
    while Instant::now() < deadline {
        let found = std::fs::read_dir(&tasks)
            .into_iter()
            .flatten()
            .flatten()
            .any(|t| {
                std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == thread)
            });
        if found {
            std::thread::sleep(settle);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no thread {thread} in process {}", child.id());
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
    let mut child = mono_in_its_directory(exe)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "ready\n");
    std::thread::sleep(Duration::from_millis(200));
    kill(&child, signal);
    let mut out = child.wait_with_output().unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
    out.stdout = [first.into_bytes(), rest].concat();
    out
}

/// Spin.exe under ngen-build, sent `signal` once its managed thread runs.
fn ngen_spin(exe: &Path, images: &Path, jit: &str, signal: &str) -> Output {
    let mut child = ngen_run(exe, images, jit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Spin.exe never ends by itself: if the thread never shows, kill it before failing, so a
    // failed run leaves no spinning process behind.
    let shown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for_thread(&child, "managed-main", Duration::from_millis(700))
    }));
    if let Err(panic) = shown {
        let _ = child.kill();
        let _ = child.wait();
        std::panic::resume_unwind(panic);
    }
    kill(&child, signal);
    child.wait_with_output().unwrap()
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
