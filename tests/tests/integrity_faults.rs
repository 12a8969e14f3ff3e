//! Runtime faults without managed catch, differential against mono: a null dereference
//! (SIGSEGV in image or JIT code) is mono's unhandled `NullReferenceException`; unbounded
//! recursion is mono's `StackOverflowException` report, and finite recursion overflows at
//! mono's depth; running out of memory is mono's `OutOfMemoryException`. Each compares
//! stdout, stderr without mono's stack-frame lines, and the exit code, from native images,
//! from the JIT and in fallback mode.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ngen_tests::{fixture_with_images, framework_images, ngen_build};

/// stderr without mono's `  at Type.Method () [0x…] in <mvid>:0` frame lines.
fn without_frames(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| !l.starts_with("  at "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A fault fixture compiled (with `-unsafe`) and its native images.
struct Fixture {
    _dir: tempfile::TempDir,
    exe: PathBuf,
    images: PathBuf,
}

fn fixture(file: &str) -> Fixture {
    let (dir, exe, images) = fixture_with_images("faults", file, &["-unsafe"], "default");
    Fixture {
        _dir: dir,
        exe,
        images,
    }
}

/// `command` under `sh -c 'ulimit -s KIB; exec …'` with `env` set.
fn run_with(mut command: Command, stack_kib: Option<u32>, env: &[(&str, &str)]) -> Output {
    for (k, v) in env {
        command.env(k, v);
    }
    let Some(kib) = stack_kib else {
        return command.output().unwrap();
    };
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("ulimit -s {kib} && exec \"$@\""))
        .arg("sh")
        .arg(command.get_program())
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => shell.env(k, v),
            None => shell.env_remove(k),
        };
    }
    shell.output().unwrap()
}

fn mono_command(exe: &Path, flags: &[&str], args: &[&str]) -> Command {
    let mut c = Command::new("mono");
    c.args(flags).arg(exe).args(args);
    c
}

fn ngen_command(f: &Fixture, jit: &str, args: &[&str]) -> Command {
    let mut c = ngen_build();
    // The framework's images too: under `--jit never`, Console is mscorlib's compiled code.
    c.arg("run")
        .arg("--images")
        .arg(&f.images)
        .arg("--images")
        .arg(framework_images())
        .args(["--jit", jit])
        .arg(&f.exe)
        .args(args);
    c
}

/// Asserts the fixture behaves as under mono in every JIT mode (stdout, stderr without
/// frames, exit code), and returns mono's output.
fn assert_like_mono(
    f: &Fixture,
    args: &[&str],
    stack_kib: Option<u32>,
    env: &[(&str, &str)],
) -> Output {
    let expected = run_with(mono_command(&f.exe, &[], args), stack_kib, env);
    for jit in ["never", "always", "fallback"] {
        let out = run_with(ngen_command(f, jit, args), stack_kib, env);
        let what = format!("{} {args:?} --jit {jit} {env:?}", f.exe.display());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&expected.stdout),
            "stdout of {what}"
        );
        assert_eq!(
            without_frames(&out.stderr),
            without_frames(&expected.stderr),
            "stderr of {what}"
        );
        assert_eq!(
            out.status.code(),
            expected.status.code(),
            "exit code of {what}"
        );
    }
    expected
}

#[test]
fn null_dereference_is_monos_unhandled_null_reference_exception() {
    let f = fixture("NullDeref.cs");
    let expected = assert_like_mono(&f, &[], None, &[]);
    assert_eq!(expected.status.code(), Some(1));
    assert!(without_frames(&expected.stderr).contains("System.NullReferenceException"));
}

#[test]
fn unbounded_recursion_is_monos_stack_overflow_report() {
    let f = fixture("Recursion.cs");
    let expected = assert_like_mono(&f, &[], None, &[]);
    assert_eq!(expected.status.code(), Some(1));
    assert_eq!(
        without_frames(&expected.stderr),
        "\nUnhandled Exception:\nStackOverflowException\n[ERROR] FATAL UNHANDLED EXCEPTION: \
         System.StackOverflowException: The requested operation caused a stack overflow.\n"
    );
    // mono --debug reports it the same way.
    let debug = mono_command(&f.exe, &["--debug"], &[]).output().unwrap();
    assert_eq!(
        without_frames(&debug.stderr),
        without_frames(&expected.stderr)
    );
    assert_eq!(debug.status.code(), Some(1));
}

#[test]
fn recursion_overflows_at_monos_depth() {
    // With mono's default 8 MiB stack, mono's limit for this 16-byte frame is 521,4xx-521,6xx
    // frames (it varies with the environment's size); ours is within a few hundred of it.
    let f = fixture("DeepRecursion.cs");
    let fits = assert_like_mono(&f, &["505000"], Some(8192), &[]);
    assert_eq!(String::from_utf8_lossy(&fits.stdout), "505000\n");
    let overflows = assert_like_mono(&f, &["540000"], Some(8192), &[]);
    assert_eq!(overflows.status.code(), Some(1));
    assert!(without_frames(&overflows.stderr).contains("StackOverflowException"));
    // A larger ulimit gives mono, and us, a larger stack.
    let larger = assert_like_mono(&f, &["540000"], Some(16384), &[]);
    assert_eq!(larger.status.code(), Some(0));
}

#[test]
fn a_huge_array_beyond_the_heap_limit_is_out_of_memory() {
    let f = fixture("HugeArray.cs");
    let expected = assert_like_mono(&f, &[], None, &[("MONO_GC_PARAMS", "max-heap-size=1g")]);
    assert_eq!(expected.status.code(), Some(1));
    assert!(without_frames(&expected.stderr).contains(
        "System.OutOfMemoryException: Insufficient memory to continue the execution of the program."
    ));
}

#[test]
fn growing_allocation_until_the_heap_limit_is_out_of_memory() {
    let f = fixture("GrowingHeap.cs");
    let expected = assert_like_mono(&f, &[], None, &[("MONO_GC_PARAMS", "max-heap-size=64m")]);
    assert_eq!(expected.status.code(), Some(1));
    assert!(without_frames(&expected.stderr).contains("System.OutOfMemoryException"));
}
